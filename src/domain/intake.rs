//! Reports from the public, on their way into casework.

use crate::text_enum;

text_enum!(
    /// Where a report stands in the intake queue.
    IntakeStatus {
        /// Waiting for intake.
        Received = "received",
        /// Made into a case.
        Accepted = "accepted",
        /// Not a matter for the PSD (the reason is recorded).
        Rejected = "rejected",
    }
);

text_enum!(
    /// What the reporter is told of their report: nothing of the case beyond this.
    ReporterStatus {
        Received = "received",
        UnderAssessment = "under_assessment",
        Closed = "closed",
    }
);
