//! The admin API under `/__paddock/` (a prefix Paddle never uses), for test
//! suites and a team's sandbox: accounts, their keys, fixtures, resets, the
//! request journal, notifications, the catalog and tax rates, and whole
//! accounts exported and imported.
//! Mounted only when `PADDOCK_ADMIN_TOKEN` is set. Like the API's handlers,
//! these parse, call a service, render.

mod account_state;
mod accounts;
mod api_key_events;
mod api_keys;
mod catalog;
mod checkouts;
mod client_tokens;
mod clock;
mod journal;
mod notifications;

use axum::Router;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(accounts::routes())
        .merge(account_state::routes())
        .merge(api_keys::routes())
        .merge(api_key_events::routes())
        .merge(catalog::routes())
        .merge(checkouts::routes())
        .merge(client_tokens::routes())
        .merge(clock::routes())
        .merge(journal::routes())
        .merge(notifications::routes())
}
