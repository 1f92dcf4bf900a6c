//! What the public reaches without an account: the report form's endpoint, a report's status,
//! and the published hearing notices and outcomes, as JSON and as plain HTML pages.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::audit::Actor;
use crate::casework::Checks;
use crate::casework::proceedings::PublicNotice;
use crate::casework::public_reports::{self as service, Receipt, Submission};
use crate::db::proceedings as queries;
use crate::domain::allegation::WarningSign;
use crate::domain::intake::ReporterStatus;
use crate::domain::proceedings::PublicationKind;
use crate::domain::text::{EmailOrBlank, LineOrBlank, Paragraph, ParagraphOrBlank};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::extract::{ApiJsonBytes, ApiQuery, RequestMeta};
use crate::http::pagination::{self, Page};
use crate::state::AppState;

const PROBLEM: &str = "application/problem+json";

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicList {
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The previous page's `next_cursor`; one this list did not issue is 400 `invalid_cursor`.
    pub cursor: Option<String>,
}

async fn published(
    state: &AppState,
    kind: PublicationKind,
    q: PublicList,
) -> ApiResult<Page<PublicNotice>> {
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor::<(DateTime<Utc>, Uuid)>(q.cursor.as_deref())?;
    let rows = state
        .db
        .transaction_as_system(move |c| {
            Ok(queries::public(
                c,
                kind,
                crate::audit::now(),
                after,
                limit + 1,
            )?)
        })
        .await?;
    Ok(pagination::page(
        rows,
        limit,
        |r| (r.publish_from, r.id),
        PublicNotice::from,
    ))
}

/// Notices of misconduct hearings still to come.
#[utoipa::path(
    operation_id = "public_hearings_list",
    tag = "public",
    params(PublicList),
    responses((status = 200, description = "Published notices, newest first", body = Page<PublicNotice>))
)]
#[get("/public/hearings")]
pub async fn hearings(
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<PublicList>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(published(&state, PublicationKind::HearingNotice, q).await?))
}

/// Outcomes of misconduct hearings, while inside their publication window.
#[utoipa::path(
    operation_id = "public_outcomes_list",
    tag = "public",
    params(PublicList),
    responses((status = 200, description = "Published outcomes, newest first", body = Page<PublicNotice>))
)]
#[get("/public/outcomes")]
pub async fn outcomes(
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<PublicList>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(published(&state, PublicationKind::Outcome, q).await?))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The last Sunday of `month` in `year`, at 01:00 UTC: when UK clocks change.
fn uk_clock_change(year: i32, month: u32) -> Option<DateTime<Utc>> {
    use chrono::{Datelike, NaiveDate, TimeZone, Weekday};
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let mut day = next.pred_opt()?;
    while day.weekday() != Weekday::Sun {
        day = day.pred_opt()?;
    }
    Utc.from_local_datetime(&day.and_hms_opt(1, 0, 0)?).single()
}

/// A time as the UK shows it: GMT in winter, BST (UTC+1) from the last Sunday of March to
/// the last Sunday of October.
fn uk_time(t: &DateTime<Utc>) -> String {
    use chrono::Datelike;
    let year = t.year();
    let summer = matches!((uk_clock_change(year, 3), uk_clock_change(year, 10)), (Some(a), Some(b)) if *t >= a && *t < b);
    let local = *t + chrono::Duration::hours(if summer { 1 } else { 0 });
    format!(
        "{} {}",
        local.format("%A %-d %B %Y, %H:%M"),
        if summer { "BST" } else { "GMT" }
    )
}

/// A plain, accessible page: no scripts, readable on a phone, linkable from a force's website.
fn page(
    title: &str,
    intro: &str,
    other: (&str, &str),
    items: &[PublicNotice],
    next: Option<&str>,
) -> String {
    let mut body = String::new();
    if items.is_empty() {
        body.push_str("<p>There is nothing published at the moment.</p>\n");
    }
    for n in items {
        body.push_str("<article>\n");
        body.push_str(&format!("<h2>{}</h2>\n<dl>\n", escape(&n.officer_name)));
        if let Some(rank) = &n.officer_rank {
            body.push_str(&format!("<dt>Rank</dt><dd>{}</dd>\n", escape(rank)));
        }
        body.push_str(&format!("<dt>Force</dt><dd>{}</dd>\n", escape(&n.force)));
        if let Some(date) = &n.hearing_date {
            body.push_str(&format!(
                "<dt>Hearing</dt><dd><time datetime=\"{}\">{}</time></dd>\n",
                date.to_rfc3339(),
                escape(&uk_time(date))
            ));
        }
        if let Some(venue) = &n.venue {
            body.push_str(&format!("<dt>Venue</dt><dd>{}</dd>\n", escape(venue)));
        }
        body.push_str(&format!(
            "<dt>Allegation</dt><dd>{}</dd>\n",
            escape(&n.allegation_summary)
        ));
        if let Some(outcome) = &n.outcome {
            body.push_str(&format!("<dt>Outcome</dt><dd>{}</dd>\n", escape(outcome)));
        }
        body.push_str(&format!(
            "<dt>Published</dt><dd><time datetime=\"{}\">{}</time></dd>\n",
            n.publish_from.to_rfc3339(),
            escape(&uk_time(&n.publish_from))
        ));
        body.push_str("</dl>\n</article>\n");
    }
    if let Some(cursor) = next {
        body.push_str(&format!(
            "<p><a href=\"?cursor={}\">Older entries</a></p>\n",
            escape(cursor)
        ));
    }
    format!(
        "<!doctype html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{t}</title>\n\
         <style>body{{font-family:system-ui,sans-serif;max-width:48rem;margin:0 auto;padding:1rem;line-height:1.5;color:#111}}\
         article{{border-top:2px solid #444;padding:.5rem 0 1rem}}dt{{font-weight:bold}}dd{{margin:0 0 .5rem}}\
         h1{{font-size:1.6rem}}h2{{font-size:1.25rem;margin:.5rem 0}}a{{color:#1d4ed8}}</style>\n</head>\n<body>\n<main>\n\
         <h1>{t}</h1>\n<p>{intro}</p>\n<p><a href=\"{other_href}\">{other_text}</a></p>\n{body}</main>\n</body>\n</html>\n",
        t = escape(title),
        intro = escape(intro),
        other_href = escape(other.0),
        other_text = escape(other.1),
    )
}

fn html(text: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ),
        ))
        .insert_header((
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=60"),
        ))
        .body(text)
}

/// The pages are linked from websites and shared on social media, which add their own
/// parameters: only `cursor` is read, and one that does not parse starts from the top.
fn page_cursor(req: &HttpRequest) -> PublicList {
    let cursor = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "cursor")
        .map(|(_, v)| v.into_owned())
        .filter(|c| pagination::decode_cursor::<(DateTime<Utc>, Uuid)>(Some(c)).is_ok());
    PublicList {
        limit: None,
        cursor,
    }
}

/// The hearings page (HTML). Unknown query parameters are ignored.
#[utoipa::path(
    operation_id = "public_hearings_page",tag = "public", params(("cursor" = Option<String>, Query, description = "From the page's own Older link")),
    responses((status = 200, description = "An HTML page", content_type = "text/html", body = String)))]
#[get("/public/hearings")]
pub async fn hearings_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let found = published(&state, PublicationKind::HearingNotice, page_cursor(&req)).await?;
    Ok(html(page(
        "Misconduct hearings",
        "Misconduct hearings are held in public. These are the hearings to come; times are UK time.",
        ("/public/outcomes", "Outcomes of misconduct hearings"),
        &found.items,
        found.next_cursor.as_deref(),
    )))
}

/// The outcomes page (HTML). Unknown query parameters are ignored.
#[utoipa::path(
    operation_id = "public_outcomes_page",tag = "public", params(("cursor" = Option<String>, Query, description = "From the page's own Older link")),
    responses((status = 200, description = "An HTML page", content_type = "text/html", body = String)))]
#[get("/public/outcomes")]
pub async fn outcomes_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let found = published(&state, PublicationKind::Outcome, page_cursor(&req)).await?;
    Ok(html(page(
        "Misconduct hearing outcomes",
        "The outcomes of misconduct hearings, newest first.",
        ("/public/hearings", "Misconduct hearings to come"),
        &found.items,
        found.next_cursor.as_deref(),
    )))
}

#[cfg(test)]
mod page_tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn uk_time_follows_the_clocks() {
        assert_eq!(
            uk_time(&Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).unwrap()),
            "Monday 7 December 2026, 10:00 GMT"
        );
        assert_eq!(
            uk_time(&Utc.with_ymd_and_hms(2026, 7, 1, 9, 0, 0).unwrap()),
            "Wednesday 1 July 2026, 10:00 BST"
        );
        // Clocks go forward at 01:00 UTC on Sunday 29 March 2026.
        assert_eq!(
            uk_time(&Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0).unwrap()),
            "Sunday 29 March 2026, 00:59 GMT"
        );
        assert_eq!(
            uk_time(&Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap()),
            "Sunday 29 March 2026, 02:00 BST"
        );
    }

    #[test]
    fn pages_escape_what_authors_wrote() {
        let n = PublicNotice {
            id: Uuid::nil(),
            kind: crate::domain::proceedings::PublicationKind::Outcome,
            officer_name: "<script>x</script>".into(),
            officer_rank: None,
            force: "F".into(),
            hearing_date: None,
            venue: None,
            allegation_summary: "a & b".into(),
            outcome: Some("o".into()),
            publish_from: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            publish_until: Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap(),
        };
        let html = page("T", "I", ("/x", "X"), &[n], None);
        assert!(
            !html.contains("<script>")
                && html.contains("&lt;script&gt;")
                && html.contains("a &amp; b")
        );
    }
}

/// A report of abuse of position, from anyone; contact details are optional. Optional text
/// left blank is the same as absent (a form's empty fields).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "what_happened": "The officer who took my statement keeps messaging me late at night and asked to meet.",
    "when": "Since March",
    "where": "Northtown",
    "officer_name": "PC Brown",
    "officer_collar_number": "4521",
    "officer_force": "Wessex Police",
    "reporter_is_affected": true,
    "warning_signs": ["visits_at_odd_times", "unnecessary_contact"],
    "contact_email": "sam@example.org",
    "consent_to_contact": true
}))]
pub struct ReportBody {
    pub what_happened: Paragraph<10_000>,
    /// When it happened, in the reporter's words.
    pub when: Option<ParagraphOrBlank<200>>,
    /// Where it happened.
    #[serde(rename = "where")]
    pub place: Option<ParagraphOrBlank<500>>,
    pub officer_name: Option<LineOrBlank<200>>,
    pub officer_collar_number: Option<LineOrBlank<40>>,
    pub officer_force: Option<LineOrBlank<100>>,
    /// Whether the reporter is the person affected.
    pub reporter_is_affected: bool,
    /// At most 13 entries (as many as there are signs).
    #[serde(default)]
    #[schema(max_items = 13)]
    pub warning_signs: Vec<WarningSign>,
    pub contact_name: Option<LineOrBlank<200>>,
    pub contact_email: Option<EmailOrBlank<254>>,
    pub contact_phone: Option<LineOrBlank<40>>,
    #[serde(default)]
    pub consent_to_contact: bool,
}

// The schema's `max_items` of `warning_signs`.
const _: () = assert!(WarningSign::ALL.len() == 13);

fn submission(b: ReportBody) -> ApiResult<Submission> {
    let mut checks = Checks::default();
    let s = Submission {
        what_happened: b.what_happened.into_string(),
        happened_when: b.when.and_then(ParagraphOrBlank::into_option),
        happened_where: b.place.and_then(ParagraphOrBlank::into_option),
        officer_name: b.officer_name.and_then(LineOrBlank::into_option),
        officer_collar_number: b.officer_collar_number.and_then(LineOrBlank::into_option),
        officer_force: b.officer_force.and_then(LineOrBlank::into_option),
        reporter_is_affected: b.reporter_is_affected,
        warning_signs: b.warning_signs,
        contact_name: b.contact_name.and_then(LineOrBlank::into_option),
        contact_email: b.contact_email.and_then(EmailOrBlank::into_option),
        contact_phone: b.contact_phone.and_then(LineOrBlank::into_option),
        consent_to_contact: b.consent_to_contact,
    };
    if s.warning_signs.len() > WarningSign::ALL.len() {
        checks.push("warning_signs", "too_long", "lists a sign more than once");
    }
    checks.finish()?;
    Ok(s)
}

/// The `Idempotency-Key` of a public report: 1 to 200 visible ASCII characters (`!` to `~`,
/// so no spaces), chosen by the client; a UUID is a good one.
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const MAX_CHARS: usize = 200;
    /// What a key may be (the document's `pattern`).
    pub const PATTERN: &'static str = "^[!-~]{1,200}$";

    /// The header's value, if sent; a malformed one is 400 `invalid_parameter`.
    pub fn from_request(req: &HttpRequest) -> ApiResult<Option<Self>> {
        let Some(value) = req.headers().get("idempotency-key") else {
            return Ok(None);
        };
        let bytes = value.as_bytes();
        if bytes.is_empty()
            || bytes.len() > Self::MAX_CHARS
            || !bytes.iter().all(u8::is_ascii_graphic)
        {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                "Idempotency-Key",
                "invalid_value",
                "must be 1 to 200 visible characters",
            ));
        }
        Ok(Some(Self(String::from_utf8_lossy(bytes).into_owned())))
    }
}

impl utoipa::PartialSchema for IdempotencyKey {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(1))
            .max_length(Some(Self::MAX_CHARS))
            .pattern(Some(Self::PATTERN))
            .description(Some(
                "1 to 200 visible ASCII characters (`!` to `~`, no spaces); a UUID is a good one",
            ))
            .into()
    }
}

impl ToSchema for IdempotencyKey {}

/// Report abuse of position. No account needed. Answers a reference and a one-time receipt
/// token. `Idempotency-Key`: the same key and body replay the first answer. Rate limited per
/// client address.
#[utoipa::path(
    operation_id = "public_reports_submit",
    tag = "public",
    params(("Idempotency-Key" = Option<IdempotencyKey>, Header, description = "Makes a retry safe: the same key and body within 24 hours replay the first answer; the key with another body is 422 (`key_reused`)")),
    request_body = ReportBody,
    responses(
        (status = 201, description = "Received", body = Receipt),
        (status = 400, description = "`invalid_json`, or `invalid_parameter`: a malformed `Idempotency-Key`", body = crate::error::Problem, content_type = PROBLEM),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/public/reports")]
pub async fn submit_report(
    state: web::Data<AppState>,
    meta: RequestMeta,
    req: HttpRequest,
    ApiJsonBytes(body, raw): ApiJsonBytes<ReportBody>,
) -> ApiResult<HttpResponse> {
    let key = IdempotencyKey::from_request(&req)?
        .map(|IdempotencyKey(k)| (k, Sha256::digest(&raw).to_vec()));
    let submission = submission(body)?;
    let client = meta.client_addr.clone().unwrap_or_else(|| "unknown".into());
    let key = key.map(|(k, hash)| service::Idempotency::new(&client, k, hash));
    // A replay, or a key reused with another body, is answered before the quota is counted.
    if let Some(idem) = key.clone() {
        let stored = state
            .db
            .transaction_as_system(move |c| service::replay(c, &idem))
            .await?;
        if let Some((status, body)) = stored {
            return Ok(receipt_response(status, body));
        }
    }
    let settings = state.settings.casework.clone();
    let window = state
        .db
        .transaction_as_system(move |c| {
            Ok(crate::db::throttle::hit(
                c,
                &format!("public_report:{client}"),
                settings.public_report_window_secs,
                crate::audit::now(),
            )?)
        })
        .await?;
    let settings = &state.settings.casework;
    window.refuse_over(
        settings.public_report_limit,
        settings.public_report_window_secs,
        "public_reports",
        "Too many reports from this address; try again later.",
    )?;
    let ctx = meta.audit(Actor::Public);
    let (status, body) = state
        .db
        .transaction_as_system(move |c| service::submit(c, &ctx, submission, key))
        .await?;
    Ok(receipt_response(status, body))
}

/// The answer to a report (first or replayed): a 201 says where the report's status is read.
fn receipt_response(status: u16, body: serde_json::Value) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::CREATED);
    let mut builder = HttpResponse::build(status);
    if status == actix_web::http::StatusCode::CREATED
        && let Some(reference) = body["reference"].as_str()
    {
        builder.insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/public/reports/{reference}"),
        ));
    }
    builder.json(body)
}

#[derive(serde::Serialize, ToSchema)]
pub struct ReportStatus {
    pub reference: String,
    pub status: ReporterStatus,
}

/// A report's status, with its receipt token in `X-Receipt-Token`. Any wrong reference or
/// token is the same 404.
#[utoipa::path(
    operation_id = "public_reports_status",
    tag = "public",
    params(("reference" = String, Path, description = "The report's reference"), ("X-Receipt-Token" = String, Header, description = "The receipt token")),
    responses(
        (status = 200, description = "The status", body = ReportStatus),
        (status = 404, description = "`not_found`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/public/reports/{reference}")]
pub async fn report_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let reference = path.into_inner();
    let token = req
        .headers()
        .get("x-receipt-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if token.is_empty() || reference.len() > 40 {
        return Err(ApiError::not_found());
    }
    let r = reference.clone();
    let status = state
        .db
        .transaction_as_system(move |c| service::status(c, &r, &token))
        .await?;
    Ok(HttpResponse::Ok().json(ReportStatus { reference, status }))
}
