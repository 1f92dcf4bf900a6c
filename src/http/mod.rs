//! The HTTP layer: routes, extractors, and the app that ties them together.

pub mod allegations;
pub mod audit;
pub mod auth;
pub mod case_request;
pub mod cases;
pub mod decision_schema;
pub mod decisions;
pub mod documents;
pub mod extract;
pub mod health;
pub mod history;
pub mod intake;
pub mod me;
pub mod methods;
pub mod middleware;
pub mod notes;
pub mod openapi;
pub mod pagination;
pub mod parties;
pub mod proceedings;
pub mod public;
pub mod routes;
pub mod shutdown;
pub mod stats;
pub mod subjects;
pub mod tasks;
pub mod users;
pub mod workload;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpRequest, HttpResponse, web};
use utoipa::OpenApi as _;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The OpenAPI document of the whole API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(routes::routes)
        .split_for_parts();
    finish_openapi(api)
}

fn finish_openapi(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    openapi::add_standard_errors(&mut api);
    openapi::add_body_rules(&mut api);
    api.info.version = env!("CARGO_PKG_VERSION").to_owned();
    api
}

/// The OpenAPI document as committed in `openapi/openapi.json`.
pub fn openapi_json() -> String {
    let mut text = serde_json::to_string_pretty(&openapi()).unwrap_or_default();
    text.push('\n');
    text
}

/// A request no route took: 405 with `Allow` for a path of the API under another method,
/// otherwise 404.
async fn unrouted(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    match req.app_data::<web::Data<methods::RouteMethods>>() {
        Some(routes) => Err(methods::unrouted(routes, req.path())),
        None => Err(ApiError::new(ErrorCode::NotFound, "No such endpoint.")),
    }
}

/// The application: used by `probity serve` and, in-process, by the tests.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let body_limit = state.settings.body_limit_bytes;
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(body_limit))
        .configure(routes::routes)
        .split_for_parts();
    let api = finish_openapi(api);
    let routes = web::Data::new(methods::RouteMethods::from_openapi(&api));
    app.app_data(routes)
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api))
        .default_service(web::to(unrouted))
        .wrap(actix_web::middleware::from_fn(
            methods::known_query_parameters,
        ))
        .wrap(actix_web::middleware::from_fn(methods::head_as_get))
        .wrap(actix_web::middleware::from_fn(
            shutdown::answer_before_shutdown,
        ))
        .wrap(actix_web::middleware::from_fn(middleware::envelope))
}
