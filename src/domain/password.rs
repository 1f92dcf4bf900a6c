//! The password policy (NIST SP 800-63B): length and a block list, no composition rules.

use std::collections::HashSet;
use std::sync::OnceLock;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

static COMMON_PASSWORDS_TEXT: &str = include_str!("../../data/common-passwords.txt");

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS_TEXT
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordError {
    TooShort,
    TooLong,
    Common,
    SameAsUsername,
}

impl PasswordError {
    pub fn code(self) -> &'static str {
        match self {
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::Common => "common_password",
            Self::SameAsUsername => "same_as_username",
        }
    }

    pub fn message(self) -> String {
        match self {
            Self::TooShort => format!("must be at least {MIN_CHARS} characters"),
            Self::TooLong => format!("must be at most {MAX_CHARS} characters"),
            Self::Common => "is on the list of commonly used passwords".to_owned(),
            Self::SameAsUsername => "must not be the username".to_owned(),
        }
    }
}

/// A password that meets the policy. It is kept exactly as received (no trimming, no
/// normalization), so what is hashed is what the user typed. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Checks `raw` against the policy; `username`, if given, must not be the password.
    pub fn new(raw: String, username: Option<&str>) -> Result<Self, PasswordError> {
        let chars = raw.chars().count();
        if chars < MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if chars > MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        let lowered = raw.to_lowercase();
        if common_passwords().contains(lowered.as_str()) {
            return Err(PasswordError::Common);
        }
        if username.is_some_and(|u| u.to_lowercase() == lowered) {
            return Err(PasswordError::SameAsUsername);
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A new password as sent, before the policy is applied ([`Password::new`], whose refusal
/// is `weak_password`): its schema carries the policy's length bounds; the block list and the
/// username rule are checked on its way to a [`Password`]. Its `Debug` never shows it.
#[derive(Clone, serde::Deserialize)]
#[serde(transparent)]
pub struct NewPassword(pub String);

impl utoipa::PartialSchema for NewPassword {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(MIN_CHARS))
            .max_length(Some(MAX_CHARS))
            .description(Some(format!(
                "{MIN_CHARS} to {MAX_CHARS} characters, not a commonly used password, not the \
                 username (else `weak_password`). Used exactly as sent."
            )))
            .into()
    }
}

impl utoipa::ToSchema for NewPassword {}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ships_at_least_ten_thousand_common_passwords() {
        assert!(
            common_passwords().len() >= 10_000,
            "{}",
            common_passwords().len()
        );
    }

    #[test]
    fn length_counts_code_points_not_bytes() {
        // 12 code points, 36 bytes.
        assert!(Password::new("🔒".repeat(4) + "éééééééé", None).is_ok());
        // 11 code points, but many bytes.
        assert_eq!(
            Password::new("é".repeat(11), None).unwrap_err(),
            PasswordError::TooShort
        );
        assert!(Password::new("kq".repeat(64), None).is_ok());
        assert_eq!(
            Password::new("kq".repeat(64) + "z", None).unwrap_err(),
            PasswordError::TooLong
        );
    }

    #[test]
    fn common_passwords_are_rejected_whatever_their_case() {
        let long_common = common_passwords()
            .iter()
            .find(|p| p.chars().count() >= MIN_CHARS)
            .expect("the list has long entries");
        assert_eq!(
            Password::new(long_common.to_string(), None).unwrap_err(),
            PasswordError::Common
        );
        assert_eq!(
            Password::new(long_common.to_uppercase(), None).unwrap_err(),
            PasswordError::Common
        );
    }

    #[test]
    fn no_composition_rules_and_no_normalization() {
        let p = Password::new("  correct horse battery staple  ".to_owned(), None).unwrap();
        assert_eq!(p.expose(), "  correct horse battery staple  ");
        assert_eq!(format!("{p:?}"), "Password(<redacted>)");
    }

    #[test]
    fn the_username_is_not_a_password() {
        assert_eq!(
            Password::new("Investigator.Jones".to_owned(), Some("investigator.jones")).unwrap_err(),
            PasswordError::SameAsUsername
        );
    }
}
