//! `GET /paddle/v2/paddle.js`: paddock's own stand-in for Paddle.js v2 (never
//! Paddle's code), so a page under test can use a client-side token against
//! paddock. The script finds paddock by the page's `window.PADDOCK_URL`, or
//! its own `src`; failing both (served in place of Paddle's CDN URL, or
//! inline), by the URL written into it here. docs/paddle-js.md describes it.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::response::{IntoResponse, Response};

use super::AppState;

/// Where it is served: Paddle's own path on its CDN.
pub const PATH: &str = "/paddle/v2/paddle.js";

const SCRIPT: &str = include_str!("paddle_js/paddle.js");
/// `Paddle.Checkout`, written into the script's closure (kept apart for its size).
const CHECKOUT: &str = include_str!("paddle_js/checkout.js");

/// The script, with this server's URL and version written in.
pub async fn serve(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let body = script(&state.links.base(&headers));
    let headers = [
        (CONTENT_TYPE, "text/javascript; charset=utf-8"),
        // It names this server and changes with paddock's version: a page
        // always asks again, so it never runs a stale copy.
        (CACHE_CONTROL, "no-cache"),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // Public like a CDN's file, so a test may fetch it from any page.
        (ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
    ];
    (headers, body).into_response()
}

fn script(public_url: &str) -> String {
    // JSON strings are JavaScript string literals.
    let literal = |text: &str| serde_json::Value::from(text).to_string();
    SCRIPT
        .replacen("  /*__PADDOCK_CHECKOUT__*/\n", CHECKOUT, 1)
        .replacen("'__PADDOCK_PUBLIC_URL__'", &literal(public_url), 1)
        .replacen(
            "'__PADDOCK_VERSION__'",
            &literal(env!("CARGO_PKG_VERSION")),
            1,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_in_the_url_and_version_as_string_literals() {
        let script = script("http://paddock.test:8080/a\"b");
        assert!(script.contains(r#"const SERVED_FROM = "http://paddock.test:8080/a\"b";"#));
        let version = format!("const PADDOCK_VERSION = \"{}\";", env!("CARGO_PKG_VERSION"));
        assert!(script.contains(&version));
        assert!(!script.contains("__PADDOCK_"));
        assert!(script.contains("const Checkout = {"));
    }

    #[test]
    fn says_in_its_first_line_that_it_is_not_paddles_code() {
        let first = SCRIPT.lines().next().unwrap();
        assert!(first.contains("paddock's test stand-in for Paddle.js"));
        assert!(first.contains("NOT Paddle's code"));
    }
}
