//! What is added to a case: parties, allegations (with the early warning), notes, decisions.

use chrono::NaiveDate;
use diesel::PgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, Event};
use crate::auth::access::{self, CaseScope, LockedCase, VisibleCase};
use crate::casework::cases::{case_closed, lock_for_change, lock_record};
use crate::casework::facts::current_ids;
use crate::casework::flags;
use crate::casework::views::{AllegationView, DecisionView, NoteView, PartyView};
use crate::casework::{Caller, forbidden};
use crate::config::CaseworkSettings;
use crate::db::models::{AllegationRow, DecisionRow, NoteRow, PartyRow};
use crate::db::{case_records, subjects};
use crate::domain::allegation::{Standard, WarningSign};
use crate::domain::case::{CaseState, Category};
use crate::domain::decision::{DecisionDetails, DecisionKind};
use crate::domain::party::{PartyRole, VulnerabilityFactor};
use crate::error::{ApiError, ApiResult, ErrorCode};

/// Locks a visible, open case for an append (no `If-Match`: the preconditions are checked
/// here, in the transaction that appends).
fn lock_open(conn: &mut PgConnection, caller: &Caller, case_id: Uuid) -> ApiResult<LockedCase> {
    let case = lock_for_change(conn, &caller.viewer, case_id, |_| Ok(()))?;
    if case.state == CaseState::Closed.as_str() {
        return Err(case_closed());
    }
    Ok(case)
}

fn visible(conn: &mut PgConnection, caller: &Caller, case_id: Uuid) -> ApiResult<VisibleCase> {
    access::find_visible(conn, &caller.viewer, case_id)
}

// ---------------------------------------------------------------------------------------
// Parties

/// A party's details, as recorded (and as its own audit events carry them).
pub struct PartyFields {
    pub role: PartyRole,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub vulnerability_factors: Vec<VulnerabilityFactor>,
    pub notes: Option<String>,
}

fn party_audit(p: &PartyRow) -> Value {
    json!({
        "role": p.role, "name": p.name, "email": p.email, "phone": p.phone, "address": p.address,
        "date_of_birth": p.date_of_birth, "vulnerability_factors": p.vulnerability_factors, "notes": p.notes,
    })
}

fn apply_party(row: &mut PartyRow, f: PartyFields) {
    let mut factors: Vec<String> = f
        .vulnerability_factors
        .iter()
        .map(|v| v.as_str().to_owned())
        .collect();
    factors.sort_unstable();
    factors.dedup();
    row.role = f.role.as_str().to_owned();
    row.name = f.name;
    row.email = f.email;
    row.phone = f.phone;
    row.address = f.address;
    row.date_of_birth = f.date_of_birth;
    row.vulnerability_factors = factors;
    row.notes = f.notes;
}

pub fn add_party(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
    fields: PartyFields,
) -> ApiResult<PartyView> {
    let case = lock_open(conn, caller, case_id)?;
    add_party_to(conn, caller, &case, fields)
}

/// Adds a party to a case the caller holds.
pub fn add_party_to(
    conn: &mut PgConnection,
    caller: &Caller,
    case: &LockedCase,
    fields: PartyFields,
) -> ApiResult<PartyView> {
    let case_id = case.id();
    let now = audit::now();
    let mut row = PartyRow {
        id: Uuid::new_v4(),
        case_id,
        role: String::new(),
        name: String::new(),
        email: None,
        phone: None,
        address: None,
        date_of_birth: None,
        vulnerability_factors: Vec::new(),
        notes: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    apply_party(&mut row, fields);
    let row = case_records::insert_party(conn, case, &row)?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("party.created")
            .entity("party", row.id)
            .case(case_id)
            .after(party_audit(&row)),
    )?;
    PartyView::from_row(row)
}

/// The parties of a visible case; who looked at them is recorded.
pub fn list_parties(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
) -> ApiResult<Vec<PartyView>> {
    let case = visible(conn, caller, case_id)?;
    let rows = case_records::parties(conn, &case)?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("parties.viewed")
            .entity("case", case_id)
            .case(case_id)
            .after(json!({ "count": rows.len() })),
    )?;
    rows.into_iter().map(PartyView::from_row).collect()
}

pub fn update_party(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
    party_id: Uuid,
    fields: PartyFields,
    check_version: impl FnOnce(i32) -> ApiResult<()>,
) -> ApiResult<PartyView> {
    let case = lock_open(conn, caller, case_id)?;
    let before =
        case_records::party_for_update(conn, &case, party_id)?.ok_or_else(ApiError::not_found)?;
    check_version(before.version)?;
    let mut row = before.clone();
    apply_party(&mut row, fields);
    row.updated_at = audit::now();
    let after = case_records::update_party(conn, &case, &row)?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("party.updated")
            .entity("party", party_id)
            .case(case_id)
            .before(party_audit(&before))
            .after(party_audit(&after)),
    )?;
    PartyView::from_row(after)
}

// ---------------------------------------------------------------------------------------
// Allegations

pub struct AllegationFields {
    pub standard: Standard,
    pub category: Category,
    pub description: String,
    pub conduct_from: Option<NaiveDate>,
    pub conduct_to: Option<NaiveDate>,
    pub warning_signs: Vec<WarningSign>,
}

fn allegation_audit(a: &AllegationRow) -> Value {
    json!({
        "subject_id": a.subject_id, "standard": a.standard, "category": a.category,
        "description": a.description, "conduct_from": a.conduct_from, "conduct_to": a.conduct_to,
        "warning_signs": a.warning_signs,
    })
}

fn apply_allegation(row: &mut AllegationRow, f: AllegationFields) {
    let mut signs: Vec<String> = f
        .warning_signs
        .iter()
        .map(|w| w.as_str().to_owned())
        .collect();
    signs.sort_unstable();
    signs.dedup();
    row.standard = f.standard.as_str().to_owned();
    row.category = f.category.as_str().to_owned();
    row.description = f.description;
    row.conduct_from = f.conduct_from;
    row.conduct_to = f.conduct_to;
    row.warning_signs = signs;
}

pub fn add_allegation(
    conn: &mut PgConnection,
    caller: &Caller,
    settings: &CaseworkSettings,
    case_id: Uuid,
    subject_id: Uuid,
    fields: AllegationFields,
) -> ApiResult<AllegationView> {
    let mut case = lock_open(conn, caller, case_id)?;
    add_allegation_to(conn, caller, settings, &mut case, subject_id, fields)
}

/// Adds an allegation to a case the caller holds. An allegation against a subject linked to
/// a staff account is its own audit action (`allegation.against_staff`), so auditors can
/// watch for misuse; one that would leave no supervisor able to see the case is refused.
pub fn add_allegation_to(
    conn: &mut PgConnection,
    caller: &Caller,
    settings: &CaseworkSettings,
    case: &mut LockedCase,
    subject_id: Uuid,
    fields: AllegationFields,
) -> ApiResult<AllegationView> {
    let case_id = case.id();
    let overseen = access::oversight_remains(conn, case)?;
    let subject = subjects::find_for_update(conn, subject_id)?.ok_or_else(|| {
        ApiError::field(
            ErrorCode::ValidationFailed,
            "subject_id",
            "unknown_subject",
            "is not a registered subject",
        )
    })?;
    let now = audit::now();
    let mut row = AllegationRow {
        id: Uuid::new_v4(),
        case_id,
        subject_id,
        standard: String::new(),
        category: String::new(),
        description: String::new(),
        conduct_from: None,
        conduct_to: None,
        warning_signs: Vec::new(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    apply_allegation(&mut row, fields);
    let row = case_records::insert_allegation(conn, case, &row)?;
    let action = if subjects::linked_to_account(conn, subject_id)? {
        "allegation.against_staff"
    } else {
        "allegation.created"
    };
    audit::append(
        conn,
        &caller.audit,
        Event::new(action)
            .entity("allegation", row.id)
            .case(case_id)
            .after(allegation_audit(&row)),
    )?;
    flags::raise_on_allegation(conn, caller, settings, case, &subject, now)?;
    // Oversight can never be removed by an allegation: if an active supervisor, not linked
    // to a subject, could see the case before, one must still see it (the transaction rolls
    // back otherwise).
    if overseen && !access::oversight_remains(conn, case)? {
        return Err(ApiError::new(
            ErrorCode::NoOversightLeft,
            "This allegation would leave no supervisor able to oversee the case: refer the \
             matter to another force or the IOPC.",
        ));
    }
    AllegationView::from_row(row)
}

pub fn list_allegations(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
) -> ApiResult<Vec<AllegationView>> {
    let case = visible(conn, caller, case_id)?;
    case_records::allegations(conn, &case)?
        .into_iter()
        .map(AllegationView::from_row)
        .collect()
}

pub fn update_allegation(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
    allegation_id: Uuid,
    fields: AllegationFields,
    check_version: impl FnOnce(i32) -> ApiResult<()>,
) -> ApiResult<AllegationView> {
    let case = lock_open(conn, caller, case_id)?;
    let before = case_records::allegation_for_update(conn, &case, allegation_id)?
        .ok_or_else(ApiError::not_found)?;
    check_version(before.version)?;
    let mut row = before.clone();
    apply_allegation(&mut row, fields);
    row.updated_at = audit::now();
    let after = case_records::update_allegation(conn, &case, &row)?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("allegation.updated")
            .entity("allegation", allegation_id)
            .case(case_id)
            .before(allegation_audit(&before))
            .after(allegation_audit(&after)),
    )?;
    AllegationView::from_row(after)
}

// ---------------------------------------------------------------------------------------
// Notes

pub fn add_note(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
    body: String,
    corrects_id: Option<Uuid>,
) -> ApiResult<NoteView> {
    let case = lock_open(conn, caller, case_id)?;
    if let Some(corrected) = corrects_id
        && !case_records::note_exists(conn, &case, corrected)?
    {
        return Err(ApiError::field(
            ErrorCode::ValidationFailed,
            "corrects_id",
            "unknown_note",
            "is not a note of this case",
        ));
    }
    let row = case_records::insert_note(
        conn,
        &case,
        &NoteRow {
            id: Uuid::new_v4(),
            case_id,
            author_id: caller.viewer.user_id,
            body,
            corrects_id,
            created_at: audit::now(),
        },
    )?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("note.created")
            .entity("note", row.id)
            .case(case_id)
            .after(json!({ "body": row.body, "corrects_id": row.corrects_id })),
    )?;
    Ok(row.into())
}

/// The notes of a visible case; who read them is recorded.
pub fn list_notes(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
) -> ApiResult<Vec<NoteView>> {
    let case = visible(conn, caller, case_id)?;
    let rows = case_records::notes(conn, &case)?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("notes.viewed")
            .entity("case", case_id)
            .case(case_id)
            .after(json!({ "count": rows.len() })),
    )?;
    Ok(rows.into_iter().map(NoteView::from).collect())
}

// ---------------------------------------------------------------------------------------
// Decisions

pub struct NewDecision {
    pub kind: DecisionKind,
    pub subject_id: Option<Uuid>,
    pub details: DecisionDetails,
    pub rationale: String,
}

pub fn add_decision(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
    d: NewDecision,
) -> ApiResult<DecisionView> {
    let record = lock_record(conn, caller, case_id)?;
    if record.case.state == CaseState::Closed.as_str() {
        return Err(case_closed());
    }
    if !access::may_record(&caller.viewer, &record.case, d.kind.recorded_by()) {
        return Err(forbidden(
            "You may not record this kind of decision on this case.",
        ));
    }
    match (d.kind.per_subject(), d.subject_id) {
        (true, None) => {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                "subject_id",
                "required",
                "is required for this kind",
            ));
        }
        (true, Some(s)) if !record.subject_ids().contains(&s) => {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                "subject_id",
                "subject_not_in_case",
                "has no allegation on this case",
            ));
        }
        (false, Some(_)) => {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                "subject_id",
                "unknown_field",
                "is not a field of this kind",
            ));
        }
        _ => {}
    }
    let supersedes_id = record
        .decisions
        .iter()
        .rev()
        .find(|x| x.kind == d.kind.as_str() && x.subject_id == d.subject_id)
        .map(|x| x.id);
    let details =
        serde_json::to_value(&d.details).map_err(|e| ApiError::internal("decision details", e))?;
    let row = case_records::insert_decision(
        conn,
        &record.case,
        &DecisionRow {
            id: Uuid::new_v4(),
            case_id,
            kind: d.kind.as_str().to_owned(),
            subject_id: d.subject_id,
            details: details.clone(),
            rationale: d.rationale,
            author_id: caller.viewer.user_id,
            supersedes_id,
            created_at: audit::now(),
        },
    )?;
    let audited = details;
    audit::append(
        conn,
        &caller.audit,
        Event::new("decision.recorded")
            .entity("decision", row.id)
            .case(case_id)
            .after(json!({
                "kind": row.kind,
                "subject_id": row.subject_id,
                "details": audited,
                "rationale": row.rationale,
                "supersedes_id": row.supersedes_id,
            })),
    )?;
    DecisionView::from_row(row, true)
}

pub fn list_decisions(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
) -> ApiResult<Vec<DecisionView>> {
    let case = visible(conn, caller, case_id)?;
    let rows = case_records::decisions(conn, &case)?;
    let current = current_ids(&rows);
    rows.into_iter()
        .map(|r| {
            let is_current = current.contains(&r.id);
            DecisionView::from_row(r, is_current)
        })
        .collect()
}
