//! What dashboard handlers take instead of checking by hand: a form whose
//! CSRF token has been checked ([`Posted`]), and the owner a page's path
//! names ([`PathOwner`]). A handler that changes something can only read its
//! form through [`Posted`], so the check can't be left out.

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::PageError;
use super::form::FormData;
use super::session::Signed;
use crate::domain::{Environment, Owner};
use crate::error::Error;
use crate::http::AppState;

/// A form posted from a signed-in session with that session's CSRF token,
/// then `T` (e.g. [`PathOwner`]) from the request's head. In that order: no
/// sign-in sends to the sign-in page, an unreadable form is 400, a wrong
/// token 403, and only then is anything looked up.
pub struct Posted<T = ()> {
    pub signed: Signed,
    pub form: FormData,
    pub then: T,
}

impl<T> FromRequest<AppState> for Posted<T>
where
    T: FromRequestParts<AppState>,
    T::Rejection: IntoResponse,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let signed = Signed::from_request_parts(&mut parts, state).await?;
        // The body's reader takes a whole request (for the body limit); the
        // head is kept for `T`.
        let form = FormData::from_request(Request::from_parts(parts.clone(), body), state).await?;
        signed
            .check(form.get("csrf"))
            .map_err(IntoResponse::into_response)?;
        let then = (T::from_request_parts(&mut parts, state).await)
            .map_err(IntoResponse::into_response)?;
        Ok(Self { signed, form, then })
    }
}

/// A page's `{id}` segment, for the handlers whose path has one.
#[derive(Deserialize)]
pub struct Named {
    pub id: String,
}

/// The owner whose data a page under `{account}/{environment}` shows; 404
/// when either is unknown. Asks for a session first, so nobody signed out
/// learns which accounts exist.
pub struct PathOwner(pub Owner);

#[derive(Deserialize)]
struct OwnerSegments {
    account: String,
    environment: String,
}

impl FromRequestParts<AppState> for PathOwner {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        Signed::from_request_parts(parts, state).await?;
        let Path(segments) = Path::<OwnerSegments>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let owner = owner(state, &segments.account, &segments.environment).await;
        owner.map(Self).map_err(IntoResponse::into_response)
    }
}

async fn owner(state: &AppState, account: &str, environment: &str) -> Result<Owner, PageError> {
    let environment: Environment = environment
        .parse()
        .map_err(|_| Error::NotFound(environment.to_owned()))?;
    let account = state.services.accounts.get(account).await?;
    Ok(Owner {
        account: account.name,
        environment,
    })
}
