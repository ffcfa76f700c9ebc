//! The domain's text enums as database columns: bound and read as themselves, so a query
//! never handles their text form and an unknown value in a row is an error where it is read.

use sqlx::any::{Any, AnyTypeInfo};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

use crate::domain::account::{AccountStatus, Role};
use crate::domain::code::CodePurpose;
use crate::domain::email::Email;
use crate::domain::factor::FactorKind;
use crate::domain::jose::SigningAlg;
use crate::domain::mail_queue::LetterKind;
use crate::domain::name::DisplayName;
use crate::domain::session::SessionStage;

macro_rules! text_column {
    ($($ty:ident),+ $(,)?) => {$(
        impl Type<Any> for $ty {
            fn type_info() -> AnyTypeInfo {
                <str as Type<Any>>::type_info()
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

        impl<'r> Decode<'r, Any> for $ty {
            fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <String as Decode<'r, Any>>::decode(value)?;
                $ty::parse(&text)
                    .ok_or_else(|| format!("{text:?} is not a {}", stringify!($ty)).into())
            }
        }
    )+};
}

text_column!(
    Role,
    AccountStatus,
    FactorKind,
    SessionStage,
    CodePurpose,
    LetterKind,
    SigningAlg
);

/// Values checked when they are made (an address, a name): read through the same check.
macro_rules! checked_column {
    ($($ty:ident),+ $(,)?) => {$(
        impl Type<Any> for $ty {
            fn type_info() -> AnyTypeInfo {
                <str as Type<Any>>::type_info()
            }
        }

        impl<'r> Decode<'r, Any> for $ty {
            fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <String as Decode<'r, Any>>::decode(value)?;
                $ty::parse(&text).map_err(|e| format!("{text:?}: {e}").into())
            }
        }
    )+};
}

checked_column!(Email, DisplayName);
