//! Logging: on stderr, human-readable or JSON, level from `RUST_LOG`; and
//! the banner a start begins with.

use std::io::{IsTerminal, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Standard output is left to what people
/// must read (a new API key), so logs go to stderr.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| RedactedStderr);
    match format {
        LogFormat::Text => builder.with_ansi(colour()).init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
    }
    log_panics();
}

/// Standard error, through the redactor: the last check that no secret
/// written out in a log line (a message, an error) leaves the process. The
/// fields that can hold an encoded one (the path, the query) are redacted as
/// they are recorded. `fmt` writes each line whole, in one call.
struct RedactedStderr;

impl std::io::Write for RedactedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut stderr = std::io::stderr().lock();
        match std::str::from_utf8(buf) {
            Ok(text) => stderr.write_all(crate::domain::redact_written(text).as_bytes())?,
            Err(_) => stderr.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Logs a panic as one event, so a JSON log stays one object per line, and
/// within the request's span, so it carries the request's id. Its message
/// goes through the redactor, as every log line does. Where nothing would
/// record the event (no subscriber: a unit test), the previous hook runs.
pub fn log_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !tracing::enabled!(tracing::Level::ERROR) {
            return previous(info);
        }
        let payload = info.payload();
        let message = (payload.downcast_ref::<&str>().copied())
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        let message = crate::domain::redact_text(message);
        let location = info.location().map(ToString::to_string).unwrap_or_default();
        let backtrace = std::backtrace::Backtrace::capture();
        match backtrace.status() {
            std::backtrace::BacktraceStatus::Captured => {
                tracing::error!(panic = %message, location, %backtrace, "panicked")
            }
            _ => tracing::error!(panic = %message, location, "panicked"),
        }
    }));
}

/// Colours only for a person at a terminal: escape codes in a file or a
/// log collector are noise. `NO_COLOR` (no-color.org) turns them off too.
fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// What a person starting paddock needs first: which paddock, which store,
/// and where to go. In text logs a short block on stderr; in JSON logs one
/// event with the same fields.
#[derive(Debug)]
pub struct Banner {
    pub store: String,
    pub api: String,
    /// `None` while the admin API (and so the dashboard) is off.
    pub dashboard: Option<String>,
    pub openapi: String,
    pub metrics: String,
}

/// How to turn the dashboard on, where its URL would be.
const DASHBOARD_OFF: &str = "off: set PADDOCK_ADMIN_TOKEN (--admin-token) to turn it on";

impl Banner {
    /// The URLs on `public_url` when set, else on the address listened on
    /// (a wildcard address on loopback, where a browser on the host reaches it).
    pub fn new(
        store: String,
        public_url: Option<&str>,
        address: SocketAddr,
        dashboard: bool,
    ) -> Self {
        let base = match public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => {
                let ip = match address.ip() {
                    IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
                    IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
                    ip => ip,
                };
                format!("http://{}", SocketAddr::new(ip, address.port()))
            }
        };
        Self {
            store,
            api: format!("{base}/"),
            dashboard: dashboard.then(|| format!("{base}{}/", crate::http::DASHBOARD_PATH)),
            openapi: format!("{base}/openapi.json"),
            metrics: format!("{base}/metrics"),
        }
    }

    /// Logs it in `format`, at `info` (so `RUST_LOG=warn` leaves it out).
    pub fn log(&self, format: LogFormat) {
        let version = env!("CARGO_PKG_VERSION");
        let dashboard = self.dashboard.as_deref().unwrap_or(DASHBOARD_OFF);
        match format {
            LogFormat::Json => tracing::info!(
                version,
                store = %self.store,
                api = %self.api,
                dashboard,
                openapi = %self.openapi,
                metrics = %self.metrics,
                "paddock {version}"
            ),
            LogFormat::Text if tracing::enabled!(tracing::Level::INFO) => {
                let block = format!(
                    "paddock {version}\n  store      {}\n  API        {}\n  dashboard  {dashboard}\n  \
                     OpenAPI    {}\n  metrics    {}\n",
                    self.store, self.api, self.openapi, self.metrics
                );
                let _ = std::io::stderr().lock().write_all(block.as_bytes());
            }
            LogFormat::Text => {}
        }
    }
}
