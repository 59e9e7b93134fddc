//! Dashboard sessions: the session cookie, CSRF tokens, and which sign-in
//! posts come from the dashboard's own page. (Wrong admin tokens are
//! limited with the admin API's, in `http::limiter`.)
//!
//! Sessions live in this process's memory: the cookie carries a random id,
//! never the admin token, and the memory only the id's SHA-256, as with API
//! keys. A session lasts [`SESSION_LIFETIME`] from sign-in
//! (the cookie's `Max-Age`, and checked here too); a restart signs everyone
//! out. Each session has its own CSRF token, which every form that changes
//! something carries and which is compared in constant time. Time is read
//! in one place per public function, so tests can pass their own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, HOST, LOCATION, ORIGIN};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Dashboard, UI};
use crate::http::AppState;

/// How long a session lasts after sign-in: a working day.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);
/// Sessions kept at once; past this, signing in drops the oldest.
const MAX_SESSIONS: usize = 1024;

pub const COOKIE_NAME: &str = "paddock_session";

struct Session {
    csrf: String,
    expires: Instant,
}

#[derive(Default)]
pub struct Sessions {
    sessions: Mutex<HashMap<[u8; 32], Session>>,
}

/// A signed-in request: its session id and CSRF token.
#[derive(Clone)]
pub struct Signed {
    pub csrf: String,
}

impl Signed {
    /// Whether a form's `csrf` value is this session's token.
    pub fn check(&self, presented: Option<&str>) -> Result<(), super::PageError> {
        let presented = presented.unwrap_or_default().as_bytes();
        if bool::from(presented.ct_eq(self.csrf.as_bytes())) {
            Ok(())
        } else {
            Err(super::layout::error_page(
                StatusCode::FORBIDDEN,
                "This form has expired or didn't come from this dashboard. Go back, reload and try again.",
            )
            .into())
        }
    }
}

/// What a session is kept under: its id's SHA-256.
fn digest(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

/// 64 random hex digits from the thread's CSPRNG.
fn random_id() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

impl Sessions {
    /// A new session; returns its id (for the cookie).
    pub fn start(&self) -> String {
        self.start_at(Instant::now())
    }

    fn start_at(&self, now: Instant) -> String {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|_, session| session.expires > now);
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = (sessions.iter())
                .min_by_key(|(_, session)| session.expires)
                .map(|(id, _)| *id)
        {
            sessions.remove(&oldest);
        }
        let id = random_id();
        let session = Session {
            csrf: random_id(),
            expires: now + SESSION_LIFETIME,
        };
        sessions.insert(digest(&id), session);
        id
    }

    /// The live session with this id.
    fn find(&self, id: &str) -> Option<Signed> {
        self.find_at(id, Instant::now())
    }

    fn find_at(&self, id: &str, now: Instant) -> Option<Signed> {
        let key = digest(id);
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        match sessions.get(&key) {
            Some(session) if session.expires > now => Some(Signed {
                csrf: session.csrf.clone(),
            }),
            Some(_) => {
                sessions.remove(&key);
                None
            }
            None => None,
        }
    }

    pub fn end(&self, id: &str) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.remove(&digest(id));
    }
}

/// Whether a sign-in post comes from a page of another origin, so a page
/// elsewhere can't sign a browser in, nor spend its address's tries. A
/// browser's `Sec-Fetch-Site` decides (`none` is the user's own doing);
/// without it, `Origin` must be this server's, by `Host` or `public_url`.
/// Neither header: not a browser's cross-site post.
pub fn from_another_origin(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(ORIGIN) else {
        return false;
    };
    let origin = origin.to_str().unwrap_or_default();
    let host = headers.get(HOST).and_then(|host| host.to_str().ok());
    let by_host = (origin.split_once("://"))
        .zip(host)
        .is_some_and(|((_, authority), host)| authority.eq_ignore_ascii_case(host));
    let by_public_url = (public_url.and_then(|url| url::Url::parse(url).ok()))
        .is_some_and(|url| url.origin().ascii_serialization() == origin);
    !(by_host || by_public_url)
}

/// The session id in the request's cookie, if any.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    (headers.get_all(COOKIE).iter())
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
}

/// `Set-Cookie` for a session: only for the dashboard's paths, not readable
/// by scripts, not sent on requests from other sites.
pub fn session_cookie(id: &str) -> HeaderValue {
    let cookie = format!(
        "{COOKIE_NAME}={id}; Path={UI}/; Max-Age={}; HttpOnly; SameSite=Strict",
        SESSION_LIFETIME.as_secs()
    );
    HeaderValue::try_from(cookie).expect("hex digits make a valid header")
}

pub fn clearing_cookie() -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}=; Path={UI}/; Max-Age=0; HttpOnly; SameSite=Strict"
    ))
    .expect("a valid header")
}

pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let location = HeaderValue::try_from(location).unwrap_or(HeaderValue::from_static("/"));
    response.headers_mut().insert(LOCATION, location);
    response
}

/// Without a live session, a page sends the browser to sign in.
impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        let dashboard = parts.extensions.get::<Dashboard>().cloned();
        let signed = dashboard
            .zip(session_id(&parts.headers))
            .and_then(|(dashboard, id)| dashboard.sessions.find(&id));
        signed.ok_or_else(|| see_other(&format!("{UI}/sign-in")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::SET_COOKIE;

    fn len(sessions: &Sessions) -> usize {
        sessions.sessions.lock().unwrap().len()
    }

    #[test]
    fn two_sign_ins_never_share_an_id_or_a_csrf_token() {
        let sessions = Sessions::default();
        let now = Instant::now();
        let (first, second) = (sessions.start_at(now), sessions.start_at(now));
        for id in [&first, &second] {
            assert_eq!(id.len(), 64, "{id}");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        }
        assert_ne!(first, second);
        let (a, b) = (
            sessions.find_at(&first, now),
            sessions.find_at(&second, now),
        );
        let (a, b) = (a.unwrap().csrf, b.unwrap().csrf);
        assert_ne!(a, b);
        assert_ne!(a, first, "the CSRF token is not the session id");
        assert_eq!(a.len(), 64);
        assert_eq!(len(&sessions), 2);
    }

    #[test]
    fn a_made_up_or_altered_id_finds_nothing() {
        let sessions = Sessions::default();
        let now = Instant::now();
        let id = sessions.start_at(now);
        let mut altered = id.clone();
        let last = altered.pop().unwrap();
        altered.push(if last == '0' { '1' } else { '0' });
        for wrong in [altered.as_str(), "0".repeat(64).as_str(), "", &id[..63]] {
            assert!(sessions.find_at(wrong, now).is_none(), "{wrong}");
        }
        assert!(sessions.find_at(&id, now).is_some());
    }

    #[test]
    fn a_session_ends_after_its_lifetime() {
        let sessions = Sessions::default();
        let start = Instant::now();
        let id = sessions.start_at(start);
        let csrf = sessions.find_at(&id, start).unwrap().csrf;
        let almost = start + SESSION_LIFETIME - Duration::from_nanos(1);
        assert_eq!(sessions.find_at(&id, almost).unwrap().csrf, csrf);
        assert!(sessions.find_at(&id, start + SESSION_LIFETIME).is_none());
        assert_eq!(len(&sessions), 0, "an expired session is dropped");
        assert!(sessions.find_at(&id, almost).is_none(), "and stays gone");
    }

    #[test]
    fn signing_in_drops_expired_sessions() {
        let sessions = Sessions::default();
        let start = Instant::now();
        let old = sessions.start_at(start);
        let almost = start + SESSION_LIFETIME - Duration::from_nanos(1);
        sessions.start_at(almost);
        assert_eq!(len(&sessions), 2);
        sessions.start_at(start + SESSION_LIFETIME);
        assert_eq!(len(&sessions), 2, "the first one, expired, is gone");
        assert!(sessions.find_at(&old, almost).is_none());
    }

    #[test]
    fn past_the_cap_signing_in_drops_the_oldest_session() {
        let sessions = Sessions::default();
        let start = Instant::now();
        let oldest = sessions.start_at(start);
        let later = start + Duration::from_secs(1);
        let next = sessions.start_at(later);
        for _ in 2..MAX_SESSIONS {
            sessions.start_at(later + Duration::from_secs(1));
        }
        assert_eq!(len(&sessions), MAX_SESSIONS);
        let newest = sessions.start_at(later + Duration::from_secs(2));
        assert_eq!(len(&sessions), MAX_SESSIONS);
        assert!(sessions.find_at(&oldest, later).is_none());
        assert!(sessions.find_at(&next, later).is_some());
        assert!(sessions.find_at(&newest, later).is_some());
    }

    #[test]
    fn signing_out_ends_only_that_session() {
        let sessions = Sessions::default();
        let now = Instant::now();
        let (mine, theirs) = (sessions.start_at(now), sessions.start_at(now));
        sessions.end(&mine);
        assert!(sessions.find_at(&mine, now).is_none());
        assert!(sessions.find_at(&theirs, now).is_some());
    }

    #[test]
    fn the_csrf_check_takes_only_the_sessions_token() {
        let signed = Signed {
            csrf: "a".repeat(64),
        };
        assert!(signed.check(Some(&"a".repeat(64))).is_ok());
        for wrong in [None, Some(""), Some("a"), Some(&"b".repeat(64) as &str)] {
            let refused = signed.check(wrong).err().unwrap().into_response();
            assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{wrong:?}");
        }
    }

    #[test]
    fn the_session_id_is_read_from_its_cookie_only() {
        let headers = |values: &[&str]| {
            let mut headers = HeaderMap::new();
            for value in values {
                headers.append(COOKIE, HeaderValue::from_str(value).unwrap());
            }
            headers
        };
        let cases: [(&[&str], Option<&str>); 6] = [
            (&[], None),
            (&["paddock_session=abc"], Some("abc")),
            (&["other=1; paddock_session=abc; more=2"], Some("abc")),
            (&["other=1", "paddock_session=abc"], Some("abc")),
            (&["xpaddock_session=abc; paddock_sessionx=def"], None),
            (&["paddock_session"], None),
        ];
        for (values, id) in cases {
            assert_eq!(session_id(&headers(values)).as_deref(), id, "{values:?}");
        }
    }

    #[test]
    fn cookies_are_strict_http_only_and_scoped_to_the_dashboard() {
        assert_eq!(
            session_cookie("abc"),
            "paddock_session=abc; Path=/__paddock/ui/; Max-Age=28800; HttpOnly; SameSite=Strict"
        );
        assert_eq!(
            clearing_cookie(),
            "paddock_session=; Path=/__paddock/ui/; Max-Age=0; HttpOnly; SameSite=Strict"
        );
        let response = see_other("/__paddock/ui/accounts");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[LOCATION], "/__paddock/ui/accounts");
        assert!(response.headers().get(SET_COOKIE).is_none());
        assert_eq!(see_other("/bad\nlocation").headers()[LOCATION], "/");
    }

    #[test]
    fn sign_in_posts_from_another_origin_are_told_apart() {
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.insert(*name, HeaderValue::from_str(value).unwrap());
            }
            headers
        };
        let public = Some("https://sandbox.example.com");
        let host = ("host", "127.0.0.1:8080");
        let same: [&[(&str, &str)]; 7] = [
            &[],
            &[host],
            &[("sec-fetch-site", "same-origin")],
            &[("sec-fetch-site", "none")],
            &[host, ("origin", "http://127.0.0.1:8080")],
            &[("host", "Paddock:8080"), ("origin", "http://paddock:8080")],
            &[host, ("origin", "https://sandbox.example.com")],
        ];
        for pairs in same {
            assert!(!from_another_origin(&headers(pairs), public), "{pairs:?}");
        }
        let other: [&[(&str, &str)]; 8] = [
            &[("sec-fetch-site", "cross-site")],
            &[("sec-fetch-site", "same-site")],
            // Sec-Fetch-Site decides over a matching Origin.
            &[
                host,
                ("sec-fetch-site", "cross-site"),
                ("origin", "http://127.0.0.1:8080"),
            ],
            &[host, ("origin", "https://evil.example")],
            &[host, ("origin", "null")],
            &[host, ("origin", "http://127.0.0.1:9090")],
            &[("origin", "http://127.0.0.1:8080")],
            &[host, ("origin", "https://sandbox.example.com.evil.example")],
        ];
        for pairs in other {
            assert!(from_another_origin(&headers(pairs), public), "{pairs:?}");
        }
        assert!(from_another_origin(
            &headers(&[host, ("origin", "https://sandbox.example.com")]),
            None
        ));
    }
}
