//! Logging: on stderr, human-readable or JSON, level from `RUST_LOG`.

use std::io::IsTerminal;

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
