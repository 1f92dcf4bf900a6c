//! Allegations: what a subject is said to have done, against which standard. A new one runs
//! the early warning; one against a subject linked to a staff account is its own audit action
//! (`allegation.against_staff`), so auditors can watch for misuse.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::access::{self, CaseScope, LockedCase};
use crate::casework::sub_record::{self, EditableSubRecord, SubRecord};
use crate::casework::{Caller, flags};
use crate::config::CaseworkSettings;
use crate::db::models::AllegationRow;
use crate::db::subjects;
use crate::domain::allegation::{Standard, WarningSign};
use crate::domain::case::Category;
use crate::error::{ApiError, ApiResult, ErrorCode};

crate::case_table!(AllegationRow, allegations, versioned);

/// What an allegation says (a change replaces it all; the subject stays).
pub struct AllegationFields {
    pub standard: Standard,
    pub category: Category,
    pub description: String,
    pub conduct_from: Option<NaiveDate>,
    pub conduct_to: Option<NaiveDate>,
    pub warning_signs: Vec<WarningSign>,
}

pub struct NewAllegation {
    pub subject_id: Uuid,
    pub fields: AllegationFields,
}

impl SubRecord for AllegationRow {
    const ENTITY: &'static str = "allegation";
    const CREATED: &'static str = "allegation.created";
    type Fields = NewAllegation;
    type View = Self;

    fn new(case: &LockedCase, _: &Caller, new: NewAllegation, now: DateTime<Utc>) -> Self {
        let mut row = AllegationRow {
            id: Uuid::new_v4(),
            case_id: case.id(),
            subject_id: new.subject_id,
            standard: new.fields.standard,
            category: new.fields.category,
            description: String::new(),
            conduct_from: None,
            conduct_to: None,
            warning_signs: Vec::new(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        row.apply(new.fields);
        row
    }

    fn audit(&self) -> Value {
        json!({
            "subject_id": self.subject_id, "standard": self.standard, "category": self.category,
            "description": self.description, "conduct_from": self.conduct_from,
            "conduct_to": self.conduct_to, "warning_signs": self.warning_signs,
        })
    }

    fn view(self) -> ApiResult<Self> {
        Ok(self)
    }
}

impl EditableSubRecord for AllegationRow {
    const UPDATED: &'static str = "allegation.updated";
    type Change = AllegationFields;

    fn apply(&mut self, f: AllegationFields) {
        let mut signs = f.warning_signs;
        signs.sort_unstable_by_key(|s| s.as_str());
        signs.dedup();
        self.standard = f.standard;
        self.category = f.category;
        self.description = f.description;
        self.conduct_from = f.conduct_from;
        self.conduct_to = f.conduct_to;
        self.warning_signs = signs;
    }
}

/// Adds an allegation to a case the caller holds, and runs the early warning. One that
/// would leave no supervisor able to see the case is refused.
pub fn add(
    conn: &mut PgConnection,
    caller: &Caller,
    settings: &CaseworkSettings,
    case: &mut LockedCase,
    new: NewAllegation,
) -> ApiResult<AllegationRow> {
    let overseen = access::oversight_remains(conn, case)?;
    let subject = subjects::find_for_update(conn, new.subject_id)?.ok_or_else(|| {
        ApiError::field(
            ErrorCode::ValidationFailed,
            "subject_id",
            "unknown_subject",
            "is not a registered subject",
        )
    })?;
    let action = if subjects::linked_to_account(conn, subject.id)? {
        "allegation.against_staff"
    } else {
        AllegationRow::CREATED
    };
    let row = sub_record::add_as::<AllegationRow>(conn, caller, case, new, action)?;
    flags::raise_on_allegation(conn, caller, settings, case, &subject, row.created_at)?;
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
    Ok(row)
}
