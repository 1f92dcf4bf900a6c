//! What HTTP asks of a server beyond its routes, read from the route table's OpenAPI
//! document: `405 Method Not Allowed` with `Allow` for a path the API has under another method
//! (not a 404, which would say the path does not exist); `HEAD` wherever `GET` is (answered as
//! the `GET`, without its body); and one policy for query parameters: one an API operation
//! (under `/api/`) does not document is refused (400 `invalid_parameter`), on every operation
//! alike. The public HTML pages ignore them: a link shared on social media carries its own.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

use crate::error::{ApiError, ErrorCode};

/// The paths of the API (templates such as `/api/v1/cases/{id}`) and the methods each takes,
/// read from the route table's OpenAPI document.
pub struct RouteMethods(Vec<(Vec<Segment>, Vec<Operation>)>);

/// One method of a path: the query parameters it documents, and whether it is secured.
struct Operation {
    method: Method,
    query: Vec<String>,
    secured: bool,
}

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
                let operations = ["get", "post", "put", "patch", "delete"]
                    .iter()
                    .filter_map(|m| Some((*m, json.get(*m)?)))
                    .filter_map(|(m, op)| {
                        let method = Method::from_bytes(m.to_uppercase().as_bytes()).ok()?;
                        let query = op["parameters"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter(|p| p["in"] == "query")
                            .filter_map(|p| p["name"].as_str().map(str::to_owned))
                            .collect();
                        let secured = op.get("security").is_some();
                        Some(Operation {
                            method,
                            query,
                            secured,
                        })
                    })
                    .collect();
                (segments, operations)
            })
            .collect();
        RouteMethods(routes)
    }

    /// The methods `path` takes (with `HEAD` where it takes `GET`), or `None` if the API has no
    /// such path.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let mut found: Option<Vec<Method>> = None;
        for operations in self.matching(path) {
            let all = found.get_or_insert_with(Vec::new);
            for op in operations {
                if !all.contains(&op.method) {
                    all.push(op.method.clone());
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

impl RouteMethods {
    /// The operations of every path template `path` matches.
    fn matching<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a [Operation]> + 'a {
        let parts: Vec<&str> = path.split('/').collect();
        self.0.iter().filter_map(move |(segments, operations)| {
            let matches = segments.len() == parts.len()
                && segments.iter().zip(&parts).all(|(s, p)| match s {
                    Segment::Literal(l) => l == p,
                    Segment::Parameter => !p.is_empty(),
                });
            matches.then_some(operations.as_slice())
        })
    }

    /// The first query parameter of `query` that the operation `method` `path` does not
    /// document, with whether the operation is secured; `None` if all are known (or the
    /// operation is not the API's).
    fn unknown_parameter(
        &self,
        method: &Method,
        path: &str,
        query: &str,
    ) -> Option<(String, Vec<String>, bool)> {
        // The public HTML pages take whatever a shared link carries (`utm_source`...).
        if !path.starts_with("/api/") {
            return None;
        }
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        let op = self
            .matching(path)
            .flatten()
            .find(|op| op.method == *method)?;
        form_urlencoded::parse(query.as_bytes())
            .map(|(name, _)| name.into_owned())
            .find(|name| !op.query.contains(name))
            .map(|name| (name, op.query.clone(), op.secured))
    }
}

/// A query parameter the operation does not document: refused (400 `invalid_parameter`),
/// not ignored, so a misspelt filter (`?stat=closed`) is not silently a list of everything.
/// On a secured operation the refusal waits for the caller's authorization (kept in the
/// request for [`crate::http::extract::Require`] to answer): a caller without the permission
/// gets 403 whatever the query.
pub fn unknown_parameter_error(name: &str, known: &[String]) -> ApiError {
    let expected = if known.is_empty() {
        "this endpoint takes no query parameters".to_owned()
    } else {
        format!("expected one of {}", known.join(", "))
    };
    let message = format!("unknown parameter `{name}`; {expected}");
    ApiError {
        errors: vec![crate::error::FieldError::new(
            name.to_owned(),
            "unknown_field",
            &message,
        )],
        ..ApiError::new(ErrorCode::InvalidParameter, format!("{name}: {message}"))
    }
}

/// A query parameter refused on a secured operation (its name, and the operation's), answered
/// once the caller is authorized.
#[derive(Clone)]
pub struct PendingQueryError {
    pub name: String,
    pub known: Vec<String>,
}

/// Checks the query parameters against the operation's (see [`unknown_parameter_error`]).
pub async fn known_query_parameters(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, actix_web::Error> {
    let unknown = req
        .app_data::<actix_web::web::Data<RouteMethods>>()
        .and_then(|routes| routes.unknown_parameter(req.method(), req.path(), req.query_string()));
    if let Some((name, known, secured)) = unknown {
        if !secured {
            let error = unknown_parameter_error(&name, &known);
            let (req, _) = req.into_parts();
            let response = actix_web::ResponseError::error_response(&error);
            return Ok(ServiceResponse::new(req, response).map_into_right_body());
        }
        actix_web::HttpMessage::extensions_mut(&req).insert(PendingQueryError { name, known });
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
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
