//! API key authentication and permission checks, as an extractor: a handler
//! that takes `Authorized<Write>` only runs for a valid key that may write.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::AppState;
use super::error::{Error, Result};
use crate::domain::{ApiKey, Owner, Permission, PresentedKey, Timestamp};

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

/// A request made with a valid, active API key that holds `A`'s permission.
pub struct Authorized<A> {
    pub key: ApiKey,
    access: PhantomData<A>,
}

impl<A> Authorized<A> {
    /// The account and environment whose tokens this key may touch.
    pub fn owner(&self) -> Owner {
        Owner {
            account: self.key.account.clone(),
            environment: self.key.environment,
        }
    }
}

impl<A: Access> FromRequestParts<AppState> for Authorized<A> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let presented = presented_key(parts)?;
        let key = state
            .store
            .api_key(presented.id())
            .await?
            .filter(|key| key.accepts(&presented, Timestamp::now()))
            .ok_or(Error::InvalidToken)?;
        if !A::PERMISSION.is_granted_by(&key.permissions) {
            return Err(Error::Forbidden(A::PERMISSION));
        }
        Ok(Self {
            key,
            access: PhantomData,
        })
    }
}

/// Reads `Authorization: Bearer <key>`. The scheme is matched without regard
/// to case: the official Node SDK sends `bearer`.
fn presented_key(parts: &Parts) -> Result<PresentedKey> {
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
    PresentedKey::parse(key.trim_start()).ok_or(Error::AuthenticationMalformed)
}
