//! The case workflow: one table of transitions (from, to, who, preconditions), and the
//! preconditions checked against what is on the case. A refused transition lists every unmet
//! precondition, so a client can show the user all that is missing at once.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::case::{CaseState, Category, ClosureReason};
use crate::domain::decision::{CaseToAnswerFinding, IopcMode, ProceedingsForm, Severity};

/// Who may make a transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mover {
    /// An intake officer or a supervisor.
    IntakeOrSupervisor,
    /// A supervisor (the appropriate authority).
    Supervisor,
    /// The assigned investigator or a supervisor.
    AssignedInvestigatorOrSupervisor,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    AllegationAgainstASubject,
    SeverityForEverySubject,
    InvestigatorAssigned,
    IopcReferralForApsp,
    Reg17ForEverySubjectAssessedAsMisconduct,
    FinalReport,
    CaseToAnswerForEverySubject,
    ProceedingsForAtLeastOneSubject,
    HearingForGrossMisconduct,
    ClosureReason,
    OutcomeForEverySubjectOfProceedings,
    BarredListReportForDismissals,
}

pub struct Transition {
    pub from: &'static [CaseState],
    pub to: CaseState,
    pub mover: Mover,
    pub rules: &'static [Rule],
}

use CaseState::*;

/// The transition table. Suspending and resuming are handled alongside (any open state ↔
/// suspended, by a supervisor).
pub const TRANSITIONS: &[Transition] = &[
    Transition {
        from: &[Intake],
        to: Assessment,
        mover: Mover::IntakeOrSupervisor,
        rules: &[Rule::AllegationAgainstASubject],
    },
    Transition {
        from: &[Assessment],
        to: Investigation,
        mover: Mover::Supervisor,
        rules: &[
            Rule::AllegationAgainstASubject,
            Rule::SeverityForEverySubject,
            Rule::InvestigatorAssigned,
            Rule::IopcReferralForApsp,
        ],
    },
    Transition {
        from: &[Investigation],
        to: Decision,
        mover: Mover::AssignedInvestigatorOrSupervisor,
        rules: &[
            Rule::Reg17ForEverySubjectAssessedAsMisconduct,
            Rule::FinalReport,
        ],
    },
    Transition {
        from: &[Decision],
        to: Proceedings,
        mover: Mover::Supervisor,
        rules: &[
            Rule::CaseToAnswerForEverySubject,
            Rule::ProceedingsForAtLeastOneSubject,
            Rule::HearingForGrossMisconduct,
        ],
    },
    Transition {
        from: &[Proceedings],
        to: Outcome,
        mover: Mover::Supervisor,
        rules: &[Rule::OutcomeForEverySubjectOfProceedings],
    },
    Transition {
        from: &[Outcome],
        to: Closed,
        mover: Mover::Supervisor,
        rules: &[Rule::BarredListReportForDismissals],
    },
    Transition {
        from: &[Assessment, Investigation, Decision],
        to: Closed,
        mover: Mover::Supervisor,
        rules: &[Rule::ClosureReason],
    },
];

/// What the rules need to know about a case.
#[derive(Clone, Debug, Default)]
pub struct CaseFacts {
    pub category: Option<Category>,
    /// Subjects with at least one allegation on the case.
    pub subjects: Vec<Uuid>,
    pub investigator_assigned: bool,
    /// Current (not superseded) decisions, per subject.
    pub severity: HashMap<Uuid, Severity>,
    pub reg17_served: Vec<Uuid>,
    pub case_to_answer: HashMap<Uuid, (CaseToAnswerFinding, ProceedingsForm)>,
    pub iopc_mode: Option<IopcMode>,
    pub final_report: bool,
    pub closure_reason: Option<ClosureReason>,
    /// Subjects of proceedings that are not cancelled.
    pub proceedings_subjects: Vec<Uuid>,
    /// Subjects with an outcome recorded.
    pub outcome_recorded: Vec<Uuid>,
    /// Subjects dismissed, and those reported to the barred list.
    pub dismissed: Vec<Uuid>,
    pub barred_reported: Vec<Uuid>,
}

/// One unmet precondition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Unmet {
    /// A stable code, e.g. `iopc_referral_required`.
    pub code: &'static str,
    /// The subject it concerns, for per-subject preconditions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<Uuid>,
    pub message: &'static str,
}

fn unmet(code: &'static str, subject_id: Option<Uuid>, message: &'static str) -> Unmet {
    Unmet {
        code,
        subject_id,
        message,
    }
}

impl Rule {
    pub fn check(self, f: &CaseFacts, out: &mut Vec<Unmet>) {
        match self {
            Rule::AllegationAgainstASubject => {
                if f.subjects.is_empty() {
                    out.push(unmet(
                        "allegation_required",
                        None,
                        "Record at least one allegation against a subject.",
                    ));
                }
            }
            Rule::SeverityForEverySubject => {
                for s in f.subjects.iter().filter(|s| !f.severity.contains_key(s)) {
                    out.push(unmet(
                        "severity_assessment_required",
                        Some(*s),
                        "Record a severity assessment for this subject.",
                    ));
                }
            }
            Rule::InvestigatorAssigned => {
                if !f.investigator_assigned {
                    out.push(unmet(
                        "investigator_required",
                        None,
                        "Assign an investigator.",
                    ));
                }
            }
            Rule::IopcReferralForApsp => {
                let referred = f.iopc_mode.is_some_and(|m| m != IopcMode::Pending);
                if f.category == Some(Category::Apsp) && !referred {
                    out.push(unmet(
                        "iopc_referral_required",
                        None,
                        "APSP is a mandatory referral: record the IOPC's mode of investigation.",
                    ));
                }
            }
            Rule::Reg17ForEverySubjectAssessedAsMisconduct => {
                for (s, severity) in sorted(&f.severity) {
                    if severity.needs_reg17() && !f.reg17_served.contains(s) {
                        out.push(unmet(
                            "reg17_notice_required",
                            Some(*s),
                            "Serve a Regulation 17 notice on this subject.",
                        ));
                    }
                }
            }
            Rule::FinalReport => {
                if !f.final_report {
                    out.push(unmet(
                        "final_report_required",
                        None,
                        "Record the investigator's final report.",
                    ));
                }
            }
            Rule::CaseToAnswerForEverySubject => {
                for s in f
                    .subjects
                    .iter()
                    .filter(|s| !f.case_to_answer.contains_key(s))
                {
                    out.push(unmet(
                        "case_to_answer_required",
                        Some(*s),
                        "Record whether this subject has a case to answer.",
                    ));
                }
            }
            Rule::ProceedingsForAtLeastOneSubject => {
                if !f
                    .case_to_answer
                    .values()
                    .any(|(_, p)| *p != ProceedingsForm::None)
                {
                    out.push(unmet(
                        "proceedings_required",
                        None,
                        "At least one subject must face a meeting or a hearing.",
                    ));
                }
            }
            Rule::HearingForGrossMisconduct => {
                for (s, (answer, form)) in sorted(&f.case_to_answer) {
                    if *answer == CaseToAnswerFinding::GrossMisconduct
                        && *form != ProceedingsForm::Hearing
                    {
                        out.push(unmet(
                            "hearing_required_for_gross_misconduct",
                            Some(*s),
                            "A case to answer for gross misconduct goes to a hearing, not a meeting.",
                        ));
                    }
                }
            }
            Rule::OutcomeForEverySubjectOfProceedings => {
                if f.proceedings_subjects.is_empty() {
                    out.push(unmet(
                        "proceedings_required",
                        None,
                        "Schedule the proceedings first.",
                    ));
                }
                for s in f
                    .proceedings_subjects
                    .iter()
                    .filter(|s| !f.outcome_recorded.contains(s))
                {
                    out.push(unmet(
                        "outcome_required",
                        Some(*s),
                        "Record this subject's outcome.",
                    ));
                }
            }
            Rule::BarredListReportForDismissals => {
                for s in f
                    .dismissed
                    .iter()
                    .filter(|s| !f.barred_reported.contains(s))
                {
                    out.push(unmet(
                        "barred_list_report_required",
                        Some(*s),
                        "Record the report of this dismissal to the College of Policing barred list.",
                    ));
                }
            }
            Rule::ClosureReason => {
                if f.closure_reason.is_none() {
                    out.push(unmet(
                        "closure_reason_required",
                        None,
                        "Give a closure_reason: no_further_action, rprp or withdrawn.",
                    ));
                }
            }
        }
    }
}

fn sorted<V>(map: &HashMap<Uuid, V>) -> Vec<(&Uuid, &V)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by_key(|(k, _)| **k);
    entries
}

/// What a transition request resolves to.
#[derive(Debug, PartialEq, Eq)]
pub enum Plan {
    /// Allowed if the mover may and nothing is unmet.
    Move { mover: Mover, unmet: Vec<Unmet> },
    /// No such transition from this state.
    NotAllowed,
}

/// Plans `from` → `to`. Suspension and resumption: any open state → suspended, and
/// suspended → the state it left, both by a supervisor.
pub fn plan(
    from: CaseState,
    to: CaseState,
    suspended_from: Option<CaseState>,
    facts: &CaseFacts,
) -> Plan {
    if to == Suspended {
        return if from.is_open() {
            Plan::Move {
                mover: Mover::Supervisor,
                unmet: vec![],
            }
        } else {
            Plan::NotAllowed
        };
    }
    if from == Suspended {
        return if suspended_from == Some(to) {
            Plan::Move {
                mover: Mover::Supervisor,
                unmet: vec![],
            }
        } else {
            Plan::NotAllowed
        };
    }
    match TRANSITIONS
        .iter()
        .find(|t| t.to == to && t.from.contains(&from))
    {
        Some(t) => {
            let mut unmet = Vec::new();
            for rule in t.rules {
                rule.check(facts, &mut unmet);
            }
            Plan::Move {
                mover: t.mover,
                unmet,
            }
        }
        None => Plan::NotAllowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(plan: Plan) -> Vec<&'static str> {
        match plan {
            Plan::Move { unmet, .. } => unmet.iter().map(|u| u.code).collect(),
            Plan::NotAllowed => vec!["not_allowed"],
        }
    }

    #[test]
    fn apsp_needs_a_referral_and_every_unmet_precondition_is_listed() {
        let s = Uuid::new_v4();
        let facts = CaseFacts {
            category: Some(Category::Apsp),
            subjects: vec![s],
            ..Default::default()
        };
        assert_eq!(
            codes(plan(Assessment, Investigation, None, &facts)),
            [
                "severity_assessment_required",
                "investigator_required",
                "iopc_referral_required"
            ]
        );
        let pending = CaseFacts {
            iopc_mode: Some(IopcMode::Pending),
            ..facts.clone()
        };
        assert!(
            codes(plan(Assessment, Investigation, None, &pending))
                .contains(&"iopc_referral_required")
        );
        let ready = CaseFacts {
            iopc_mode: Some(IopcMode::Local),
            investigator_assigned: true,
            severity: HashMap::from([(s, Severity::GrossMisconduct)]),
            ..facts
        };
        assert!(codes(plan(Assessment, Investigation, None, &ready)).is_empty());
    }

    #[test]
    fn gross_misconduct_goes_to_a_hearing() {
        let s = Uuid::new_v4();
        let facts = CaseFacts {
            subjects: vec![s],
            case_to_answer: HashMap::from([(
                s,
                (
                    CaseToAnswerFinding::GrossMisconduct,
                    ProceedingsForm::Meeting,
                ),
            )]),
            ..Default::default()
        };
        assert_eq!(
            codes(plan(Decision, Proceedings, None, &facts)),
            ["hearing_required_for_gross_misconduct"]
        );
    }

    #[test]
    fn suspension_returns_to_where_it_left() {
        let f = CaseFacts::default();
        assert!(matches!(
            plan(Investigation, Suspended, None, &f),
            Plan::Move { .. }
        ));
        assert!(matches!(
            plan(Suspended, Investigation, Some(Investigation), &f),
            Plan::Move { .. }
        ));
        assert_eq!(
            plan(Suspended, Decision, Some(Investigation), &f),
            Plan::NotAllowed
        );
        assert_eq!(plan(Closed, Suspended, None, &f), Plan::NotAllowed);
        assert_eq!(plan(Intake, Closed, None, &f), Plan::NotAllowed);
        assert_eq!(plan(Intake, Decision, None, &f), Plan::NotAllowed);
    }
}
