//! Shutting down without cutting anyone off: when the server is told to stop it takes no new
//! connections, and a request still running `PROBITY_SHUTDOWN_GRACE_SECS` later is answered
//! 503 `service_unavailable` with `Retry-After` (another instance, or this one restarted, will
//! take the retry) instead of having its connection closed under it.

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use tokio::sync::watch;

use crate::error::ApiError;
use crate::state::AppState;

/// Whether the server is shutting down, shared by the requests in flight.
#[derive(Clone)]
pub struct Shutdown(Arc<watch::Sender<bool>>);

impl Default for Shutdown {
    fn default() -> Self {
        Self(Arc::new(watch::channel(false).0))
    }
}

impl Shutdown {
    /// The server has been told to stop.
    pub fn begin(&self) {
        self.0.send_replace(true);
    }

    /// Resolves `grace` after the shutdown began (never, if it does not).
    pub async fn grace_over(&self, grace: Duration) {
        let mut begun = self.0.subscribe();
        if begun.wait_for(|b| *b).await.is_ok() {
            tokio::time::sleep(grace).await;
        }
    }
}

/// Answers 503 for a request still running when the grace after a shutdown has passed. It is
/// answered as an error (the request itself has gone to the handler, which is dropped), so the
/// response carries the problem document and `Retry-After`, not the envelope's headers.
pub async fn answer_before_shutdown(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let grace = state.settings.shutdown_grace;
    tokio::select! {
        res = next.call(req) => res.map(ServiceResponse::map_into_boxed_body),
        () = state.shutdown.grace_over(grace) => {
            tracing::warn!("request still running at the end of the shutdown grace: answered 503");
            Err(ApiError::unavailable("The server is shutting down; retry.").into())
        }
    }
}
