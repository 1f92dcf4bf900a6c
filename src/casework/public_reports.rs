//! Reports from the public: received without an account, protected by a rate limit and
//! idempotency keys, then accepted into a case or rejected by intake.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{self, Actor, AuditContext, Event};
use crate::auth::access::sql::reports_visible_to;
use crate::casework::Caller;
use crate::casework::allegations::{self, AllegationFields, NewAllegation};
use crate::casework::cases::{self as case_service, NewCase};
use crate::casework::parties::PartyFields;
use crate::casework::sub_record;
use crate::casework::subjects as subject_service;
use crate::config::CaseworkSettings;
use crate::db::models::PartyRow;
use crate::db::models::PublicReportRow;
use crate::db::schema::{idempotency_keys, public_reports};
use crate::domain::allegation::{Standard, WarningSign};
use crate::domain::case::{CaseState, Category, Source};
use crate::domain::intake::{IntakeStatus, ReporterStatus};
use crate::domain::party::PartyRole;
use crate::error::{ApiError, ApiResult, ErrorCode};

/// What the public submits.
pub struct Submission {
    pub what_happened: String,
    pub happened_when: Option<String>,
    pub happened_where: Option<String>,
    pub officer_name: Option<String>,
    pub officer_collar_number: Option<String>,
    pub officer_force: Option<String>,
    pub reporter_is_affected: bool,
    pub warning_signs: Vec<WarningSign>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub consent_to_contact: bool,
}

/// The answer to a submission: shown once.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct Receipt {
    /// Quote it when asking about the report.
    pub reference: String,
    /// Keep it: with the reference it shows the report's status. It is not shown again.
    pub receipt_token: String,
}

fn random_token(bytes: usize) -> ApiResult<Vec<u8>> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| ApiError::internal("no randomness", e))?;
    Ok(buf)
}

/// `PR-` and ten characters that cannot be confused when read aloud.
fn new_reference() -> ApiResult<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = random_token(10)?;
    let chars: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    Ok(format!("PR-{}-{}", &chars[..5], &chars[5..]))
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// An `Idempotency-Key` and a digest of the body it came with, scoped to the client address
/// that sent it: a key is that client's, so another client reusing it learns nothing.
#[derive(Clone, Debug)]
pub struct Idempotency {
    pub scope: String,
    pub key: String,
    pub hash: Vec<u8>,
}

impl Idempotency {
    pub fn new(client_addr: &str, key: String, hash: Vec<u8>) -> Self {
        Self {
            scope: format!("public_report:{client_addr}"),
            key,
            hash,
        }
    }
}

/// The stored response to a key already used with this body, to replay; the key used with
/// another body is refused. Asked before the request is counted against the client's quota,
/// so neither a replay nor a refused reuse uses it up.
pub fn replay(conn: &mut PgConnection, idem: &Idempotency) -> ApiResult<Option<(u16, Value)>> {
    stored_response(conn, idem, false)
}

fn stored_response(
    conn: &mut PgConnection,
    idem: &Idempotency,
    lock: bool,
) -> ApiResult<Option<(u16, Value)>> {
    use idempotency_keys::dsl as k;
    let query = k::idempotency_keys
        .filter(k::scope.eq(&idem.scope))
        .filter(k::key.eq(&idem.key))
        .filter(k::created_at.ge(audit::now() - Duration::hours(24)))
        .select((k::request_hash, k::response_status, k::response_body));
    let existing: Option<(Vec<u8>, i32, Value)> = if lock {
        query.for_update().first(conn).optional()?
    } else {
        query.first(conn).optional()?
    };
    match existing {
        None => Ok(None),
        Some((stored_hash, _, _)) if stored_hash != idem.hash => Err(ApiError::field(
            ErrorCode::ValidationFailed,
            "Idempotency-Key",
            "key_reused",
            "was already used with a different body",
        )),
        Some((_, status, body)) => Ok(Some((u16::try_from(status).unwrap_or(201), body))),
    }
}

/// Stores a submission; with an idempotency key, the first response to that key and body is
/// replayed, and the key with another body is refused.
pub fn submit(
    conn: &mut PgConnection,
    ctx: &AuditContext,
    submission: Submission,
    idempotency: Option<Idempotency>,
) -> ApiResult<(u16, Value)> {
    use idempotency_keys::dsl as k;
    if let Some(idem) = &idempotency {
        diesel::delete(
            k::idempotency_keys.filter(k::created_at.lt(audit::now() - Duration::hours(24))),
        )
        .execute(conn)?;
        if let Some(stored) = stored_response(conn, idem, true)? {
            return Ok(stored);
        }
    }
    let now = audit::now();
    let token = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        random_token(32)?,
    );
    let mut signs = submission.warning_signs.clone();
    signs.sort_unstable_by_key(|w| w.as_str());
    signs.dedup();
    let row = PublicReportRow {
        id: Uuid::new_v4(),
        reference: new_reference()?,
        receipt_token_hash: token_hash(&token),
        what_happened: submission.what_happened,
        happened_when: submission.happened_when,
        happened_where: submission.happened_where,
        officer_name: submission.officer_name,
        officer_collar_number: submission.officer_collar_number,
        officer_force: submission.officer_force,
        reporter_is_affected: submission.reporter_is_affected,
        warning_signs: signs,
        contact_name: submission.contact_name,
        contact_email: submission.contact_email,
        contact_phone: submission.contact_phone,
        consent_to_contact: submission.consent_to_contact,
        status: IntakeStatus::Received,
        case_id: None,
        rejected_reason: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let row: PublicReportRow = diesel::insert_into(public_reports::table)
        .values(&row)
        .returning(PublicReportRow::as_returning())
        .get_result(conn)?;
    audit::append(
        conn,
        &ctx.with_actor(Actor::Public),
        Event::new("public_report.received").entity("public_report", row.id).after(json!({
            "reference": row.reference,
            "what_happened": row.what_happened,
            "warning_signs": row.warning_signs,
            "reporter_is_affected": row.reporter_is_affected,
            "anonymous": row.contact_name.is_none() && row.contact_email.is_none() && row.contact_phone.is_none(),
            "consent_to_contact": row.consent_to_contact,
        })),
    )?;
    let body = serde_json::to_value(Receipt {
        reference: row.reference,
        receipt_token: token,
    })
    .map_err(|e| ApiError::internal("receipt", e))?;
    if let Some(idem) = idempotency {
        diesel::insert_into(k::idempotency_keys)
            .values((
                k::scope.eq(idem.scope),
                k::key.eq(idem.key),
                k::request_hash.eq(idem.hash),
                k::response_status.eq(201),
                k::response_body.eq(&body),
                k::created_at.eq(now),
            ))
            .execute(conn)
            .map_err(|e| {
                crate::db::unique_violation_as(
                    e,
                    ApiError::new(
                        ErrorCode::Conflict,
                        "A request with this Idempotency-Key is in progress; retry.",
                    ),
                )
            })?;
    }
    Ok((201, body))
}

/// The status shown to the reporter.
pub fn status(conn: &mut PgConnection, reference: &str, token: &str) -> ApiResult<ReporterStatus> {
    let found: Option<(Vec<u8>, IntakeStatus, Option<CaseState>)> = public_reports::table
        .left_join(crate::db::schema::cases::table)
        .filter(public_reports::reference.eq(reference))
        .select((
            public_reports::receipt_token_hash,
            public_reports::status,
            crate::db::schema::cases::state.nullable(),
        ))
        .first(conn)
        .optional()?;
    let presented = token_hash(token);
    let Some((hash, status, case_state)) = found else {
        return Err(ApiError::not_found());
    };
    // Compare without stopping at the first differing byte.
    let same = hash.len() == presented.len()
        && hash
            .iter()
            .zip(&presented)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(ApiError::not_found());
    }
    Ok(match (status, case_state) {
        (IntakeStatus::Received, _) => ReporterStatus::Received,
        (IntakeStatus::Accepted, Some(CaseState::Closed)) => ReporterStatus::Closed,
        (IntakeStatus::Accepted, _) => ReporterStatus::UnderAssessment,
        (IntakeStatus::Rejected, _) => ReporterStatus::Closed,
    })
}

/// A report as intake sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedReport {
    pub id: Uuid,
    pub reference: String,
    pub what_happened: String,
    pub happened_when: Option<String>,
    pub happened_where: Option<String>,
    pub officer_name: Option<String>,
    pub officer_collar_number: Option<String>,
    pub officer_force: Option<String>,
    pub reporter_is_affected: bool,
    pub warning_signs: Vec<WarningSign>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub consent_to_contact: bool,
    /// `received`, `accepted` or `rejected`.
    pub status: IntakeStatus,
    pub case_id: Option<Uuid>,
    pub rejected_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

impl QueuedReport {
    pub fn from_row(r: PublicReportRow) -> ApiResult<Self> {
        Ok(Self {
            warning_signs: r.warning_signs,
            id: r.id,
            reference: r.reference,
            what_happened: r.what_happened,
            happened_when: r.happened_when,
            happened_where: r.happened_where,
            officer_name: r.officer_name,
            officer_collar_number: r.officer_collar_number,
            officer_force: r.officer_force,
            reporter_is_affected: r.reporter_is_affected,
            contact_name: r.contact_name,
            contact_email: r.contact_email,
            contact_phone: r.contact_phone,
            consent_to_contact: r.consent_to_contact,
            status: r.status,
            case_id: r.case_id,
            rejected_reason: r.rejected_reason,
            version: r.version,
            created_at: r.created_at,
        })
    }
}

/// The reports with `status` that the caller may see: none that names them, and, once
/// accepted, only those whose case they may see.
pub fn queue(
    conn: &mut PgConnection,
    caller: &Caller,
    status: IntakeStatus,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> ApiResult<Vec<PublicReportRow>> {
    let mut q = public_reports::table
        .filter(public_reports::status.eq(status))
        .filter(reports_visible_to(&caller.viewer))
        .select(PublicReportRow::as_select())
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            public_reports::created_at
                .gt(at)
                .or(public_reports::created_at
                    .eq(at)
                    .and(public_reports::id.gt(id))),
        );
    }
    let rows: Vec<PublicReportRow> = q
        .order((public_reports::created_at, public_reports::id))
        .limit(limit)
        .load(conn)?;
    // Who read reporters' details is on the record.
    audit::append(
        conn,
        &caller.audit,
        Event::new("public_reports.viewed").after(json!({ "status": status, "count": rows.len() })),
    )?;
    Ok(rows)
}

/// The report, locked, if the caller may see it in the queue (as [`queue`] decides) and it
/// is still `received`. The row is locked before the rule is asked, so the answer reflects
/// what was committed while waiting for the lock (a report accepted meanwhile is 409, not
/// 404, to whoever may see its case).
fn lock_received(conn: &mut PgConnection, caller: &Caller, id: Uuid) -> ApiResult<PublicReportRow> {
    public_reports::table
        .find(id)
        .select(public_reports::id)
        .for_update()
        .first::<Uuid>(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    let row: PublicReportRow = public_reports::table
        .find(id)
        .filter(reports_visible_to(&caller.viewer))
        .select(PublicReportRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    if row.status != IntakeStatus::Received {
        return Err(ApiError::new(
            ErrorCode::WrongState,
            format!("The report was already {}.", row.status),
        ));
    }
    Ok(row)
}

/// Accepts a report into a new case in `intake`: its text becomes the summary, a registered
/// officer named in it becomes the subject of an allegation with the warning signs, and a
/// reporter who left contact details and consented becomes a party. A report the caller
/// may not see in the queue is 404, as it is not listed to them.
pub fn accept(
    conn: &mut PgConnection,
    caller: &Caller,
    settings: &CaseworkSettings,
    id: Uuid,
    category: Category,
    title: Option<String>,
) -> ApiResult<Uuid> {
    let report = lock_received(conn, caller, id)?;
    let anonymous = report.contact_name.is_none()
        && report.contact_email.is_none()
        && report.contact_phone.is_none();
    let mut summary = report.what_happened.clone();
    if let Some(when) = &report.happened_when {
        summary.push_str(&format!("\n\nWhen: {when}"));
    }
    if let Some(place) = &report.happened_where {
        summary.push_str(&format!("\nWhere: {place}"));
    }
    let mut case = case_service::create(
        conn,
        caller,
        NewCase {
            title: title.unwrap_or_else(|| format!("Public report {}", report.reference)),
            summary,
            source: if anonymous {
                Source::Anonymous
            } else {
                Source::PublicReport
            },
            category,
            received_at: report.created_at,
            came_to_attention_at: report.created_at,
            restricted: false,
        },
    )?;
    // The named officer is matched exactly (force and collar number, normalised), never as
    // a pattern: a report cannot aim an allegation at whichever subject a wildcard finds.
    let subject: Option<Uuid> = match (&report.officer_force, &report.officer_collar_number) {
        (Some(force), Some(collar)) => {
            match crate::db::subjects::find_by_identity(conn, force, collar)? {
                Some(id) => Some(id),
                // A member of staff named in a report becomes a subject at once, so the case
                // about them is out of their sight from the moment it exists.
                None if crate::db::users::staff_identity_exists(conn, force, collar)? => Some(
                    subject_service::create(
                        conn,
                        caller,
                        subject_service::NewSubject {
                            force: force.trim().to_owned(),
                            collar_number: collar.trim().to_owned(),
                            name: report.officer_name.clone().unwrap_or_else(|| {
                                format!("Named in public report {}", report.reference)
                            }),
                            rank: None,
                        },
                    )?
                    .id,
                ),
                None => None,
            }
        }
        _ => None,
    };
    if let Some(subject_id) = subject {
        allegations::add(
            conn,
            caller,
            settings,
            &mut case,
            NewAllegation {
                subject_id,
                fields: AllegationFields {
                    standard: Standard::DiscreditableConduct,
                    category,
                    description: report.what_happened.clone(),
                    conduct_from: None,
                    conduct_to: None,
                    warning_signs: report.warning_signs.clone(),
                },
            },
        )?;
    }
    if !anonymous && report.consent_to_contact {
        sub_record::add::<PartyRow>(
            conn,
            caller,
            &case,
            PartyFields {
                role: if report.reporter_is_affected {
                    PartyRole::Victim
                } else {
                    PartyRole::Complainant
                },
                name: report
                    .contact_name
                    .clone()
                    .unwrap_or_else(|| "Reporter (name not given)".into()),
                email: report.contact_email.clone(),
                phone: report.contact_phone.clone(),
                address: None,
                date_of_birth: None,
                vulnerability_factors: Vec::new(),
                notes: Some(format!("From public report {}.", report.reference)),
            },
        )?;
    }
    let now = audit::now();
    diesel::update(public_reports::table.find(id))
        .set((
            public_reports::status.eq(IntakeStatus::Accepted),
            public_reports::case_id.eq(Some(case.id)),
            public_reports::version.eq(public_reports::version + 1),
            public_reports::updated_at.eq(now),
        ))
        .execute(conn)?;
    audit::append(
        conn,
        &caller.audit,
        // On the chain of the case the report became, in the transaction that made it.
        Event::new("public_report.accepted")
            .entity("public_report", id)
            .case(case.id)
            .after(json!({ "case_id": case.id, "reference": report.reference })),
    )?;
    Ok(case.id)
}

/// Rejects a report with a reason; as for [`accept`], only one the caller may see.
pub fn reject(conn: &mut PgConnection, caller: &Caller, id: Uuid, reason: &str) -> ApiResult<()> {
    let report = lock_received(conn, caller, id)?;
    diesel::update(public_reports::table.find(id))
        .set((
            public_reports::status.eq(IntakeStatus::Rejected),
            public_reports::rejected_reason.eq(Some(reason)),
            public_reports::version.eq(public_reports::version + 1),
            public_reports::updated_at.eq(audit::now()),
        ))
        .execute(conn)?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("public_report.rejected")
            .entity("public_report", id)
            .after(json!({ "reference": report.reference, "reason": reason })),
    )?;
    Ok(())
}
