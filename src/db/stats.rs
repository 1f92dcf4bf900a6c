//! Aggregate figures for oversight. Every figure counts cases, restricted ones included, and
//! nothing here returns anything about a single case.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text, Timestamptz};

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

fn counts(
    conn: &mut PgConnection,
    sql: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<Count>> {
    diesel::sql_query(sql)
        .bind::<Timestamptz, _>(from)
        .bind::<Timestamptz, _>(to)
        .load(conn)
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
}

pub fn figures(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    first_months: i32,
) -> QueryResult<Figures> {
    let in_range = "received_at >= $1 AND received_at < $2";
    let received_by_source = counts(
        conn,
        &format!(
            "SELECT source AS key, count(*) AS n FROM cases WHERE {in_range} GROUP BY source ORDER BY source"
        ),
        from,
        to,
    )?;
    let received_by_category = counts(
        conn,
        &format!(
            "SELECT category AS key, count(*) AS n FROM cases WHERE {in_range} GROUP BY category ORDER BY category"
        ),
        from,
        to,
    )?;
    let open_by_state: Vec<Count> =
        diesel::sql_query("SELECT state AS key, count(*) AS n FROM cases WHERE state <> 'closed' GROUP BY state ORDER BY state").load(conn)?;
    let apsp_received = received_by_category
        .iter()
        .find(|c| c.key == "apsp")
        .map_or(0, |c| c.n);
    // The current referral of each case received in the range.
    let iopc_referrals_by_mode = counts(
        conn,
        "SELECT d.details->>'mode' AS key, count(*) AS n FROM cases c \
             JOIN decisions d ON d.case_id = c.id AND d.kind = 'iopc_referral' \
             WHERE c.received_at >= $1 AND c.received_at < $2 AND NOT EXISTS (SELECT 1 FROM decisions d2 WHERE d2.supersedes_id = d.id) \
             GROUP BY 1 ORDER BY 1",
        from,
        to,
    )?;
    let outcomes_by_action = counts(
        conn,
        "SELECT action AS key, count(*) AS n FROM outcomes WHERE decided_on >= $1::date AND decided_on < $2::date GROUP BY action ORDER BY action",
        from,
        to,
    )?;
    // Days from receipt to the first move into each stage, for cases received in the range.
    let median_days_to_stage: Vec<Median> = diesel::sql_query(
        "SELECT e.state AS key, \
         percentile_cont(0.5) WITHIN GROUP (ORDER BY (extract(epoch FROM (e.first_at - c.received_at)) / 86400.0)::float8) AS days \
         FROM cases c \
         JOIN (SELECT case_id, after->>'state' AS state, min(occurred_at) AS first_at FROM audit_events \
               WHERE action = 'case.transitioned' GROUP BY 1, 2) e ON e.case_id = c.id \
         WHERE c.received_at >= $1 AND c.received_at < $2 AND e.state <> 'suspended' GROUP BY 1 ORDER BY 1",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .load(conn)?;
    #[derive(QueryableByName)]
    struct One {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let past: One = diesel::sql_query(
        "SELECT count(*) AS n FROM cases WHERE state <> 'closed' AND now() > came_to_attention_at + make_interval(months => $1)",
    )
    .bind::<diesel::sql_types::Int4, _>(first_months)
    .get_result(conn)?;
    let barred: One = diesel::sql_query("SELECT count(*) AS n FROM list_reports WHERE list = 'barred' AND reported_on >= $1::date AND reported_on < $2::date")
        .bind::<Timestamptz, _>(from)
        .bind::<Timestamptz, _>(to)
        .get_result(conn)?;
    let late: One = diesel::sql_query(
        "SELECT count(*) AS n FROM list_reports WHERE list = 'barred' AND reported_on >= $1::date AND reported_on < $2::date AND reported_on > due_by",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
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
        barred_list_reports_late: late.n,
    })
}
