//! The request envelope: a request id (accepted from `X-Request-Id` or generated) on every
//! response and every log line, one span per request with method, route, status, latency
//! and user id, and the headers every response carries.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;
use uuid::Uuid;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the current request, in the request's extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Accepts a caller's request id if it is short and plain (so it cannot inject anything into
/// logs); otherwise makes one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        })
        .map_or_else(|| Uuid::new_v4().to_string(), str::to_owned)
}

pub async fn envelope(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    let id = request_id(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        route = tracing::field::Empty,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
        user_id = tracing::field::Empty,
    );
    let started = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;

    let status = res.status().as_u16();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "<unmatched>".to_owned());
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.record("route", route.as_str());
    span.record("status", status);
    span.record("latency_ms", latency_ms);
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!("request failed");
        } else {
            tracing::info!("request completed");
        }
    });

    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Nothing Probity serves (the public pages, the API documentation) may be framed by
    // another site, where a click could be stolen: `frame-ancestors` for browsers that read
    // it, `X-Frame-Options` for those that do not. A page with its own policy says so itself.
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}
