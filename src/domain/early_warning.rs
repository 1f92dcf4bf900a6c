//! The early warning: an allegation against a subject who already has allegations in other
//! cases flags the subject and the case.
//!
//! What is stored of a flag are facts that do not depend on who reads them ([`RaisedFlag`]:
//! which code fired, for which subject, first and last when), one entry per code, never a
//! message. What a reader is told is worked out for them at read time ([`Rule::seen`]) from
//! the allegations they can see, and says only that more exists in cases they cannot see.

use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

crate::text_enum!(
    /// Why the early warning flags a subject and a case.
    FlagCode {
        /// Allegations in other cases within the window (at least the threshold).
        RepeatAllegations = "repeat_allegations",
        /// An earlier APSP allegation in another case.
        PriorApsp = "prior_apsp",
        /// Further allegations in cases the reader cannot see: never with a number or a
        /// category. Only ever shown, never stored.
        FurtherAllegationsNotVisible = "further_allegations_not_visible",
    }
);

/// The early warning's settings: the threshold and the window.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Allegations in other cases (within the window) that flag a subject.
    pub threshold: i64,
    pub window_months: u32,
}

/// One allegation against the subject, as the early warning counts it.
#[derive(Clone, Copy, Debug)]
pub struct AllegationFact {
    pub case_id: Uuid,
    pub apsp: bool,
    pub created_at: DateTime<Utc>,
    /// Whether the reader may see its case.
    pub visible: bool,
}

/// What a reader may be told about a flag: counted over what they can see only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    /// Allegations in other cases they can see, within the window before the flag.
    pub recent: u64,
    /// An APSP allegation, earlier than the flag, in another case they can see.
    pub apsp: bool,
    /// Allegations, earlier than the flag, in other cases they cannot see.
    pub hidden: bool,
}

impl Rule {
    fn since(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        at.checked_sub_months(Months::new(self.window_months))
            .unwrap_or(at)
    }

    /// The codes that fire when an allegation against the subject is added to `case_id` at
    /// `at`. `facts` are all the subject's allegations, whoever adds this one: the warning
    /// counts what exists, not what the person adding it can see.
    pub fn fired(
        &self,
        facts: &[AllegationFact],
        case_id: Uuid,
        at: DateTime<Utc>,
    ) -> Vec<FlagCode> {
        let since = self.since(at);
        let others = || facts.iter().filter(|a| a.case_id != case_id);
        let recent = others().filter(|a| a.created_at >= since).count();
        let mut codes = Vec::new();
        if i64::try_from(recent).unwrap_or(i64::MAX) >= self.threshold {
            codes.push(FlagCode::RepeatAllegations);
        }
        if others().any(|a| a.apsp) {
            codes.push(FlagCode::PriorApsp);
        }
        codes
    }

    /// What the reader of a flag raised on `case_id` at `at` may be told: the allegations in
    /// other cases up to then, counted only where they can see the case.
    pub fn seen(&self, facts: &[AllegationFact], case_id: Uuid, at: DateTime<Utc>) -> Seen {
        let since = self.since(at);
        let mut seen = Seen::default();
        for a in facts
            .iter()
            .filter(|a| a.case_id != case_id && a.created_at <= at)
        {
            if !a.visible {
                seen.hidden = true;
                continue;
            }
            if a.created_at >= since {
                seen.recent += 1;
            }
            seen.apsp |= a.apsp;
        }
        seen
    }
}

/// A code that fired, as stored: on a subject (no `subject_id`), or on a case (the subject
/// whose allegations raised it). One entry per subject and code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaisedFlag {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<Uuid>,
    pub code: FlagCode,
    pub first_flagged_at: DateTime<Utc>,
    pub last_flagged_at: DateTime<Utc>,
}

/// Records that `code` fired (for `subject_id`) at `at`: the entry for that subject and code
/// is moved on, or added if there is none, so the flags never grow beyond one per code.
pub fn raise(
    flags: &mut Vec<RaisedFlag>,
    subject_id: Option<Uuid>,
    code: FlagCode,
    at: DateTime<Utc>,
) {
    match flags
        .iter_mut()
        .find(|f| f.subject_id == subject_id && f.code == code)
    {
        Some(f) => {
            f.first_flagged_at = f.first_flagged_at.min(at);
            f.last_flagged_at = f.last_flagged_at.max(at);
        }
        None => flags.push(RaisedFlag {
            subject_id,
            code,
            first_flagged_at: at,
            last_flagged_at: at,
        }),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap() + Duration::days(i64::from(day))
    }

    fn fact(case: u128, apsp: bool, day: u32, visible: bool) -> AllegationFact {
        AllegationFact {
            case_id: Uuid::from_u128(case),
            apsp,
            created_at: at(day),
            visible,
        }
    }

    const RULE: Rule = Rule {
        threshold: 2,
        window_months: 12,
    };

    #[test]
    fn fires_on_what_exists_in_other_cases() {
        let here = Uuid::from_u128(1);
        let facts = [
            fact(1, true, 300, true),
            fact(2, false, 200, false),
            fact(3, false, 250, false),
        ];
        assert_eq!(
            RULE.fired(&facts, here, at(300)),
            [FlagCode::RepeatAllegations]
        );
        let facts = [fact(1, false, 600, true), fact(2, true, 1, false)];
        assert_eq!(RULE.fired(&facts, here, at(600)), [FlagCode::PriorApsp]);
        assert!(
            RULE.fired(&[fact(1, true, 1, true)], here, at(1))
                .is_empty()
        );
    }

    #[test]
    fn a_reader_is_told_only_what_they_can_see() {
        let here = Uuid::from_u128(1);
        let facts = [
            fact(1, false, 400, true),
            fact(2, true, 390, false),
            fact(3, false, 380, true),
            fact(4, true, 10, true),
            // Later than the flag: not a reason for it.
            fact(5, true, 500, true),
        ];
        assert_eq!(
            RULE.seen(&facts, here, at(400)),
            Seen {
                recent: 1,
                apsp: true,
                hidden: true,
            }
        );
        let only_hidden = [fact(1, false, 400, true), fact(2, true, 390, false)];
        assert_eq!(
            RULE.seen(&only_hidden, here, at(400)),
            Seen {
                recent: 0,
                apsp: false,
                hidden: true,
            }
        );
    }

    #[test]
    fn raising_again_moves_the_one_entry_on() {
        let subject = Some(Uuid::from_u128(9));
        let mut flags = Vec::new();
        for day in [3, 1, 7] {
            raise(&mut flags, subject, FlagCode::RepeatAllegations, at(day));
        }
        raise(&mut flags, subject, FlagCode::PriorApsp, at(2));
        raise(&mut flags, None, FlagCode::PriorApsp, at(2));
        assert_eq!(flags.len(), 3);
        assert_eq!(flags[0].first_flagged_at, at(1));
        assert_eq!(flags[0].last_flagged_at, at(7));
    }
}
