//! Shared test harness: a real paddock server on a random port, over a fresh
//! database per test, with API keys of every kind the contract talks about.

mod app;
mod database;
mod expect;
mod logs;

pub use app::*;
pub use database::*;
pub use expect::*;
pub use logs::*;
