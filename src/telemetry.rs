//! Logging through `tracing`: JSON lines in production, readable text in development. Logs
//! carry request ids, routes, statuses, latencies and user ids; never bodies, tokens,
//! passwords or hashes (no code path logs a request body or an Authorization header).

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogFormat;

/// A subscriber writing to `writer`, filtered by `filter` (`info`, `probity=debug,warn`, ...).
pub fn subscriber<W>(
    format: LogFormat,
    filter: &str,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Json => Box::new(
            builder
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
        ),
        LogFormat::Pretty => Box::new(builder.finish()),
    }
}

/// Installs the process-wide subscriber, logging to stderr (stdout is for command output).
pub fn init(format: LogFormat, filter: &str) {
    let _ = tracing::subscriber::set_global_default(subscriber(format, filter, std::io::stderr));
}
