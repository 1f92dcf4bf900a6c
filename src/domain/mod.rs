//! Rules and validated types. Nothing here knows about HTTP or SQL.

pub mod password;
pub mod role;
pub mod user_fields;

pub use password::{Password, PasswordError};
pub use role::Role;
pub use user_fields::{DisplayName, Username};
