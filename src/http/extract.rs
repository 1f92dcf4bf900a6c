//! Extractors: JSON bodies and query strings that fail with problem+json naming the field,
//! the authenticated caller (`AuthUser`), the permission a handler needs (`Require<P>`), the
//! request's audit context and `If-Match`.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Poll, Waker};

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::de::DeserializeOwned;
use serde_json::error::Category;
use uuid::Uuid;

use crate::audit::{Actor, AuditContext};
use crate::auth::permissions::{PermissionMarker, allows};
use crate::db::sessions;
use crate::domain::Role;
use crate::domain::text::Refusal;
use crate::error::{ApiError, ApiResult, ErrorCode, FieldError};
use crate::http::methods::{PendingQueryError, unknown_parameter_error};
use crate::http::middleware::RequestId;
use crate::state::AppState;

type LocalFuture<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// Holds back what a request's body and query extractors have to say against it until its
/// authorization ([`Require`]) has passed: actix polls a handler's extractors together and
/// answers the first error, so without this a caller lacking the permission would be told,
/// field by field, what a valid body looks like.
#[derive(Default)]
struct AuthGate {
    open: Cell<bool>,
    wakers: RefCell<Vec<Waker>>,
}

impl AuthGate {
    fn open(&self) {
        self.open.set(true);
        for waker in self.wakers.borrow_mut().drain(..) {
            waker.wake();
        }
    }
}

/// Resolves once the authorization of `req` has passed, at once if it has none (public
/// endpoints). If it fails, actix answers its 403 and drops whoever waits here.
fn authorized(req: HttpRequest) -> impl Future<Output = ()> {
    std::future::poll_fn(move |cx| {
        let gate = req.extensions().get::<Rc<AuthGate>>().cloned();
        match gate {
            Some(gate) if !gate.open.get() => {
                gate.wakers.borrow_mut().push(cx.waker().clone());
                Poll::Pending
            }
            _ => Poll::Ready(()),
        }
    })
}

/// `result`, an error only once the request's authorization has passed.
async fn after_authorization<T>(req: HttpRequest, result: ApiResult<T>) -> ApiResult<T> {
    if result.is_err() {
        authorized(req).await;
    }
    result
}

fn state(req: &HttpRequest) -> ApiResult<web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("application state", "AppState is not registered"))
}

// ---------------------------------------------------------------------------------------
// JSON bodies

/// A JSON body. Malformed JSON is 400 `invalid_json`; JSON of the wrong shape (wrong type,
/// missing or unknown field, unknown enum value) is 422 `validation_failed` naming the field;
/// a body over the limit is 413; another content type is 415.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = ApiJsonBytes::<T>::from_request(req, payload);
        Box::pin(async move { body.await.map(|ApiJsonBytes(value, _)| ApiJson(value)) })
    }
}

/// [`ApiJson`] that also keeps the body's bytes (to fingerprint it for idempotency).
pub struct ApiJsonBytes<T>(pub T, pub web::Bytes);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJsonBytes<T> {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req.mime_type().ok().flatten().is_some_and(|m| {
            m.type_() == mime_type::APPLICATION
                && (m.subtype() == mime_type::JSON || m.suffix() == Some(mime_type::JSON))
        });
        let body = web::Bytes::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let read = async {
                if !is_json {
                    return Err(ApiError::new(
                        ErrorCode::UnsupportedMediaType,
                        "The body must be JSON, sent with `Content-Type: application/json`.",
                    ));
                }
                let bytes = body
                    .await
                    .map_err(|err| match err.as_error::<PayloadError>() {
                        Some(PayloadError::Overflow) => ApiError::new(
                            ErrorCode::PayloadTooLarge,
                            "The body is larger than the server accepts.",
                        ),
                        _ => ApiError::new(ErrorCode::InvalidJson, "The body could not be read."),
                    })?;
                let value = parse_json(&bytes)?;
                Ok(ApiJsonBytes(value, bytes))
            };
            after_authorization(req, read.await).await
        })
    }
}

mod mime_type {
    pub use actix_web::mime::{APPLICATION, JSON};
}

/// A JSON body decoded into `T`. Every field that a validated type refuses (text too long,
/// blank, with control characters, ...: `domain::text::Refusal`) is named at once, each with
/// its own code; any other problem is named alone.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    match parse_once::<T>(bytes) {
        Ok(value) => Ok(value),
        Err(Failure::Refused(first)) => Err(every_refusal::<T>(bytes, first)),
        Err(Failure::Other(err)) => Err(err),
    }
}

enum Failure {
    /// A validated type refused the value at this field.
    Refused(FieldError),
    Other(ApiError),
}

fn parse_once<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Failure> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            Category::Data => {
                let given = serde_json::from_slice::<serde_json::Value>(bytes)
                    .ok()
                    .and_then(|v| value_at(&v, &path).map(str::to_owned));
                let message = time_message(&inner.to_string(), given.as_deref())
                    .unwrap_or_else(|| inner.to_string());
                let field = serde_field_error(&path, &message);
                if refused(&message) {
                    Failure::Refused(field)
                } else {
                    Failure::Other(ApiError::validation(vec![field]))
                }
            }
            // serde_json reports some wrong types (a number where an enum's string belongs)
            // as syntax errors; if the document itself parses, it is a shape problem.
            Category::Syntax if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() => {
                Failure::Other(ApiError::validation(vec![FieldError::new(
                    if path == "." { "body".to_owned() } else { path },
                    "invalid_type",
                    "has the wrong type",
                )]))
            }
            Category::Syntax | Category::Eof | Category::Io => Failure::Other(ApiError::new(
                ErrorCode::InvalidJson,
                format!("Malformed JSON: {inner}"),
            )),
        }
    })?;
    de.end().map_err(|e| {
        Failure::Other(ApiError::new(
            ErrorCode::InvalidJson,
            format!("Malformed JSON: {e}"),
        ))
    })?;
    Ok(value)
}

fn refused(message: &str) -> bool {
    let message = message.rsplit_once(" at line ").map_or(message, |(m, _)| m);
    Refusal::from_serde_message(message).is_some()
}

/// After `first`: the body again with each refused value replaced by one every rule accepts,
/// until no field is refused; the error names every refused field (and the first other
/// problem met on the way, if any).
fn every_refusal<T: DeserializeOwned>(bytes: &[u8], first: FieldError) -> ApiError {
    let mut errors = vec![first];
    let Ok(mut body) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return ApiError::validation(errors);
    };
    // Each round replaces a refused value, so there are at most as many as the body's values.
    for _ in 0..1000 {
        let Some(at) = errors
            .last()
            .and_then(|e| value_at_mut(&mut body, &e.field))
        else {
            break;
        };
        *at = serde_json::Value::String(crate::domain::text::ACCEPTED_BY_EVERY_RULE.to_owned());
        let Ok(patched) = serde_json::to_vec(&body) else {
            break;
        };
        match parse_once::<T>(&patched) {
            Ok(_) => break,
            Err(Failure::Refused(next)) => {
                if errors.iter().any(|e| e.field == next.field) {
                    break;
                }
                errors.push(next);
            }
            Err(Failure::Other(other)) => {
                errors.extend(other.errors);
                break;
            }
        }
    }
    ApiError::validation(errors)
}

/// The value at `path` (as serde_path_to_error writes it: `a.b[0].c`) in `value`.
fn value_at_mut<'v>(
    value: &'v mut serde_json::Value,
    path: &str,
) -> Option<&'v mut serde_json::Value> {
    let mut at = value;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, indexes) = part
            .split_once('[')
            .map_or((part, ""), |(k, rest)| (k, rest));
        if !key.is_empty() {
            at = at.get_mut(key)?;
        }
        for index in indexes.split('[').filter(|i| !i.is_empty()) {
            at = at.get_mut(index.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    Some(at)
}

/// The string at `path` (as serde_path_to_error writes it: `a.b[0].c`) in `value`.
fn value_at<'v>(value: &'v serde_json::Value, path: &str) -> Option<&'v str> {
    let mut at = value;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, indexes) = part
            .split_once('[')
            .map_or((part, ""), |(k, rest)| (k, rest));
        if !key.is_empty() {
            at = at.get(key)?;
        }
        for index in indexes.split('[').filter(|i| !i.is_empty()) {
            at = at.get(index.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    at.as_str()
}

/// A clear message for a date or date-time that chrono refused (its own says only, say,
/// "premature end of input"), from what was `given`: a date where a date-time belongs, a
/// date-time where a date does, or neither.
fn time_message(message: &str, given: Option<&str>) -> Option<String> {
    const CHRONO: [&str; 7] = [
        "input is out of range",
        "no possible date and time matching input",
        "input is not enough for unique date and time",
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "bad or unsupported format string",
    ];
    let message = message.rsplit_once(" at line ").map_or(message, |(m, _)| m);
    if !CHRONO.contains(&message) {
        return None;
    }
    let given = given.unwrap_or_default();
    let is_date = chrono::NaiveDate::parse_from_str(given, "%Y-%m-%d").is_ok();
    let is_date_time = chrono::DateTime::parse_from_rfc3339(given).is_ok();
    Some(match (is_date, is_date_time, message) {
        (true, _, "premature end of input" | "input is not enough for unique date and time") => {
            "expected an RFC 3339 date-time such as 2026-11-20T09:00:00Z, not a date".to_owned()
        }
        (_, true, "trailing input") => {
            "expected a date such as 2026-11-20, not a date-time".to_owned()
        }
        _ => format!(
            "is not a valid date or date-time ({message}): dates are written 2026-11-20, \
             date-times (RFC 3339) 2026-11-20T09:00:00Z"
        ),
    })
}

/// Turns serde's message into a field error: the path names the field, or for missing and
/// unknown fields the message does.
fn serde_field_error(path: &str, message: &str) -> FieldError {
    let message = message.rsplit_once(" at line ").map_or(message, |(m, _)| m);
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('`'))
            .and_then(|rest| rest.split_once('`'))
            .map(|(name, _)| name.to_owned())
    };
    // serde_path_to_error already ends the path with an unknown key; a missing one it does not.
    let join = |name: String| {
        if path == "." || path.is_empty() {
            name
        } else if path == name || path.ends_with(&format!(".{name}")) {
            path.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let base = if path == "." || path.is_empty() {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    if let Some((code, message)) = Refusal::from_serde_message(message) {
        return FieldError::new(base, code, message);
    }
    if let Some(name) = named("missing field ") {
        return FieldError::new(join(name), "required", "is required");
    }
    if let Some(name) = named("unknown field ") {
        return FieldError::new(join(name), "unknown_field", message);
    }
    let code = if message.starts_with("invalid type") {
        "invalid_type"
    } else {
        "invalid_value"
    };
    FieldError::new(base, code, message)
}

// ---------------------------------------------------------------------------------------
// Query strings

/// A query string, decoded into `T`. A malformed value is 400 `invalid_parameter` naming
/// the parameter; an unknown parameter too, when `T` denies unknown fields.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = parse_query(req.query_string()).map(ApiQuery);
        Box::pin(after_authorization(req.clone(), parsed))
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> ApiResult<T> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let given = form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| *k == path)
            .map(|(_, v)| v.into_owned());
        let message = err.into_inner().to_string();
        let message = time_message(&message, given.as_deref()).unwrap_or(message);
        let field = serde_field_error(&path, &message);
        let field = if field.field == "body" {
            FieldError {
                field: "query".into(),
                ..field
            }
        } else {
            field
        };
        ApiError {
            errors: vec![field.clone()],
            ..ApiError::new(
                ErrorCode::InvalidParameter,
                format!("{}: {}", field.field, field.message),
            )
        }
    })
}

/// For `PATCH` fields that can be cleared: absent is `None` (leave as is), `null` is
/// `Some(None)` (clear), a value is `Some(Some(v))`. Use with `#[serde(default)]`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}

/// For `PATCH` fields that cannot be cleared: absent is `None` (leave as is), a value is
/// `Some(v)`, and `null` is refused (it would say "clear", which the field does not take).
/// Use with `#[serde(default)]` and `#[schema(nullable = false)]`.
pub fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// A path segment that must be a UUID; anything else is 400 `invalid_parameter`.
pub fn parse_uuid(name: &str, raw: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| {
        ApiError::field(
            ErrorCode::InvalidParameter,
            name,
            "invalid_uuid",
            "is not a valid UUID",
        )
    })
}

// ---------------------------------------------------------------------------------------
// The caller

/// The authenticated caller, re-read from the database on every request: a deactivated
/// account, a changed role or an ended session takes effect on the very next request.
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub session_id: Uuid,
}

impl AuthUser {
    /// The caller, for the need-to-know rule (and the database's transactions).
    pub fn viewer(&self) -> crate::domain::Viewer {
        crate::domain::Viewer {
            user_id: self.id,
            role: self.role,
        }
    }
}

fn unauthenticated(code: ErrorCode, detail: &str, bearer_error: Option<&str>) -> ApiError {
    let challenge = match bearer_error {
        Some(e) => format!("Bearer realm=\"probity\", error=\"{e}\""),
        None => "Bearer realm=\"probity\"".to_owned(),
    };
    let value = HeaderValue::from_str(&challenge).unwrap_or(HeaderValue::from_static("Bearer"));
    ApiError::new(code, detail).with_header(header::WWW_AUTHENTICATE, value)
}

fn invalid_token() -> ApiError {
    unauthenticated(
        ErrorCode::InvalidToken,
        "The access token is invalid, expired or revoked.",
        Some("invalid_token"),
    )
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(user) = req.extensions().get::<AuthUser>() {
                return Ok(user.clone());
            }
            let state = state(&req)?;
            let token = bearer_token(&req).ok_or_else(|| {
                unauthenticated(
                    ErrorCode::AuthenticationRequired,
                    "This endpoint needs `Authorization: Bearer <access token>`.",
                    None,
                )
            })?;
            let claims = state.tokens.validate(&token).ok_or_else(invalid_token)?;
            let principal = state
                .db
                .run(move |c| Ok(sessions::load_principal(c, claims.sub, claims.sid)?))
                .await?;
            let principal = principal
                .filter(|p| p.is_live(crate::audit::now()))
                .ok_or_else(invalid_token)?;
            // The column's CHECK constraint admits only known roles: a failure here means
            // the database and the code disagree.
            let role = principal
                .role
                .parse()
                .map_err(|e: String| ApiError::internal("stored role", e))?;
            let auth = AuthUser {
                id: principal.user_id,
                username: principal.username,
                display_name: principal.display_name,
                role,
                session_id: principal.session_id,
            };
            tracing::Span::current().record("user_id", tracing::field::display(auth.id));
            req.extensions_mut().insert(auth.clone());
            Ok(auth)
        })
    }
}

/// The caller, who must hold permission `P` (403 `forbidden` otherwise). The permission
/// table is `auth::permissions`.
pub struct Require<P: PermissionMarker> {
    pub user: AuthUser,
    _permission: PhantomData<P>,
}

impl<P: PermissionMarker> Deref for Require<P> {
    type Target = AuthUser;
    fn deref(&self) -> &AuthUser {
        &self.user
    }
}

impl<P: PermissionMarker + 'static> FromRequest for Require<P> {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload);
        let gate = Rc::new(AuthGate::default());
        req.extensions_mut().insert(gate.clone());
        let req = req.clone();
        Box::pin(async move {
            let user = user.await?;
            if !allows(user.role, P::PERMISSION) {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    format!(
                        "Your role does not have the `{}` permission.",
                        P::PERMISSION.as_str()
                    ),
                ));
            }
            // A query parameter the operation does not take, told only to a caller who may
            // call it (see `http::methods`).
            let pending = req.extensions().get::<PendingQueryError>().cloned();
            if let Some(PendingQueryError { name, known }) = pending {
                return Err(unknown_parameter_error(&name, &known));
            }
            gate.open();
            Ok(Require {
                user,
                _permission: PhantomData,
            })
        })
    }
}

// ---------------------------------------------------------------------------------------
// Request metadata for the audit log

/// The request id and client address, for audit events.
#[derive(Clone, Debug)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    /// The keys the request's audit events are written with.
    pub keys: crate::audit::AuditKeys,
}

impl RequestMeta {
    pub fn audit(&self, actor: Actor) -> AuditContext {
        AuditContext {
            actor,
            request_id: self.request_id.clone(),
            client_addr: self.client_addr.clone(),
            keys: self.keys.clone(),
        }
    }
}

impl FromRequest for RequestMeta {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>();
        let proxies = state.map_or(0, |s| s.settings.trusted_proxies);
        let keys = state.map(|s| s.audit_keys.clone()).unwrap_or_default();
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| forwarded_client(v, proxies));
        let client_addr = forwarded.or_else(|| req.peer_addr().map(|a| a.ip().to_string()));
        let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
        std::future::ready(Ok(RequestMeta {
            request_id,
            client_addr,
            keys,
        }))
    }
}

/// The client address in an `X-Forwarded-For` value, behind `proxies` trusted reverse
/// proxies: each appends the address it received the request from, so the client is the
/// entry the outermost one appended, `proxies` from the right. Entries to the left of it are
/// whatever the client wrote and are never used. None without trusted proxies, or when that
/// entry is not an IP address.
pub fn forwarded_client(header: &str, proxies: usize) -> Option<String> {
    if proxies == 0 {
        return None;
    }
    let entries: Vec<&str> = header.split(',').map(str::trim).collect();
    let entry = entries[entries.len().saturating_sub(proxies)];
    entry
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

// ---------------------------------------------------------------------------------------
// Optimistic concurrency

/// A response carrying a versioned resource and its `ETag`.
pub fn versioned<T: serde::Serialize>(
    mut builder: actix_web::HttpResponseBuilder,
    version: i32,
    body: &T,
) -> actix_web::HttpResponse {
    builder
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// 201 Created: the new resource, where it is read (`Location`), and its `ETag` if versioned.
pub fn created<T: serde::Serialize>(
    location: String,
    version: Option<i32>,
    body: &T,
) -> actix_web::HttpResponse {
    let mut builder = actix_web::HttpResponse::Created();
    builder.insert_header((header::LOCATION, location));
    if let Some(version) = version {
        builder.insert_header((header::ETAG, etag(version)));
    }
    builder.json(body)
}

/// The strong ETag of a versioned resource.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The `If-Match` header. Changes to versioned resources require it: missing is 428,
/// stale is 412, so two clients never silently overwrite each other.
#[derive(Clone, Debug)]
pub struct IfMatch(Option<String>);

impl IfMatch {
    pub fn require(&self, current_version: i32) -> ApiResult<()> {
        let Some(raw) = &self.0 else {
            return Err(ApiError::new(
                ErrorCode::PreconditionRequired,
                "Send `If-Match` with the ETag you last read, so your change cannot overwrite one you have not seen.",
            ));
        };
        let current = etag(current_version);
        let matches = raw
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag == current);
        if matches {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::PreconditionFailed,
                format!("The resource has changed; its ETag is now {current}. Read it again."),
            ))
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = req
            .headers()
            .get(header::IF_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        std::future::ready(Ok(IfMatch(value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: u32,
        role: Option<Role>,
    }

    fn field_of(err: ApiError) -> (ErrorCode, String, String) {
        let f = err.errors.first().cloned().expect("a field error");
        (err.code, f.field, f.code)
    }

    #[test]
    fn the_client_address_is_the_one_the_outermost_trusted_proxy_saw() {
        // A client writes whatever it likes on the left; each proxy appends on the right.
        let header = "6.6.6.6, 203.0.113.7, 10.0.0.2";
        assert_eq!(forwarded_client(header, 0), None);
        assert_eq!(forwarded_client(header, 1).as_deref(), Some("10.0.0.2"));
        assert_eq!(forwarded_client(header, 2).as_deref(), Some("203.0.113.7"));
        // More proxies configured than entries: the leftmost was still appended by one.
        assert_eq!(
            forwarded_client("203.0.113.7", 3).as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(forwarded_client("not an address", 1), None);
        assert_eq!(
            forwarded_client("6.6.6.6, 2001:db8::1", 1).as_deref(),
            Some("2001:db8::1")
        );
    }

    #[test]
    fn json_errors_name_the_field() {
        let err = parse_json::<Body>(br#"{"name": "x", "count": "three"}"#).unwrap_err();
        assert_eq!(
            field_of(err),
            (
                ErrorCode::ValidationFailed,
                "count".into(),
                "invalid_type".into()
            )
        );
        let err = parse_json::<Body>(br#"{"name": "x"}"#).unwrap_err();
        assert_eq!(
            field_of(err),
            (
                ErrorCode::ValidationFailed,
                "count".into(),
                "required".into()
            )
        );
        let err = parse_json::<Body>(br#"{"name": "x", "count": 1, "extra": 2}"#).unwrap_err();
        assert_eq!(
            field_of(err),
            (
                ErrorCode::ValidationFailed,
                "extra".into(),
                "unknown_field".into()
            )
        );
        let err = parse_json::<Body>(br#"{"name": "x", "count": 1, "role": "chief"}"#).unwrap_err();
        assert_eq!(
            field_of(err),
            (
                ErrorCode::ValidationFailed,
                "role".into(),
                "invalid_value".into()
            )
        );
        let err = parse_json::<Body>(br#"{"name": "x", "count": 1"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidJson);
        let err = parse_json::<Body>(br#"{"name": "x", "count": 1} trailing"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidJson);
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Texts {
        title: crate::domain::text::Line<5>,
        lines: Vec<crate::domain::text::Line<3>>,
        note: Option<crate::domain::text::Paragraph<9>>,
        count: u32,
    }

    fn fields_of(err: &ApiError) -> Vec<(String, String)> {
        err.errors
            .iter()
            .map(|e| (e.field.clone(), e.code.clone()))
            .collect()
    }

    #[test]
    fn every_refused_text_is_named_at_once_with_its_own_code() {
        let err = parse_json::<Texts>(
            br#"{"title": " ", "lines": ["ok", "long"], "note": "a\u0000b", "count": 1}"#,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::ValidationFailed);
        let expected = [
            ("title", "required"),
            ("lines[1]", "too_long"),
            ("note", "invalid_value"),
        ];
        assert_eq!(
            fields_of(&err),
            expected.map(|(f, c)| (f.to_owned(), c.to_owned()))
        );
        assert_eq!(err.errors[1].message, "must be at most 3 characters");
        assert_eq!(err.errors[0].message, "must not be empty");
        // A refusal, then a problem of shape: both are named.
        let err = parse_json::<Texts>(br#"{"title": "", "lines": [], "count": "x"}"#).unwrap_err();
        assert_eq!(
            fields_of(&err),
            [
                ("title".to_owned(), "required".to_owned()),
                ("count".to_owned(), "invalid_type".to_owned())
            ]
        );
        let ok = parse_json::<Texts>(br#"{"title": " a ", "lines": ["b"], "count": 1}"#).unwrap();
        assert_eq!(ok.title.as_str(), "a");
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Query {
        limit: Option<i64>,
        from: Option<chrono::DateTime<chrono::Utc>>,
    }

    #[test]
    fn query_errors_name_the_parameter() {
        assert!(parse_query::<Query>("limit=5&from=2026-01-01T00:00:00Z").is_ok());
        let err = parse_query::<Query>("limit=five").unwrap_err();
        assert_eq!(
            field_of(err),
            (
                ErrorCode::InvalidParameter,
                "limit".into(),
                "invalid_value".into()
            )
        );
        let err = parse_query::<Query>("from=yesterday").unwrap_err();
        assert_eq!(
            field_of(err),
            (
                ErrorCode::InvalidParameter,
                "from".into(),
                "invalid_value".into()
            )
        );
        let err = parse_query::<Query>("colour=red").unwrap_err();
        assert_eq!(
            field_of(err),
            (
                ErrorCode::InvalidParameter,
                "colour".into(),
                "unknown_field".into()
            )
        );
    }

    #[test]
    fn if_match_is_required_and_compared_strongly() {
        assert_eq!(
            IfMatch(None).require(3).unwrap_err().code,
            ErrorCode::PreconditionRequired
        );
        assert_eq!(
            IfMatch(Some("\"2\"".into())).require(3).unwrap_err().code,
            ErrorCode::PreconditionFailed
        );
        assert_eq!(
            IfMatch(Some("W/\"3\"".into())).require(3).unwrap_err().code,
            ErrorCode::PreconditionFailed
        );
        assert!(IfMatch(Some("\"1\", \"3\"".into())).require(3).is_ok());
        assert!(IfMatch(Some("*".into())).require(3).is_ok());
    }
}
