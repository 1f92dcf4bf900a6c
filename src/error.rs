//! The one error type of the HTTP API. Every error leaves as `application/problem+json`
//! (RFC 9457) with a stable, machine-readable `code`; the unexpected ones are logged here
//! and shown to the client only as `internal_error`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::workflow::Unmet;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

crate::text_enum!(
    /// Stable error codes. Clients are written against these strings: add, never rename.
    ErrorCode {
        /// The body is not well-formed JSON.
        InvalidJson = "invalid_json",
        /// A path or query parameter is malformed (a bad UUID, date or number).
        InvalidParameter = "invalid_parameter",
        /// The body is JSON but its content is not acceptable; `errors` names the fields.
        ValidationFailed = "validation_failed",
        /// The body is larger than the configured limit.
        PayloadTooLarge = "payload_too_large",
        /// The body is not `application/json`.
        UnsupportedMediaType = "unsupported_media_type",
        /// No valid bearer token was presented.
        AuthenticationRequired = "authentication_required",
        /// The bearer token is invalid, expired or revoked.
        InvalidToken = "invalid_token",
        /// Login failed. Unknown user, wrong password and locked account look the same.
        InvalidCredentials = "invalid_credentials",
        /// The refresh token is unknown, expired, revoked or was already used.
        InvalidRefreshToken = "invalid_refresh_token",
        /// The caller is authenticated but their role lacks the permission.
        Forbidden = "forbidden",
        /// No such resource, or the caller may not see it.
        NotFound = "not_found",
        /// The method is not allowed on this resource.
        MethodNotAllowed = "method_not_allowed",
        /// The username is already taken.
        UsernameTaken = "username_taken",
        /// The change would leave no active administrator.
        LastAdmin = "last_admin",
        /// The new password breaks the password policy.
        WeakPassword = "weak_password",
        /// The current password given does not match.
        WrongPassword = "wrong_password",
        /// The account is locked after repeated failures (logins or password checks): nothing
        /// about its password is checked until `Retry-After` has passed.
        AccountLocked = "account_locked",
        /// The change needs `If-Match` with the resource's current `ETag`.
        PreconditionRequired = "precondition_required",
        /// `If-Match` does not match the current `ETag`: someone changed it first.
        PreconditionFailed = "precondition_failed",
        /// A concurrent change won; retry.
        Conflict = "conflict",
        /// The case cannot move from its state to the one asked for.
        TransitionNotAllowed = "transition_not_allowed",
        /// The transition's preconditions are not met; `unmet` lists every one.
        PreconditionsUnmet = "preconditions_unmet",
        /// The person is linked to a subject of the case.
        ConflictOfInterest = "conflict_of_interest",
        /// The allegation would leave no active supervisor, unlinked to its subjects, able to
        /// see the case: refer the matter to another force or the IOPC instead.
        NoOversightLeft = "no_oversight_left",
        /// The force and collar number are already another account's staff identity.
        StaffIdentityTaken = "staff_identity_taken",
        /// The user is not an active investigator (or, for members, not active case staff).
        InvestigatorUnavailable = "investigator_unavailable",
        /// A subject with this force and collar number is already registered.
        SubjectExists = "subject_exists",
        /// The case is closed; nothing more can be added.
        CaseClosed = "case_closed",
        /// The case is not in the state this needs (e.g. proceedings are scheduled in `proceedings`).
        WrongState = "wrong_state",
        /// The proposed proceedings or outcome breaks a statutory rule; `unmet` lists each.
        RulesBroken = "rules_broken",
        /// A public hearing's notice must be published at least 5 working days before it.
        NoticePeriodTooShort = "notice_period_too_short",
        /// A publication's author cannot approve it: a second supervisor must.
        AuthorCannotApprove = "author_cannot_approve",
        /// This already exists (an outcome for this subject and proceedings, a list report).
        AlreadyRecorded = "already_recorded",
        /// The multipart body is malformed, lacks the file, or the upload was interrupted.
        InvalidMultipart = "invalid_multipart",
        /// The requested byte range is outside the document.
        RangeNotSatisfiable = "range_not_satisfiable",
        /// Too many requests.
        RateLimited = "rate_limited",
        /// The database is unavailable or busy; retry later.
        ServiceUnavailable = "service_unavailable",
        /// Something unexpected; it has been logged with the request id.
        InternalError = "internal_error",
    }
);

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            InvalidJson | InvalidParameter | InvalidMultipart => StatusCode::BAD_REQUEST,
            RangeNotSatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
            ValidationFailed | WeakPassword => StatusCode::UNPROCESSABLE_ENTITY,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AuthenticationRequired | InvalidToken | InvalidCredentials | InvalidRefreshToken => {
                StatusCode::UNAUTHORIZED
            }
            WrongPassword | Forbidden => StatusCode::FORBIDDEN,
            AccountLocked => StatusCode::LOCKED,
            NotFound => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            UsernameTaken
            | LastAdmin
            | Conflict
            | TransitionNotAllowed
            | PreconditionsUnmet
            | ConflictOfInterest
            | NoOversightLeft
            | StaffIdentityTaken
            | InvestigatorUnavailable
            | SubjectExists
            | CaseClosed
            | WrongState
            | RulesBroken
            | NoticePeriodTooShort
            | AuthorCannotApprove
            | AlreadyRecorded => StatusCode::CONFLICT,
            PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn title(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidJson => "Malformed JSON",
            InvalidParameter => "Invalid parameter",
            ValidationFailed => "Validation failed",
            PayloadTooLarge => "Payload too large",
            UnsupportedMediaType => "Unsupported media type",
            AuthenticationRequired => "Authentication required",
            InvalidToken => "Invalid token",
            InvalidCredentials => "Invalid credentials",
            InvalidRefreshToken => "Invalid refresh token",
            Forbidden => "Forbidden",
            NotFound => "Not found",
            MethodNotAllowed => "Method not allowed",
            UsernameTaken => "Username taken",
            LastAdmin => "Last active administrator",
            WeakPassword => "Password rejected",
            WrongPassword => "Current password incorrect",
            AccountLocked => "Account locked",
            PreconditionRequired => "Precondition required",
            PreconditionFailed => "Precondition failed",
            Conflict => "Conflict",
            TransitionNotAllowed => "Transition not allowed",
            PreconditionsUnmet => "Preconditions not met",
            ConflictOfInterest => "Conflict of interest",
            NoOversightLeft => "No oversight left",
            StaffIdentityTaken => "Staff identity taken",
            InvestigatorUnavailable => "Investigator unavailable",
            SubjectExists => "Subject already registered",
            CaseClosed => "Case closed",
            WrongState => "Wrong state",
            RulesBroken => "Rules broken",
            NoticePeriodTooShort => "Notice period too short",
            AuthorCannotApprove => "Author cannot approve",
            AlreadyRecorded => "Already recorded",
            InvalidMultipart => "Invalid multipart body",
            RangeNotSatisfiable => "Range not satisfiable",
            RateLimited => "Too many requests",
            ServiceUnavailable => "Service unavailable",
            InternalError => "Internal error",
        }
    }
}

/// One offending field of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Where the problem is: a JSON path in the body (`role`, `items[2].name`), or the name of
    /// a path or query parameter.
    pub field: String,
    /// A stable code for what is wrong (`required`, `unknown_field`, `invalid_type`,
    /// `invalid_value`, `too_short`, `too_long`, `common_password`, ...).
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// The RFC 9457 problem document every error response carries.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:probity:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: ErrorCode,
    /// The offending fields, for validation and parameter errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(nullable = false)]
    pub errors: Vec<FieldError>,
    /// For `preconditions_unmet`: every precondition the transition still needs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(nullable = false)]
    pub unmet: Vec<Unmet>,
}

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub unmet: Vec<Unmet>,
    /// Extra headers, such as `Retry-After` or `WWW-Authenticate`.
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            unmet: Vec::new(),
            headers: Vec::new(),
        }
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "No such resource.")
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("{} fields are invalid.", errors.len()),
        };
        Self {
            errors,
            ..Self::new(ErrorCode::ValidationFailed, detail)
        }
    }

    pub fn field(code: ErrorCode, field: &str, field_code: &str, message: &str) -> Self {
        Self {
            errors: vec![FieldError::new(field, field_code, message)],
            ..Self::new(code, format!("{field}: {message}"))
        }
    }

    /// An unexpected failure: logged in full here, shown to the client only as a code.
    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "{context}");
        Self::new(
            ErrorCode::InternalError,
            "An unexpected error occurred; it has been logged.",
        )
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::ServiceUnavailable, detail)
            .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
    }

    /// A request refused by a rate limit: `Retry-After`, and the policy and what is left of it
    /// in the `RateLimit-Policy` and `RateLimit` fields of the IETF draft
    /// (draft-ietf-httpapi-ratelimit-headers-10: quota `q` per window `w` seconds; `r`
    /// remaining, `t` seconds until it resets).
    pub fn rate_limited(
        detail: impl Into<String>,
        policy: &str,
        quota: i32,
        window_secs: u32,
        retry_after: i64,
    ) -> Self {
        let retry_after = retry_after.max(1);
        let field = |v: String| {
            HeaderValue::from_str(&v).unwrap_or(HeaderValue::from_static("\"default\""))
        };
        Self::new(ErrorCode::RateLimited, detail)
            .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after))
            .with_header(
                header::HeaderName::from_static("ratelimit-policy"),
                field(format!("\"{policy}\";q={quota};w={window_secs}")),
            )
            .with_header(
                header::HeaderName::from_static("ratelimit"),
                field(format!("\"{policy}\";r=0;t={retry_after}")),
            )
    }

    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_: format!("urn:probity:problem:{}", self.code.as_str()),
            title: self.code.title().to_owned(),
            status: self.code.status().as_u16(),
            detail: self.detail.clone(),
            code: self.code,
            errors: self.errors.clone(),
            unmet: self.unmet.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status_code());
        builder.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        for (name, value) in &self.headers {
            builder.insert_header((name.clone(), value.clone()));
        }
        builder.json(self.problem())
    }
}

impl From<DieselError> for ApiError {
    fn from(err: DieselError) -> Self {
        if connection_lost(&err) {
            tracing::warn!(error = %err, "database connection lost");
            return Self::unavailable("The database is unreachable; retry later.");
        }
        match err {
            DieselError::NotFound => Self::not_found(),
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => Self::new(
                ErrorCode::Conflict,
                "A concurrent change won; retry the request.",
            ),
            // A date or number PostgreSQL cannot store (year 200000): the client's value, a 400.
            DieselError::DatabaseError(_, ref info) if info.message().contains("out of range") => {
                Self::new(
                    ErrorCode::InvalidParameter,
                    "A date or number is out of the range that can be stored.",
                )
            }
            // PostgreSQL text cannot hold NUL: a client that sends one gets a clear 400.
            DieselError::DatabaseError(_, ref info)
                if info
                    .message()
                    .contains("invalid byte sequence for encoding") =>
            {
                Self::new(
                    ErrorCode::InvalidParameter,
                    "Text may not contain NUL characters.",
                )
            }
            DieselError::DatabaseError(_, ref info)
                if info.message().contains("deadlock detected") =>
            {
                Self::new(
                    ErrorCode::Conflict,
                    "A concurrent change won; retry the request.",
                )
            }
            DieselError::DatabaseError(_, ref info)
                if info
                    .message()
                    .contains("canceling statement due to statement timeout") =>
            {
                tracing::warn!("database statement timed out");
                Self::unavailable("The database took too long to answer; retry later.")
            }
            other => Self::internal("database error", other),
        }
    }
}

/// Whether `err` says the connection to PostgreSQL is gone or the server cannot serve (it is
/// shutting down, starting up or recovering): the request may succeed on another connection
/// in a moment, so it is a 503, never a 500.
pub fn connection_lost(err: &DieselError) -> bool {
    const MESSAGES: [&str; 9] = [
        "no connection to the server",
        "server closed the connection unexpectedly",
        "terminating connection",
        "connection has been closed unexpectedly",
        "could not receive data from server",
        "could not send data to server",
        "the database system is shutting down",
        "the database system is starting up",
        "the database system is in recovery mode",
    ];
    match err {
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        DieselError::DatabaseError(_, info) => {
            let message = info.message();
            MESSAGES.iter().any(|m| message.contains(m))
        }
        // A transaction whose connection failed under it.
        DieselError::BrokenTransactionManager => true,
        _ => false,
    }
}

impl From<r2d2_error::PoolError> for ApiError {
    fn from(err: r2d2_error::PoolError) -> Self {
        tracing::warn!(error = %err, "database pool exhausted or unreachable");
        Self::unavailable("The database is busy or unreachable; retry later.")
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        Self::unavailable("The server is shutting down; retry later.")
    }
}

/// The pool error type, named once so the rest of the code does not depend on r2d2.
pub mod r2d2_error {
    pub type PoolError = diesel::r2d2::PoolError;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_database_is_a_503_with_retry_after_not_a_500() {
        let lost = |kind, message: &str| -> ApiError {
            DieselError::DatabaseError(kind, Box::new(message.to_owned())).into()
        };
        for message in [
            "terminating connection due to unexpected postmaster exit",
            "terminating connection due to administrator command",
            "SSL connection has been closed unexpectedly",
            "no connection to the server",
            "server closed the connection unexpectedly",
            "FATAL:  the database system is starting up",
        ] {
            let err = lost(DatabaseErrorKind::Unknown, message);
            assert_eq!(err.code, ErrorCode::ServiceUnavailable, "{message}");
            assert!(err.headers.iter().any(|(n, _)| n == header::RETRY_AFTER));
        }
        let closed = lost(DatabaseErrorKind::ClosedConnection, "");
        assert_eq!(closed.code, ErrorCode::ServiceUnavailable);
        let broken: ApiError = DieselError::BrokenTransactionManager.into();
        assert_eq!(broken.code, ErrorCode::ServiceUnavailable);
        let other = lost(DatabaseErrorKind::Unknown, "syntax error at or near \"x\"");
        assert_eq!(other.code, ErrorCode::InternalError);
    }

    #[test]
    fn every_code_serializes_to_its_snake_case_name() {
        for code in ErrorCode::ALL.iter().copied() {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                code.as_str(),
                "{code:?}"
            );
        }
    }

    #[test]
    fn problem_body_is_exact() {
        let err = ApiError::field(
            ErrorCode::InvalidParameter,
            "id",
            "invalid_uuid",
            "not a UUID",
        );
        let body = serde_json::to_value(err.problem()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "type": "urn:probity:problem:invalid_parameter",
                "title": "Invalid parameter",
                "status": 400,
                "detail": "id: not a UUID",
                "code": "invalid_parameter",
                "errors": [{"field": "id", "code": "invalid_uuid", "message": "not a UUID"}]
            })
        );
    }

    #[test]
    fn errors_are_left_out_when_there_are_none() {
        let body = serde_json::to_value(ApiError::not_found().problem()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "type": "urn:probity:problem:not_found",
                "title": "Not found",
                "status": 404,
                "detail": "No such resource.",
                "code": "not_found"
            })
        );
    }
}
