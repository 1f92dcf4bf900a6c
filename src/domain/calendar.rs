//! Working days: weekdays that are not bank holidays. The statutory limits in working days
//! (hearing notices, barred-list reports, responses) are counted with this.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// England and Wales bank holidays, 2025 to 2027: the default of `PROBITY_BANK_HOLIDAYS`.
pub const ENGLAND_AND_WALES_2025_2027: &[&str] = &[
    "2025-01-01",
    "2025-04-18",
    "2025-04-21",
    "2025-05-05",
    "2025-05-26",
    "2025-08-25",
    "2025-12-25",
    "2025-12-26",
    "2026-01-01",
    "2026-04-03",
    "2026-04-06",
    "2026-05-04",
    "2026-05-25",
    "2026-08-31",
    "2026-12-25",
    "2026-12-28",
    "2027-01-01",
    "2027-03-26",
    "2027-03-29",
    "2027-05-03",
    "2027-05-31",
    "2027-08-30",
    "2027-12-27",
    "2027-12-28",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    bank_holidays: Vec<NaiveDate>,
}

impl Calendar {
    pub fn new(mut bank_holidays: Vec<NaiveDate>) -> Self {
        bank_holidays.sort_unstable();
        bank_holidays.dedup();
        Self { bank_holidays }
    }

    /// Parses a comma-separated list of `YYYY-MM-DD` dates.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("`{s}`: {e}")))
            .collect::<Result<Vec<_>, _>>()
            .map(Self::new)
    }

    pub fn england_and_wales() -> Self {
        Self::parse(&ENGLAND_AND_WALES_2025_2027.join(","))
            .unwrap_or_else(|_| Self::new(Vec::new()))
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            && self.bank_holidays.binary_search(&date).is_err()
    }

    /// The date `n` working days after `date` (not counting `date` itself).
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            day += Duration::days(1);
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weekends_and_bank_holidays_are_skipped() {
        let cal = Calendar::england_and_wales();
        // Thursday 24 Dec 2026 + 5 working days: skips Christmas (Fri), the weekend, and the
        // Boxing Day substitute (Mon 28th).
        assert_eq!(cal.add_working_days(d("2026-12-24"), 5), d("2027-01-05"));
        // Easter 2027: Good Friday 26 Mar and Easter Monday 29 Mar.
        assert_eq!(cal.add_working_days(d("2027-03-25"), 1), d("2027-03-30"));
        assert_eq!(cal.add_working_days(d("2026-11-20"), 5), d("2026-11-27"));
        assert_eq!(
            cal.working_days_between(d("2026-12-24"), d("2027-01-05")),
            5
        );
        assert!(!cal.is_working_day(d("2025-08-25")));
    }

    #[test]
    fn a_configured_list_replaces_the_default() {
        let cal = Calendar::parse("2026-11-23, 2026-11-24").unwrap();
        assert_eq!(cal.add_working_days(d("2026-11-20"), 1), d("2026-11-25"));
        assert!(Calendar::parse("2026-13-01").is_err());
    }
}
