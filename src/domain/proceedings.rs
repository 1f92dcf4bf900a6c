//! Misconduct proceedings and their outcomes: which kind of proceedings fits a case to
//! answer, and which outcomes a finding and a kind of proceedings allow.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::decision::CaseToAnswerFinding;
use crate::text_enum;

text_enum!(
    ProceedingsKind {
        MisconductMeeting = "misconduct_meeting",
        MisconductHearing = "misconduct_hearing",
        /// For cases where the evidence is incontrovertible (special cases).
        AcceleratedHearing = "accelerated_hearing",
    }
);

impl ProceedingsKind {
    pub fn is_hearing(self) -> bool {
        !matches!(self, Self::MisconductMeeting)
    }

    /// Hearings are public by default, meetings are not.
    pub fn public_by_default(self) -> bool {
        self.is_hearing()
    }
}

text_enum!(
    Finding {
        MisconductProven = "misconduct_proven",
        GrossMisconductProven = "gross_misconduct_proven",
        NotProven = "not_proven",
    }
);

text_enum!(
    OutcomeAction {
        NoFurtherAction = "no_further_action",
        WrittenWarning = "written_warning",
        FinalWrittenWarning = "final_written_warning",
        ReductionInRank = "reduction_in_rank",
        DismissalWithoutNotice = "dismissal_without_notice",
        ReferredToRprp = "referred_to_rprp",
    }
);

/// A rule broken by a proposed proceedings or outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Breach {
    pub code: &'static str,
    pub message: &'static str,
}

fn breach(code: &'static str, message: &'static str) -> Breach {
    Breach { code, message }
}

/// Whether proceedings of `kind` fit a subject's case to answer. Gross misconduct goes to a
/// hearing; misconduct to a meeting, or to a hearing if a final written warning is live.
pub fn check_kind(
    kind: ProceedingsKind,
    answer: CaseToAnswerFinding,
    live_final_warning: bool,
) -> Option<Breach> {
    match answer {
        CaseToAnswerFinding::None => Some(breach(
            "no_case_to_answer",
            "A subject with no case to answer faces no proceedings.",
        )),
        CaseToAnswerFinding::GrossMisconduct if !kind.is_hearing() => Some(breach(
            "hearing_required_for_gross_misconduct",
            "Gross misconduct goes to a hearing, not a meeting.",
        )),
        CaseToAnswerFinding::Misconduct if kind.is_hearing() && !live_final_warning => {
            Some(breach(
                "meeting_required_for_misconduct",
                "Misconduct goes to a meeting unless a final written warning is live.",
            ))
        }
        CaseToAnswerFinding::Misconduct if kind == ProceedingsKind::AcceleratedHearing => {
            Some(breach(
                "accelerated_hearing_requires_gross_misconduct",
                "An accelerated hearing is for gross misconduct only.",
            ))
        }
        _ => None,
    }
}

/// The statutory limits on an outcome.
pub fn check_outcome(
    kind: ProceedingsKind,
    finding: Finding,
    action: OutcomeAction,
    live_final_warning: bool,
) -> Vec<Breach> {
    use OutcomeAction::*;
    let mut out = Vec::new();
    let severe = matches!(action, ReductionInRank | DismissalWithoutNotice);
    if !kind.is_hearing() && severe {
        out.push(breach(
            "meeting_limit_exceeded",
            "A misconduct meeting imposes at most a final written warning.",
        ));
    }
    if finding == Finding::MisconductProven && severe && !live_final_warning {
        out.push(breach(
            "final_written_warning_required",
            "For misconduct, reduction in rank or dismissal needs a live final written warning.",
        ));
    }
    if finding == Finding::GrossMisconductProven && action == WrittenWarning {
        out.push(breach(
            "action_too_lenient_for_gross_misconduct",
            "A finding of gross misconduct cannot end in a written warning.",
        ));
    }
    if finding == Finding::NotProven && !matches!(action, NoFurtherAction | ReferredToRprp) {
        out.push(breach(
            "no_sanction_without_finding",
            "A finding of not proven allows no further action or a referral to RPRP only.",
        ));
    }
    if finding == Finding::GrossMisconductProven && !kind.is_hearing() {
        out.push(breach(
            "hearing_required_for_gross_misconduct",
            "Gross misconduct is found only at a hearing.",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use OutcomeAction::*;
    use ProceedingsKind::*;

    fn codes(v: Vec<Breach>) -> Vec<&'static str> {
        v.into_iter().map(|b| b.code).collect()
    }

    #[test]
    fn kinds_fit_the_case_to_answer() {
        assert!(
            check_kind(
                MisconductHearing,
                CaseToAnswerFinding::GrossMisconduct,
                false
            )
            .is_none()
        );
        assert!(
            check_kind(
                AcceleratedHearing,
                CaseToAnswerFinding::GrossMisconduct,
                false
            )
            .is_none()
        );
        assert_eq!(
            check_kind(
                MisconductMeeting,
                CaseToAnswerFinding::GrossMisconduct,
                false
            )
            .map(|b| b.code),
            Some("hearing_required_for_gross_misconduct")
        );
        assert!(check_kind(MisconductMeeting, CaseToAnswerFinding::Misconduct, false).is_none());
        assert!(check_kind(MisconductHearing, CaseToAnswerFinding::Misconduct, false).is_some());
        assert!(check_kind(MisconductHearing, CaseToAnswerFinding::Misconduct, true).is_none());
    }

    #[test]
    fn statutory_limits_on_outcomes() {
        assert_eq!(
            codes(check_outcome(
                MisconductMeeting,
                Finding::MisconductProven,
                DismissalWithoutNotice,
                true
            )),
            ["meeting_limit_exceeded"]
        );
        assert!(
            check_outcome(
                MisconductMeeting,
                Finding::MisconductProven,
                FinalWrittenWarning,
                false
            )
            .is_empty()
        );
        assert_eq!(
            codes(check_outcome(
                MisconductHearing,
                Finding::MisconductProven,
                ReductionInRank,
                false
            )),
            ["final_written_warning_required"]
        );
        assert!(
            check_outcome(
                MisconductHearing,
                Finding::MisconductProven,
                ReductionInRank,
                true
            )
            .is_empty()
        );
        assert_eq!(
            codes(check_outcome(
                MisconductHearing,
                Finding::GrossMisconductProven,
                WrittenWarning,
                false
            )),
            ["action_too_lenient_for_gross_misconduct"]
        );
        assert!(
            check_outcome(
                MisconductHearing,
                Finding::GrossMisconductProven,
                DismissalWithoutNotice,
                false
            )
            .is_empty()
        );
        assert_eq!(
            codes(check_outcome(
                MisconductHearing,
                Finding::NotProven,
                WrittenWarning,
                false
            )),
            ["no_sanction_without_finding"]
        );
    }
}

text_enum!(
    /// Where scheduled proceedings stand.
    ProceedingStatus {
        Scheduled = "scheduled",
        Cancelled = "cancelled",
    }
);

text_enum!(
    /// The list a former officer is reported to (Police Barred List and Police Advisory List
    /// Regulations 2017).
    ListKind {
        /// The College of Policing barred list: dismissed officers.
        Barred = "barred",
        /// The advisory list: those who resigned or retired under investigation.
        Advisory = "advisory",
    }
);

text_enum!(
    /// What a publication tells the public.
    PublicationKind {
        HearingNotice = "hearing_notice",
        Outcome = "outcome",
    }
);

text_enum!(
    /// A publication's life: a draft, published once a second supervisor approves, withdrawn.
    PublicationStatus {
        Draft = "draft",
        Published = "published",
        Withdrawn = "withdrawn",
    }
);
