//! The OpenAPI 3.1 document, generated from the code. `openapi/openapi.json` is a copy that a
//! test keeps equal to this; `probity openapi` writes it.

use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
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
    components(schemas(Problem, FieldError, ErrorCode)),
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
/// secured → 401; with a body → 400, 413, 415, 422; with path parameters → 400 and 404;
/// every endpoint → 500 and 503. Responses an endpoint declares itself are kept.
pub fn add_standard_errors(api: &mut OpenApiDoc) {
    for item in api.paths.paths.values_mut() {
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
            add_to_operation(op);
        }
    }
}

fn add_to_operation(op: &mut Operation) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = op.request_body.is_some();
    let has_path_params = op
        .parameters
        .as_ref()
        .is_some_and(|ps| ps.iter().any(|p| is_in(p, ParameterIn::Path)));
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
    if has_body || has_path_params || has_query_params {
        add(
            "400",
            "`invalid_json` (malformed body) or `invalid_parameter` (malformed path or query parameter)",
        );
    }
    if secured {
        add("401", "`authentication_required` or `invalid_token`");
    }
    if has_path_params {
        add(
            "404",
            "`not_found`: no such resource, or not visible to the caller",
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

fn is_in(p: &RefOr<Parameter>, location: ParameterIn) -> bool {
    matches!(p, RefOr::T(p) if p.parameter_in == location)
}
