//! What a case holds, loaded once and read by the view and by the workflow rules.

use std::collections::{HashMap, HashSet};

use diesel::PgConnection;
use uuid::Uuid;

use chrono::NaiveDate;

use crate::auth::access::{self, CaseScope, LockedCase, VisibleCase};
use crate::config::CaseworkSettings;
use crate::db::case_bundle::CaseBundle;
use crate::db::models::{
    AllegationRow, DecisionRow, ListReportRow, OutcomeRow, ProceedingRow, SubjectRow,
};
use crate::db::proceedings;
use crate::domain::Viewer;
use crate::domain::case::CaseState;
use crate::domain::decision::{DecisionDetails, DecisionKind};
use crate::domain::proceedings::{ListKind, OutcomeAction, ProceedingStatus};
use crate::domain::workflow::CaseFacts;
use crate::error::{ApiError, ApiResult};

/// A decision in force: the latest of its kind (for its subject).
pub struct CurrentDecision {
    pub subject_id: Option<Uuid>,
    pub id: Uuid,
    pub details: DecisionDetails,
}

/// A case the caller may see (`S`: [`VisibleCase`], or [`LockedCase`] to change it) with
/// what it holds.
pub struct CaseRecord<S: CaseScope = VisibleCase> {
    pub case: S,
    pub allegations: Vec<AllegationRow>,
    pub decisions: Vec<DecisionRow>,
    pub members: Vec<Uuid>,
    /// The subjects with an allegation on the case.
    pub subjects: Vec<SubjectRow>,
    pub proceedings: Vec<ProceedingRow>,
    pub outcomes: Vec<OutcomeRow>,
    pub list_reports: Vec<ListReportRow>,
}

impl CaseRecord<VisibleCase> {
    /// The case and what it holds, if `viewer` may see its content.
    pub fn find_visible(conn: &mut PgConnection, viewer: &Viewer, id: Uuid) -> ApiResult<Self> {
        let (case, bundle) = access::find_record(conn, viewer, id)?;
        Self::complete(conn, case, bundle)
    }
}

impl CaseRecord<LockedCase> {
    /// Like [`CaseRecord::find_visible`], the case row locked until the transaction ends:
    /// changes to one case queue, and each sees what the one before it left.
    pub fn lock_visible(conn: &mut PgConnection, viewer: &Viewer, id: Uuid) -> ApiResult<Self> {
        let (case, bundle) = access::lock_record(conn, viewer, id)?;
        Self::complete(conn, case, bundle)
    }
}

impl<S: CaseScope> CaseRecord<S> {
    /// What `case` holds, read afresh in the caller's transaction; `case` is as the caller
    /// has it (perhaps just changed).
    pub fn load(conn: &mut PgConnection, case: S) -> ApiResult<Self> {
        let bundle = access::reload_record(conn, &case)?;
        Self::complete(conn, case, bundle)
    }

    fn complete(conn: &mut PgConnection, case: S, bundle: CaseBundle) -> ApiResult<Self> {
        // Proceedings, outcomes and list reports exist only from the `proceedings` state on.
        let later = matches!(
            case.row().state.as_str(),
            "proceedings" | "outcome" | "closed" | "suspended"
        );
        let (proceedings, outcomes, list_reports) = if later {
            (
                proceedings::for_case(conn, &case)?,
                proceedings::outcomes_for_case(conn, &case)?,
                proceedings::list_reports_for_case(conn, &case)?,
            )
        } else {
            (Vec::new(), Vec::new(), Vec::new())
        };
        Ok(Self {
            case,
            allegations: bundle.allegations,
            decisions: bundle.decisions,
            members: bundle.members,
            subjects: bundle.subjects,
            proceedings,
            outcomes,
            list_reports,
        })
    }

    /// Subjects with an allegation on the case, in the order first alleged.
    pub fn subject_ids(&self) -> Vec<Uuid> {
        let mut seen = HashSet::new();
        self.allegations
            .iter()
            .map(|a| a.subject_id)
            .filter(|s| seen.insert(*s))
            .collect()
    }

    /// The current decisions: the latest of each kind (per subject), oldest first.
    pub fn current_decisions(&self) -> Vec<&DecisionRow> {
        current_ids(&self.decisions)
            .into_iter()
            .filter_map(|id| self.decisions.iter().find(|d| d.id == id))
            .collect()
    }

    pub fn current_details(&self) -> ApiResult<Vec<CurrentDecision>> {
        self.current_decisions()
            .into_iter()
            .map(|d| {
                let kind = d.kind;
                let details = DecisionDetails::from_value(kind, d.details.clone())
                    .map_err(|e| ApiError::internal("stored decision", e))?;
                Ok(CurrentDecision {
                    subject_id: d.subject_id,
                    id: d.id,
                    details,
                })
            })
            .collect()
    }

    pub fn dismissals(&self) -> impl Iterator<Item = &OutcomeRow> {
        self.outcomes
            .iter()
            .filter(|o| o.action == OutcomeAction::DismissalWithoutNotice)
    }

    /// A dismissal not yet reported to the barred list whose working days have run out.
    pub fn barred_list_overdue(&self, settings: &CaseworkSettings, today: NaiveDate) -> bool {
        self.dismissals().any(|o| {
            let reported = self
                .list_reports
                .iter()
                .any(|r| r.list == ListKind::Barred && r.subject_id == o.subject_id);
            let due = settings
                .calendar
                .add_working_days(o.decided_on, settings.barred_list_working_days);
            !reported && today > due
        })
    }

    pub fn reports_made(&self) -> u32 {
        let n = self
            .decisions
            .iter()
            .filter(|d| d.kind == DecisionKind::TwelveMonthReport)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    pub fn state(&self) -> ApiResult<CaseState> {
        Ok(self.case.row().state)
    }

    /// The facts the workflow rules check.
    pub fn facts(&self) -> ApiResult<CaseFacts> {
        let mut f = CaseFacts {
            category: Some(self.case.row().category),
            subjects: self.subject_ids(),
            investigator_assigned: self.case.row().assigned_investigator_id.is_some(),
            ..Default::default()
        };
        let mut in_proceedings: Vec<Uuid> = self
            .proceedings
            .iter()
            .filter(|p| p.status != ProceedingStatus::Cancelled)
            .flat_map(|p| p.subject_ids.iter().copied())
            .collect();
        in_proceedings.sort_unstable();
        in_proceedings.dedup();
        f.proceedings_subjects = in_proceedings;
        f.outcome_recorded = self.outcomes.iter().map(|o| o.subject_id).collect();
        f.dismissed = self.dismissals().map(|o| o.subject_id).collect();
        f.barred_reported = self
            .list_reports
            .iter()
            .filter(|r| r.list == ListKind::Barred)
            .map(|r| r.subject_id)
            .collect();
        for current in self.current_details()? {
            match (current.details, current.subject_id) {
                (DecisionDetails::SeverityAssessment(d), Some(s)) => {
                    f.severity.insert(s, d.severity);
                }
                (DecisionDetails::Reg17Notice(_), Some(s)) => f.reg17_served.push(s),
                (DecisionDetails::CaseToAnswer(d), Some(s)) => {
                    f.case_to_answer.insert(s, (d.answer, d.proceedings));
                }
                (DecisionDetails::IopcReferral(d), _) => f.iopc_mode = Some(d.mode),
                (DecisionDetails::FinalReport(_), _) => f.final_report = true,
                _ => {}
            }
        }
        Ok(f)
    }
}

/// Ids of the latest decision of each (kind, subject), in the order they were made.
pub fn current_ids(decisions: &[DecisionRow]) -> Vec<Uuid> {
    let mut latest: HashMap<(&str, Option<Uuid>), Uuid> = HashMap::new();
    for d in decisions {
        latest.insert((d.kind.as_str(), d.subject_id), d.id);
    }
    let keep: HashSet<Uuid> = latest.into_values().collect();
    decisions
        .iter()
        .filter(|d| keep.contains(&d.id))
        .map(|d| d.id)
        .collect()
}
