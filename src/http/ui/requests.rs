//! The account's request log (its request journal, newest first) and its
//! reset, behind a confirmation.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use maud::html;

use super::extract::{PathOwner, Posted};
use super::layout::{
    Place, Section, csrf_field, encode, field_errors, page, respond, section_path, time,
};
use super::session::Signed;
use super::{PageResult, UI};
use crate::domain::{FieldError, JournalFilter, Owner};
use crate::http::AppState;
use crate::http::extract::query_pairs;

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
    RawQuery(query): RawQuery,
) -> PageResult {
    let shown = query_pairs(query.as_deref().unwrap_or_default());
    render(&state, &signed, &owner, &shown, None)
}

/// The filters the page offers, as the journal's: `(form field, label)`.
const FILTERS: [(&str, &str); 4] = [
    ("method", "Method"),
    ("status", "Status"),
    ("path", "Path starts with"),
    ("key", "Key or token id"),
];

/// The form's filters as the journal's parameters (empty fields left out;
/// a key or token id goes to the parameter its prefix names).
fn journal_pairs(shown: &[(String, String)]) -> Vec<(&'static str, &str)> {
    let mut pairs = Vec::new();
    for (name, value) in shown.iter().filter(|(_, value)| !value.is_empty()) {
        let parameter = match name.as_str() {
            "method" => "method",
            "status" => "status",
            "path" => "path_prefix",
            "key" if value.starts_with("ctkn_") => "client_token_id",
            "key" => "api_key_id",
            _ => continue,
        };
        pairs.push((parameter, value.as_str()));
    }
    pairs
}

/// The journal's field names back as the form's.
fn form_field(parameter: &str) -> &str {
    match parameter {
        "path_prefix" => "path",
        "client_token_id" | "api_key_id" => "key",
        other => other,
    }
}

/// `shown`: the filters asked for; `message`: what a reset did, or why it
/// didn't happen.
fn render(
    state: &AppState,
    signed: &Signed,
    owner: &Owner,
    shown: &[(String, String)],
    message: Option<(StatusCode, &str)>,
) -> PageResult {
    let (account, environment) = (owner.account.as_str(), owner.environment);
    let (filter, errors) = match JournalFilter::parse(journal_pairs(shown)) {
        Ok(filter) => (filter, Vec::new()),
        Err(errors) => {
            let errors: Vec<FieldError> = (errors.errors().iter())
                .map(|e| FieldError::new(form_field(&e.field), e.message.clone()))
                .collect();
            (JournalFilter::default(), errors)
        }
    };
    let status = match (message, errors.is_empty()) {
        (Some((status, _)), _) => status,
        (None, true) => StatusCode::OK,
        (None, false) => StatusCode::BAD_REQUEST,
    };
    let value = |field: &str| {
        (shown.iter().rev())
            .find(|(name, _)| name == field)
            .map_or("", |(_, value)| value.as_str())
    };
    let base = section_path(account, environment, Section::Requests);
    let entries = match errors.is_empty() {
        true => state.services.journal.entries(account, &filter),
        false => Vec::new(),
    };
    let body = html! {
        p.muted { "Requests made with this account's API keys and client-side tokens, in both environments, newest first." }
        form.filters #request-filters method="get" action=(base) {
            @for (field, label) in FILTERS {
                div.filter {
                    label for={ "filter-" (field) } { (label) }
                    @if field == "method" {
                        select #filter-method name="method" {
                            @for method in ["", "GET", "POST", "PATCH", "DELETE"] {
                                option value=(method) selected[value("method") == method] { @if method.is_empty() { "Any" } @else { (method) } }
                            }
                        }
                    } @else {
                        input type="text" id={ "filter-" (field) } name=(field) value=(value(field))
                            placeholder=(match field { "status" => "201 or 4xx", "path" => "/client-tokens", _ => "apikey_… or ctkn_…" })
                            aria-describedby={ (field) "-error" };
                    }
                    (field_errors(&errors, field))
                }
            }
            button type="submit" { "Filter" }
            a href=(base) { "Clear" }
        }
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
            p { "Deletes its client-side tokens, checkouts and events in both environments, and forgets its request log. API keys, notification settings and the catalog stay." }
            (csrf_field(&signed.csrf))
            @if let Some((_, message)) = message { p.field-error #reset-message role="status" { (message) } }
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
        let message = Some((StatusCode::BAD_REQUEST, "Tick the box to confirm."));
        return render(&state, &signed, &owner, &[], message);
    }
    let report = state.services.accounts.reset(Some(&owner.account)).await?;
    let message = format!(
        "Reset: {} client-side tokens deleted.",
        report.deleted_client_tokens
    );
    render(
        &state,
        &signed,
        &owner,
        &[],
        Some((StatusCode::OK, &message)),
    )
}
