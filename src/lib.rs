//! paddock: a self-hosted emulator of Paddle Billing's client-side token API.
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
//! - [`http`]: routes, extractors, Paddle's envelopes, the admin API.
//! - [`error`]: the one error type, rendered by `http`.
//! - [`dispatch`]: the webhook dispatcher; [`sweep`]: API key expiry
//!   notices; [`secrets`]: secrets at rest.
//! - [`config`], [`keys`], [`app`], [`server`], [`telemetry`]: the command
//!   line, `paddock keys`, start-up, the connection loop, logging.

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
