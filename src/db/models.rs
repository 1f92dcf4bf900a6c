//! Rows as diesel reads and writes them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{audit_events, refresh_tokens, sessions, users};
use crate::domain::Role;
use crate::domain::allegation::{Standard, WarningSign};
use crate::domain::case::{CaseState, Category, ClosureReason, Source};
use crate::domain::decision::DecisionKind;
use crate::domain::document::DocumentKind;
use crate::domain::intake::IntakeStatus;
use crate::domain::party::{PartyRole, VulnerabilityFactor};
use crate::domain::proceedings::{
    Finding, ListKind, OutcomeAction, ProceedingStatus, ProceedingsKind, PublicationKind,
    PublicationStatus,
};
use crate::domain::task::TaskStatus;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub active: bool,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Staff identity: the force and collar (or payroll) number that name this user as an
    /// officer or member of staff; subjects with the same are linked to the account.
    pub force: Option<String>,
    pub collar_number: Option<String>,
}

impl UserRow {
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUserRow<'a> {
    pub id: Uuid,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub force: Option<&'a str>,
    pub collar_number: Option<&'a str>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct SessionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
}

impl SessionRow {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::pg::Pg))]
pub struct RefreshTokenRow {
    pub token_hash: Vec<u8>,
    pub session_id: Uuid,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
// `None` is bound as NULL rather than written as DEFAULT, so the insert's SQL never varies
// and diesel keeps it prepared: it runs on every change.
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg), treat_none_as_default_value = false)]
pub struct AuditEventRow {
    #[diesel(skip_insertion)]
    pub position: i64,
    pub id: Uuid,
    pub chain_id: String,
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub case_id: Option<Uuid>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// The event's personal data and free text, sealed with its chain's key
    /// (`audit::seal`): `nonce || AES-256-GCM ciphertext`.
    pub sealed: Option<Vec<u8>>,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// Ed25519 signature by the audit signing key over the hash (`audit::sign`); none before
    /// migration 20.
    pub signature: Option<Vec<u8>>,
}

// Deserialize: also read as JSON rows, in one statement with their case (db::case_bundle).
#[derive(Clone, Debug, Queryable, Selectable, Insertable, serde::Deserialize)]
#[diesel(table_name = crate::db::schema::subjects, check_for_backend(diesel::pg::Pg))]
pub struct SubjectRow {
    pub id: Uuid,
    pub force: String,
    pub collar_number: String,
    pub name: String,
    pub rank: Option<String>,
    pub flagged: bool,
    pub flag_reasons: serde_json::Value,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::cases, check_for_backend(diesel::pg::Pg))]
pub struct CaseRow {
    pub id: Uuid,
    pub reference: String,
    pub title: String,
    pub summary: String,
    pub source: Source,
    pub category: Category,
    pub received_at: DateTime<Utc>,
    pub came_to_attention_at: DateTime<Utc>,
    pub state: CaseState,
    pub suspended_from: Option<CaseState>,
    pub closure_reason: Option<ClosureReason>,
    pub restricted: bool,
    pub assigned_investigator_id: Option<Uuid>,
    pub created_by: Uuid,
    pub flagged: bool,
    pub flag_reasons: serde_json::Value,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An allegation against a subject: the row is also what the API answers with.
// Deserialize: also read as JSON rows, in one statement with their case (db::case_bundle).
#[derive(
    Clone,
    Debug,
    Queryable,
    Selectable,
    Insertable,
    AsChangeset,
    serde::Deserialize,
    serde::Serialize,
    utoipa::ToSchema,
)]
#[diesel(table_name = crate::db::schema::allegations, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
#[schema(as = AllegationView)]
pub struct AllegationRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub subject_id: Uuid,
    pub standard: Standard,
    pub category: Category,
    pub description: String,
    pub conduct_from: Option<chrono::NaiveDate>,
    pub conduct_to: Option<chrono::NaiveDate>,
    pub warning_signs: Vec<WarningSign>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A person in a case (victim, witness, complainant...): the row is also what the API
/// answers with. Contact details and vulnerability factors are the most sensitive data held.
#[derive(
    Clone, Debug, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize, utoipa::ToSchema,
)]
#[diesel(table_name = crate::db::schema::parties, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
#[schema(as = PartyView)]
pub struct PartyRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub role: PartyRole,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub date_of_birth: Option<chrono::NaiveDate>,
    pub vulnerability_factors: Vec<VulnerabilityFactor>,
    pub notes: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A case note: append-only (a mistake is put right by a note that corrects it).
#[derive(Clone, Debug, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = crate::db::schema::notes, check_for_backend(diesel::pg::Pg))]
#[schema(as = NoteView)]
pub struct NoteRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    /// The note this one corrects.
    pub corrects_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

// Deserialize: also read as JSON rows, in one statement with their case (db::case_bundle).
#[derive(Clone, Debug, Queryable, Selectable, Insertable, serde::Deserialize)]
#[diesel(table_name = crate::db::schema::decisions, check_for_backend(diesel::pg::Pg))]
pub struct DecisionRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: DecisionKind,
    pub subject_id: Option<Uuid>,
    pub details: serde_json::Value,
    pub rationale: String,
    pub author_id: Uuid,
    pub supersedes_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::proceedings, check_for_backend(diesel::pg::Pg))]
pub struct ProceedingRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: ProceedingsKind,
    pub subject_ids: Vec<Uuid>,
    pub scheduled_for: DateTime<Utc>,
    pub venue: String,
    pub chair: String,
    pub panel: Vec<String>,
    pub public: bool,
    pub status: ProceedingStatus,
    pub cancelled_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::outcomes, check_for_backend(diesel::pg::Pg))]
pub struct OutcomeRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub proceeding_id: Uuid,
    pub subject_id: Uuid,
    pub finding: Finding,
    pub action: OutcomeAction,
    pub rationale: String,
    pub recorded_by: Uuid,
    pub decided_on: chrono::NaiveDate,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::list_reports, check_for_backend(diesel::pg::Pg))]
pub struct ListReportRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub subject_id: Uuid,
    pub list: ListKind,
    pub reported_on: chrono::NaiveDate,
    pub due_by: Option<chrono::NaiveDate>,
    pub recorded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::publications, check_for_backend(diesel::pg::Pg))]
pub struct PublicationRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub proceeding_id: Option<Uuid>,
    pub kind: PublicationKind,
    pub officer_name: String,
    pub officer_rank: Option<String>,
    pub force: String,
    pub hearing_date: Option<DateTime<Utc>>,
    pub venue: Option<String>,
    pub allegation_summary: String,
    pub outcome: Option<String>,
    pub publish_from: DateTime<Utc>,
    pub publish_until: DateTime<Utc>,
    pub status: PublicationStatus,
    pub drafted_by: Uuid,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTime<Utc>>,
    pub withdrawn_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::public_reports, check_for_backend(diesel::pg::Pg))]
pub struct PublicReportRow {
    pub id: Uuid,
    pub reference: String,
    pub receipt_token_hash: Vec<u8>,
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
    pub status: IntakeStatus,
    pub case_id: Option<Uuid>,
    pub rejected_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A task of a case's investigation plan.
#[derive(
    Clone, Debug, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize, utoipa::ToSchema,
)]
#[diesel(table_name = crate::db::schema::tasks, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct TaskRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub title: String,
    pub detail: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub due_on: Option<chrono::NaiveDate>,
    pub status: TaskStatus,
    pub outcome_note: Option<String>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::documents, check_for_backend(diesel::pg::Pg))]
pub struct DocumentRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub title: String,
    pub kind: DocumentKind,
    pub description: Option<String>,
    pub collected_at: Option<DateTime<Utc>>,
    pub collected_by: Option<String>,
    pub source: Option<String>,
    pub filename: Option<String>,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub object_key: String,
    pub sensitive: bool,
    pub supersedes_id: Option<Uuid>,
    pub uploaded_by: Uuid,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_reason: Option<String>,
    pub withdrawn_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}
