//! Statistics for oversight, as JSON or CSV.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::permissions::marker::ViewStatistics;
use crate::db::stats::{self, Count};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::extract::{ApiQuery, Require};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Start of the period (RFC 3339, inclusive).
    pub from: DateTime<Utc>,
    /// End of the period (RFC 3339, exclusive).
    pub to: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct Statistics {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Cases received in the period, by source.
    pub received_by_source: BTreeMap<String, i64>,
    /// Cases received in the period, by category.
    pub received_by_category: BTreeMap<String, i64>,
    /// Open cases now, by state.
    pub open_by_state: BTreeMap<String, i64>,
    /// APSP cases received in the period.
    pub apsp_cases: i64,
    /// The current IOPC referral of cases received in the period, by mode.
    pub iopc_referrals_by_mode: BTreeMap<String, i64>,
    /// Outcomes decided in the period, by action.
    pub outcomes_by_action: BTreeMap<String, i64>,
    /// Median days from receipt to first reaching each stage (cases received in the period).
    pub median_days_to_stage: BTreeMap<String, f64>,
    /// Open cases past the 12-month point now.
    pub cases_past_twelve_months: i64,
    /// Barred-list reports made in the period, and how many were late.
    pub barred_list_reports: i64,
    pub barred_list_reports_late: i64,
}

fn map(counts: Vec<Count>) -> BTreeMap<String, i64> {
    counts.into_iter().map(|c| (c.key, c.n)).collect()
}

fn csv(s: &Statistics) -> String {
    let mut out = String::from("metric,key,value\n");
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

/// Figures for a period. `Accept: text/csv` answers CSV (`metric,key,value`). Restricted cases
/// are counted; nothing else about any case is revealed.
#[utoipa::path(
    tag = "statistics",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The figures", body = Statistics, content_type = "application/json"),
        (status = 403, description = "`forbidden`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats")]
pub async fn statistics(
    _user: Require<ViewStatistics>,
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
    let first = i32::try_from(state.settings.casework.report_schedule.first_months).unwrap_or(12);
    let (from, to) = (q.from, q.to);
    // Aggregate figures count every case, restricted ones and those the caller may not see
    // included (`db::stats` returns nothing about a single case), so they are read past the
    // row-level policies.
    let f = state
        .db
        .transaction_as_system(move |c| Ok(stats::figures(c, from, to, first)?))
        .await?;
    let s = Statistics {
        from,
        to,
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
