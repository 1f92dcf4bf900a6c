//! The OpenAPI 3.1 document, generated from the code. `openapi/openapi.json` is a copy that a
//! test keeps equal to this; `probity openapi` writes it.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, RefOr, Response};
use utoipa::{Modify, OpenApi};

use crate::error::{ErrorCode, FieldError, PROBLEM_CONTENT_TYPE, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Probity",
        description = "Case management for a police Professional Standards Department. \
            Every error is `application/problem+json` with a stable `code`.",
        license(name = "AGPL-3.0-or-later"),
    ),
    servers((url = "/", description = "The server that serves this document")),
    components(schemas(
        Problem,
        FieldError,
        ErrorCode,
        crate::http::public::IdempotencyKey,
        crate::http::documents::ByteRange,
        crate::http::documents::DocumentBytes,
    )),
    modifiers(&BearerSecurity),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Logging in and out"),
        (name = "me", description = "The caller's own account"),
        (name = "users", description = "Accounts (admins)"),
        (name = "audit", description = "The tamper-evident audit log (auditors)"),
        (name = "cases", description = "Cases, their workflow, assignment and workload"),
        (name = "parties", description = "Complainants, victims, witnesses"),
        (name = "allegations", description = "Allegations against subjects"),
        (name = "notes", description = "The case log"),
        (name = "decisions", description = "Decisions with their rationale"),
        (name = "subjects", description = "The registry of officers and staff"),
        (name = "proceedings", description = "Misconduct meetings and hearings, outcomes, barred and advisory lists"),
        (name = "publications", description = "Hearing notices and outcomes for the public (two-person rule)"),
        (name = "public", description = "No account needed: reporting, published notices and outcomes"),
        (name = "intake", description = "The queue of reports from the public"),
        (name = "statistics", description = "Figures for oversight"),
        (name = "tasks", description = "Investigation tasks"),
        (name = "documents", description = "Evidence and documents with chain of custody"),
    )
)]
pub struct ApiDoc;

struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, api: &mut OpenApiDoc) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Rules between a request body's fields, which its derived schema cannot say and its
/// handler checks (422 naming the field): JSON Schema keywords (`anyOf`, ...) added to the
/// body's schema by [`add_body_rules`]. Each is written next to the check it describes.
pub trait BodyRules: utoipa::ToSchema {
    fn rules() -> serde_json::Map<String, serde_json::Value>;
}

fn add_rules<T: BodyRules>(api: &mut OpenApiDoc) {
    let schema = api
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut(T::name().as_ref()));
    if let Some(RefOr::T(Schema::Object(object))) = schema {
        // utoipa's schema has no field for these keywords; its extensions are written
        // into the schema object as they are.
        object
            .extensions
            .get_or_insert_with(Default::default)
            .extend(T::rules());
    }
}

/// Adds every body's [`BodyRules`] to the document.
pub fn add_body_rules(api: &mut OpenApiDoc) {
    add_rules::<crate::http::cases::TransitionBody>(api);
    add_rules::<crate::http::proceedings::PublicationBody>(api);
    add_rules::<crate::http::users::CreateUser>(api);
    add_rules::<crate::http::users::UpdateUser>(api);
}

fn problem(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                PROBLEM_CONTENT_TYPE,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}

/// Adds the error responses every endpoint of a kind can give, by rule, so none is forgotten:
/// secured → 401 and 403; with a body → 400, 413, 415, 422; with path parameters → 400 and
/// 404; with `If-Match` → 412 and 428; every endpoint → 500 and 503. Responses an endpoint declares itself are kept.
pub fn add_standard_errors(api: &mut OpenApiDoc) {
    for (path, item) in api.paths.paths.iter_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            add_to_operation(op, path.starts_with("/api/"));
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let versioned = takes_if_match(op);
            add_standard_headers(op, secured, versioned);
        }
    }
}

/// The headers the server sends, by rule: `X-Request-Id` on every response, `Location` on a
/// 201, the new `ETag` on the success of a change under `If-Match`, `WWW-Authenticate` on a
/// secured operation's 401, `Retry-After` on a 429 or 503.
fn add_standard_headers(op: &mut Operation, secured: bool, versioned: bool) {
    let header = |description: &str| {
        RefOr::T(
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(Some(description))
                .build(),
        )
    };
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        response
            .headers
            .entry("X-Request-Id".to_owned())
            .or_insert_with(|| {
                header(
                    "The request's id (the client's `X-Request-Id` if it sent a valid one): in the \
                 server's log lines and the request's audit events. Not on the 503 a server \
                 answers after its shutdown grace has run out.",
                )
            });
        if versioned && status.starts_with('2') {
            response
                .headers
                .entry("ETag".to_owned())
                .or_insert_with(|| header("The new version, for the next `If-Match`"));
        }
        match status.as_str() {
            "201" => {
                response
                    .headers
                    .entry("Location".to_owned())
                    .or_insert_with(|| header("Where the new resource is read"));
            }
            "401" if secured => {
                response
                    .headers
                    .entry("WWW-Authenticate".to_owned())
                    .or_insert_with(|| header("`Bearer`, with the error when a token was refused"));
            }
            "429" | "503" => {
                response
                    .headers
                    .entry("Retry-After".to_owned())
                    .or_insert_with(|| header("Seconds to wait before trying again"));
            }
            _ => {}
        }
    }
}

fn add_to_operation(op: &mut Operation, api: bool) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = op.request_body.is_some();
    let has_path_params = op
        .parameters
        .as_ref()
        .is_some_and(|ps| ps.iter().any(|p| is_in(p, ParameterIn::Path)));
    let has_if_match = takes_if_match(op);
    let has_query_params = op
        .parameters
        .as_ref()
        .is_some_and(|ps| ps.iter().any(|p| is_in(p, ParameterIn::Query)));
    let mut add = |status: &str, description: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| problem(description));
    };
    // Under `/api/`, a query parameter the operation does not document is refused too
    // (`http::methods`).
    if has_body || has_path_params || has_query_params || api {
        add(
            "400",
            "`invalid_json` (malformed body) or `invalid_parameter` (malformed path or query parameter)",
        );
    }
    if secured {
        add("401", "`authentication_required` or `invalid_token`");
        add("403", "`forbidden`: the caller's role lacks the permission");
    }
    if has_path_params {
        add(
            "404",
            "`not_found`: no such resource, or not visible to the caller",
        );
    }
    if has_if_match {
        add(
            "412",
            "`precondition_failed`: `If-Match` is not the current ETag (read it again)",
        );
        add(
            "428",
            "`precondition_required`: send `If-Match` with the ETag you read",
        );
    }
    if has_body {
        add("413", "`payload_too_large`");
        add("415", "`unsupported_media_type`: the body is not JSON");
        add(
            "422",
            "`validation_failed`: wrong type, missing or unknown field, unknown value",
        );
    }
    add("500", "`internal_error`");
    add(
        "503",
        "`service_unavailable`: the database is unavailable or busy",
    );
}

/// Whether the operation declares `If-Match` (a change to a versioned resource).
fn takes_if_match(op: &Operation) -> bool {
    op.parameters.as_ref().is_some_and(|ps| {
        ps.iter().any(|p| {
            matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Header
                && p.name.eq_ignore_ascii_case("If-Match"))
        })
    })
}

fn is_in(p: &RefOr<Parameter>, location: ParameterIn) -> bool {
    matches!(p, RefOr::T(p) if p.parameter_in == location)
}
