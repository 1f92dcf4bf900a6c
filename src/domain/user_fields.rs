//! Validated fields of a user account.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::text::{Line, Refusal};

/// A login name: 3 to 64 characters of letters, digits and `. _ - @`. Unique regardless of
/// case; kept as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MIN_CHARS: usize = 3;
    pub const MAX_CHARS: usize = 64;
    /// What a username may be made of (the document's `pattern`).
    pub const PATTERN: &'static str = "^[A-Za-z0-9._@-]{3,64}$";

    pub fn parse(raw: &str) -> Result<Self, Refusal> {
        let len = raw.chars().count();
        if len < Self::MIN_CHARS {
            return Err(Refusal::new("too_short", "must be at least 3 characters"));
        }
        if len > Self::MAX_CHARS {
            return Err(Refusal::new("too_long", "must be at most 64 characters"));
        }
        if !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
        {
            return Err(Refusal::new(
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

impl<'de> Deserialize<'de> for Username {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(Refusal::into_serde)
    }
}

impl PartialSchema for Username {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(Self::MIN_CHARS))
            .max_length(Some(Self::MAX_CHARS))
            .pattern(Some(Self::PATTERN))
            .description(Some(
                "3 to 64 letters, digits and `. _ - @`; unique regardless of case",
            ))
            .into()
    }
}

impl ToSchema for Username {}

/// A person's name as shown to colleagues: 1 to 200 characters, no control characters,
/// surrounding white space removed ([`Line`]`<200>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(Line<200>);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, Refusal> {
        Line::parse(raw).map(Self)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl<'de> Deserialize<'de> for DisplayName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Line::deserialize(d).map(Self)
    }
}

impl PartialSchema for DisplayName {
    fn schema() -> RefOr<Schema> {
        Line::<200>::schema()
    }
}

impl ToSchema for DisplayName {
    fn name() -> Cow<'static, str> {
        Line::<200>::name()
    }
}

/// A staff identity's force: at most 100 characters on one line.
pub type Force = Line<100>;
/// A staff identity's collar (or payroll) number: at most 40 characters on one line.
pub type CollarNumber = Line<40>;

/// Who a user is as an officer or member of staff: their force and collar (or payroll)
/// number, each at most 100 and 40 characters, surrounding white space removed. Subjects
/// with the same force and collar number (compared without regard to case) are this user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffIdentity {
    force: String,
    collar_number: String,
}

impl StaffIdentity {
    pub fn new(force: Force, collar_number: CollarNumber) -> Self {
        Self {
            force: force.into_string(),
            collar_number: collar_number.into_string(),
        }
    }

    /// Parses both parts; errors name the field (`force` or `collar_number`).
    pub fn parse(
        force: &str,
        collar_number: &str,
    ) -> Result<Self, Vec<(&'static str, &'static str, String)>> {
        match (Force::parse(force), CollarNumber::parse(collar_number)) {
            (Ok(force), Ok(collar_number)) => Ok(Self::new(force, collar_number)),
            (f, c) => {
                let mut errors = Vec::new();
                if let Err(r) = f {
                    errors.push(("force", r.code, r.message));
                }
                if let Err(r) = c {
                    errors.push(("collar_number", r.code, r.message));
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
        assert_eq!(Username::parse("ab").unwrap_err().code, "too_short");
        assert_eq!(Username::parse("a b c").unwrap_err().code, "invalid_value");
        assert_eq!(
            Username::parse(&"a".repeat(65)).unwrap_err().code,
            "too_long"
        );
    }

    #[test]
    fn the_username_pattern_is_the_rule() {
        let pattern = regex::Regex::new(Username::PATTERN).unwrap();
        let long = "a".repeat(64);
        let longer = "a".repeat(65);
        for s in [
            "ab",
            "abc",
            "a b c",
            "j.smith-2@psd",
            &long,
            &longer,
            "é1234",
            "abc\n",
            "",
        ] {
            assert_eq!(pattern.is_match(s), Username::parse(s).is_ok(), "{s:?}");
        }
    }

    #[test]
    fn display_names() {
        assert_eq!(
            DisplayName::parse("  DS Jane Smith ").unwrap().as_str(),
            "DS Jane Smith"
        );
        assert_eq!(DisplayName::parse("   ").unwrap_err().code, "required");
        assert_eq!(
            DisplayName::parse("a\u{7}b").unwrap_err().code,
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
