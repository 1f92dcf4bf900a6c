//! Statistics for oversight, as JSON or CSV.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::permissions::marker::ViewStatistics;
use crate::db::stats::{self, Count};
use crate::domain::period::{MAX_MONTHS, MonthPeriod};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::extract::{ApiQuery, Require};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Start of the period (RFC 3339, inclusive); widened to the start of its calendar
    /// month (UTC).
    pub from: DateTime<Utc>,
    /// End of the period (RFC 3339, exclusive); widened to the end of its calendar month
    /// (UTC) unless it is a month's first instant. After `from`, and at most 1200 months
    /// after it (else 400).
    pub to: DateTime<Utc>,
}

/// Figures over the cases the caller may see, for whole calendar months (UTC), and for each
/// of those months one count of the other cases.
#[derive(Serialize, ToSchema)]
pub struct Statistics {
    /// The first instant of the first month answered for: the requested `from`, widened to
    /// the start of its month.
    pub from: DateTime<Utc>,
    /// The first instant after the last month answered for: the requested `to`, widened to
    /// the end of its month unless it already is a month boundary.
    pub to: DateTime<Utc>,
    /// Visible cases received in the period, by source.
    pub received_by_source: BTreeMap<String, i64>,
    /// Visible cases received in the period, by category.
    pub received_by_category: BTreeMap<String, i64>,
    /// Visible open cases now, by state.
    pub open_by_state: BTreeMap<String, i64>,
    /// Visible APSP cases received in the period.
    pub apsp_cases: i64,
    /// The current IOPC referral of visible cases received in the period, by mode.
    pub iopc_referrals_by_mode: BTreeMap<String, i64>,
    /// Outcomes decided in the period in visible cases, by action.
    pub outcomes_by_action: BTreeMap<String, i64>,
    /// Median days from receipt to first reaching each stage (visible cases received in the
    /// period).
    pub median_days_to_stage: BTreeMap<String, f64>,
    /// Visible open cases past the 12-month point now.
    pub cases_past_twelve_months: i64,
    /// Barred-list reports made in the period in visible cases, and how many were late.
    pub barred_list_reports: i64,
    pub barred_list_reports_late: i64,
    /// Every month of the period (`YYYY-MM`), with how many cases received in it the caller
    /// cannot see: a bare count, counted in no other figure.
    pub other_cases_by_month: BTreeMap<String, i64>,
}

fn map(counts: Vec<Count>) -> BTreeMap<String, i64> {
    counts.into_iter().map(|c| (c.key, c.n)).collect()
}

fn csv(s: &Statistics) -> String {
    let mut out = String::from("metric,key,value\n");
    let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    out.push_str(&format!("period,from,{}\n", time(&s.from)));
    out.push_str(&format!("period,to,{}\n", time(&s.to)));
    let mut rows = |metric: &str, m: &BTreeMap<String, i64>| {
        for (k, v) in m {
            out.push_str(&format!("{metric},{k},{v}\n"));
        }
    };
    rows("received_by_source", &s.received_by_source);
    rows("received_by_category", &s.received_by_category);
    rows("open_by_state", &s.open_by_state);
    rows("iopc_referrals_by_mode", &s.iopc_referrals_by_mode);
    rows("outcomes_by_action", &s.outcomes_by_action);
    rows("other_cases_by_month", &s.other_cases_by_month);
    for (k, v) in &s.median_days_to_stage {
        out.push_str(&format!("median_days_to_stage,{k},{v:.2}\n"));
    }
    out.push_str(&format!("apsp_cases,,{}\n", s.apsp_cases));
    out.push_str(&format!(
        "cases_past_twelve_months,,{}\n",
        s.cases_past_twelve_months
    ));
    out.push_str(&format!("barred_list_reports,,{}\n", s.barred_list_reports));
    out.push_str(&format!(
        "barred_list_reports_late,,{}\n",
        s.barred_list_reports_late
    ));
    out
}

/// Figures for a period, over the cases the caller may see.
///
/// Every figure is computed over the cases the caller may see; the cases they cannot see are
/// counted once per month in `other_cases_by_month`, and in nothing else. The period is
/// answered for the calendar months (UTC) enclosing it, so no figure can be narrowed to less
/// than a month; `from` and `to` in the answer are the months' bounds. `Accept: text/csv`
/// answers CSV (`metric,key,value`, the period first).
#[utoipa::path(
    operation_id = "statistics_get",
    tag = "statistics",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The figures (CSV with `Accept: text/csv`: `metric,key,value` rows)", content(
            (Statistics = "application/json"),
            (String = "text/csv", example = "metric,key,value\nperiod,from,2026-01-01T00:00:00Z\n"),
        )),
        (status = 400, description = "`invalid_parameter`: `from` or `to` malformed, `to` not after `from`, or more than 1200 months after it", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats")]
pub async fn statistics(
    user: Require<ViewStatistics>,
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult<HttpResponse> {
    if q.to <= q.from {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "to",
            "before_from",
            "must be after from",
        ));
    }
    let period = MonthPeriod::enclosing(q.from, q.to)
        .filter(|p| p.len() <= MAX_MONTHS)
        .ok_or_else(|| {
            ApiError::field(
                ErrorCode::InvalidParameter,
                "to",
                "too_far",
                "must be at most 1200 months after from",
            )
        })?;
    let first = i32::try_from(state.settings.casework.report_schedule.first_months).unwrap_or(12);
    let viewer = user.viewer();
    let f = state
        .db
        .run_as(viewer, move |c| {
            Ok(stats::figures(c, &viewer, &period, first)?)
        })
        .await?;
    let s = Statistics {
        from: period.from(),
        to: period.to(),
        received_by_source: map(f.received_by_source),
        received_by_category: map(f.received_by_category),
        open_by_state: map(f.open_by_state),
        apsp_cases: f.apsp_received,
        iopc_referrals_by_mode: map(f.iopc_referrals_by_mode),
        outcomes_by_action: map(f.outcomes_by_action),
        median_days_to_stage: f
            .median_days_to_stage
            .into_iter()
            .filter_map(|m| m.days.map(|d| (m.key, d)))
            .collect(),
        cases_past_twelve_months: f.past_twelve_month_point,
        barred_list_reports: f.barred_list_reports,
        barred_list_reports_late: f.barred_list_reports_late,
        other_cases_by_month: f.other_cases_by_month.into_iter().collect(),
    };
    let wants_csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"));
    if wants_csv {
        Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .body(csv(&s)))
    } else {
        Ok(HttpResponse::Ok().json(s))
    }
}
