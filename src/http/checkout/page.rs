//! `GET /checkout/{checkout_id}`: the test-mode checkout page, and its
//! script and stylesheet under `/checkout/assets/`, all compiled in and
//! served from memory. Unlike the dashboard, it may be framed by any page:
//! that is how Paddle.js shows a checkout.

use std::sync::LazyLock;

use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use axum::response::{IntoResponse, Response};

use crate::domain::COUNTRY_CODES;
use crate::domain::checkout::CheckoutId;
use crate::http::extract::IdPath;

const HTML: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("page.js");
const STYLE: &str = include_str!("page.css");

/// Where the assets are, relative to the page (`assets/checkout.js`).
pub const SCRIPT_PATH: &str = "/checkout/assets/checkout.js";
pub const STYLE_PATH: &str = "/checkout/assets/checkout.css";

/// Only paddock's own script, style and routes; framable by any page.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; form-action 'none'; base-uri 'none'; \
     frame-ancestors *";

/// The page, with the country list written in once.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    let options: String = (COUNTRY_CODES.iter())
        .map(|code| format!("      <option value=\"{code}\">{code}</option>\n"))
        .collect();
    HTML.replacen("<!--COUNTRY_OPTIONS-->\n", &options, 1)
});

/// `GET /checkout/{checkout_id}`: the same page for every checkout; its
/// script reads the id from the address and asks the API for the rest, so
/// nothing of the checkout is ever written into HTML. A malformed id is a
/// 400, as on the API.
pub async fn page(_: IdPath<CheckoutId>) -> Response {
    respond("text/html; charset=utf-8", PAGE.as_str())
}

/// `GET /checkout/assets/checkout.js`
pub async fn script() -> Response {
    respond("text/javascript; charset=utf-8", SCRIPT)
}

/// `GET /checkout/assets/checkout.css`
pub async fn style() -> Response {
    respond("text/css; charset=utf-8", STYLE)
}

fn respond(content_type: &'static str, body: &'static str) -> Response {
    let headers = [
        (CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY)),
        // It changes with paddock's version: never a stale copy.
        (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        // The checkout's id is in the address: never sent on.
        (REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    ];
    (headers, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_lists_every_country_and_names_its_assets() {
        assert!(!PAGE.contains("COUNTRY_OPTIONS"));
        // Every code, and the empty choice before them.
        let options = PAGE.matches("<option value=\"").count();
        assert_eq!(options, COUNTRY_CODES.len() + 1);
        assert!(PAGE.contains("<option value=\"GB\">GB</option>"));
        for path in [SCRIPT_PATH, STYLE_PATH] {
            let relative = path.strip_prefix("/checkout/").unwrap();
            assert!(PAGE.contains(&format!("\"{relative}\"")), "{relative}");
        }
    }

    #[test]
    fn the_script_never_writes_html() {
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
        ] {
            assert!(!SCRIPT.contains(sink), "{sink}");
        }
    }
}
