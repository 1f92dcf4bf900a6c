//! The investigation report deadline: a written report to the PCC and the IOPC when an
//! investigation is not finished 12 months after the matter came to attention, then every
//! 6 months (both settings).

use chrono::{DateTime, Months, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportSchedule {
    pub first_months: u32,
    pub repeat_months: u32,
}

impl Default for ReportSchedule {
    fn default() -> Self {
        Self {
            first_months: 12,
            repeat_months: 6,
        }
    }
}

impl ReportSchedule {
    /// The next report's due date, given how many reports have been made.
    pub fn next_due(
        &self,
        came_to_attention_at: DateTime<Utc>,
        reports_made: u32,
    ) -> DateTime<Utc> {
        let months = self
            .first_months
            .saturating_add(self.repeat_months.saturating_mul(reports_made));
        came_to_attention_at
            .checked_add_months(Months::new(months))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    pub fn is_overdue(
        &self,
        came_to_attention_at: DateTime<Utc>,
        reports_made: u32,
        open: bool,
        now: DateTime<Utc>,
    ) -> bool {
        open && now > self.next_due(came_to_attention_at, reports_made)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn twelve_months_then_every_six() {
        let s = ReportSchedule::default();
        let t = Utc.with_ymd_and_hms(2025, 1, 31, 9, 0, 0).unwrap();
        assert_eq!(
            s.next_due(t, 0),
            Utc.with_ymd_and_hms(2026, 1, 31, 9, 0, 0).unwrap()
        );
        // Month arithmetic clamps to the end of a shorter month.
        assert_eq!(
            s.next_due(t, 1),
            Utc.with_ymd_and_hms(2026, 7, 31, 9, 0, 0).unwrap()
        );
        let now = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
        assert!(s.is_overdue(t, 0, true, now));
        assert!(!s.is_overdue(t, 1, true, now));
        assert!(!s.is_overdue(t, 0, false, now));
    }
}
