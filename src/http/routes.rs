//! The route table: every endpoint of the API, in one place. The OpenAPI document is
//! collected from this same table, so a route cannot exist without being documented.

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::http::{audit, auth, health, me, users};

pub fn routes(cfg: &mut ServiceConfig<'_>) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(
            scope::scope("/api/v1")
                .service(auth::login)
                .service(auth::refresh)
                .service(auth::logout)
                .service(me::me)
                .service(me::change_password)
                .service(users::list_users)
                .service(users::create_user)
                .service(users::get_user)
                .service(users::update_user)
                .service(audit::list_events)
                .service(audit::verify)
                .service(audit::take_checkpoint),
        );
}
