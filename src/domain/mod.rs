//! Rules and validated types. Nothing here knows about HTTP or SQL, except that an enum says
//! how it is stored as text (`text_enum!`), as crates.io's `pg_enum!` does.

pub mod allegation;
pub mod calendar;
pub mod case;
pub mod deadlines;
pub mod decision;
pub mod document;
pub mod early_warning;
pub mod intake;
pub mod party;
pub mod password;
pub mod period;
pub mod proceedings;
pub mod role;
pub mod task;
pub mod text;
pub mod text_enum;
pub mod user_fields;
pub mod workflow;

pub use password::{NewPassword, Password, PasswordError};
pub use role::{Role, Viewer};
pub use user_fields::{DisplayName, StaffIdentity, Username};
