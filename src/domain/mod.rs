//! Pure types and rules: no I/O, no SQL, no HTTP; the current time is passed in.

/// An enum stored as text: `as_str` for the column, `parse` to read it back.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            #[allow(dead_code)]
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)+ _ => None }
            }
        }

        /// Shown and sent in its text form.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

pub mod access;
pub mod account;
pub mod authorization;
pub mod backup;
pub mod brand;
pub mod client;
pub mod code;
pub mod email;
pub mod factor;
pub mod forward;
pub mod import;
pub mod jose;
pub mod mail_queue;
pub mod mask;
pub mod name;
pub mod password;
pub mod phone;
pub mod policy;
pub mod recovery_code;
pub mod retention;
pub mod rollout;
pub mod session;
pub mod staff;
pub mod throttle;
pub mod totp;

/// Seconds since the Unix epoch. Every rule takes the current time as an argument.
pub type UnixTime = i64;
