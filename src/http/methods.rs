//! What HTTP asks of a server beyond its routes: `405 Method Not Allowed` with `Allow` for a
//! path the API has under another method (not a 404, which would say the path does not
//! exist), and `HEAD` wherever `GET` is (answered as the `GET`, without its body).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

use crate::error::{ApiError, ErrorCode};

/// The paths of the API (templates such as `/api/v1/cases/{id}`) and the methods each takes,
/// read from the route table's OpenAPI document.
pub struct RouteMethods(Vec<(Vec<Segment>, Vec<Method>)>);

enum Segment {
    Literal(String),
    Parameter,
}

impl RouteMethods {
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = template
                    .split('/')
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            Segment::Parameter
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect();
                let json = serde_json::to_value(item).unwrap_or_default();
                let methods = ["get", "post", "put", "patch", "delete"]
                    .iter()
                    .filter(|m| json.get(**m).is_some())
                    .filter_map(|m| Method::from_bytes(m.to_uppercase().as_bytes()).ok())
                    .collect();
                (segments, methods)
            })
            .collect();
        RouteMethods(routes)
    }

    /// The methods `path` takes (with `HEAD` where it takes `GET`), or `None` if the API has no
    /// such path.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let parts: Vec<&str> = path.split('/').collect();
        let mut found: Option<Vec<Method>> = None;
        for (segments, methods) in &self.0 {
            let matches = segments.len() == parts.len()
                && segments.iter().zip(&parts).all(|(s, p)| match s {
                    Segment::Literal(l) => l == p,
                    Segment::Parameter => !p.is_empty(),
                });
            if matches {
                let all = found.get_or_insert_with(Vec::new);
                for m in methods {
                    if !all.contains(m) {
                        all.push(m.clone());
                    }
                }
            }
        }
        if let Some(all) = found.as_mut()
            && all.contains(&Method::GET)
        {
            all.insert(
                all.iter().position(|m| m == Method::GET).unwrap_or(0) + 1,
                Method::HEAD,
            );
        }
        found
    }
}

/// The answer to a request no route took: 405 with `Allow` if the path exists under other
/// methods, else 404.
pub fn unrouted(routes: &RouteMethods, path: &str) -> ApiError {
    match routes.allowed(path) {
        Some(methods) if !methods.is_empty() => {
            let allow = methods
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            ApiError::new(
                ErrorCode::MethodNotAllowed,
                format!("This path takes {allow}."),
            )
            .with_header(
                header::ALLOW,
                HeaderValue::from_str(&allow).unwrap_or(HeaderValue::from_static("GET")),
            )
        }
        _ => ApiError::new(ErrorCode::NotFound, "No such endpoint."),
    }
}

/// `HEAD` is routed as `GET`; the server sends the `GET`'s status and headers and no body
/// (HTTP/1.1 leaves a `HEAD` response's body out whatever the handler wrote).
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}
