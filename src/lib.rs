//! paddock: a self-hosted emulator of the authentication side of Paddle
//! Billing's API: client-side tokens, API keys and their rotation, the API
//! root, and webhooks (notification settings, signed deliveries), with
//! Paddle's bodies, validation and errors; around them an admin API for test
//! suites (accounts, fixtures, seeds, clocks, a request journal, export and
//! import), a dashboard, OpenAPI documents and metrics; on SQLite or Postgres.
//! The crate is the `paddock` binary's library: its behaviour is documented,
//! for users, in the repository's README.md and docs/.
//!
//! A change takes one path: [`http`] (or the CLI) parses and renders,
//! [`service`] applies the rules and owns what follows each write, [`store`]
//! runs the SQL.
//!
//! - [`domain`]: client tokens, API keys, permissions, environments, events,
//!   and the parsing of every body paddock reads; no I/O.
//! - [`service`]: one service per entity, the only path for its writes.
//! - [`store`]: persistence, one interface per entity, implemented once for
//!   Postgres and SQLite.
//! - [`http`]: routes, extractors, Paddle's envelopes, health and metrics,
//!   the admin API, the OpenAPI documents, the dashboard.
//! - [`error`]: the one error type, rendered by `http`.
//! - [`dispatch`]: the webhook dispatcher; [`sweep`]: API key expiry
//!   notices; [`secrets`]: secrets at rest; [`tls`]: trust for `https://`
//!   webhook destinations.
//! - [`config`], [`keys`], [`app`], [`server`], [`telemetry`], [`memory`]:
//!   the command line, `paddock keys`, start-up, the connection loop, logging
//!   and the start-up banner, handing memory back after a flood.

pub mod app;
pub mod config;
pub mod dispatch;
pub mod domain;
pub mod error;
pub mod http;
pub mod keys;
pub mod memory;
pub mod secrets;
pub mod server;
pub mod service;
pub mod store;
pub mod sweep;
pub mod telemetry;
pub mod tls;
