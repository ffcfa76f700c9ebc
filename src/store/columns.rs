//! The domain's text enums as database columns: bound and read as themselves, so a query
//! never handles their text form and an unknown value in a row is an error where it is read.

use sqlx::any::{Any, AnyTypeInfo};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

use crate::domain::account::{AccountStatus, Role};
use crate::domain::authorization::TokenKind;
use crate::domain::client::UriPurpose;
use crate::domain::code::CodePurpose;
use crate::domain::email::Email;
use crate::domain::factor::{FactorKind, PasskeyRequirement};
use crate::domain::jose::SigningAlg;
use crate::domain::mail_queue::LetterKind;
use crate::domain::name::DisplayName;
use crate::domain::session::SessionStage;
use crate::i18n::Language;

/// How a column's text becomes the value (an unknown enum value, a malformed address: an
/// error where the row is read).
trait FromColumn: Sized {
    fn from_column(text: &str) -> Result<Self, String>;
}

/// Text columns read through `FromColumn`.
macro_rules! text_column {
    ($($ty:ident),+ $(,)?) => {$(
        impl Type<Any> for $ty {
            fn type_info() -> AnyTypeInfo {
                <str as Type<Any>>::type_info()
            }
        }

        impl<'r> Decode<'r, Any> for $ty {
            fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <String as Decode<'r, Any>>::decode(value)?;
                Ok($ty::from_column(&text)?)
            }
        }
    )+};
}

/// The domain's text enums: read by `parse`, bound by `as_str`.
macro_rules! enum_column {
    ($($ty:ident),+ $(,)?) => {$(
        impl FromColumn for $ty {
            fn from_column(text: &str) -> Result<Self, String> {
                $ty::parse(text).ok_or_else(|| format!("{text:?} is not a {}", stringify!($ty)))
            }
        }

        impl<'q> Encode<'q, Any> for $ty {
            fn encode_by_ref(
                &self,
                buf: &mut <Any as Database>::ArgumentBuffer<'q>,
            ) -> Result<IsNull, BoxDynError> {
                <&str as Encode<'q, Any>>::encode(self.as_str(), buf)
            }
        }

        text_column!($ty);
    )+};
}

enum_column!(
    Role,
    AccountStatus,
    FactorKind,
    PasskeyRequirement,
    SessionStage,
    CodePurpose,
    LetterKind,
    SigningAlg,
    TokenKind,
    UriPurpose,
    Language
);

/// Values checked when they are made (an address, a name) are read through the same check.
impl FromColumn for Email {
    fn from_column(text: &str) -> Result<Self, String> {
        Email::parse(text).map_err(|e| format!("{text:?}: {e}"))
    }
}

impl FromColumn for DisplayName {
    fn from_column(text: &str) -> Result<Self, String> {
        DisplayName::parse(text).map_err(|e| format!("{text:?}: {e}"))
    }
}

text_column!(Email, DisplayName);
