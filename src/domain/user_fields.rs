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

/// Who a user is as an officer or member of staff: their force and collar (or payroll)
/// number, each at most 100 and 40 characters, surrounding white space removed. Subjects
/// with the same force and collar number (compared without regard to case) are this user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffIdentity {
    force: String,
    collar_number: String,
}

impl StaffIdentity {
    /// Parses both parts; errors name the field (`force` or `collar_number`).
    pub fn parse(
        force: &str,
        collar_number: &str,
    ) -> Result<Self, Vec<(&'static str, &'static str, String)>> {
        let force = crate::domain::text::line(force, 100);
        let collar = crate::domain::text::line(collar_number, 40);
        match (force, collar) {
            (Ok(force), Ok(collar_number)) => Ok(Self {
                force,
                collar_number,
            }),
            (f, c) => {
                let mut errors = Vec::new();
                if let Err((code, message)) = f {
                    errors.push(("force", code, message));
                }
                if let Err((code, message)) = c {
                    errors.push(("collar_number", code, message));
                }
                Err(errors)
            }
        }
    }

    pub fn force(&self) -> &str {
        &self.force
    }

    pub fn collar_number(&self) -> &str {
        &self.collar_number
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

    #[test]
    fn staff_identities() {
        let id = StaffIdentity::parse(" Wessex Police ", " 4521 ").unwrap();
        assert_eq!((id.force(), id.collar_number()), ("Wessex Police", "4521"));
        let errors = StaffIdentity::parse("", &"9".repeat(41)).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| (e.0, e.1)).collect();
        assert_eq!(
            fields,
            [("force", "required"), ("collar_number", "too_long")]
        );
    }
}
