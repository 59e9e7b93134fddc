//! Dashboard sessions: signing in with the admin token, the session cookie,
//! CSRF tokens, and the limit on wrong guesses.
//!
//! Sessions live in this process's memory: the cookie carries a random id,
//! never the admin token, and the memory only the id's SHA-256, as with API
//! keys. A session lasts [`SESSION_LIFETIME`] from sign-in
//! (the cookie's `Max-Age`, and checked here too); a restart signs everyone
//! out. Each session has its own CSRF token, which every form that changes
//! something carries and which is compared in constant time.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, LOCATION};
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
/// Wrong tokens allowed from one IP address within [`LOCKOUT`]...
pub const MAX_FAILURES: u32 = 5;
/// ...before sign-in from it is refused (429) until this long after the
/// last failure.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// IP addresses remembered at once (a flood of addresses can't grow it).
const MAX_TRACKED_ADDRESSES: usize = 4096;

pub const COOKIE_NAME: &str = "paddock_session";

struct Session {
    csrf: String,
    expires: Instant,
}

struct Failures {
    count: u32,
    last: Instant,
}

#[derive(Default)]
pub struct Sessions {
    sessions: Mutex<HashMap<[u8; 32], Session>>,
    failures: Mutex<HashMap<IpAddr, Failures>>,
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
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
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
        let key = digest(id);
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        match sessions.get(&key) {
            Some(session) if session.expires > Instant::now() => Some(Signed {
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

    /// How long `address` must still wait before trying again, if it is
    /// locked out.
    pub fn locked_out(&self, address: IpAddr) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let entry = failures.get(&address)?;
        let elapsed = entry.last.elapsed();
        (entry.count >= MAX_FAILURES && elapsed < LOCKOUT).then(|| LOCKOUT - elapsed)
    }

    /// Notes a wrong token from `address`.
    pub fn failed(&self, address: IpAddr) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if failures.len() >= MAX_TRACKED_ADDRESSES {
            failures.retain(|_, entry| now.duration_since(entry.last) < LOCKOUT);
        }
        let entry = failures.entry(address).or_insert(Failures {
            count: 0,
            last: now,
        });
        // Failures further apart than the lockout start the count again.
        if now.duration_since(entry.last) >= LOCKOUT {
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = now;
    }

    pub fn succeeded(&self, address: IpAddr) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&address);
    }
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
