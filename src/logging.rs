//! Logging to stderr: `TESSERA_LOG` is the filter (default `info`), `TESSERA_LOG_FORMAT=json`
//! writes one JSON object per line for log collectors. Request lines carry the route template
//! and a request id (see `web::ops::track`), never the raw path, which may hold a link token.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_env("TESSERA_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("TESSERA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // `try_init`: a second call (or an embedding program's subscriber) is not an error.
    let _ = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
}
