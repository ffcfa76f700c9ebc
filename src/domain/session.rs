//! Server-side sessions and their lifetimes (OWASP ASVS 7.3; HIPAA automatic log-off).

use super::account::AccountStatus;
use super::factor::FactorKind;
use super::{UnixTime, policy::Policy};

text_enum!(
    /// How far a browser has come. Each stage is its own session: moving on rotates the
    /// identifier (ASVS 7.2.4), so a cookie seen at one stage is worthless at the next.
    SessionStage {
        /// Opened a registration link; may set a password and choose a factor.
        Registration => "registration",
        /// Opened the first-run link: may register the first system administrator, typing its
        /// own name and email. A registrant of its own, so that no other session without an
        /// account (a recovery for an unknown address, say) can ever create an administrator.
        FirstAdministrator => "first-administrator",
        /// Gave the right password; must now pass the second factor.
        SecondFactor => "second-factor",
        /// Passed both factors.
        Authenticated => "authenticated",
        /// Forgot your password: waiting for the code emailed to the address typed.
        Recovery => "recovery",
        /// Forgot your password, email verified: waiting for the phone factor.
        RecoveryPhone => "recovery-phone",
        /// Forgot your password, verified: may set a new password.
        PasswordReset => "password-reset",
    }
);

impl SessionStage {
    /// Stages that wait for a verification code or call.
    pub const AWAITING_CODE: [SessionStage; 3] =
        [Self::SecondFactor, Self::Recovery, Self::RecoveryPhone];

    /// The stages a factor the person holds (an app's code, a passkey, a recovery code)
    /// passes: the second factor, and a recovery's second proof after the emailed code.
    pub const SECOND_STEP: [SessionStage; 2] = [Self::SecondFactor, Self::RecoveryPhone];

    pub fn awaits_code(self) -> bool {
        Self::AWAITING_CODE.contains(&self)
    }

    /// Where a right code leads. Password recovery verifies the email, then the phone when
    /// the account has one (guide: "Phone users will be prompted to select Send Code…"), and
    /// only then allows a new password.
    pub fn after_code(self, has_phone: bool) -> SessionStage {
        match self {
            Self::Recovery if has_phone => Self::RecoveryPhone,
            Self::Recovery | Self::RecoveryPhone => Self::PasswordReset,
            _ => Self::Authenticated,
        }
    }

    /// A current portal user (imported, no multi-factor registration yet) who proved the
    /// email address with Forgot your password goes on as the first login does after the
    /// old password: to the registration page (a new password and a factor), not straight
    /// to a new password and home.
    pub fn for_imported_account(self) -> SessionStage {
        match self {
            Self::PasswordReset => Self::Registration,
            other => other,
        }
    }

    /// Where a registration link leads. An account that has already set its password and
    /// chosen a factor (registering) resumes where it stopped, at verifying that factor,
    /// instead of typing a new password and method again. The link stands in for the
    /// password it was sent for; the factor is still required.
    /// The first-run link (no account) leads to the first administrator's registration.
    pub fn after_registration_link(status: Option<AccountStatus>) -> SessionStage {
        match status {
            Some(AccountStatus::Registering) => Self::SecondFactor,
            Some(_) => Self::Registration,
            None => Self::FirstAdministrator,
        }
    }

    /// The stages whose person fills in the registration page.
    pub fn registers(self) -> bool {
        matches!(self, Self::Registration | Self::FirstAdministrator)
    }
}

/// What a new password set by Forgot your password leads to, and whether the registration
/// is complete. The emailed code has just proved the address, so an account registering
/// with the email factor is done; one whose factor is not verified yet (a phone without a
/// verified number, or none chosen since an MFA reset) must still register it, exactly as
/// after a sign-in: never home unverified.
pub fn after_new_password(
    status: AccountStatus,
    method: Option<FactorKind>,
) -> (SessionStage, bool) {
    match (status, method) {
        (AccountStatus::Registering, Some(FactorKind::Email)) => {
            (SessionStage::Authenticated, true)
        }
        (AccountStatus::Registering | AccountStatus::Imported | AccountStatus::Invited, _) => {
            (SessionStage::SecondFactor, false)
        }
        (AccountStatus::Active, _) => (SessionStage::Authenticated, false),
    }
}

/// Sensitive actions (administration; changing one's email, phone or factor) need the second
/// factor passed within this long (OWASP ASVS 7.5.3; NIST SP 800-63B 4.2.3 re-authentication).
pub const STEP_UP_SECS: i64 = 15 * 60;

/// Whether a second factor passed at `verified_at` is recent enough for a sensitive action.
pub fn factor_is_fresh(verified_at: Option<UnixTime>, now: UnixTime) -> bool {
    verified_at.is_some_and(|at| now - at <= STEP_UP_SECS)
}

/// A path of this portal to go on to after a step, or None. Only a local absolute path is
/// taken: no scheme, no host (`//host` and `/\host` are hosts to a browser), no control
/// characters, so a crafted link cannot send a person elsewhere (no open redirect).
pub fn local_path(next: &str) -> Option<&str> {
    let mut chars = next.chars();
    let local = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() <= 512;
    local.then_some(next)
}

/// How a session proved its person, carried from stage to stage of one sign-in (or one
/// recovery) and stated to applications as the ID token's `amr` (RFC 8176) and `acr`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Proofs {
    /// The password: typed at sign-in, or set after a recovery proved the person.
    pub password: bool,
    /// A one-time code: emailed, texted, from an authenticator app, or a recovery code.
    pub code: bool,
    /// The code came by text message.
    pub text: bool,
    /// A voice call answered with the pound key.
    pub call: bool,
    /// A passkey bound to one device (`hwk`: proof of possession of a hardware key).
    pub hardware_key: bool,
    /// A passkey that may be synced between devices (`swk`: a software key).
    pub software_key: bool,
    /// The authenticator verified its user (a PIN or biometric: `user`), which lets a passkey
    /// count as both factors.
    pub user_verified: bool,
    /// The company's identity provider signed the staff member in (`fed`; staff single
    /// sign-on): a first factor of its own.
    pub federated: bool,
    /// …and its `amr` showed a second factor there.
    pub federated_mfa: bool,
}

impl Proofs {
    /// The password alone (a right password at sign-in).
    pub const PASSWORD: Self = Self {
        password: true,
        code: false,
        text: false,
        call: false,
        hardware_key: false,
        software_key: false,
        user_verified: false,
        federated: false,
        federated_mfa: false,
    };

    /// The company's identity provider's sign-in, with a second factor there or not.
    pub fn federated(second_factor: bool) -> Self {
        Self {
            federated: true,
            federated_mfa: second_factor,
            ..Self::default()
        }
    }

    /// These proofs and the password.
    pub fn and_password(self) -> Self {
        Self {
            password: true,
            ..self
        }
    }

    /// These proofs and a code or call over a channel (`email`, `sms`, `voice`).
    pub fn and_channel(self, channel: &str) -> Self {
        match channel {
            "email" => Self { code: true, ..self },
            "sms" => Self {
                code: true,
                text: true,
                ..self
            },
            "voice" => Self { call: true, ..self },
            _ => self,
        }
    }

    /// These proofs and a one-time code the person holds: an authenticator app's, or a
    /// recovery code.
    pub fn and_code(self) -> Self {
        Self { code: true, ..self }
    }

    /// These proofs and a passkey's assertion: a synced passkey is a software key, a
    /// device-bound one a hardware key.
    pub fn and_passkey(self, synced: bool, user_verified: bool) -> Self {
        Self {
            hardware_key: self.hardware_key || !synced,
            software_key: self.software_key || synced,
            user_verified: self.user_verified || user_verified,
            ..self
        }
    }

    /// Everything proved in either.
    pub fn and(self, other: Self) -> Self {
        Self {
            password: self.password || other.password,
            code: self.code || other.code,
            text: self.text || other.text,
            call: self.call || other.call,
            hardware_key: self.hardware_key || other.hardware_key,
            software_key: self.software_key || other.software_key,
            user_verified: self.user_verified || other.user_verified,
            federated: self.federated || other.federated,
            federated_mfa: self.federated_mfa || other.federated_mfa,
        }
    }

    fn key(self) -> bool {
        self.hardware_key || self.software_key
    }

    /// Two factors: something known and something held, or a passkey that verified its
    /// user (something held, unlocked by something known or something the person is).
    pub fn is_multi_factor(self) -> bool {
        let first = self.password || self.federated;
        (first && (self.code || self.call || self.key()))
            || (self.key() && self.user_verified)
            || (self.federated && self.federated_mfa)
    }

    /// Whether a passkey was among the proofs: bound to this site's origin, it cannot be
    /// phished (NIST SP 800-63B 5.2.5).
    pub fn is_phishing_resistant(self) -> bool {
        self.key() && self.is_multi_factor()
    }

    /// RFC 8176 values: `pwd`, `otp` (a code), `sms` (by text), `tel` (a call), `hwk` and
    /// `swk` (a passkey), `user` (verified by the authenticator), `mfa` when two factors were
    /// used; and `fed` (not in RFC 8176: the company's identity provider signed the person in).
    pub fn amr(self) -> Vec<&'static str> {
        let flags = [
            (self.password, "pwd"),
            (self.code, "otp"),
            (self.text, "sms"),
            (self.call, "tel"),
            (self.hardware_key, "hwk"),
            (self.software_key, "swk"),
            (self.user_verified, "user"),
            (self.federated, "fed"),
            (self.is_multi_factor(), "mfa"),
        ];
        flags
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, name)| name)
            .collect()
    }

    /// `acr`: `phr` (phishing-resistant) after a passkey, `mfa` after two factors of other
    /// kinds; none otherwise, rather than claim a level that was not reached.
    pub fn acr(self) -> Option<&'static str> {
        if self.is_phishing_resistant() {
            Some(PHISHING_RESISTANT)
        } else {
            self.is_multi_factor().then_some("mfa")
        }
    }

    /// As stored: the `amr` values, space-separated.
    pub fn to_text(self) -> String {
        self.amr().join(" ")
    }

    /// Reads the stored text (unknown words, and `mfa`, which is derived, are ignored).
    pub fn parse(text: &str) -> Self {
        let proofs = text.split(' ').fold(Self::default(), |p, word| match word {
            "pwd" => p.and_password(),
            "otp" => Self { code: true, ..p },
            "sms" => Self { text: true, ..p },
            "tel" => Self { call: true, ..p },
            "hwk" => Self {
                hardware_key: true,
                ..p
            },
            "swk" => Self {
                software_key: true,
                ..p
            },
            "user" => Self {
                user_verified: true,
                ..p
            },
            "fed" => Self {
                federated: true,
                ..p
            },
            // Derived from the others, except after a provider's sign-in, where it is the
            // provider's word for its own second factor.
            "mfa" => Self {
                federated_mfa: true,
                ..p
            },
            _ => p,
        });
        // `mfa` stands for the provider's own second factor only where nothing else stored
        // explains it.
        let otherwise = proofs.code || proofs.call || proofs.key();
        Self {
            federated_mfa: proofs.federated && proofs.federated_mfa && !otherwise,
            ..proofs
        }
    }
}

/// The `acr` value of a sign-in with a passkey, which a client may ask for (`acr_values`).
pub const PHISHING_RESISTANT: &str = "phr";

/// A session's clock readings, as stored.
#[derive(Debug, Clone, Copy)]
pub struct SessionTimes {
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
    pub expires_at: UnixTime,
}

impl SessionTimes {
    pub fn new(now: UnixTime, policy: &Policy, limit: Option<UnixTime>) -> Self {
        let absolute = now + policy.session_absolute_secs;
        Self {
            created_at: now,
            last_seen_at: now,
            expires_at: limit.map_or(absolute, |l| l.min(absolute)),
        }
    }

    /// Live while used within the idle time-out and before the absolute end.
    pub fn is_live(&self, now: UnixTime, policy: &Policy) -> bool {
        now < self.expires_at && now - self.last_seen_at < policy.session_idle_secs
    }

    /// Recording every request would make each page view a write; a minute's precision is
    /// plenty for a 15-minute idle time-out.
    pub fn needs_touch(&self, now: UnixTime) -> bool {
        now - self.last_seen_at >= 60
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_after_15_idle_minutes_and_12_hours_in_all() {
        let policy = Policy::default();
        let mut times = SessionTimes::new(1_000, &policy, None);
        assert!(times.is_live(1_000 + 899, &policy));
        assert!(!times.is_live(1_000 + 900, &policy));
        // Kept busy, it still ends at 12 hours.
        times.last_seen_at = 1_000 + 12 * 3600 - 10;
        assert!(times.is_live(1_000 + 12 * 3600 - 1, &policy));
        assert!(!times.is_live(1_000 + 12 * 3600, &policy));
    }

    #[test]
    fn a_limit_shortens_the_absolute_end() {
        let policy = Policy::default();
        let times = SessionTimes::new(1_000, &policy, Some(1_500));
        assert_eq!(times.expires_at, 1_500);
    }

    #[test]
    fn recovery_verifies_email_then_phone_then_allows_a_new_password() {
        use SessionStage::*;
        assert_eq!(SecondFactor.after_code(true), Authenticated);
        assert_eq!(Recovery.after_code(true), RecoveryPhone);
        assert_eq!(Recovery.after_code(false), PasswordReset);
        assert_eq!(RecoveryPhone.after_code(true), PasswordReset);
        assert!(!PasswordReset.awaits_code() && !Authenticated.awaits_code());
    }

    #[test]
    fn a_new_password_never_skips_an_unverified_factor() {
        use AccountStatus::*;
        use SessionStage::*;
        assert_eq!(
            after_new_password(Active, Some(FactorKind::Phone)),
            (Authenticated, false)
        );
        assert_eq!(
            after_new_password(Registering, Some(FactorKind::Email)),
            (Authenticated, true)
        );
        assert_eq!(
            after_new_password(Registering, Some(FactorKind::Phone)),
            (SecondFactor, false)
        );
        assert_eq!(after_new_password(Registering, None), (SecondFactor, false));
    }

    #[test]
    fn links_resume_a_registration_and_imported_users_register_after_recovery() {
        assert_eq!(
            SessionStage::after_registration_link(Some(AccountStatus::Registering)),
            SessionStage::SecondFactor
        );
        assert_eq!(
            SessionStage::after_registration_link(Some(AccountStatus::Invited)),
            SessionStage::Registration
        );
        assert_eq!(
            SessionStage::after_registration_link(None),
            SessionStage::FirstAdministrator
        );
        assert_eq!(
            SessionStage::PasswordReset.for_imported_account(),
            SessionStage::Registration
        );
        assert_eq!(
            SessionStage::RecoveryPhone.for_imported_account(),
            SessionStage::RecoveryPhone
        );
    }

    #[test]
    fn asvs_7_5_3_a_factor_is_fresh_for_fifteen_minutes() {
        assert!(factor_is_fresh(Some(1_000), 1_000 + STEP_UP_SECS));
        assert!(!factor_is_fresh(Some(1_000), 1_000 + STEP_UP_SECS + 1));
        assert!(!factor_is_fresh(None, 1_000));
    }

    #[test]
    fn only_local_paths_are_followed() {
        for good in ["/", "/admin", "/account?x=1", "/admin/audit"] {
            assert_eq!(local_path(good), Some(good), "{good}");
        }
        for bad in [
            "",
            "admin",
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/a\\b",
            "/\nLocation: x",
            "javascript:alert(1)",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn stages_round_trip() {
        for &stage in SessionStage::ALL {
            assert_eq!(SessionStage::parse(stage.as_str()), Some(stage));
        }
    }

    #[test]
    fn proofs_name_each_factor_and_mfa_only_for_two() {
        let email = Proofs::PASSWORD.and_channel("email");
        assert_eq!(email.amr(), vec!["pwd", "otp", "mfa"]);
        assert_eq!(
            Proofs::PASSWORD.and_channel("sms").amr(),
            vec!["pwd", "otp", "sms", "mfa"]
        );
        assert_eq!(
            Proofs::PASSWORD.and_channel("voice").amr(),
            vec!["pwd", "tel", "mfa"]
        );
        assert_eq!(email.acr(), Some("mfa"));
        // A registration link resumed at the code proves the email address only.
        let code_only = Proofs::default().and_channel("email");
        assert_eq!((code_only.amr(), code_only.acr()), (vec!["otp"], None));
        for proofs in [email, code_only, Proofs::PASSWORD.and_channel("sms")] {
            assert_eq!(Proofs::parse(&proofs.to_text()), proofs);
        }
    }

    /// Staff single sign-on (issue 16): the provider's sign-in is one factor, two when its
    /// `amr` showed a second; with Tessera's own code after it, two. Each reads back as stored.
    #[test]
    fn a_providers_sign_in_counts_as_its_amr_says() {
        let upstream_mfa = Proofs::federated(true);
        assert_eq!(upstream_mfa.amr(), vec!["fed", "mfa"]);
        assert_eq!(upstream_mfa.acr(), Some("mfa"));
        let one = Proofs::federated(false);
        assert_eq!((one.amr(), one.acr()), (vec!["fed"], None));
        let with_code = one.and_channel("email");
        assert_eq!(with_code.amr(), vec!["otp", "fed", "mfa"]);
        for proofs in [upstream_mfa, one, with_code] {
            assert_eq!(Proofs::parse(&proofs.to_text()), proofs);
        }
        // `mfa` read back never makes a provider's second factor out of other proofs.
        assert!(!Proofs::parse("pwd otp mfa").federated_mfa);
    }

    #[test]
    fn a_passkey_with_user_verification_is_both_factors_and_phishing_resistant() {
        let passwordless = Proofs::default().and_passkey(false, true);
        assert_eq!(passwordless.amr(), vec!["hwk", "user", "mfa"]);
        assert_eq!(passwordless.acr(), Some(PHISHING_RESISTANT));
        // Without user verification a passkey alone is one factor: no level is claimed.
        let presence_only = Proofs::default().and_passkey(true, false);
        assert_eq!(
            (presence_only.amr(), presence_only.acr()),
            (vec!["swk"], None)
        );
        // After a password it is the second factor, still phishing-resistant.
        let second = Proofs::PASSWORD.and_passkey(true, false);
        assert_eq!(second.amr(), vec!["pwd", "swk", "mfa"]);
        assert_eq!(second.acr(), Some(PHISHING_RESISTANT));
        // An authenticator app's code is a one-time password: two factors, not phishing-resistant.
        let app = Proofs::PASSWORD.and_code();
        assert_eq!(
            (app.amr(), app.acr()),
            (vec!["pwd", "otp", "mfa"], Some("mfa"))
        );
        for proofs in [passwordless, presence_only, second, app] {
            assert_eq!(Proofs::parse(&proofs.to_text()), proofs);
        }
    }
}
