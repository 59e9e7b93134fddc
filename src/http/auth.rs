//! Authentication as extractors: a handler that takes `Authorized<Write>`
//! only runs for a valid API key that may write (or whatever the permission
//! mode allows); one that takes `Authenticated` for any valid key; one that
//! takes `Option<Authenticated>` also without an Authorization header (but
//! never with a bad one); one that takes `Admin` only for the admin token, from an address
//! not locked out for guessing it.

use std::marker::PhantomData;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::AppState;
use super::client::client_address;
use super::context::{Caller, set_caller};
use super::error::{Error, Result};
use super::limiter::Verdict;
use crate::domain::{
    ApiKey, Credential, KeyHash, Owner, Permission, PermissionMode, PresentedKey, Timestamp,
};

/// The permission a handler needs.
pub trait Access: Send + Sync + 'static {
    const PERMISSION: Permission;
}

/// Needs `client_token.read` (which `client_token.write` includes).
pub struct Read;

/// Needs `client_token.write`.
pub struct Write;

impl Access for Read {
    const PERMISSION: Permission = Permission::ClientTokenRead;
}

impl Access for Write {
    const PERMISSION: Permission = Permission::ClientTokenWrite;
}

/// Needs `api_key.read`.
pub struct ReadApiKeys;

impl Access for ReadApiKeys {
    const PERMISSION: Permission = Permission::ApiKeyRead;
}

/// A request made with a valid, active API key, whatever its permissions.
pub struct Authenticated {
    pub key: Arc<ApiKey>,
    /// The key's account's clock reading when the key was judged: the
    /// instant the request's decisions are made at.
    pub now: Timestamp,
}

impl Authenticated {
    /// The account and environment whose data this key may touch.
    pub fn owner(&self) -> Owner {
        self.key.owner()
    }

    /// Whether the key holds `permission`, or the permission mode lets it
    /// through anyway.
    pub fn require(&self, state: &AppState, permission: Permission) -> Result<()> {
        if permission.is_granted_by(&self.key.permissions) {
            return Ok(());
        }
        match state.permission_mode {
            PermissionMode::Enforce => Err(Error::Forbidden(permission)),
            PermissionMode::Log => {
                tracing::warn!(
                    permission = %permission,
                    api_key_id = %self.key.id,
                    "API key lacks a permission; allowed because PADDOCK_PERMISSIONS=log"
                );
                Ok(())
            }
            PermissionMode::Off => Ok(()),
        }
    }
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let presented =
            PresentedKey::parse(bearer_token(parts)?).ok_or(Error::AuthenticationMalformed)?;
        let api_keys = &state.services.api_keys;
        let (key, now) = api_keys.authenticate(&presented).await?;
        // The key is the account's own: its requests are the account's,
        // rejected ones included.
        set_caller(Caller {
            account: key.account.clone(),
            credential: Credential::ApiKey(key.id.clone()),
            at: now,
        });
        if !key.accepts(&presented, now) {
            return Err(Error::InvalidToken);
        }
        // `last_used_at` is a convenience: failing to note it fails nothing.
        if let Err(error) = api_keys.record_use(&key, now).await {
            tracing::warn!(%error, api_key_id = %key.id, "can't record an API key's use");
        }
        Ok(Self { key, now })
    }
}

/// For operations where authentication is optional (the API root): no
/// Authorization header is `None`; a header that is there is judged as
/// anywhere else, so a bad key is still a 403, never anonymous.
impl OptionalFromRequestParts<AppState> for Authenticated {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>> {
        if !parts.headers.contains_key(AUTHORIZATION) {
            return Ok(None);
        }
        <Self as FromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

/// A request made with a valid, active API key that holds `A`'s permission.
pub struct Authorized<A> {
    pub key: Arc<ApiKey>,
    /// As [`Authenticated::now`].
    pub now: Timestamp,
    access: PhantomData<A>,
}

impl<A> Authorized<A> {
    /// The account and environment whose data this key may touch.
    pub fn owner(&self) -> Owner {
        self.key.owner()
    }
}

impl<A: Access> FromRequestParts<AppState> for Authorized<A> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let authenticated =
            <Authenticated as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        authenticated.require(state, A::PERMISSION)?;
        Ok(Self {
            key: authenticated.key,
            now: authenticated.now,
            access: PhantomData,
        })
    }
}

/// The admin API's token. Only its digest is kept; `Debug` shows neither
/// (a `KeyHash` prints as `KeyHash(..)`).
#[derive(Clone, Debug)]
pub struct AdminToken(KeyHash);

/// The fewest characters an admin token may have.
pub const MIN_ADMIN_TOKEN_CHARS: usize = 16;

/// A configured admin token too short to resist guessing.
#[derive(Debug, thiserror::Error)]
#[error(
    "PADDOCK_ADMIN_TOKEN (--admin-token) must be at least {MIN_ADMIN_TOKEN_CHARS} characters: \
     choose a long random one (e.g. `openssl rand -hex 32`), or leave it unset to turn the admin API off"
)]
pub struct AdminTokenTooShort;

impl AdminToken {
    pub fn new(token: &str) -> Self {
        // Never let out, in a log line, the journal or an echo of a path.
        crate::domain::redact_from_now_on(token);
        Self(KeyHash::of(token))
    }

    /// The configured token: empty (as compose passes an unset variable)
    /// leaves the admin API off; a short one is refused.
    pub fn configured(token: &str) -> Result<Option<Self>, AdminTokenTooShort> {
        match token.chars().count() {
            0 => Ok(None),
            n if n < MIN_ADMIN_TOKEN_CHARS => Err(AdminTokenTooShort),
            _ => Ok(Some(Self::new(token))),
        }
    }

    /// Whether `presented` is the admin token (compared as digests).
    pub fn accepts(&self, presented: &str) -> bool {
        self.0.matches(&KeyHash::of(presented))
    }
}

/// Judges an admin token `client` presented, against the limit on wrong
/// ones per client address.
pub fn judge_admin_token(state: &AppState, client: IpAddr, presented: &str) -> Verdict {
    let right = (state.admin_token.as_ref()).is_some_and(|token| token.accepts(presented));
    let verdict = (state.admin_failures).attempt(client, right, Instant::now());
    match verdict {
        Verdict::Wrong => tracing::info!(%client, "wrong admin token"),
        Verdict::Locked(_) => tracing::info!(%client, "admin token refused: too many wrong ones"),
        Verdict::Admitted => {}
    }
    verdict
}

/// A request made with the admin token, from an address not locked out
/// for wrong ones (see `limiter`).
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let presented = bearer_token(parts)?;
        let client = client_address(&parts.extensions, &parts.headers, &state.trusted_proxies);
        match judge_admin_token(state, client, presented) {
            Verdict::Admitted => Ok(Self),
            Verdict::Wrong => Err(Error::InvalidAdminToken),
            Verdict::Locked(wait) => Err(Error::TooManyRequests {
                retry_after: Verdict::retry_after(wait),
            }),
        }
    }
}

/// Reads `Authorization: Bearer <token>`. The scheme is matched without regard
/// to case: the official Node SDK sends `bearer`.
fn bearer_token(parts: &Parts) -> Result<&str> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or(Error::AuthenticationMissing)?;
    let text = header
        .to_str()
        .map_err(|_| Error::AuthenticationMalformed)?;
    let (scheme, key) = text
        .trim()
        .split_once(' ')
        .ok_or(Error::AuthenticationMalformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Error::AuthenticationMalformed);
    }
    match key.trim_start() {
        "" => Err(Error::AuthenticationMalformed),
        key => Ok(key),
    }
}
