//! Casework: the use cases of the case lifecycle. Each function runs inside the caller's
//! transaction, checks need-to-know through `db::cases`, and appends its audit events to the
//! case's own chain in that same transaction.

pub mod allegations;
pub mod cases;
pub mod decisions;
pub mod documents;
pub mod facts;
pub mod flags;
pub mod history;
pub mod notes;
pub mod parties;
pub mod proceedings;
pub mod public_reports;
pub mod sub_record;
pub mod subjects;
pub mod tasks;
pub mod views;

use crate::audit::AuditContext;
use crate::auth::permissions::{Permission, allows};
use crate::domain::Viewer;
use crate::error::{ApiError, ApiResult, ErrorCode, FieldError};

/// Who is acting, and the audit context of the request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub viewer: Viewer,
    pub audit: AuditContext,
}

impl Caller {
    pub fn require(&self, permission: Permission) -> ApiResult<()> {
        if allows(self.viewer.role, permission) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::Forbidden,
                format!(
                    "Your role does not have the `{}` permission.",
                    permission.as_str()
                ),
            ))
        }
    }
}

/// Collects field errors, then fails with all of them at once.
#[derive(Default)]
pub struct Checks(pub Vec<FieldError>);

impl Checks {
    pub fn take<T>(&mut self, field: &str, result: Result<T, (&'static str, String)>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err((code, message)) => {
                self.0.push(FieldError::new(field, code, message));
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, code: &str, message: &str) {
        self.0.push(FieldError::new(field, code, message));
    }

    pub fn finish(self) -> ApiResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.0))
        }
    }
}

pub fn forbidden(detail: &str) -> ApiError {
    ApiError::new(ErrorCode::Forbidden, detail)
}
