//! Accounts: who a person is to the portal, and how far their registration has come.

use super::factor::FactorKind;
use super::{UnixTime, email::Email, name::DisplayName};

text_enum!(
    /// What an account may administer.
    Role { User => "user", OrgAdmin => "org-admin", SystemAdmin => "system-admin" }
);

text_enum!(
    /// Invited: no password yet. Registering: password set, second factor not yet verified.
    /// Active: registration complete. Imported: a current portal user brought over from the
    /// older system with their password hash, who has not yet registered for MFA.
    AccountStatus {
        Invited => "invited",
        Registering => "registering",
        Active => "active",
        Imported => "imported",
    }
);

#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub email: Email,
    pub display_name: DisplayName,
    pub org_id: Option<i64>,
    pub role: Role,
    pub status: AccountStatus,
    /// The factor chosen at registration (proved at each sign-in), once chosen.
    pub mfa_method: Option<FactorKind>,
    /// The verified phone number (E.164), once the phone factor has been verified.
    pub phone: Option<String>,
    /// Turned off by an administrator: no sign-in until enabled again.
    pub disabled: bool,
    /// Locked by an administrator: no sign-in until unlocked.
    pub locked: bool,
    pub created_at: UnixTime,
    /// The language the person picked; what is sent to them is in it.
    pub language: Option<crate::i18n::Language>,
}

impl Account {
    /// Whether a phone number may be typed rather than the one on file: only while
    /// registering the phone factor (chosen, or none chosen after an MFA reset), never to
    /// sign in or recover an account that has one or that chose email.
    pub fn may_register_a_number(&self) -> bool {
        self.status == AccountStatus::Registering
            && self.mfa_method != Some(FactorKind::Email)
            && self.phone.is_none()
    }
}

/// What an administrator (or the first-run setup) gives to create an account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: Email,
    pub display_name: DisplayName,
    pub org_id: Option<i64>,
    pub role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_round_trip() {
        for role in [Role::User, Role::OrgAdmin, Role::SystemAdmin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(
            AccountStatus::parse("registering"),
            Some(AccountStatus::Registering)
        );
    }
}
