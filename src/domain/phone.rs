//! Phone numbers for the phone factor (guide: "Phone registration will require a direct line
//! with 10 digits; extensions are not supported"). Stored in E.164, shown masked.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    e164: String,
    country_code: u16,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneProblem {
    #[error("{}", crate::i18n::say("phone-number-problem-empty"))]
    Empty,
    #[error("{}", crate::i18n::say("phone-number-problem-country-code"))]
    BadCountryCode,
    #[error("{}", crate::i18n::say_with(
        "phone-number-problem-country-not-allowed",
        &[("code", .0.to_string().into()), ("allowed", .1.as_str().into())]
    ))]
    CountryNotAllowed(u16, String),
    #[error("{}", crate::i18n::say("phone-number-problem-extension"))]
    Extension,
    #[error("{}", crate::i18n::say("phone-number-problem-ten-digits"))]
    NotTenDigits,
    #[error("{}", crate::i18n::say_with("phone-number-problem-invalid", &[("code", .0.to_string().into())]))]
    Invalid(u16),
}

impl PhoneNumber {
    /// Reads the country code and number as typed. Spaces, dashes, dots and brackets are
    /// forgiven; any sign of an extension (x12, ext. 12, `,`, `;`, `#`) is refused.
    pub fn parse(country_code: &str, number: &str, allowed: &[u16]) -> Result<Self, PhoneProblem> {
        let cc_text = country_code.trim().trim_start_matches('+');
        if cc_text.is_empty() || cc_text.len() > 3 || !cc_text.chars().all(|c| c.is_ascii_digit()) {
            return Err(PhoneProblem::BadCountryCode);
        }
        let cc: u16 = cc_text.parse().map_err(|_| PhoneProblem::BadCountryCode)?;
        if !allowed.contains(&cc) {
            let list = allowed
                .iter()
                .map(|c| format!("+{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(PhoneProblem::CountryNotAllowed(cc, list));
        }
        let text = number.trim();
        if text.is_empty() {
            return Err(PhoneProblem::Empty);
        }
        let lowered = text.to_lowercase();
        if lowered.contains('x')
            || lowered.contains("ext")
            || text.contains([',', ';', '#', '*', 'p', 'w'])
        {
            return Err(PhoneProblem::Extension);
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_digit() || " -.()/+".contains(c))
        {
            return Err(PhoneProblem::Invalid(cc));
        }
        let mut digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if text.starts_with('+') {
            // The country code typed again in front of the number.
            digits = digits
                .strip_prefix(cc_text)
                .ok_or(PhoneProblem::Invalid(cc))?
                .to_string();
        }
        if cc == 1 {
            return north_american(&digits);
        }
        let parsed = phonenumber::parse(None, format!("+{cc}{digits}"))
            .map_err(|_| PhoneProblem::Invalid(cc))?;
        if !phonenumber::is_valid(&parsed) || parsed.code().value() != cc {
            return Err(PhoneProblem::Invalid(cc));
        }
        Ok(Self {
            e164: parsed.format().mode(phonenumber::Mode::E164).to_string(),
            country_code: cc,
        })
    }

    /// Reads a number as stored.
    pub fn from_e164(text: &str) -> Option<Self> {
        let digits = text.strip_prefix('+')?;
        if digits.starts_with('1') && digits.len() == 11 {
            return north_american(&digits[1..]).ok();
        }
        let parsed = phonenumber::parse(None, text).ok()?;
        Some(Self {
            e164: text.to_string(),
            country_code: parsed.code().value(),
        })
    }

    pub fn e164(&self) -> &str {
        &self.e164
    }

    pub fn country_code(&self) -> u16 {
        self.country_code
    }

    /// The number without its country code, as the page's Phone number field takes it.
    pub fn national(&self) -> &str {
        let prefix = 1 + self.country_code.to_string().len();
        self.e164.get(prefix..).unwrap_or_default()
    }

    /// In full, for the person registering it (to spot a typo): `+1 (415) 555-0188`,
    /// `+44 7911123456`.
    pub fn shown(&self) -> String {
        let national = self.national();
        match (
            self.country_code,
            national.get(..3),
            national.get(3..6),
            national.get(6..),
        ) {
            (1, Some(area), Some(exchange), Some(line)) => {
                format!("+1 ({area}) {exchange}-{line}")
            }
            (code, ..) => format!("+{code} {national}"),
        }
    }

    /// Only the last four digits show: `+1 (***) ***-0132`, `+44 ******7890`.
    pub fn masked(&self) -> String {
        mask_e164(&self.e164, self.country_code)
    }
}

/// Masks a stored E.164 number (for the audit log and pages).
pub fn mask_e164(e164: &str, country_code: u16) -> String {
    let digits = e164.trim_start_matches('+');
    let last: String = digits
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if country_code == 1 {
        format!("+1 (***) ***-{last}")
    } else {
        let hidden = digits
            .len()
            .saturating_sub(country_code.to_string().len() + 4);
        format!("+{country_code} {}{last}", "*".repeat(hidden))
    }
}

/// NANP: ten digits, area code and exchange not starting with 0 or 1 (a typed leading 1
/// is the country code again).
fn north_american(digits: &str) -> Result<PhoneNumber, PhoneProblem> {
    let digits = if digits.len() == 11 {
        digits.strip_prefix('1').unwrap_or(digits)
    } else {
        digits
    };
    let bytes = digits.as_bytes();
    if bytes.len() != 10 {
        return Err(PhoneProblem::NotTenDigits);
    }
    if bytes[0] < b'2' || bytes[3] < b'2' {
        return Err(PhoneProblem::Invalid(1));
    }
    Ok(PhoneNumber {
        e164: format!("+1{digits}"),
        country_code: 1,
    })
}

/// Reads the operator's list of allowed country codes, e.g. `1` or `1, 44`.
pub fn parse_country_codes(text: &str) -> Result<Vec<u16>, String> {
    text.split(',')
        .map(|part| {
            let part = part.trim().trim_start_matches('+');
            part.parse::<u16>()
                .ok()
                .filter(|c| (1..=999).contains(c))
                .ok_or_else(|| format!("{part:?} is not a country calling code"))
        })
        .collect()
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_shown_in_full_to_the_person_registering_it() {
        let us = PhoneNumber::from_e164("+14155550188").unwrap();
        assert_eq!(us.national(), "4155550188");
        assert_eq!(us.shown(), "+1 (415) 555-0188");
        let uk = PhoneNumber::from_e164("+447911123456").unwrap();
        assert_eq!(uk.national(), "7911123456");
        assert_eq!(uk.shown(), "+44 7911123456");
    }

    const US: &[u16] = &[1];

    #[test]
    fn ten_digit_north_american_numbers_in_any_punctuation() {
        for typed in [
            "4155550132",
            "(415) 555-0132",
            "415.555.0132",
            "1 415 555 0132",
            "+1 415 555 0132",
        ] {
            assert_eq!(
                PhoneNumber::parse("+1", typed, US).unwrap().e164(),
                "+14155550132",
                "{typed}"
            );
        }
        assert_eq!(
            PhoneNumber::parse("1", "415-555-0132", US)
                .unwrap()
                .masked(),
            "+1 (***) ***-0132"
        );
    }

    #[test]
    fn extensions_in_any_spelling_are_refused() {
        for typed in [
            "415 555 0132 x12",
            "415-555-0132 ext. 12",
            "4155550132,12",
            "4155550132;12",
            "4155550132#12",
            "415 555 0132 extension 4",
            "415 555 0132 X 9",
        ] {
            assert_eq!(
                PhoneNumber::parse("+1", typed, US),
                Err(PhoneProblem::Extension),
                "{typed}"
            );
        }
    }

    #[test]
    fn wrong_lengths_and_impossible_numbers_are_refused() {
        assert_eq!(
            PhoneNumber::parse("+1", "555 0132", US),
            Err(PhoneProblem::NotTenDigits)
        );
        assert_eq!(
            PhoneNumber::parse("+1", "41555501321", US),
            Err(PhoneProblem::NotTenDigits)
        );
        assert_eq!(
            PhoneNumber::parse("+1", "015 555 0132", US),
            Err(PhoneProblem::Invalid(1))
        );
        assert_eq!(
            PhoneNumber::parse("+1", "four one five", US),
            Err(PhoneProblem::Invalid(1))
        );
        assert_eq!(PhoneNumber::parse("+1", "  ", US), Err(PhoneProblem::Empty));
        assert_eq!(
            PhoneNumber::parse("abc", "4155550132", US),
            Err(PhoneProblem::BadCountryCode)
        );
    }

    #[test]
    fn only_allowed_country_codes_and_real_numbers_elsewhere() {
        assert!(matches!(
            PhoneNumber::parse("+44", "20 7946 0958", US),
            Err(PhoneProblem::CountryNotAllowed(44, _))
        ));
        let uk = PhoneNumber::parse("+44", "20 7946 0958", &[1, 44]).unwrap();
        assert_eq!(uk.e164(), "+442079460958");
        assert_eq!(uk.masked(), "+44 ******0958");
        assert_eq!(
            PhoneNumber::parse("+44", "12", &[1, 44]),
            Err(PhoneProblem::Invalid(44))
        );
    }

    #[test]
    fn stored_numbers_read_back_and_debug_is_masked() {
        let n = PhoneNumber::from_e164("+14155550132").unwrap();
        assert_eq!(n.country_code(), 1);
        assert!(!format!("{n:?}").contains("555"));
        assert_eq!(parse_country_codes("1, +44").unwrap(), vec![1, 44]);
        assert!(parse_country_codes("1, uk").is_err());
    }
}

/// Whatever is typed into the two boxes: never a panic; an accepted number is E.164 and reads
/// back as itself, from the form and as stored.
#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    const ALLOWED: &[u16] = &[1, 44, 49, 33, 91];

    fn typed_number() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[0-9 ().+/-]{0,30}",
            "\\+?1?[ -]?\\(?[2-9][0-9]{2}\\)?[ .-]?[2-9][0-9]{2}[ .-]?[0-9]{4}",
            "[0-9]{1,400}",
        ]
    }

    fn typed_country_code() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("+1".to_string()),
            Just("44".to_string()),
            "\\+?[0-9]{0,4}",
            any::<String>(),
        ]
    }

    proptest! {
        #![proptest_config(crate::proptest_config(512))]

        #[test]
        fn phone_parse_never_panics_and_accepted_numbers_round_trip(
            cc in typed_country_code(),
            number in typed_number(),
        ) {
            if let Ok(phone) = PhoneNumber::parse(&cc, &number, ALLOWED) {
                let e164 = phone.e164().to_string();
                prop_assert!(e164.starts_with('+'));
                prop_assert!(e164[1..].bytes().all(|b| b.is_ascii_digit()), "{e164}");
                prop_assert!(e164.len() <= 16, "E.164 has at most 15 digits: {e164}");
                prop_assert!(ALLOWED.contains(&phone.country_code()));
                // Typed again in its stored form, it is the same number.
                let cc_text = format!("+{}", phone.country_code());
                let national = &e164[cc_text.len()..];
                let again = PhoneNumber::parse(&cc_text, national, ALLOWED).unwrap();
                prop_assert_eq!(again.e164(), e164.as_str());
                let again = PhoneNumber::parse(&cc_text, &e164, ALLOWED).unwrap();
                prop_assert_eq!(again.e164(), e164.as_str());
                let stored = PhoneNumber::from_e164(&e164).unwrap();
                prop_assert_eq!(stored.e164(), e164.as_str());
                prop_assert_eq!(stored.country_code(), phone.country_code());
                prop_assert!(phone.masked().ends_with(&e164[e164.len() - 4..]));
            }
        }

        #[test]
        fn phone_stored_text_never_panics(text in any::<String>()) {
            if let Some(phone) = PhoneNumber::from_e164(&text) {
                let _ = phone.masked();
            }
            let _ = parse_country_codes(&text);
        }

        #[test]
        fn phone_every_ten_digit_nanp_number_is_accepted(
            area in 200u32..1000, exchange in 200u32..1000, line in 0u32..10000,
        ) {
            let typed = format!("({area}) {exchange}-{line:04}");
            let phone = PhoneNumber::parse("+1", &typed, &[1]).unwrap();
            prop_assert_eq!(phone.e164(), format!("+1{area}{exchange}{line:04}"));
        }
    }
}
