//! Integration tests over real HTTP, organised like the contract
//! (as docs/ describes it): one module per section.

mod helpers;

mod account_clock;
mod account_state;
mod account_state_refusals;
mod accounts;
mod admin;
mod admin_fixtures;
mod admin_guessing;
mod api_key_events;
mod api_key_exposures;
mod api_keys;
mod api_root;
mod authentication;
mod bad_input;
mod create;
mod drills;
mod emulation;
mod failures;
mod fixture_ids;
mod get;
mod hostile;
mod journal;
mod list;
mod metrics;
mod openapi;
mod operations;
mod permission_modes;
mod persistence;
mod postgres_tls;
mod reads_after_writes;
mod recorded;
mod revoke;
mod rotation_requests;
mod rotations;
mod secrets;
mod seeded_runs;
mod timestamps;
mod ui;
mod ui_browser;
mod unparsable_heads;
mod webhook_settings;
mod webhooks;
mod webhooks_doorbell;
mod webhooks_tls;
