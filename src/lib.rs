//! paddock: a self-hosted emulator of Paddle Billing's client-side token API.
//!
//! - [`domain`]: client tokens, API keys, permissions, environments; no I/O.
//! - [`store`]: persistence behind one interface, on Postgres or SQLite.
//! - [`http`]: routes, extractors and Paddle's envelopes.
//! - [`config`], [`keys`], [`app`]: the command line, key provisioning, start-up.

pub mod app;
pub mod config;
pub mod dispatch;
pub mod domain;
pub mod error;
pub mod http;
pub mod keys;
pub mod secrets;
pub mod server;
pub mod service;
pub mod store;
pub mod telemetry;
