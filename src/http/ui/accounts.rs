//! Accounts: list them, create one.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use maud::{Markup, html};
use serde_json::Map;

use super::extract::Posted;
use super::layout::{
    Section, csrf_field, field_errors, new_action, other_errors, page, respond, section_path, time,
};
use super::session::{Signed, see_other};
use super::{PageResult, UI};
use crate::domain::{Environment, FieldError, NewAccount};
use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route(&format!("{UI}/accounts"), get(list).post(create))
}

async fn list(State(state): State<AppState>, signed: Signed) -> PageResult {
    render(&state, &signed, StatusCode::OK, "", &[]).await
}

async fn render(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    name: &str,
    errors: &[FieldError],
) -> PageResult {
    let accounts = state.services.accounts.list().await?;
    let body = html! {
        (new_action("new-account", "New account"))
        @if accounts.is_empty() {
            p.muted { "No accounts yet. Create one, or make an API key through the admin API." }
        } @else {
            div.table-wrap {
                table {
                    thead { tr { th { "Account" } th { "Created" } th { "Environments" } } }
                    tbody {
                        @for account in &accounts {
                            tr {
                                td data-label="Account" { strong { (account.name) } }
                                td data-label="Created" { (time(Some(account.created_at))) }
                                td data-label="Environments" {
                                    @for environment in [Environment::Sandbox, Environment::Live] {
                                        a.env-link href=(section_path(&account.name, environment, Section::ClientTokens)) {
                                            (environment.as_str())
                                        }
                                        " "
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        (create_form(&signed.csrf, name, errors))
    };
    Ok(respond(
        status,
        page("Accounts", Some(&signed.csrf), None, body),
    ))
}

fn create_form(csrf: &str, name: &str, errors: &[FieldError]) -> Markup {
    html! {
        form.card #new-account method="post" action={ (UI) "/accounts" } {
            h2 { "New account" }
            (csrf_field(csrf))
            (other_errors(errors, &["name"]))
            label for="account-name" { "Name" }
            p.hint { "1 to 64 letters, digits, '-', '_' or '.'" }
            input #account-name type="text" name="name" value=(name) required
                aria-describedby="name-error";
            (field_errors(errors, "name"))
            button type="submit" { "Create account" }
        }
    }
}

async fn create(State(state): State<AppState>, Posted { signed, form, .. }: Posted) -> PageResult {
    let mut body = Map::new();
    form.text_into(&mut body, "name", false);
    let name = form.get("name").unwrap_or_default();
    let new = match NewAccount::from_json(&body) {
        Ok(new) => new,
        Err(errors) => {
            return render(
                &state,
                &signed,
                StatusCode::BAD_REQUEST,
                name,
                errors.errors(),
            )
            .await;
        }
    };
    let (account, _) = state.services.accounts.create(new).await?;
    Ok(see_other(&section_path(
        &account.name,
        Environment::Sandbox,
        Section::ClientTokens,
    )))
}
