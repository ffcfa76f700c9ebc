//! Who may use what: the rule every request passes (`web::gate` applies it, before any
//! handler runs, with the route's declared [`Access`]). A handler never decides by itself
//! whether a session's stage, its account's standing, its factor under the organization's
//! policy or the Terms of Use let it through: forgetting a check cannot open a route.

use super::account::AccountStatus;
use super::factor::{AllowedFactors, FactorKind, FactorSet};
use super::session::SessionStage;

/// What a route asks of the person using it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not: the sign-in and help pages, static files, health.
    Public,
    /// The phone provider's webhooks: no session; each checks its signature first.
    Webhook,
    /// A session at exactly this stage (the recovery steps).
    Stage(SessionStage),
    /// The registration page: an invited person's registration, or the first administrator's.
    Register,
    /// The page that says where recovery goes next: any stage a right recovery code leads to.
    RecoveryVerified,
    /// A second-factor step by this factor: the session waits for a factor, and this is the
    /// factor of *this* account that *its organization* allows.
    Factor(FactorKind),
    /// The second step by a recovery code, which stands in for whichever factor is lost: a
    /// session waiting for a factor (sign-in, or a recovery's second proof) of an active
    /// account whose factors its organization still allows.
    SecondStep,
    /// Both factors passed, the account in good standing, the current Terms accepted.
    SignedIn,
    /// Both factors passed; the Terms may still be waiting (the Terms page itself).
    AcceptingTerms,
    /// As `SignedIn`, but open while the person's organization requires a passkey they do
    /// not hold yet: Your account, confirming it is you, and enrolling one.
    Enrolling,
    /// The JSON API: a bearer token (checked by the API), or a session as for `SignedIn`.
    Api,
}

/// What is known of the session behind a request, read in one query.
#[derive(Debug, Clone)]
pub struct Standing {
    pub stage: SessionStage,
    /// None for a session not tied to an account (a recovery begun for an unknown address,
    /// the first administrator's registration).
    pub account: Option<AccountStanding>,
    /// Whether the account accepted the current Terms of Use (true when none are published).
    pub terms_accepted: bool,
}

/// An account as the access rule needs it, with its organization's factor policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountStanding {
    pub status: AccountStatus,
    pub method: Option<FactorKind>,
    /// The kinds of factor the account holds (proved, or enrolled).
    pub held: FactorSet,
    pub disabled: bool,
    pub locked: bool,
    /// The kinds the account's organization allows.
    pub allowed: AllowedFactors,
    /// The organization requires a passkey of this person, who holds none yet.
    pub must_enrol_passkey: bool,
}

impl AccountStanding {
    /// Disabled or locked by an administrator: no session of it may do anything.
    pub fn is_barred(&self) -> bool {
        self.disabled || self.locked
    }

    fn allows(&self, factor: FactorKind) -> bool {
        self.allowed.allows(factor)
    }

    /// The factor this account is asked for first at its second step
    /// (`FactorKind::to_verify`). None when nothing it has is allowed any more.
    pub fn second_factor(&self) -> Option<FactorKind> {
        FactorKind::to_verify(self.method, self.held, self.allowed)
    }

    /// Whether this factor may pass the second step: the one asked for first, or any other
    /// the account holds, or while none is chosen (a registration after an MFA reset) any
    /// the organization allows that a code proves; always one the organization allows.
    /// None when nothing the account has is allowed any more.
    pub fn may_use(&self, factor: FactorKind) -> Option<bool> {
        let first = self.second_factor()?;
        let held = self.held.allows(factor);
        let unchosen = self.method.is_none() && !factor.is_enrolled();
        Some(self.allows(factor) && (factor == first || held || unchosen))
    }

    /// The factors a recovery may ask for after the emailed code: any held besides the
    /// address just proved, as the organization allows.
    fn recovery_factors(&self) -> FactorSet {
        self.held.and(self.allowed).with(FactorKind::Email, false)
    }

    /// The factor a recovery asks for after the emailed code, the phone first (the guide).
    fn recovery_factor(&self) -> Option<FactorKind> {
        let factors = self.recovery_factors();
        if factors.allows(FactorKind::Phone) {
            return Some(FactorKind::Phone);
        }
        factors.first()
    }
}

/// Where a person belongs when a route is not theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Register,
    Factor(FactorKind),
    RecoveryCode,
    NewPassword,
    Home,
}

/// The rule's answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// No live session: sign in (or start the journey again).
    SignedOut,
    /// A session at another stage: send the person where they belong.
    Elsewhere(Place),
    /// Signed in, but a newer version of the Terms of Use waits.
    AcceptTerms,
    /// Signed in, but the organization requires a passkey the person must enrol first.
    EnrolPasskey,
    /// The account is disabled or locked by an administrator.
    Barred,
    /// The account's factor is one its organization no longer allows.
    FactorNotAllowed,
}

/// The one access rule.
pub fn decide(access: Access, standing: Option<&Standing>) -> Decision {
    use Decision::*;
    if matches!(access, Access::Public | Access::Webhook) {
        return Allow;
    }
    let Some(standing) = standing else {
        return SignedOut;
    };
    let account = standing.account.as_ref();
    // A recovery that has not yet proved the address says nothing of the account's
    // standing (the stranger who typed it learns nothing); the proof itself is refused.
    if standing.stage != SessionStage::Recovery && account.is_some_and(AccountStanding::is_barred) {
        return Barred;
    }
    let elsewhere = || match place_of(standing) {
        Some(place) => Elsewhere(place),
        None => FactorNotAllowed,
    };
    match access {
        Access::Public | Access::Webhook => Allow,
        Access::Stage(stage) if standing.stage == stage => Allow,
        Access::Stage(_) => elsewhere(),
        Access::Register if standing.stage.registers() => Allow,
        Access::Register => elsewhere(),
        Access::RecoveryVerified => match standing.stage {
            SessionStage::RecoveryPhone
            | SessionStage::PasswordReset
            | SessionStage::Registration => Allow,
            _ => elsewhere(),
        },
        Access::Factor(factor) => {
            let usable = match (standing.stage, account) {
                (SessionStage::SecondFactor, Some(a)) => a.may_use(factor),
                (SessionStage::RecoveryPhone, Some(a)) => Some(a.recovery_factors().allows(factor)),
                _ => Some(false),
            };
            match usable {
                Some(true) => Allow,
                Some(false) => elsewhere(),
                None => FactorNotAllowed,
            }
        }
        Access::SecondStep => match (standing.stage, account) {
            (SessionStage::SecondFactor | SessionStage::RecoveryPhone, Some(a))
                if a.status == AccountStatus::Active =>
            {
                // Where its factors' pages are refused, a recovery code is refused too.
                match place_of(standing) {
                    Some(_) => Allow,
                    None => FactorNotAllowed,
                }
            }
            _ => elsewhere(),
        },
        Access::SignedIn | Access::Api | Access::Enrolling
            if standing.stage == SessionStage::Authenticated =>
        {
            match account {
                None => elsewhere(),
                Some(_) if !standing.terms_accepted => AcceptTerms,
                Some(a) if a.must_enrol_passkey && access != Access::Enrolling => EnrolPasskey,
                Some(_) => Allow,
            }
        }
        Access::AcceptingTerms
            if standing.stage == SessionStage::Authenticated && account.is_some() =>
        {
            Allow
        }
        Access::Api => SignedOut,
        Access::SignedIn | Access::AcceptingTerms | Access::Enrolling => elsewhere(),
    }
}

/// The page a session's stage belongs on; None when its factor is no longer allowed.
pub fn place_of(standing: &Standing) -> Option<Place> {
    let account = standing.account.as_ref();
    Some(match standing.stage {
        SessionStage::Registration | SessionStage::FirstAdministrator => Place::Register,
        SessionStage::SecondFactor => Place::Factor(account?.second_factor()?),
        SessionStage::Recovery => Place::RecoveryCode,
        SessionStage::RecoveryPhone => Place::Factor(account?.recovery_factor()?),
        SessionStage::PasswordReset => Place::NewPassword,
        SessionStage::Authenticated => Place::Home,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(method: Option<FactorKind>) -> AccountStanding {
        AccountStanding {
            status: AccountStatus::Active,
            method,
            held: FactorSet::from_kinds(method),
            disabled: false,
            locked: false,
            allowed: AllowedFactors::all(),
            must_enrol_passkey: false,
        }
    }

    fn at(stage: SessionStage, account: AccountStanding) -> Standing {
        Standing {
            stage,
            account: Some(account),
            terms_accepted: true,
        }
    }

    #[test]
    fn asvs_6_3_a_password_alone_reaches_only_the_accounts_own_factor() {
        let email_user = at(SessionStage::SecondFactor, account(Some(FactorKind::Email)));
        let phone_user = at(SessionStage::SecondFactor, account(Some(FactorKind::Phone)));
        let email = Access::Factor(FactorKind::Email);
        let phone = Access::Factor(FactorKind::Phone);
        assert_eq!(decide(email, Some(&email_user)), Decision::Allow);
        assert_eq!(
            decide(phone, Some(&email_user)),
            Decision::Elsewhere(Place::Factor(FactorKind::Email))
        );
        assert_eq!(decide(phone, Some(&phone_user)), Decision::Allow);
        assert_eq!(
            decide(email, Some(&phone_user)),
            Decision::Elsewhere(Place::Factor(FactorKind::Phone))
        );
        for access in [Access::SignedIn, Access::AcceptingTerms, Access::Api] {
            assert_ne!(decide(access, Some(&email_user)), Decision::Allow);
        }
    }

    #[test]
    fn several_factors_each_open_their_own_page_and_no_other() {
        let mut holder = account(Some(FactorKind::Email));
        holder.held = FactorSet::from_kinds([FactorKind::Email, FactorKind::App]);
        let standing = at(SessionStage::SecondFactor, holder);
        for factor in [FactorKind::Email, FactorKind::App] {
            assert_eq!(
                decide(Access::Factor(factor), Some(&standing)),
                Decision::Allow
            );
        }
        // Never a factor the person does not hold (a password alone reaches no enrolment).
        for factor in [FactorKind::Phone, FactorKind::Passkey] {
            assert_eq!(
                decide(Access::Factor(factor), Some(&standing)),
                Decision::Elsewhere(Place::Factor(FactorKind::Email))
            );
        }
        // A recovery asks for a held factor besides the address it just proved.
        let recovering = at(SessionStage::RecoveryPhone, holder);
        assert_eq!(place_of(&recovering), Some(Place::Factor(FactorKind::App)));
        assert_eq!(
            decide(Access::Factor(FactorKind::Email), Some(&recovering)),
            Decision::Elsewhere(Place::Factor(FactorKind::App))
        );
        // The organization turning the app off closes its page too.
        holder.allowed = AllowedFactors::all().with(FactorKind::App, false);
        let standing = at(SessionStage::SecondFactor, holder);
        assert_eq!(
            decide(Access::Factor(FactorKind::App), Some(&standing)),
            Decision::Elsewhere(Place::Factor(FactorKind::Email))
        );
        // After an MFA reset (nothing chosen, nothing held) only a sent code registers.
        let reset = at(SessionStage::SecondFactor, account(None));
        assert_eq!(
            decide(Access::Factor(FactorKind::App), Some(&reset)),
            Decision::Elsewhere(Place::Factor(FactorKind::Email))
        );
    }

    #[test]
    fn a_factor_the_organization_turned_off_opens_nothing() {
        let mut phone_off = account(Some(FactorKind::Phone));
        phone_off.allowed = AllowedFactors::all().with(FactorKind::Phone, false);
        let standing = at(SessionStage::SecondFactor, phone_off);
        for factor in [FactorKind::Email, FactorKind::Phone] {
            assert_eq!(
                decide(Access::Factor(factor), Some(&standing)),
                Decision::FactorNotAllowed
            );
        }
        let recovering = at(SessionStage::RecoveryPhone, phone_off);
        assert_eq!(
            decide(Access::Factor(FactorKind::Phone), Some(&recovering)),
            Decision::FactorNotAllowed
        );
    }

    #[test]
    fn barred_accounts_reach_nothing_but_public_routes() {
        let mut barred = account(Some(FactorKind::Email));
        barred.locked = true;
        for stage in [
            SessionStage::Authenticated,
            SessionStage::SecondFactor,
            SessionStage::PasswordReset,
            SessionStage::RecoveryPhone,
            SessionStage::Registration,
        ] {
            let standing = at(stage, barred);
            for access in [
                Access::SignedIn,
                Access::AcceptingTerms,
                Access::Api,
                Access::Stage(stage),
                Access::Factor(FactorKind::Email),
            ] {
                assert_eq!(decide(access, Some(&standing)), Decision::Barred);
            }
            assert_eq!(decide(Access::Public, Some(&standing)), Decision::Allow);
        }
    }

    #[test]
    fn a_required_passkey_opens_only_its_enrolment() {
        let mut person = account(Some(FactorKind::Email));
        person.must_enrol_passkey = true;
        let standing = at(SessionStage::Authenticated, person);
        for access in [Access::SignedIn, Access::Api] {
            assert_eq!(decide(access, Some(&standing)), Decision::EnrolPasskey);
        }
        assert_eq!(decide(Access::Enrolling, Some(&standing)), Decision::Allow);
        // Never before both factors.
        let halfway = at(SessionStage::SecondFactor, person);
        assert_ne!(decide(Access::Enrolling, Some(&halfway)), Decision::Allow);
    }

    #[test]
    fn nist_5_1_2_a_recovery_code_serves_only_a_waiting_second_step() {
        let holder = account(Some(FactorKind::Phone));
        for stage in [SessionStage::SecondFactor, SessionStage::RecoveryPhone] {
            assert_eq!(
                decide(Access::SecondStep, Some(&at(stage, holder))),
                Decision::Allow,
                "{stage:?}"
            );
        }
        // Not before the password or the emailed code, nor after the second step.
        for (stage, place) in [
            (SessionStage::Recovery, Place::RecoveryCode),
            (SessionStage::PasswordReset, Place::NewPassword),
            (SessionStage::Registration, Place::Register),
            (SessionStage::Authenticated, Place::Home),
        ] {
            assert_eq!(
                decide(Access::SecondStep, Some(&at(stage, holder))),
                Decision::Elsewhere(place),
                "{stage:?}"
            );
        }
        assert_eq!(decide(Access::SecondStep, None), Decision::SignedOut);
        // An account still registering has no codes to stand in for its factor.
        let mut registering = holder;
        registering.status = AccountStatus::Registering;
        assert_eq!(
            decide(
                Access::SecondStep,
                Some(&at(SessionStage::SecondFactor, registering))
            ),
            Decision::Elsewhere(Place::Factor(FactorKind::Phone))
        );
        // Barred accounts and factors turned off stay closed.
        let mut barred = holder;
        barred.disabled = true;
        assert_eq!(
            decide(
                Access::SecondStep,
                Some(&at(SessionStage::SecondFactor, barred))
            ),
            Decision::Barred
        );
        let mut phone_off = holder;
        phone_off.allowed = AllowedFactors::all().with(FactorKind::Phone, false);
        assert_eq!(
            decide(
                Access::SecondStep,
                Some(&at(SessionStage::SecondFactor, phone_off))
            ),
            Decision::FactorNotAllowed
        );
        // A session without an account (a recovery for an unknown address) never.
        let nobody = Standing {
            stage: SessionStage::RecoveryPhone,
            account: None,
            terms_accepted: true,
        };
        assert_ne!(decide(Access::SecondStep, Some(&nobody)), Decision::Allow);
    }

    #[test]
    fn pending_terms_open_only_the_terms() {
        let mut standing = at(SessionStage::Authenticated, account(None));
        standing.terms_accepted = false;
        assert_eq!(
            decide(Access::SignedIn, Some(&standing)),
            Decision::AcceptTerms
        );
        assert_eq!(decide(Access::Api, Some(&standing)), Decision::AcceptTerms);
        assert_eq!(
            decide(Access::AcceptingTerms, Some(&standing)),
            Decision::Allow
        );
    }

    #[test]
    fn signed_out_requests_reach_only_public_routes() {
        assert_eq!(decide(Access::Public, None), Decision::Allow);
        assert_eq!(decide(Access::Webhook, None), Decision::Allow);
        for access in [
            Access::SignedIn,
            Access::Api,
            Access::Stage(SessionStage::PasswordReset),
            Access::Factor(FactorKind::Phone),
        ] {
            assert_eq!(decide(access, None), Decision::SignedOut);
        }
    }
}
