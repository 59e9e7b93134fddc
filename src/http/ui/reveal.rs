//! Pages that show a secret once (post/redirect/get): the POST that made
//! the secret keeps it, sealed, in the database and answers 303 to a page
//! named by a random id; that page shows it and deletes it in one
//! statement, so a refresh, the back button or another replica shows
//! nothing again, and the secret is never in a URL.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use maud::html;
use serde::Deserialize;

use super::extract::PathOwner;
use super::layout::{Place, Section, copyable, page, respond, section_path};
use super::session::{Signed, see_other};
use super::{PageResult, UI};
use crate::domain::Owner;
use crate::http::AppState;
use crate::service::Reveal;

pub fn routes() -> Router<AppState> {
    let path = format!("{UI}/accounts/{{account}}/{{environment}}/shown-once/{{reveal}}");
    Router::new().route(&path, get(show))
}

/// Keeps `reveal` and sends the browser to the page that shows it once.
pub async fn show_once(state: &AppState, owner: &Owner, reveal: Reveal) -> PageResult {
    let id = state.services.reveals.keep(owner, &reveal).await?;
    Ok(see_other(&format!(
        "{UI}/accounts/{}/{}/shown-once/{id}",
        super::layout::encode(&owner.account),
        owner.environment.as_str()
    )))
}

#[derive(Deserialize)]
struct RevealSegment {
    reveal: String,
}

/// Where each kind of secret belongs, and the id its value is shown under.
fn kind(reveal_kind: &str) -> (Section, &'static str, &'static str) {
    match reveal_kind {
        "notification_setting" => (Section::Notifications, "notifications", "new-secret"),
        "api_key_rotation" => (Section::ApiKeys, "api-keys", "new-rotated-key"),
        _ => (Section::ApiKeys, "api-keys", "new-api-key"),
    }
}

async fn show(
    State(state): State<AppState>,
    signed: Signed,
    PathOwner(owner): PathOwner,
    Path(RevealSegment { reveal }): Path<RevealSegment>,
) -> PageResult {
    let taken = state.services.reveals.take(&owner, &reveal).await?;
    Ok(render(&signed, &owner, taken.as_ref()))
}

fn render(signed: &Signed, owner: &Owner, reveal: Option<&Reveal>) -> Response {
    let (section, _, value_id) = kind(reveal.map_or("", |r| r.kind.as_str()));
    let base = section_path(&owner.account, owner.environment, section);
    let (status, title) = match reveal {
        Some(reveal) if reveal.kind == "notification_setting" => {
            (StatusCode::OK, "Notification setting secret")
        }
        Some(reveal) if reveal.kind == "api_key_rotation" => (StatusCode::OK, "Rotated API key"),
        Some(_) => (StatusCode::OK, "New API key"),
        None => (StatusCode::GONE, "Already shown"),
    };
    let body = html! {
        @if let Some(reveal) = reveal {
            section.card.notice #shown-once role="status" {
                h2 { (reveal.name) }
                @match reveal.kind.as_str() {
                    "notification_setting" => p { "Its secret key, to verify signatures (" code { "Paddle-Signature" } "). This page shows it once; ask for it again on the setting's page." },
                    _ => p { "Copy it now: paddock keeps only its digest and won't show it again. This page shows it once." },
                }
                (copyable(value_id, &reveal.secret))
            }
            p { a href={ (base) "/" (reveal.subject) } { "Go to " (reveal.name) } }
        } @else {
            p.error role="alert" #already-shown { "This page showed a secret once and won't show it again (or it waited more than 10 minutes)." }
            p { a href=(base) { "Back" } }
        }
    };
    let place = Place {
        account: &owner.account,
        environment: owner.environment,
        section,
    };
    respond(status, page(title, Some(&signed.csrf), Some(&place), body))
}
