//! Who may preview prices and transactions: Paddle.js with a client-side
//! token in `Paddle-Clienttoken`, or a server with an API key that holds
//! `transaction.read`.
//!
//! Paddle tells its environments apart by host (`sandbox-api.paddle.com`);
//! paddock serves both on one, so a page says which it is in with
//! `Paddock-Environment: sandbox|production`, and a token of the other
//! environment is refused, as Paddle refuses a `test_` token sent to
//! production. Without the header the token's own prefix decides.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName};

use super::AppState;
use super::auth::Authenticated;
use super::context::{Caller, set_caller};
use super::error::{Error, Result};
use crate::domain::{
    ClientTokenStatus, Credential, Environment, Owner, Permission, presented_token_environment,
};

/// The header Paddle.js sends its client-side token in.
pub const CLIENT_TOKEN: HeaderName = HeaderName::from_static("paddle-clienttoken");

/// paddock's header for the environment the page's Paddle.js is in.
pub const ENVIRONMENT: HeaderName = HeaderName::from_static("paddock-environment");

/// A request made with an active client-side token of the page's
/// environment. Its account and environment are the token's.
pub struct ClientTokenCaller {
    pub owner: Owner,
}

impl FromRequestParts<AppState> for ClientTokenCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let page = page_environment(&parts.headers)?;
        let presented = (parts.headers.get(CLIENT_TOKEN))
            .ok_or(Error::AuthenticationMissing)?
            .to_str()
            .map_err(|_| Error::InvalidClientToken)?
            .trim();
        // The prefix is the token's environment: without the header, it is
        // the page's too.
        let claimed = presented_token_environment(presented).ok_or(Error::InvalidClientToken)?;
        let (owner, token) = (state.services.client_tokens)
            .by_value(presented)
            .await?
            .ok_or(Error::InvalidClientToken)?;
        let now = state.services.mints.now(&owner.account).await?;
        // The token is the account's: its requests are journaled, refused
        // ones included.
        set_caller(Caller {
            account: owner.account.clone(),
            credential: Credential::ClientToken(token.id.clone()),
            at: now,
        });
        let environment = page.unwrap_or(claimed);
        if token.status != ClientTokenStatus::Active || owner.environment != environment {
            return Err(Error::InvalidClientToken);
        }
        Ok(Self { owner })
    }
}

/// Who may preview: an API key with `transaction.read` when the request has
/// an `Authorization` header (judged as anywhere else, so a client-side
/// token sent as a Bearer key is not an API key), else a client-side token.
pub struct Previewer {
    pub owner: Owner,
}

impl FromRequestParts<AppState> for Previewer {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        if !parts.headers.contains_key(AUTHORIZATION) {
            let caller = ClientTokenCaller::from_request_parts(parts, state).await?;
            return Ok(Self {
                owner: caller.owner,
            });
        }
        // A bad environment header is refused whoever sends it; with a key,
        // the key's environment is the request's, as everywhere in paddock.
        page_environment(&parts.headers)?;
        let auth = Authenticated::from_request_parts(parts, state).await?;
        auth.require(state, Permission::TransactionRead)?;
        Ok(Self {
            owner: auth.owner(),
        })
    }
}

/// Whether the request carries a credential paddock accepts (an API key,
/// or an active client-side token of its environment): for what only
/// known callers may ask (`Paddock-Delay`).
pub async fn is_recognised(parts: &mut Parts, state: &AppState) -> bool {
    if parts.headers.contains_key(AUTHORIZATION) {
        return Authenticated::from_request_parts(parts, state)
            .await
            .is_ok();
    }
    parts.headers.contains_key(CLIENT_TOKEN)
        && ClientTokenCaller::from_request_parts(parts, state)
            .await
            .is_ok()
}

/// The page's environment from `Paddock-Environment`: `sandbox` or
/// `production` (Paddle.js's names), `None` without the header.
fn page_environment(headers: &HeaderMap) -> Result<Option<Environment>> {
    let Some(value) = headers.get(ENVIRONMENT) else {
        return Ok(None);
    };
    match value.to_str().map(str::trim) {
        Ok("sandbox") => Ok(Some(Environment::Sandbox)),
        Ok("production") => Ok(Some(Environment::Live)),
        _ => Err(Error::BadRequest(
            "The Paddock-Environment header must be sandbox or production.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn the_environment_header_takes_paddle_js_names() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(ENVIRONMENT, HeaderValue::from_static(value));
            page_environment(&headers)
        };
        assert_eq!(page_environment(&HeaderMap::new()).unwrap(), None);
        assert_eq!(with("sandbox").unwrap(), Some(Environment::Sandbox));
        assert_eq!(with(" production ").unwrap(), Some(Environment::Live));
        for bad in ["live", "Sandbox", "", "test"] {
            assert!(with(bad).is_err(), "{bad}");
        }
    }
}
