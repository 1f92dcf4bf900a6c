//! Validated fields of a user account.

/// A login name: 3 to 64 characters of letters, digits and `. _ - @`. Unique regardless of
/// case; kept as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, (&'static str, &'static str)> {
        let len = raw.chars().count();
        if len < 3 {
            return Err(("too_short", "must be at least 3 characters"));
        }
        if len > 64 {
            return Err(("too_long", "must be at most 64 characters"));
        }
        if !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
        {
            return Err((
                "invalid_value",
                "may contain only letters, digits and . _ - @",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name as shown to colleagues: 1 to 200 characters, no control characters,
/// surrounding white space removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, (&'static str, &'static str)> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(("required", "must not be empty"));
        }
        if trimmed.chars().count() > 200 {
            return Err(("too_long", "must be at most 200 characters"));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(("invalid_value", "must not contain control characters"));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("j.smith-2@psd").is_ok());
        assert_eq!(Username::parse("ab").unwrap_err().0, "too_short");
        assert_eq!(Username::parse("a b c").unwrap_err().0, "invalid_value");
        assert_eq!(Username::parse(&"a".repeat(65)).unwrap_err().0, "too_long");
    }

    #[test]
    fn display_names() {
        assert_eq!(
            DisplayName::parse("  DS Jane Smith ").unwrap().as_str(),
            "DS Jane Smith"
        );
        assert_eq!(DisplayName::parse("   ").unwrap_err().0, "required");
        assert_eq!(
            DisplayName::parse("a\u{7}b").unwrap_err().0,
            "invalid_value"
        );
    }
}
