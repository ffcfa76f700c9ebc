//! Second factors: the kinds there are, the ones an organization allows, and what passing
//! a second step changes. The email and phone factors of the user guide are kinds like the
//! stronger ones (authenticator app, passkey): each is a variant, a row in an organization's
//! policy and a row per account, not a column. Recovery codes are not a kind: they stand in
//! for a lost factor and never count as one.

use super::account::{AccountStatus, Role};
use super::session::SessionStage;

text_enum!(
    /// A kind of second factor. The text form is stored (`account_factors.kind`,
    /// `organization_factors.kind`, `accounts.mfa_method`) and shown in the audit log.
    FactorKind { Email => "email", Phone => "phone", App => "app", Passkey => "passkey" }
);

text_enum!(
    /// Who in an organization must hold a passkey, the phishing-resistant factor (NIST SP
    /// 800-63B 5.2.5): nobody, its administrators, or everyone. People it applies to who hold
    /// none are led to enrol one at their next sign-in.
    PasskeyRequirement { Off => "off", Admins => "admins", Everyone => "everyone" }
);

impl PasskeyRequirement {
    pub fn applies_to(self, role: Role) -> bool {
        match self {
            Self::Off => false,
            Self::Admins => role != Role::User,
            Self::Everyone => true,
        }
    }
}

impl FactorKind {
    /// The factor a code sent over this channel proves: an emailed code the email factor, a
    /// text or a call the phone factor.
    pub fn of_channel(channel: &str) -> Option<Self> {
        match channel {
            "email" => Some(Self::Email),
            "sms" | "voice" => Some(Self::Phone),
            _ => None,
        }
    }

    /// The factor an account is asked for first at its second step: the one it chose while
    /// its organization allows it, else the first allowed one it holds, or (none chosen yet,
    /// after an MFA reset) the first allowed one it can be sent. None when nothing the account
    /// has is allowed any more.
    pub fn to_verify(
        chosen: Option<Self>,
        held: FactorSet,
        allowed: AllowedFactors,
    ) -> Option<Self> {
        match chosen {
            Some(kind) if allowed.allows(kind) => Some(kind),
            Some(_) => held.and(allowed).first(),
            None => allowed.kinds().find(|k| !k.is_enrolled()),
        }
    }

    /// Kinds that exist only once enrolled (a secret or a key made with the person), as
    /// opposed to the channels of the guide, which a first code proves.
    pub fn is_enrolled(self) -> bool {
        matches!(self, Self::App | Self::Passkey)
    }

    /// The name people see: the guide's "Email" and "Phone", and the contract's labels.
    pub fn label(self) -> &'static str {
        match self {
            Self::Email => "Email",
            Self::Phone => "Phone",
            Self::App => "Authenticator app",
            Self::Passkey => "Passkey",
        }
    }

    fn bit(self) -> u8 {
        1 << Self::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// A set of factor kinds: the ones an organization allows, or the ones an account holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FactorSet(u8);

/// The kinds of second factor an organization allows (an operator may turn off the email
/// factor, or SMS and voice: NIST SP 800-63B 5.1.3.3). Stored as one row per allowed kind.
pub type AllowedFactors = FactorSet;

impl FactorSet {
    /// Every kind: a new organization, and accounts of no organization (system
    /// administrators).
    pub fn all() -> Self {
        Self::from_kinds(FactorKind::ALL.iter().copied())
    }

    pub fn none() -> Self {
        Self(0)
    }

    pub fn from_kinds(kinds: impl IntoIterator<Item = FactorKind>) -> Self {
        Self(kinds.into_iter().fold(0, |bits, kind| bits | kind.bit()))
    }

    pub fn allows(self, kind: FactorKind) -> bool {
        self.0 & kind.bit() != 0
    }

    /// The same policy with one kind turned on or off.
    pub fn with(self, kind: FactorKind, allowed: bool) -> Self {
        if allowed {
            Self(self.0 | kind.bit())
        } else {
            Self(self.0 & !kind.bit())
        }
    }

    /// The allowed kinds, in declaration order.
    pub fn kinds(self) -> impl Iterator<Item = FactorKind> {
        FactorKind::ALL
            .iter()
            .copied()
            .filter(move |k| self.allows(*k))
    }

    pub fn first(self) -> Option<FactorKind> {
        self.kinds().next()
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The kinds in both sets.
    pub fn and(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }
}

/// Shown and sent as the list of kinds, e.g. `["email", "phone"]`.
impl serde::Serialize for FactorSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.kinds().map(FactorKind::as_str))
    }
}

/// What the account holds when a second step completes, read in the same transaction that
/// records the outcome, so the two cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactorFacts {
    pub status: AccountStatus,
    /// The account holds a factor besides its email address (a recovery asks for it too).
    pub has_other: bool,
}

/// What passing a second step leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondStep {
    /// The stage of the new session.
    pub next: SessionStage,
    /// Signed in: the factor proved is recorded as the account's (created, or its last use
    /// moved), and a registration completes. None while a recovery goes on: nothing about
    /// the account changes until its new password.
    pub signs_in: Option<SignedInWith>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedInWith {
    /// None for a recovery code, which stands in for a factor and is not one.
    pub factor: Option<FactorKind>,
    /// The account's status afterwards: a registration completes with its first factor.
    pub status: AccountStatus,
}

/// The one rule for where a right code (or a pressed #) leads from `stage`, and what it
/// records. A recovery asks for the phone too when one is on file; a current portal user
/// (imported) who proved the address goes to the registration page, not to a new password.
pub fn after_second_step(
    stage: SessionStage,
    facts: FactorFacts,
    proved: Option<FactorKind>,
) -> SecondStep {
    let next = stage.after_code(facts.has_other);
    let next = if facts.status == AccountStatus::Imported {
        next.for_imported_account()
    } else {
        next
    };
    let signs_in = (next == SessionStage::Authenticated).then_some(SignedInWith {
        factor: proved,
        status: match facts.status {
            AccountStatus::Registering => AccountStatus::Active,
            other => other,
        },
    });
    SecondStep { next, signs_in }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccountStatus::*;
    use FactorKind::*;
    use SessionStage::*;

    #[test]
    fn kinds_round_trip_and_channels_name_their_factor() {
        for kind in FactorKind::ALL {
            assert_eq!(FactorKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(FactorKind::of_channel("email"), Some(Email));
        assert_eq!(FactorKind::of_channel("sms"), Some(Phone));
        assert_eq!(FactorKind::of_channel("voice"), Some(Phone));
        assert_eq!(FactorKind::of_channel("fax"), None);
    }

    #[test]
    fn an_organization_policy_is_a_set_of_kinds() {
        let only_phone = AllowedFactors::all()
            .with(Email, false)
            .with(App, false)
            .with(Passkey, false);
        assert!(!only_phone.allows(Email) && only_phone.allows(Phone));
        assert_eq!(only_phone.first(), Some(Phone));
        assert_eq!(only_phone.kinds().collect::<Vec<_>>(), vec![Phone]);
        assert!(AllowedFactors::none().is_empty());
        assert_eq!(
            AllowedFactors::from_kinds([Phone, Email, App, Passkey]),
            AllowedFactors::all()
        );
    }

    #[test]
    fn the_factor_to_verify_is_the_chosen_one_while_allowed() {
        let all = AllowedFactors::all();
        let none = FactorSet::none();
        assert_eq!(FactorKind::to_verify(Some(Phone), none, all), Some(Phone));
        assert_eq!(FactorKind::to_verify(None, none, all), Some(Email));
        let no_email = all.with(Email, false);
        assert_eq!(FactorKind::to_verify(Some(Email), none, no_email), None);
        assert_eq!(FactorKind::to_verify(None, none, no_email), Some(Phone));
        assert_eq!(
            FactorKind::to_verify(None, none, AllowedFactors::none()),
            None
        );
        // The chosen factor turned off: another one held and allowed is asked for instead.
        let holds_app = FactorSet::from_kinds([Email, App]);
        assert_eq!(
            FactorKind::to_verify(Some(Email), holds_app, no_email),
            Some(App)
        );
        // Nobody is sent to an authenticator app or a passkey they never enrolled.
        let only_enrolled = AllowedFactors::from_kinds([App, Passkey]);
        assert_eq!(FactorKind::to_verify(None, none, only_enrolled), None);
    }

    fn facts(status: AccountStatus, has_other: bool) -> FactorFacts {
        FactorFacts { status, has_other }
    }

    #[test]
    fn a_second_step_signs_in_and_completes_a_registration() {
        let step = after_second_step(SecondFactor, facts(Registering, false), Some(Phone));
        assert_eq!(step.next, Authenticated);
        assert_eq!(
            step.signs_in,
            Some(SignedInWith {
                factor: Some(Phone),
                status: Active
            })
        );
        let step = after_second_step(SecondFactor, facts(Active, false), Some(Email));
        assert_eq!(step.signs_in.map(|s| s.status), Some(Active));
    }

    #[test]
    fn a_recovery_changes_nothing_until_the_new_password() {
        let step = after_second_step(Recovery, facts(Active, true), Some(Email));
        assert_eq!((step.next, step.signs_in), (RecoveryPhone, None));
        let step = after_second_step(Recovery, facts(Active, false), Some(Email));
        assert_eq!((step.next, step.signs_in), (PasswordReset, None));
        let step = after_second_step(RecoveryPhone, facts(Active, true), Some(Phone));
        assert_eq!((step.next, step.signs_in), (PasswordReset, None));
        // A current portal user proves the address, then registers (a new password, a factor).
        let step = after_second_step(Recovery, facts(Imported, false), Some(Email));
        assert_eq!((step.next, step.signs_in), (Registration, None));
    }
}
