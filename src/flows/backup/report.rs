//! What `tessera backup` and `tessera restore` tell the operator.

use crate::domain::backup::Manifest;
use crate::flows::human_time;

use super::{BackupDone, Restored, SecretPlace};

fn manifest_lines(m: &Manifest) -> Vec<String> {
    let rows: Vec<String> = m.rows.iter().map(|(t, n)| format!("{t} {n}")).collect();
    vec![
        format!("  format: {}", m.format),
        format!("  Tessera version: {}", m.tessera_version),
        format!(
            "  database: {}, schema version {}",
            m.backend, m.schema_version
        ),
        format!("  audit head: {}", m.audit_head),
        format!("  made at: {}", human_time(m.made_at)),
        format!("  rows: {}", rows.join(", ")),
        format!(
            "  keys: {}",
            if m.keys_included {
                "included, sealed under the passphrase (Argon2id, AES-256-GCM)"
            } else {
                "NOT included"
            }
        ),
    ]
}

pub fn backup(done: &BackupDone) -> String {
    let m = &done.manifest;
    let mut out = vec![format!("Backup written to {}", done.file.display())];
    out.extend(manifest_lines(m));
    if !m.keys_included {
        out.push(String::new());
        out.push(
            "This backup does not hold the keys, and cannot be restored to a working portal without them. Back them up apart, somewhere else than the backup:".into(),
        );
        out.push(match &done.secret_place {
            SecretPlace::File(path) => format!(
                "  - the secret key: the file {} (every session, code and link, and the audit log's seals, depend on it)",
                path.display()
            ),
            SecretPlace::Variable => "  - the secret key: TESSERA_SECRET_KEY, as set in this portal's environment (every session, code and link, and the audit log's seals, depend on it)".into(),
        });
        if m.encryption_keys_set {
            out.push("  - TESSERA_ENCRYPTION_KEYS, as set in this portal's environment (phone numbers, authenticator app secrets, signing keys and queued mail are sealed under it)".into());
        }
    }
    out.push(String::new());
    out.push(format!(
        "Keep the audit head apart from the backup: after a restore, `tessera audit verify --expect-head {}` shows the log up to it is intact.",
        m.audit_head
    ));
    out.join("\n")
}

pub fn restore(done: &Restored) -> String {
    let mut out = vec![format!(
        "Restored {} from the backup made at {}:",
        done.database.display(),
        human_time(done.manifest.made_at)
    )];
    out.extend(manifest_lines(&done.manifest));
    out.push(format!(
        "The audit log verifies: {} entries under the restored key; the backup's head {} is in it (now {}, with the restore recorded).",
        done.entries, done.manifest.audit_head, done.head_now
    ));
    if let Some(path) = &done.wrote_secret_key {
        out.push(format!(
            "Wrote the secret key to {} (mode 0600).",
            path.display()
        ));
    }
    out.push(String::new());
    out.push("Next:".into());
    if let Some(path) = &done.wrote_encryption_keys {
        out.push(format!(
            "  - Set TESSERA_ENCRYPTION_KEYS from {} (it is in the form of systemd's EnvironmentFile=; copy its line into /etc/tessera/tessera.env), then delete that file. Without it, phone numbers, authenticator apps and signing keys cannot be read.",
            path.display()
        ));
    }
    out.push("  - Start the portal: `tessera serve` (or `systemctl start tessera`). People's sessions are as they were at the backup.".into());
    out.push(format!(
        "  - Check: `tessera audit verify --expect-head {}`.",
        done.manifest.audit_head
    ));
    out.push("  - Changes made after the backup (registrations, new factors, sign-ins) are not in it: tell the people concerned.".into());
    out.join("\n")
}
