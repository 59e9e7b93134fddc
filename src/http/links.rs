//! Absolute URLs back to this server, for `meta.pagination.next` and the
//! Paddle.js stand-in's default address.
//!
//! The official SDKs follow `next` as given (or splice in their own base
//! URL), so it must name the server the client is talking to.

use axum::http::HeaderMap;
use axum::http::header::HOST;

#[derive(Clone, Debug)]
pub struct Links {
    /// `--public-url`, without a trailing slash; `None` to use `Host`.
    public_url: Option<String>,
    /// Used when neither a public URL nor a `Host` header is given.
    fallback: String,
}

impl Links {
    pub fn new(public_url: Option<&str>, listen: std::net::SocketAddr) -> Self {
        Self {
            public_url: public_url.map(|url| url.trim_end_matches('/').to_owned()),
            fallback: format!("http://{listen}"),
        }
    }

    /// `--public-url`, if given.
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    /// This server's URL, no trailing slash: `--public-url`, else the
    /// request's `Host`, else the listen address.
    pub fn base(&self, headers: &HeaderMap) -> String {
        match (&self.public_url, host(headers)) {
            (Some(url), _) => url.clone(),
            (None, Some(host)) => format!("http://{host}"),
            (None, None) => self.fallback.clone(),
        }
    }

    /// The list URL `path` with the same query, its `after` replaced by
    /// `cursor`.
    pub fn next_page(
        &self,
        headers: &HeaderMap,
        path: &str,
        raw_query: &str,
        cursor: Option<&str>,
    ) -> String {
        let base = self.base(headers);
        let mut params: Vec<&str> = raw_query
            .split('&')
            .filter(|param| !param.is_empty() && param.split('=').next() != Some("after"))
            .collect();
        let after = cursor.map(|id| format!("after={id}"));
        params.extend(after.as_deref());
        if params.is_empty() {
            format!("{base}{path}")
        } else {
            format!("{base}{path}?{}", params.join("&"))
        }
    }
}

/// A `Host` header fit to put in a URL: no spaces, slashes or other oddities.
fn host(headers: &HeaderMap) -> Option<&str> {
    let host = headers.get(HOST)?.to_str().ok()?;
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b));
    valid.then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(host: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_str(host).unwrap());
        headers
    }

    #[test]
    fn repeats_the_query_with_the_new_cursor() {
        let links = Links::new(None, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(
            links.next_page(
                &headers("localhost:9000"),
                "/client-tokens",
                "per_page=2&after=ctkn_old&status=active",
                Some("ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x")
            ),
            "http://localhost:9000/client-tokens?per_page=2&status=active&after=ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x"
        );
        assert_eq!(
            links.next_page(&HeaderMap::new(), "/client-tokens", "", None),
            "http://127.0.0.1:8080/client-tokens"
        );
    }

    #[test]
    fn prefers_the_configured_public_url() {
        let links = Links::new(
            Some("https://paddock.example/api/"),
            "0.0.0.0:80".parse().unwrap(),
        );
        assert_eq!(
            links.next_page(&headers("evil.example"), "/client-tokens", "", None),
            "https://paddock.example/api/client-tokens"
        );
        assert_eq!(
            Links::new(None, "0.0.0.0:80".parse().unwrap()).next_page(
                &headers("a b/c"),
                "/client-tokens",
                "",
                None
            ),
            "http://0.0.0.0:80/client-tokens"
        );
    }
}
