//! Aggregate figures for oversight. Every figure is computed over the cases the caller may
//! see (the access policy's predicate on `cases`, joined to where a figure counts rows of
//! another table), and the period is whole calendar months. The one figure about other
//! cases is a bare count per month ([`other_cases_by_month`]): nothing here lets a caller
//! learn more about a case they cannot see.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Double, Int4, Nullable, Text, Timestamp, Timestamptz, Untyped};

use crate::auth::access::Purpose;
use crate::auth::access::sql::{AccessSql, cases_visible_to};
use crate::domain::Viewer;
use crate::domain::period::{MonthPeriod, month_key};

#[derive(QueryableByName, Debug, Clone)]
pub struct Count {
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

#[derive(QueryableByName, Debug, Clone)]
pub struct Median {
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = Nullable<Double>)]
    pub days: Option<f64>,
}

/// One piece of a statement: SQL text, the policy's predicate on `cases`, or a bound value.
enum Part {
    Sql(&'static str),
    Visible(AccessSql),
    Time(DateTime<Utc>),
    Int(i32),
}

/// A statement of SQL text with the access policy's predicate and bound values spliced in
/// (binds are numbered as they are written, so none is written by hand).
#[derive(Default)]
struct Statement(Vec<Part>);

impl Statement {
    fn sql(mut self, text: &'static str) -> Self {
        self.0.push(Part::Sql(text));
        self
    }

    /// The cases the caller may see: the policy's predicate on the row `cases`.
    fn visible(mut self, predicate: AccessSql) -> Self {
        self.0.push(Part::Visible(predicate));
        self
    }

    fn time(mut self, t: DateTime<Utc>) -> Self {
        self.0.push(Part::Time(t));
        self
    }

    fn int(mut self, n: i32) -> Self {
        self.0.push(Part::Int(n));
        self
    }

    /// ` AND <column> >= from AND <column> < to`, for a `timestamptz` column.
    fn within(self, column: &'static str, period: &MonthPeriod) -> Self {
        self.sql(" AND ")
            .sql(column)
            .sql(" >= ")
            .time(period.from())
            .sql(" AND ")
            .sql(column)
            .sql(" < ")
            .time(period.to())
    }

    /// ` AND <column> >= from AND <column> < to`, for a `date` column (the period's bounds
    /// are UTC midnights).
    fn within_dates(self, column: &'static str, period: &MonthPeriod) -> Self {
        self.sql(" AND ")
            .sql(column)
            .sql(" >= (")
            .time(period.from())
            .sql(" AT TIME ZONE 'UTC')::date AND ")
            .sql(column)
            .sql(" < (")
            .time(period.to())
            .sql(" AT TIME ZONE 'UTC')::date")
    }
}

impl QueryFragment<Pg> for Statement {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        for part in &self.0 {
            match part {
                Part::Sql(text) => out.push_sql(text),
                Part::Visible(predicate) => {
                    out.push_sql("(");
                    predicate.walk_ast(out.reborrow())?;
                    out.push_sql(")");
                }
                Part::Time(t) => out.push_bind_param::<Timestamptz, _>(t)?,
                Part::Int(n) => out.push_bind_param::<Int4, _>(n)?,
            }
        }
        Ok(())
    }
}

impl QueryId for Statement {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Statement {
    type SqlType = Untyped;
}

impl RunQueryDsl<PgConnection> for Statement {}

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Barred {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    late: i64,
}

#[derive(QueryableByName)]
struct MonthCount {
    #[diesel(sql_type = Timestamp)]
    month: NaiveDateTime,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

pub struct Figures {
    pub received_by_source: Vec<Count>,
    pub received_by_category: Vec<Count>,
    pub open_by_state: Vec<Count>,
    pub apsp_received: i64,
    pub iopc_referrals_by_mode: Vec<Count>,
    pub outcomes_by_action: Vec<Count>,
    pub median_days_to_stage: Vec<Median>,
    pub past_twelve_month_point: i64,
    pub barred_list_reports: i64,
    pub barred_list_reports_late: i64,
    /// Every month of the period (`YYYY-MM`), with how many cases received in it the caller
    /// may not see.
    pub other_cases_by_month: Vec<(String, i64)>,
}

/// The figures for `period` over the cases `viewer` may see.
pub fn figures(
    conn: &mut PgConnection,
    viewer: &Viewer,
    period: &MonthPeriod,
    first_months: i32,
) -> QueryResult<Figures> {
    let visible = cases_visible_to(viewer, Purpose::Content);
    let received = |key: &'static str| {
        Statement::default()
            .sql("SELECT ")
            .sql(key)
            .sql(" AS key, count(*) AS n FROM cases WHERE ")
            .visible(visible)
            .within("cases.received_at", period)
            .sql(" GROUP BY 1 ORDER BY 1")
    };
    let received_by_source: Vec<Count> = received("cases.source").load(conn)?;
    let received_by_category: Vec<Count> = received("cases.category").load(conn)?;
    let open_by_state: Vec<Count> = Statement::default()
        .sql("SELECT cases.state AS key, count(*) AS n FROM cases WHERE ")
        .visible(visible)
        .sql(" AND cases.state <> 'closed' GROUP BY 1 ORDER BY 1")
        .load(conn)?;
    let apsp_received = received_by_category
        .iter()
        .find(|c| c.key == "apsp")
        .map_or(0, |c| c.n);
    // The current referral of each case received in the period.
    let iopc_referrals_by_mode: Vec<Count> = Statement::default()
        .sql(
            "SELECT d.details->>'mode' AS key, count(*) AS n FROM cases \
             JOIN decisions d ON d.case_id = cases.id AND d.kind = 'iopc_referral' WHERE ",
        )
        .visible(visible)
        .within("cases.received_at", period)
        .sql(
            " AND NOT EXISTS (SELECT 1 FROM decisions d2 WHERE d2.supersedes_id = d.id) \
             GROUP BY 1 ORDER BY 1",
        )
        .load(conn)?;
    let outcomes_by_action: Vec<Count> = Statement::default()
        .sql(
            "SELECT o.action AS key, count(*) AS n FROM outcomes o \
             JOIN cases ON cases.id = o.case_id WHERE ",
        )
        .visible(visible)
        .within_dates("o.decided_on", period)
        .sql(" GROUP BY 1 ORDER BY 1")
        .load(conn)?;
    // Days from receipt to the first move into each stage, for cases received in the period.
    let median_days_to_stage: Vec<Median> = Statement::default()
        .sql(
            "SELECT e.state AS key, \
             percentile_cont(0.5) WITHIN GROUP \
             (ORDER BY (extract(epoch FROM (e.first_at - cases.received_at)) / 86400.0)::float8) AS days \
             FROM cases \
             JOIN (SELECT case_id, after->>'state' AS state, min(occurred_at) AS first_at FROM audit_events \
                   WHERE action = 'case.transitioned' GROUP BY 1, 2) e ON e.case_id = cases.id \
             WHERE ",
        )
        .visible(visible)
        .within("cases.received_at", period)
        .sql(" AND e.state <> 'suspended' GROUP BY 1 ORDER BY 1")
        .load(conn)?;
    let past: One = Statement::default()
        .sql("SELECT count(*) AS n FROM cases WHERE ")
        .visible(visible)
        .sql(
            " AND cases.state <> 'closed' \
             AND now() > cases.came_to_attention_at + make_interval(months => ",
        )
        .int(first_months)
        .sql(")")
        .get_result(conn)?;
    let barred: Barred = Statement::default()
        .sql(
            "SELECT count(*) AS n, count(*) FILTER (WHERE lr.reported_on > lr.due_by) AS late \
             FROM list_reports lr JOIN cases ON cases.id = lr.case_id \
             WHERE lr.list = 'barred' AND ",
        )
        .visible(visible)
        .within_dates("lr.reported_on", period)
        .get_result(conn)?;
    Ok(Figures {
        received_by_source,
        received_by_category,
        open_by_state,
        apsp_received,
        iopc_referrals_by_mode,
        outcomes_by_action,
        median_days_to_stage,
        past_twelve_month_point: past.n,
        barred_list_reports: barred.n,
        barred_list_reports_late: barred.late,
        other_cases_by_month: other_cases_by_month(conn, viewer, period)?,
    })
}

/// How many cases received in each month of the period the viewer may NOT see.
///
/// This is the one query that deliberately looks past the access policy: read past the
/// row-level policies (which hide those cases), it negates the policy's own predicate for
/// the viewer (`IS NOT TRUE`, so that nothing can vanish from both sides). It yields one bare count per whole calendar month, with no breakdown, so it
/// tells nothing about any one of those cases beyond the month it was received in.
fn other_cases_by_month(
    conn: &mut PgConnection,
    viewer: &Viewer,
    period: &MonthPeriod,
) -> QueryResult<Vec<(String, i64)>> {
    let others = Statement::default()
        .sql(
            "SELECT date_trunc('month', cases.received_at AT TIME ZONE 'UTC') AS month, \
             count(*) AS n FROM cases WHERE ",
        )
        .visible(cases_visible_to(viewer, Purpose::Content))
        .sql(" IS NOT TRUE")
        .within("cases.received_at", period)
        .sql(" GROUP BY 1");
    let counted: Vec<MonthCount> = crate::db::past_the_wall(conn, |c| others.load(c))?;
    let counted: Vec<(String, i64)> = counted
        .into_iter()
        .map(|m| (month_key(m.month.and_utc()), m.n))
        .collect();
    Ok(period
        .months()
        .into_iter()
        .map(|month| {
            let n = counted
                .iter()
                .find(|(key, _)| *key == month)
                .map_or(0, |(_, n)| *n);
            (month, n)
        })
        .collect())
}
