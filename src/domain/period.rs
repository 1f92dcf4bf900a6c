//! Whole calendar months (UTC): the unit statistics are answered in, so that no figure can
//! be narrowed to less than a month.

use chrono::{DateTime, Datelike, Months as ChronoMonths, NaiveDate, TimeZone, Utc};

/// The longest period statistics are answered for: 100 years of months.
pub const MAX_MONTHS: usize = 1200;

/// The calendar months (UTC) enclosing a requested period: from the start of the month of
/// its start to the end of the month of its end. A period that already starts and ends on
/// month boundaries is its own enclosing period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthPeriod {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl MonthPeriod {
    /// The months enclosing `[from, to)`, or `None` if `to` is not after `from` or the
    /// calendar cannot represent the month after `to`.
    pub fn enclosing(from: DateTime<Utc>, to: DateTime<Utc>) -> Option<Self> {
        if to <= from {
            return None;
        }
        let start = month_start(from)?;
        let last = month_start(to)?;
        let end = if last == to {
            last
        } else {
            last.checked_add_months(ChronoMonths::new(1))?
        };
        Some(Self {
            from: start,
            to: end,
        })
    }

    /// The first instant of the first month.
    pub fn from(&self) -> DateTime<Utc> {
        self.from
    }

    /// The first instant after the last month.
    pub fn to(&self) -> DateTime<Utc> {
        self.to
    }

    /// Every month of the period, as `YYYY-MM`, in order.
    pub fn months(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = self.from;
        while at < self.to {
            out.push(month_key(at));
            match at.checked_add_months(ChronoMonths::new(1)) {
                Some(next) => at = next,
                None => break,
            }
        }
        out
    }

    /// How many months the period spans.
    pub fn len(&self) -> usize {
        let months = |t: DateTime<Utc>| i64::from(t.year()) * 12 + i64::from(t.month0());
        usize::try_from(months(self.to) - months(self.from)).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The month of an instant (UTC), as `YYYY-MM`.
pub fn month_key(t: DateTime<Utc>) -> String {
    format!("{:04}-{:02}", t.year(), t.month())
}

fn month_start(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let day = NaiveDate::from_ymd_opt(t.year(), t.month(), 1)?;
    Some(Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_period_is_widened_to_the_months_enclosing_it() {
        let p =
            MonthPeriod::enclosing(at("2026-11-02T09:00:00Z"), at("2026-11-02T09:00:01Z")).unwrap();
        assert_eq!(p.from(), at("2026-11-01T00:00:00Z"));
        assert_eq!(p.to(), at("2026-12-01T00:00:00Z"));
        assert_eq!(p.months(), ["2026-11"]);
        assert_eq!(p.len(), 1);

        let p =
            MonthPeriod::enclosing(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z")).unwrap();
        assert_eq!(p.from(), at("2026-01-01T00:00:00Z"));
        assert_eq!(p.to(), at("2027-01-01T00:00:00Z"));
        assert_eq!(p.len(), 12);
        assert_eq!(p.months().first().unwrap(), "2026-01");
        assert_eq!(p.months().last().unwrap(), "2026-12");

        let p = MonthPeriod::enclosing(at("2026-12-31T23:59:59Z"), at("2027-01-01T00:00:00.5Z"))
            .unwrap();
        assert_eq!(p.months(), ["2026-12", "2027-01"]);
        assert_eq!(p.to(), at("2027-02-01T00:00:00Z"));

        assert_eq!(
            MonthPeriod::enclosing(at("2026-11-02T09:00:00Z"), at("2026-11-02T09:00:00Z")),
            None
        );
    }
}
