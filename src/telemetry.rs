//! Logging: human-readable lines on stderr, level from `RUST_LOG`.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Standard output is left to what people
/// must read (a new API key), so logs go to stderr.
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
