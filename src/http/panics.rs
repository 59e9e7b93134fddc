//! The last resort for a bug: a panic while a request is served is answered
//! with Paddle's 500 (`internal_error`) instead of a dropped connection. The
//! layer sits just inside `front`, so the 500 carries the request's id and is
//! counted, logged and journaled like any other answer; the panic itself is
//! logged, as one line, by the hook `telemetry` installs.

use std::any::Any;

use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;

use super::error::Error;

/// Catches a panic in any route, extractor or route middleware.
pub fn layer() -> CatchPanicLayer<fn(Box<dyn Any + Send>) -> Response> {
    CatchPanicLayer::custom(answer as fn(Box<dyn Any + Send>) -> Response)
}

/// Paddle's 500. The payload isn't sent: it is for the operator's log,
/// where the panic hook has already put it.
fn answer(_payload: Box<dyn Any + Send>) -> Response {
    Error::Internal("a request panicked (logged above)".into()).into_response()
}

/// A route that panics, compiled into unit tests only: it can't be reached
/// in any build but `cargo test`'s own of this crate. It panics after the
/// key is recognised, so the request is also the account's to journal.
#[cfg(test)]
pub fn forced_panic_route() -> axum::Router<super::AppState> {
    async fn panics(_key: super::auth::Authenticated) -> Response {
        panic!("forced panic with pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_inside");
    }
    axum::Router::new().route("/test-only/panic", axum::routing::get(panics))
}

#[cfg(test)]
mod tests;
