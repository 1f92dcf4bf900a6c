//! Decisions: append-only, each with a rationale. A later decision of the same kind for the
//! same subject supersedes the earlier; both stay on the record.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::text_enum;

text_enum!(
    DecisionKind {
        SeverityAssessment = "severity_assessment",
        IopcReferral = "iopc_referral",
        Reg17Notice = "reg17_notice",
        FinalReport = "final_report",
        CaseToAnswer = "case_to_answer",
        /// The written report due to the PCC and the IOPC 12 months after the matter came to
        /// attention, then every 6 months.
        TwelveMonthReport = "twelve_month_report",
    }
);

impl DecisionKind {
    /// Whether decisions of this kind are made per subject.
    pub fn per_subject(self) -> bool {
        matches!(
            self,
            Self::SeverityAssessment | Self::Reg17Notice | Self::CaseToAnswer
        )
    }

    /// Who may record it: the appropriate authority's decisions are a supervisor's; the
    /// investigator's own steps are the assigned investigator's (or a supervisor's).
    pub fn recorded_by(self) -> Recorder {
        match self {
            Self::SeverityAssessment | Self::IopcReferral | Self::CaseToAnswer => {
                Recorder::Supervisor
            }
            Self::Reg17Notice | Self::TwelveMonthReport => {
                Recorder::AssignedInvestigatorOrSupervisor
            }
            Self::FinalReport => Recorder::AssignedInvestigator,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorder {
    Supervisor,
    AssignedInvestigator,
    AssignedInvestigatorOrSupervisor,
}

text_enum!(
    Severity {
        Misconduct = "misconduct",
        GrossMisconduct = "gross_misconduct",
        PracticeRequiringImprovement = "practice_requiring_improvement",
        NoCase = "no_case",
    }
);

impl Severity {
    /// Severities that lead to an investigation needing a Regulation 17 notice.
    pub fn needs_reg17(self) -> bool {
        matches!(self, Self::Misconduct | Self::GrossMisconduct)
    }
}

text_enum!(
    /// The IOPC's answer to a referral.
    IopcMode {
        Pending = "pending",
        Local = "local",
        Directed = "directed",
        Independent = "independent",
        Returned = "returned",
    }
);

text_enum!(
    CaseToAnswerFinding {
        Misconduct = "misconduct",
        GrossMisconduct = "gross_misconduct",
        None = "none",
    }
);

text_enum!(
    ProceedingsForm {
        Meeting = "meeting",
        Hearing = "hearing",
        None = "none",
    }
);

/// A severity assessment: would the conduct, if proven, be misconduct, gross misconduct,
/// practice requiring improvement, or nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityAssessment {
    pub severity: Severity,
}

/// The referral to the IOPC and its answer (mandatory for APSP).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IopcReferral {
    pub referred_at: DateTime<Utc>,
    pub mode: IopcMode,
}

/// The Regulation 17 notice served on a subject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reg17Notice {
    pub served_at: DateTime<Utc>,
}

/// The investigator's final report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinalReport {
    pub summary: String,
    pub submitted_at: DateTime<Utc>,
}

/// Whether a subject has a case to answer, and in what proceedings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseToAnswer {
    pub answer: CaseToAnswerFinding,
    pub proceedings: ProceedingsForm,
}

/// The 12-month (then 6-monthly) report to the PCC and the IOPC.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TwelveMonthReport {
    pub reported_at: DateTime<Utc>,
}

/// The fields of a decision besides `kind`, `subject_id` and `rationale`; their shape
/// depends on the kind.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum DecisionDetails {
    SeverityAssessment(SeverityAssessment),
    IopcReferral(IopcReferral),
    Reg17Notice(Reg17Notice),
    FinalReport(FinalReport),
    CaseToAnswer(CaseToAnswer),
    TwelveMonthReport(TwelveMonthReport),
}

impl DecisionDetails {
    /// Reads the details of a decision of `kind` from `value` (unknown fields refused).
    pub fn from_value(
        kind: DecisionKind,
        value: serde_json::Value,
    ) -> Result<Self, serde_json::Error> {
        use serde_json::from_value as v;
        Ok(match kind {
            DecisionKind::SeverityAssessment => Self::SeverityAssessment(v(value)?),
            DecisionKind::IopcReferral => Self::IopcReferral(v(value)?),
            DecisionKind::Reg17Notice => Self::Reg17Notice(v(value)?),
            DecisionKind::FinalReport => Self::FinalReport(v(value)?),
            DecisionKind::CaseToAnswer => Self::CaseToAnswer(v(value)?),
            DecisionKind::TwelveMonthReport => Self::TwelveMonthReport(v(value)?),
        })
    }
}
