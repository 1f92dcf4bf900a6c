//! What the casework API answers with.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::models::{AllegationRow, CaseRow, DecisionRow, SubjectRow};
use crate::domain::case::{CaseState, Category, ClosureReason, Source};
use crate::domain::decision::{
    CaseToAnswerFinding, DecisionDetails, DecisionKind, IopcMode, ProceedingsForm, Severity,
};
use crate::domain::early_warning::FlagCode;
use crate::error::{ApiError, ApiResult};

/// Why a case or subject is flagged by the early warning, as the reader may be told: counted
/// only over the cases they can see. Allegations in cases they cannot see are mentioned by one
/// reason, `further_allegations_not_visible`, with no number or category.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FlagReason {
    pub code: FlagCode,
    /// The subject whose allegations the reason is about.
    pub subject_id: Uuid,
    pub message: String,
    /// When the early warning last raised the flag on a case the reader can see; `null` when
    /// only cases they cannot see hold it.
    pub flagged_at: Option<DateTime<Utc>>,
}

/// The 12-month report deadline.
#[derive(Debug, Serialize, ToSchema)]
pub struct Deadlines {
    /// When the next written report to the PCC and the IOPC is due.
    pub twelve_month_report_due: DateTime<Utc>,
    /// Past due with no report recorded, while the case is open.
    pub overdue: bool,
    pub reports_made: u32,
    /// A dismissal not reported to the barred list within its working days.
    pub barred_list_overdue: bool,
}

/// The IOPC referral as currently decided.
#[derive(Debug, Serialize, ToSchema)]
pub struct IopcReferralView {
    pub referred_at: DateTime<Utc>,
    pub mode: IopcMode,
    pub decision_id: Uuid,
}

/// A subject of the case with the current per-subject decisions.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSubject {
    pub subject_id: Uuid,
    pub name: String,
    pub force: String,
    pub collar_number: String,
    pub rank: Option<String>,
    pub severity: Option<Severity>,
    pub reg17_served_at: Option<DateTime<Utc>>,
    pub case_to_answer: Option<CaseToAnswerFinding>,
    pub proceedings: Option<ProceedingsForm>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: Uuid,
    /// `PSD-YYYY-NNNNNN`.
    pub reference: String,
    pub title: String,
    pub summary: String,
    pub source: Source,
    pub category: Category,
    pub received_at: DateTime<Utc>,
    pub came_to_attention_at: DateTime<Utc>,
    pub state: CaseState,
    /// For a suspended case, the state it returns to.
    pub suspended_from: Option<CaseState>,
    pub closure_reason: Option<ClosureReason>,
    pub restricted: bool,
    pub assigned_investigator_id: Option<Uuid>,
    /// Named members (for restricted cases, with the assigned investigator, the only people
    /// who see it).
    pub members: Vec<Uuid>,
    pub created_by: Uuid,
    pub subjects: Vec<CaseSubject>,
    pub iopc_referral: Option<IopcReferralView>,
    pub deadlines: Deadlines,
    pub flagged: bool,
    /// Why, for each subject that flagged the case, counted over the other cases the reader
    /// can see.
    pub flag_reasons: Vec<FlagReason>,
    /// Also the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A case in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: Uuid,
    pub reference: String,
    pub title: String,
    pub source: Source,
    pub category: Category,
    pub state: CaseState,
    pub received_at: DateTime<Utc>,
    pub restricted: bool,
    pub assigned_investigator_id: Option<Uuid>,
    pub flagged: bool,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl CaseSummary {
    pub fn from_row(r: CaseRow) -> ApiResult<Self> {
        Ok(Self {
            id: r.id,
            reference: r.reference,
            title: r.title,
            source: r.source,
            category: r.category,
            state: r.state,
            received_at: r.received_at,
            restricted: r.restricted,
            assigned_investigator_id: r.assigned_investigator_id,
            flagged: r.flagged,
            version: r.version,
            updated_at: r.updated_at,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: DecisionKind,
    pub subject_id: Option<Uuid>,
    /// The kind's own fields.
    pub details: DecisionDetails,
    pub rationale: String,
    pub author_id: Uuid,
    /// The earlier decision of the same kind (and subject) this one replaces.
    pub supersedes_id: Option<Uuid>,
    /// False once a later decision of the same kind (and subject) supersedes it.
    pub current: bool,
    pub created_at: DateTime<Utc>,
}

impl DecisionView {
    pub fn from_row(r: DecisionRow, current: bool) -> ApiResult<Self> {
        let kind = r.kind;
        let details = DecisionDetails::from_value(kind, r.details)
            .map_err(|e| ApiError::internal("stored decision", e))?;
        Ok(Self {
            id: r.id,
            case_id: r.case_id,
            kind,
            subject_id: r.subject_id,
            details,
            rationale: r.rationale,
            author_id: r.author_id,
            supersedes_id: r.supersedes_id,
            current,
            created_at: r.created_at,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectView {
    pub id: Uuid,
    pub force: String,
    pub collar_number: String,
    pub name: String,
    pub rank: Option<String>,
    pub flagged: bool,
    /// Why, as the reader may be told: the reasons of the flagged cases about this subject
    /// that they can see, and whether there are allegations in cases they cannot see.
    pub flag_reasons: Vec<FlagReason>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SubjectView {
    /// The subject with the flag reasons written for the reader.
    pub fn new(r: SubjectRow, flag_reasons: Vec<FlagReason>) -> Self {
        Self {
            id: r.id,
            force: r.force,
            collar_number: r.collar_number,
            name: r.name,
            rank: r.rank,
            flagged: r.flagged,
            flag_reasons,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// One case in a subject's history, with the allegations against this subject.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub case: CaseSummary,
    pub allegations: Vec<AllegationRow>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectHistory {
    pub subject: SubjectView,
    /// Only the cases the caller may see.
    pub cases: Vec<HistoryEntry>,
}

/// One investigator's open caseload.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkloadEntry {
    pub investigator_id: Uuid,
    pub display_name: String,
    /// Open cases per state.
    pub open_by_state: std::collections::BTreeMap<String, u32>,
    pub open_total: u32,
    pub overdue: u32,
    /// Days since the oldest open case was received.
    pub oldest_case_age_days: Option<i64>,
}
