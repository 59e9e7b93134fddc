//! An environment's test-mode checkouts, newest first, each linking to a
//! page with its transaction, customer and address as the webhooks show
//! them. Read-only: checkouts are made by the page (or the admin API).
//!
//! Rendered from the admin view's JSON (the same document
//! `GET /__paddock/accounts/{account}/checkouts` answers), so the
//! dashboard shows exactly what a test reads there.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use super::extract::PathOwner;
use super::layout::{Place, Section, page, respond, section_path, time};
use super::session::Signed;
use super::{PageResult, UI};
use crate::domain::Owner;
use crate::domain::checkout::CheckoutView;
use crate::error::Error;
use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    let base = format!("{UI}/accounts/{{account}}/{{environment}}/checkouts");
    Router::new()
        .route(&base, get(list))
        .route(&format!("{base}/{{checkout}}"), get(show))
}

/// The owner's checkouts, oldest first (the service's order), each with
/// its admin view as JSON.
async fn checkouts(state: &AppState, owner: &Owner) -> Result<Vec<(CheckoutView, Value)>, Error> {
    let views = state.services.checkouts.list(&owner.account).await?;
    let mut shown = Vec::with_capacity(views.len());
    for view in views {
        if view.purchase.checkout.environment == owner.environment {
            let json = serde_json::to_value(view.admin()).map_err(|e| Error::Internal(e.into()))?;
            shown.push((view, json));
        }
    }
    Ok(shown)
}

/// An entity as pretty JSON, in its own key order (the webhooks').
fn pretty<T: serde::Serialize>(entity: &T) -> String {
    serde_json::to_string_pretty(entity).unwrap_or_default()
}

/// The string at `path` in `value`, or "" where there is none.
fn text<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    let mut at = value;
    for key in path {
        at = &at[key];
    }
    at.as_str().unwrap_or_default()
}

fn frame(signed: &Signed, owner: &Owner, title: &str, body: Markup) -> PageResult {
    let place = Place {
        account: &owner.account,
        environment: owner.environment,
        section: Section::Checkouts,
    };
    Ok(respond(
        StatusCode::OK,
        page(title, Some(&signed.csrf), Some(&place), body),
    ))
}

async fn list(
    State(state): State<AppState>,
    signed: Signed,
    PathOwner(owner): PathOwner,
) -> PageResult {
    let checkouts = checkouts(&state, &owner).await?;
    let base = section_path(&owner.account, owner.environment, Section::Checkouts);
    let dash = || html! { span.muted { "—" } };
    let body = html! {
        p.muted { "Test-mode checkouts opened with this environment's client-side tokens, newest first. Complete one from its page or with " code { "POST /__paddock/checkouts/{id}/complete" } "." }
        @if checkouts.is_empty() {
            p.muted #no-checkouts { "No checkouts opened yet." }
        } @else {
            div.table-wrap {
                table #checkouts {
                    thead { tr { th { "Checkout" } th { "Environment" } th { "State" } th { "Transaction" } th { "Total" } th { "Customer" } th { "Created" } } }
                    tbody {
                        @for (view, checkout) in checkouts.iter().rev() {
                            @let id = text(checkout, &["id"]);
                            @let email = text(checkout, &["customer", "email"]);
                            tr id=(id) {
                                td data-label="Checkout" { a href={ (base) "/" (id) } { code { (id) } } }
                                td data-label="Environment" { (text(checkout, &["environment"])) }
                                td data-label="State" { (badge(text(checkout, &["state"]))) }
                                td data-label="Transaction" {
                                    (badge(text(checkout, &["transaction", "status"]))) br;
                                    code.muted { (view.purchase.transaction.id.as_str()) }
                                }
                                td data-label="Total" { (text(checkout, &["display", "formatted_totals", "total"])) }
                                td data-label="Customer" { @if email.is_empty() { (dash()) } @else { (email) } }
                                td data-label="Created" { (time(Some(view.purchase.checkout.created_at))) }
                            }
                        }
                    }
                }
            }
        }
    };
    frame(&signed, &owner, "Checkouts", body)
}

#[derive(Deserialize)]
struct Segments {
    checkout: String,
}

async fn show(
    State(state): State<AppState>,
    signed: Signed,
    PathOwner(owner): PathOwner,
    Path(Segments { checkout: id }): Path<Segments>,
) -> PageResult {
    // Another account's or environment's checkout is not found here.
    let (view, checkout) = (checkouts(&state, &owner).await?)
        .into_iter()
        .find(|(view, _)| view.id().as_str() == id)
        .ok_or_else(|| Error::NotFound(id.clone()))?;
    let purchase = &view.purchase;
    let list = section_path(&owner.account, owner.environment, Section::Checkouts);
    let body = html! {
        p { a href=(list) { "← All checkouts" } }
        dl.details {
            dt { "ID" } dd { code #checkout-id { (id) } }
            dt { "State" } dd #checkout-state { (badge(text(&checkout, &["state"]))) }
            dt { "Payment" } dd #checkout-payment {
                (text(&checkout, &["payment", "status"]))
                @let error = text(&checkout, &["payment", "error_code"]);
                @if !error.is_empty() { " (" (error) ")" }
            }
            dt { "Total" } dd { (text(&checkout, &["display", "formatted_totals", "total"])) }
            dt { "Page" } dd { code { "/checkout/" (id) } }
            dt { "Created" } dd { (time(Some(purchase.checkout.created_at))) }
            dt { "Updated" } dd { (time(Some(purchase.checkout.updated_at))) }
        }
        section #transaction {
            h2 { "Transaction" }
            pre.viewer tabindex="0" { (pretty(&purchase.transaction)) }
        }
        section #customer {
            h2 { "Customer" }
            @match &purchase.customer {
                Some(customer) => pre.viewer tabindex="0" { (pretty(customer)) },
                None => p.muted { "Not known yet." },
            }
        }
        section #address {
            h2 { "Address" }
            @match &purchase.address {
                Some(address) => pre.viewer tabindex="0" { (pretty(address)) },
                None => p.muted { "Not known yet." },
            }
        }
        section #events {
            h2 { "Paddle.js events" }
            pre.viewer tabindex="0" { (pretty(&checkout["events"])) }
        }
    };
    frame(&signed, &owner, "Checkout", body)
}

/// A state or status as a badge; its class is one of the known words only.
fn badge(word: &str) -> Markup {
    let class = match word {
        "completed" | "captured" => "active",
        "closed" | "failed" => "revoked",
        _ => "archived",
    };
    html! { span class={ "badge " (class) } { (word) } }
}
