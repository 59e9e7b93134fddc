//! CORS for the routes a browser calls directly: the previews Paddle.js
//! makes with a client-side token, and the checkout routes its
//! `Paddle.Checkout` calls. The rest of the API is for servers, and answers
//! no CORS at all.
//!
//! The layer sits outside the routes' own middleware (rate limit, faults)
//! and the router, so a page can read every answer on these paths, a 403,
//! a 405 or a 429 included.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use tower::{Layer, ServiceExt};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::AppState;

/// The paths a page calls itself, with a client-side token.
pub const BROWSER_PATHS: [&str; 2] = ["/pricing-preview", "/transactions/preview"];

/// Where the checkout routes are: `/transaction-checkout` and the paths
/// under it (`/transaction-checkout/{checkout_id}/items`).
pub const CHECKOUT_PATH: &str = "/transaction-checkout";

/// Middleware: CORS on [`BROWSER_PATHS`] and the checkout's paths, nothing
/// on any other path.
pub async fn browser_cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let layer = if BROWSER_PATHS.contains(&path) {
        state.cors.clone()
    } else if is_checkout_path(path) {
        // A checkout is read, changed and closed as well as created.
        (state.cors.clone()).allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH])
    } else {
        return next.run(request).await;
    };
    match layer.layer(next).oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// `/transaction-checkout`, or a path under it.
fn is_checkout_path(path: &str) -> bool {
    match path.strip_prefix(CHECKOUT_PATH) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// The request headers a page may send: Paddle.js's token, its JSON, the
/// API version, and paddock's own header naming the page's environment.
pub const ALLOWED_HEADERS: [&str; 4] = [
    "paddle-clienttoken",
    "content-type",
    "paddle-version",
    "paddock-environment",
];

/// How long a browser may keep a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// The origins allowed to call (`PADDOCK_CORS_ORIGINS`): any (the request's
/// own `Origin` is echoed back), or only those listed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorsOrigins(Option<Vec<String>>);

impl CorsOrigins {
    /// Comma-separated origins such as `http://localhost:3000,https://shop.test`;
    /// empty allows any.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut origins = Vec::new();
        for item in text
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            let origin = parse_origin(item)?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        Ok(Self((!origins.is_empty()).then_some(origins)))
    }

    /// The origins listed, or `None` for any.
    pub fn listed(&self) -> Option<&[String]> {
        self.0.as_deref()
    }

    /// The layer for the browser-facing routes.
    pub fn layer(&self) -> CorsLayer {
        let origin = match &self.0 {
            None => AllowOrigin::mirror_request(),
            Some(origins) => AllowOrigin::list(
                (origins.iter()).filter_map(|origin| HeaderValue::from_str(origin).ok()),
            ),
        };
        CorsLayer::new()
            .allow_origin(origin)
            .allow_methods([Method::POST])
            .allow_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
            // Paddle's request id, and the wait a 429 asks for.
            .expose_headers([
                HeaderName::from_static("request-id"),
                HeaderName::from_static("retry-after"),
            ])
            .max_age(PREFLIGHT_MAX_AGE)
    }
}

/// An origin as a browser sends it: `scheme://host[:port]`, no path, in
/// lower case (the comparison with `Origin` is exact).
fn parse_origin(text: &str) -> Result<String, String> {
    let invalid = || format!("`{text}` is not an origin such as http://localhost:3000");
    let url = url::Url::parse(text).map_err(|_| invalid())?;
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    let anonymous = url.username().is_empty() && url.password().is_none();
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || !bare || !anonymous {
        return Err(invalid());
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_listed_exactly_and_empty_allows_any() {
        assert_eq!(CorsOrigins::parse("").unwrap().listed(), None);
        assert_eq!(CorsOrigins::parse(" , ").unwrap().listed(), None);
        let origins =
            CorsOrigins::parse("http://localhost:3000, https://Shop.Test/,http://localhost:3000")
                .unwrap();
        assert_eq!(
            origins.listed(),
            Some(
                &[
                    "http://localhost:3000".to_owned(),
                    "https://shop.test".to_owned()
                ][..]
            )
        );
        // Default ports are dropped, as a browser's Origin drops them.
        assert_eq!(
            CorsOrigins::parse("https://shop.test:443")
                .unwrap()
                .listed(),
            Some(&["https://shop.test".to_owned()][..])
        );
    }

    #[test]
    fn the_checkout_paths_are_those_under_transaction_checkout() {
        for path in [
            "/transaction-checkout",
            "/transaction-checkout/",
            "/transaction-checkout/che_01",
            "/transaction-checkout/che_01/items",
        ] {
            assert!(is_checkout_path(path), "{path}");
        }
        for path in [
            "/transaction-checkouts",
            "/transaction-checkout-x",
            "/checkout/che_01",
            "/",
        ] {
            assert!(!is_checkout_path(path), "{path}");
        }
    }

    #[test]
    fn anything_but_an_origin_is_refused() {
        for bad in [
            "localhost:3000",
            "ftp://shop.test",
            "http://shop.test/path",
            "http://shop.test?x=1",
            "http://user@shop.test",
            "*",
        ] {
            let error = CorsOrigins::parse(bad).unwrap_err();
            assert!(error.contains("is not an origin"), "{bad}: {error}");
        }
    }
}
