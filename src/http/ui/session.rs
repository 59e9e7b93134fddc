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

/// How long a session lasts after sign-in: a working day (8 hours).
pub const SESSION_LIFETIME: Duration = Duration::from_secs(28_800);
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
mod tests;
