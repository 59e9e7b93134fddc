//! The account's request log (its request journal, newest first) and its
//! reset, behind a confirmation.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use maud::html;

use super::extract::{PathOwner, Posted};
use super::layout::{Place, Section, csrf_field, encode, page, respond, time};
use super::session::Signed;
use super::{PageResult, UI};
use crate::domain::{JournalFilter, Owner};
use crate::http::AppState;

/// Entries shown; the journal itself keeps its retention's worth.
const SHOWN: usize = 200;

pub fn routes() -> Router<AppState> {
    let base = format!("{UI}/accounts/{{account}}/{{environment}}");
    Router::new()
        .route(&format!("{base}/requests"), get(list))
        .route(&format!("{base}/reset"), post(reset))
}

async fn list(
    State(state): State<AppState>,
    signed: Signed,
    PathOwner(owner): PathOwner,
) -> PageResult {
    render(&state, &signed, &owner, StatusCode::OK, None)
}

/// `message`: what a reset did, or why it didn't happen.
fn render(
    state: &AppState,
    signed: &Signed,
    owner: &Owner,
    status: StatusCode,
    message: Option<&str>,
) -> PageResult {
    let (account, environment) = (owner.account.as_str(), owner.environment);
    let filter = JournalFilter::parse(std::iter::empty()).map_err(crate::error::Error::from)?;
    let entries = state.services.journal.entries(account, &filter);
    let body = html! {
        p.muted { "Requests made with this account's API keys and client-side tokens, in both environments, newest first." }
        @if entries.is_empty() {
            p.muted #no-requests { "No requests recorded." }
        } @else {
            div.table-wrap {
                table #requests {
                    thead { tr { th { "When" } th { "Request" } th { "Status" } th { "Key or token" } } }
                    tbody {
                        @for entry in entries.iter().rev().take(SHOWN) {
                            tr {
                                td data-label="When" { (time(Some(entry.occurred_at))) }
                                td data-label="Request" {
                                    code { (entry.method) " " (entry.path) @if let Some(query) = &entry.query { "?" (query) } }
                                }
                                td data-label="Status" { (entry.status) }
                                td data-label="Key or token" { code { (entry.credential.as_str()) } }
                            }
                            tr.viewer-row {
                                td colspan="4" {
                                    details {
                                        summary { "Bodies" }
                                        h3 { "Request" }
                                        pre.viewer tabindex="0" { (serde_json::to_string_pretty(&entry.request_body).unwrap_or_default()) }
                                        h3 { "Response" }
                                        pre.viewer tabindex="0" { (serde_json::to_string_pretty(&entry.response_body).unwrap_or_default()) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        form.card.danger method="post" action=(format!("{UI}/accounts/{}/{}/reset", encode(account), environment.as_str())) {
            h2 { "Reset this account" }
            p { "Deletes its client-side tokens and events in both environments, and forgets its request log. API keys, notification settings and the catalog stay." }
            (csrf_field(&signed.csrf))
            @if let Some(message) = message { p.field-error #reset-message role="status" { (message) } }
            div.check {
                input #confirm-reset type="checkbox" name="confirm" value="yes";
                label for="confirm-reset" { "Yes, reset " (account) }
            }
            button.danger type="submit" { "Reset account" }
        }
    };
    let place = Place {
        account,
        environment,
        section: Section::Requests,
    };
    Ok(respond(
        status,
        page("Request log", Some(&signed.csrf), Some(&place), body),
    ))
}

async fn reset(
    State(state): State<AppState>,
    Posted {
        signed,
        form,
        then: PathOwner(owner),
    }: Posted<PathOwner>,
) -> PageResult {
    if form.get("confirm") != Some("yes") {
        let message = Some("Tick the box to confirm.");
        return render(&state, &signed, &owner, StatusCode::BAD_REQUEST, message);
    }
    let report = state.services.accounts.reset(Some(&owner.account)).await?;
    let message = format!(
        "Reset: {} client-side tokens deleted.",
        report.deleted_client_tokens
    );
    render(&state, &signed, &owner, StatusCode::OK, Some(&message))
}
