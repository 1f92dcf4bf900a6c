//! Documents and evidence held on a case.

use crate::text_enum;

text_enum!(
    /// What a document is.
    DocumentKind {
        Statement = "statement",
        MessageCapture = "message_capture",
        CallRecord = "call_record",
        DutyRecord = "duty_record",
        Notice = "notice",
        Report = "report",
        Correspondence = "correspondence",
        Media = "media",
        Other = "other",
    }
);
