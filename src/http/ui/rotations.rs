//! Rotations on a key's page: the signed-in admin starts one (a grace
//! period for the old secret, an expiry for the new one), sees each
//! rotation's status, and the new secret once (on a page shown once).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use maud::{Markup, html};
use serde_json::{Map, Value};

use super::PageResult;
use super::api_key::{find, render};
use super::extract::{Named, PathOwner, Posted};
use super::form::FormData;
use super::layout::{csrf_field, field_errors, other_errors, time};
use super::reveal::show_once;
use crate::domain::{
    ApiKey, ApiKeyRotationResource, Direction, FieldError, NewApiKeyRotation, PageQuery,
};
use crate::error::Error;
use crate::http::AppState;
use crate::service::Reveal;

/// Grace periods offered, in seconds (Paddle allows 0 to 24 hours).
const GRACE_PERIODS: [(&str, &str); 4] = [
    ("3600", "1 hour"),
    ("0", "None: the old key stops at once"),
    ("900", "15 minutes"),
    ("86400", "24 hours"),
];

/// New expiries offered, in days; the empty value keeps the key's expiry.
const EXPIRIES: [(&str, &str); 4] = [
    ("", "The key's current expiry"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "1 year"),
];

/// The key's rotations, newest first.
pub async fn rotations(
    state: &AppState,
    key: &ApiKey,
) -> Result<Vec<ApiKeyRotationResource>, Error> {
    let query = PageQuery {
        after: None,
        per_page: 50,
        direction: Direction::Descending,
        ids: Vec::new(),
    };
    let api_keys = &state.services.api_keys;
    let listing = api_keys.rotations(key, &key.id, &query, true).await?;
    Ok(listing.rotations)
}

/// The rotations list and, for a rotatable key still in use, the form.
pub fn section(
    csrf: &str,
    action: &str,
    key: &ApiKey,
    rotations: &[ApiKeyRotationResource],
    form: Option<&FormData>,
    errors: &[FieldError],
) -> Markup {
    let value = |name| form.and_then(|form| form.get(name)).unwrap_or_default();
    html! {
        section #rotations {
            h2 { "Rotations" }
            @if rotations.is_empty() {
                p.muted { "This key has not been rotated." }
            } @else {
                div.table-wrap {
                    table #rotation-list {
                        thead { tr { th { "Rotation" } th { "Status" } th { "Grace period" } th { "New key expires" } th { "Started" } } }
                        tbody {
                            @for rotation in rotations {
                                tr {
                                    td data-label="Rotation" { code { (rotation.id.as_str()) } }
                                    td data-label="Status" { span class={ "badge " (rotation.status.as_str()) } { (rotation.status.as_str()) } }
                                    td data-label="Grace period" { (rotation.grace_period_seconds) " s" }
                                    td data-label="New key expires" { (time(rotation.expires_at)) }
                                    td data-label="Started" { (time(Some(rotation.created_at))) }
                                }
                            }
                        }
                    }
                }
            }
            @if !key.rotatable {
                p.muted { "This key was made not rotatable: Paddle fixes that when a key is made." }
            } @else if !key.revoked {
                form.card #new-rotation method="post" action=(action) {
                    h2 { "Rotate this key" }
                    p.hint { "A new secret replaces this one the first time it is used; the old one keeps working for the grace period. A newer rotation cancels a pending one." }
                    (csrf_field(csrf))
                    (other_errors(errors, &["grace_period_seconds", "new_key_expires_at"]))
                    label for="grace-period" { "Grace period for the old secret" }
                    select #grace-period name="grace_period_seconds" aria-describedby="grace_period_seconds-error" {
                        @for (seconds, label) in GRACE_PERIODS {
                            option value=(seconds) selected[value("grace_period_seconds") == seconds] { (label) }
                        }
                    }
                    (field_errors(errors, "grace_period_seconds"))
                    label for="new-key-expiry" { "New key expires" }
                    select #new-key-expiry name="expires_in_days" aria-describedby="new_key_expires_at-error" {
                        @for (days, label) in EXPIRIES {
                            option value=(days) selected[value("expires_in_days") == days] { (label) }
                        }
                    }
                    (field_errors(errors, "new_key_expires_at"))
                    button type="submit" { "Rotate API key" }
                }
            }
        }
    }
}

/// `POST .../{id}/rotations`: a new rotation, its secret shown once.
pub async fn rotate(
    State(state): State<AppState>,
    Path(Named { id }): Path<Named>,
    Posted {
        signed,
        form,
        then: PathOwner(owner),
    }: Posted<PathOwner>,
) -> PageResult {
    let key = find(&state, &owner, &id).await?;
    let api_keys = &state.services.api_keys;
    let mut body = Map::new();
    let grace = form.get("grace_period_seconds").unwrap_or_default();
    let grace = grace
        .parse::<i64>()
        .map_or(Value::String(grace.to_owned()), Value::from);
    body.insert("grace_period_seconds".into(), grace);
    // The new key's expiry counts from the account's clock, as its status will.
    let expires_at = match form.get("expires_in_days").unwrap_or_default() {
        "" => key
            .expires_at
            .map_or(Value::Null, |at| Value::String(at.to_string())),
        days => match days.parse::<i64>() {
            Ok(days) if (1..=3650).contains(&days) => {
                let now = api_keys.now(&owner.account).await?;
                let at = now.checked_add(time::Duration::days(days));
                at.map_or(Value::Null, |at| Value::String(at.to_string()))
            }
            _ => Value::String(days.to_owned()),
        },
    };
    body.insert("new_key_expires_at".into(), expires_at);
    let new = match NewApiKeyRotation::from_json(&body) {
        Ok(new) => new,
        Err(errors) => {
            let status = StatusCode::BAD_REQUEST;
            return render(
                &state,
                &signed,
                &owner,
                &key,
                status,
                None,
                Some((&form, errors.errors())),
            )
            .await;
        }
    };
    let rotation = match api_keys.rotate(&key, &key.id, new).await {
        Ok(rotation) => rotation,
        Err(Error::Schema(errors) | Error::InvalidField(errors)) => {
            let status = StatusCode::BAD_REQUEST;
            return render(
                &state,
                &signed,
                &owner,
                &key,
                status,
                None,
                Some((&form, &errors)),
            )
            .await;
        }
        Err(other) => return Err(other.into()),
    };
    let reveal = Reveal {
        kind: "api_key_rotation".into(),
        subject: key.id.as_str().to_owned(),
        name: format!("New secret for {}", key.name),
        secret: rotation.new_key.unwrap_or_default(),
    };
    show_once(&state, &owner, reveal).await
}
