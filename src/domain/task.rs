//! Investigation tasks.

use crate::text_enum;

text_enum!(
    /// Where a task stands.
    TaskStatus {
        Open = "open",
        Done = "done",
        Cancelled = "cancelled",
    }
);
