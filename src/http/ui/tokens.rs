//! Client-side tokens: list (by status, newest first, a page at a time),
//! create, see one, revoke with a confirmation.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use maud::{Markup, html};
use serde_json::Map;

use super::extract::{Named, PathOwner, Posted};
use super::layout::{
    Place, Section, copyable, csrf_field, field_errors, new_action, other_errors, page, respond,
    section_path, time,
};
use super::session::{Signed, see_other};
use super::{PageResult, UI};
use crate::domain::{
    ClientToken, ClientTokenId, ClientTokenStatus, ClientTokenUpdate, FieldError, ListQuery,
    NewClientToken, Owner,
};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::query_pairs;

/// Tokens on one page of the list.
const PER_PAGE: &str = "20";

pub fn routes() -> Router<AppState> {
    let base = format!("{UI}/accounts/{{account}}/{{environment}}/client-tokens");
    Router::new()
        .route(&base, get(list).post(create))
        .route(&format!("{base}/{{id}}"), get(show))
        .route(&format!("{base}/{{id}}/revoke"), post(revoke))
}

/// What the new-token form held, to show it again with its errors.
#[derive(Default)]
struct Draft<'a> {
    name: &'a str,
    description: &'a str,
    errors: &'a [FieldError],
}

async fn list(
    State(state): State<AppState>,
    signed: Signed,
    PathOwner(owner): PathOwner,
    RawQuery(query): RawQuery,
) -> PageResult {
    render_list(
        &state,
        &signed,
        &owner,
        query.as_deref(),
        StatusCode::OK,
        Draft::default(),
    )
    .await
}

async fn render_list(
    state: &AppState,
    signed: &Signed,
    owner: &Owner,
    query: Option<&str>,
    status: StatusCode,
    draft: Draft<'_>,
) -> PageResult {
    let pairs = query_pairs(query.unwrap_or_default());
    let filter = (pairs.iter())
        .rev()
        .find(|(name, _)| name == "status")
        .map_or("active", |(_, value)| value.as_str());
    let statuses = match filter {
        "all" => "active,revoked",
        other => other,
    };
    let after = pairs.iter().rev().find(|(name, _)| name == "after");
    let mut wanted = vec![("per_page", PER_PAGE), ("status", statuses)];
    if let Some((_, after)) = after {
        wanted.push(("after", after.as_str()));
    }
    let query = ListQuery::parse(wanted).map_err(Error::from)?;
    let listing = state
        .services
        .client_tokens
        .list(owner, &query, false)
        .await?;
    let base = section_path(&owner.account, owner.environment, Section::ClientTokens);
    let next = (listing.page.has_more)
        .then(|| listing.page.tokens.last())
        .flatten()
        .map(|last| format!("{base}?status={filter}&after={}", last.id));
    let body = html! {
        (new_action("new-token", "New client-side token"))
        form.filters method="get" action=(base) {
            label for="status-filter" { "Status" }
            select #status-filter name="status" {
                @for (value, label) in [("active", "Active"), ("revoked", "Revoked"), ("all", "All")] {
                    option value=(value) selected[value == filter] { (label) }
                }
            }
            button type="submit" { "Filter" }
            @if let Some(total) = listing.estimated_total {
                span.muted { (total) " in all" }
            }
        }
        @if listing.page.tokens.is_empty() {
            p.muted #no-tokens { "No client-side tokens here." }
        } @else {
            div.table-wrap {
                table #client-tokens {
                    thead { tr { th { "Name" } th { "Token" } th { "Status" } th { "Created" } } }
                    tbody {
                        @for token in listing.page.tokens.iter() {
                            tr {
                                td data-label="Name" { a href={ (base) "/" (token.id) } { (token.name) } }
                                td data-label="Token" { (copyable(&format!("token-{}", token.id), &token.token)) }
                                td data-label="Status" { (status_badge(token.status)) }
                                td data-label="Created" { (time(Some(token.created_at))) }
                            }
                        }
                    }
                }
            }
        }
        nav.pager aria-label="Pages" {
            @if after.is_some() { a href={ (base) "?status=" (filter) } { "First page" } }
            @if let Some(next) = next { a rel="next" href=(next) { "Next page" } }
        }
        (create_form(&signed.csrf, &base, &draft))
    };
    let place = Place {
        account: &owner.account,
        environment: owner.environment,
        section: Section::ClientTokens,
    };
    Ok(respond(
        status,
        page("Client-side tokens", Some(&signed.csrf), Some(&place), body),
    ))
}

fn status_badge(status: ClientTokenStatus) -> Markup {
    html! { span class={ "badge " (status.as_str()) } { (status.as_str()) } }
}

fn create_form(csrf: &str, base: &str, draft: &Draft) -> Markup {
    html! {
        form.card #new-token method="post" action=(base) {
            h2 { "New client-side token" }
            (csrf_field(csrf))
            (other_errors(draft.errors, &["name", "description"]))
            label for="token-name" { "Name" }
            input #token-name type="text" name="name" value=(draft.name) aria-describedby="name-error";
            (field_errors(draft.errors, "name"))
            label for="token-description" { "Description " span.muted { "(optional)" } }
            textarea #token-description name="description" rows="2" aria-describedby="description-error" { (draft.description) }
            (field_errors(draft.errors, "description"))
            button type="submit" { "Create client-side token" }
        }
    }
}

async fn create(
    State(state): State<AppState>,
    Posted {
        signed,
        form,
        then: PathOwner(owner),
    }: Posted<PathOwner>,
) -> PageResult {
    let mut body = Map::new();
    form.text_into(&mut body, "name", false);
    form.text_into(&mut body, "description", true);
    let new = match NewClientToken::from_json(&body) {
        Ok(new) => new,
        Err(errors) => {
            let draft = Draft {
                name: form.get("name").unwrap_or_default(),
                description: form.get("description").unwrap_or_default(),
                errors: errors.errors(),
            };
            return render_list(
                &state,
                &signed,
                &owner,
                None,
                StatusCode::BAD_REQUEST,
                draft,
            )
            .await;
        }
    };
    let token = state.services.client_tokens.create(&owner, new).await?;
    let base = section_path(&owner.account, owner.environment, Section::ClientTokens);
    Ok(see_other(&format!("{base}/{}", token.id)))
}

async fn find(state: &AppState, owner: &Owner, id: &str) -> Result<ClientToken, Error> {
    let id = ClientTokenId::parse(id).ok_or_else(|| Error::NotFound(id.to_owned()))?;
    state.services.client_tokens.get(owner, &id).await
}

async fn show(
    State(state): State<AppState>,
    signed: Signed,
    PathOwner(owner): PathOwner,
    Path(Named { id }): Path<Named>,
) -> PageResult {
    let token = find(&state, &owner, &id).await?;
    Ok(render_token(&signed, &owner, &token, StatusCode::OK, None))
}

fn render_token(
    signed: &Signed,
    owner: &Owner,
    token: &ClientToken,
    status: StatusCode,
    error: Option<&str>,
) -> axum::response::Response {
    let base = section_path(&owner.account, owner.environment, Section::ClientTokens);
    let body = html! {
        p { a href=(base) { "← All client-side tokens" } }
        dl.details {
            dt { "Name" } dd #shown-name { (token.name) }
            dt { "Description" } dd { @if let Some(d) = &token.description { (d) } @else { span.muted { "—" } } }
            dt { "ID" } dd { code { (token.id) } }
            dt { "Token" } dd { (copyable("token-value", &token.token)) }
            dt { "Status" } dd #token-status { (status_badge(token.status)) }
            dt { "Created" } dd { (time(Some(token.created_at))) }
            dt { "Revoked" } dd { (time(token.revoked_at)) }
        }
        @if token.status == ClientTokenStatus::Active {
            form.card.danger method="post" action={ (base) "/" (token.id) "/revoke" } {
                h2 { "Revoke this token" }
                p { "Checkouts using it stop working. Paddle has no way to undo this." }
                (csrf_field(&signed.csrf))
                @if let Some(error) = error { p.field-error id="confirm-error" { (error) } }
                div.check {
                    input #confirm-revoke type="checkbox" name="confirm" value="yes";
                    label for="confirm-revoke" { "Yes, revoke " (token.name) }
                }
                button.danger type="submit" { "Revoke client-side token" }
            }
        }
    };
    let place = Place {
        account: &owner.account,
        environment: owner.environment,
        section: Section::ClientTokens,
    };
    respond(
        status,
        page("Client-side token", Some(&signed.csrf), Some(&place), body),
    )
}

async fn revoke(
    State(state): State<AppState>,
    Path(Named { id }): Path<Named>,
    Posted {
        signed,
        form,
        then: PathOwner(owner),
    }: Posted<PathOwner>,
) -> PageResult {
    let token = find(&state, &owner, &id).await?;
    if form.get("confirm") != Some("yes") {
        let error = "Tick the box to confirm.";
        return Ok(render_token(
            &signed,
            &owner,
            &token,
            StatusCode::BAD_REQUEST,
            Some(error),
        ));
    }
    let update = ClientTokenUpdate {
        status: ClientTokenStatus::Revoked,
    };
    let token = state
        .services
        .client_tokens
        .update(&owner, &token.id, update)
        .await?;
    let base = section_path(&owner.account, owner.environment, Section::ClientTokens);
    Ok(see_other(&format!("{base}/{}", token.id)))
}
