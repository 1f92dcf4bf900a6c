//! A case: its reference, where it came from, what it is about, where it stands.

use crate::text_enum;

text_enum!(
    /// How the report reached the force.
    Source {
        PublicReport = "public_report",
        InternalReferral = "internal_referral",
        Intelligence = "intelligence",
        Anonymous = "anonymous",
        Iopc = "iopc",
        OtherForce = "other_force",
        Other = "other",
    }
);

text_enum!(
    /// What the case (or an allegation) is about. APSP is abuse of position for a sexual purpose.
    Category {
        Apsp = "apsp",
        OtherAbuseOfPosition = "other_abuse_of_position",
        Corruption = "corruption",
        Discrimination = "discrimination",
        UseOfForce = "use_of_force",
        Dishonesty = "dishonesty",
        Other = "other",
    }
);

text_enum!(
    /// Where a case stands. `suspended` (sub judice) returns to the state it left.
    CaseState {
        Intake = "intake",
        Assessment = "assessment",
        Investigation = "investigation",
        Decision = "decision",
        Proceedings = "proceedings",
        Outcome = "outcome",
        Closed = "closed",
        Suspended = "suspended",
    }
);

impl CaseState {
    /// Open states: a case in one of these can be suspended.
    pub fn is_open(self) -> bool {
        !matches!(self, CaseState::Closed | CaseState::Suspended)
    }
}

text_enum!(
    /// Why a case closed before proceedings.
    ClosureReason {
        NoFurtherAction = "no_further_action",
        Rprp = "rprp",
        Withdrawn = "withdrawn",
    }
);

/// A case reference such as `PSD-2026-000123`: the year it was recorded and its number in
/// that year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseReference(String);

impl CaseReference {
    pub fn new(year: i32, number: i32) -> Self {
        Self(format!("PSD-{year:04}-{number:06}"))
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let rest = raw.strip_prefix("PSD-")?;
        let (year, number) = rest.split_once('-')?;
        let ok = year.len() == 4
            && number.len() == 6
            && year.bytes().all(|b| b.is_ascii_digit())
            && number.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(CaseReference::new(2026, 123).as_str(), "PSD-2026-000123");
        assert!(CaseReference::parse("PSD-2026-000123").is_some());
        assert!(CaseReference::parse("PSD-2026-123").is_none());
        assert!(CaseReference::parse("XYZ-2026-000123").is_none());
    }

    #[test]
    fn enums_round_trip() {
        for s in CaseState::ALL {
            assert_eq!(s.as_str().parse::<CaseState>().unwrap(), *s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert!(
            "archived"
                .parse::<CaseState>()
                .unwrap_err()
                .contains("expected one of intake")
        );
    }
}
