//! One API key's page: what it is, and its revocation, which asks first (a
//! ticked box, checked on the server too: without it nothing changes).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use super::extract::{Named, PathOwner, Posted};
use super::form::FormData;
use super::layout::{Place, Section, csrf_field, page, respond, section_path, time};
use super::session::{Signed, see_other};
use super::{PageResult, rotations};
use crate::domain::{ApiKey, ApiKeyId, FieldError, Owner};
use crate::error::Error;
use crate::http::AppState;

/// The owner's key `id`; others' keys are not found.
pub async fn find(state: &AppState, owner: &Owner, id: &str) -> Result<ApiKey, Error> {
    let key_id = ApiKeyId::parse(id).ok_or_else(|| Error::NotFound(id.to_owned()))?;
    state.services.api_keys.get(owner, &key_id).await
}

pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    PathOwner(owner): PathOwner,
    Path(Named { id }): Path<Named>,
) -> PageResult {
    let key = find(&state, &owner, &id).await?;
    render(&state, &signed, &owner, &key, StatusCode::OK, None, None).await
}

/// The key's page; `error`: why a revocation didn't happen; `rotation`: a
/// rotation form sent back with its errors.
pub async fn render(
    state: &AppState,
    signed: &Signed,
    owner: &Owner,
    key: &ApiKey,
    status: StatusCode,
    error: Option<&str>,
    rotation: Option<(&FormData, &[FieldError])>,
) -> PageResult {
    let rotations = rotations::rotations(state, key).await?;
    let now = state.services.api_keys.now(&owner.account).await?;
    let key_status = key.status(now);
    let base = section_path(&owner.account, owner.environment, Section::ApiKeys);
    let body = html! {
        p { a href=(base) { "← All API keys" } }
        dl.details {
            dt { "Name" } dd #key-name-shown { (key.name) }
            dt { "Description" } dd { @if let Some(d) = &key.description { (d) } @else { span.muted { "—" } } }
            dt { "ID" } dd { code { (key.id.as_str()) } }
            dt { "Key" } dd { code { (key.id.obfuscated_key(key.environment)) } }
            dt { "Permissions" } dd { @for permission in &key.permissions { code.perm { (permission.as_str()) } " " } }
            dt { "Status" } dd #key-status { span class={ "badge " (key_status.as_str()) } { (key_status.as_str()) } }
            dt { "Created" } dd { (time(Some(key.created_at))) }
            dt { "Expires" } dd { (time(key.expires_at)) }
            dt { "Last used" } dd { (time(key.last_used_at)) }
        }
        (rotations::section(
            &signed.csrf,
            &format!("{base}/{}/rotations", key.id.as_str()),
            key,
            &rotations,
            rotation.map(|(form, _)| form),
            rotation.map_or(&[], |(_, errors)| errors),
        ))
        @if !key.revoked {
            form.card.danger method="post" action={ (base) "/" (key.id.as_str()) "/revoke" } {
                h2 { "Revoke this API key" }
                p { "Requests made with it are refused from now on. Paddle has no way to undo this." }
                (csrf_field(&signed.csrf))
                @if let Some(error) = error { p.field-error id="confirm-error" role="alert" { (error) } }
                div.check {
                    input #confirm-revoke type="checkbox" name="confirm" value="yes" required
                        aria-describedby=[error.map(|_| "confirm-error")];
                    label for="confirm-revoke" { "Yes, revoke " (key.name) }
                }
                button.danger type="submit" { "Revoke API key" }
            }
        }
    };
    let place = Place {
        account: &owner.account,
        environment: owner.environment,
        section: Section::ApiKeys,
    };
    Ok(respond(
        status,
        page("API key", Some(&signed.csrf), Some(&place), body),
    ))
}

/// `POST .../{id}/revoke` with `confirm=yes`; without it, the page again
/// with 400 and the key untouched.
pub async fn revoke(
    State(state): State<AppState>,
    Path(Named { id }): Path<Named>,
    Posted {
        signed,
        form,
        then: PathOwner(owner),
    }: Posted<PathOwner>,
) -> PageResult {
    let key = find(&state, &owner, &id).await?;
    if form.get("confirm") != Some("yes") {
        let error = Some("Tick the box to confirm.");
        let status = StatusCode::BAD_REQUEST;
        return render(&state, &signed, &owner, &key, status, error, None).await;
    }
    state.services.api_keys.revoke(key.id.as_str()).await?;
    Ok(back_to(&owner, &key))
}

fn back_to(owner: &Owner, key: &ApiKey) -> Response {
    let base = section_path(&owner.account, owner.environment, Section::ApiKeys);
    see_other(&format!("{base}/{}", key.id.as_str()))
}
