//! Pure types and rules: no I/O, no SQL, no HTTP; the current time is passed in.

pub mod access;
pub mod account;
pub mod code;
pub mod email;
pub mod import;
pub mod mail_queue;
pub mod mask;
pub mod name;
pub mod password;
pub mod phone;
pub mod policy;
pub mod retention;
pub mod session;
pub mod throttle;

/// Seconds since the Unix epoch. Every rule takes the current time as an argument.
pub type UnixTime = i64;
