//! Shared test harness: a real paddock server on a random port, over a fresh
//! database per test, with API keys of every kind the contract talks about;
//! and what tests put around it: the `paddock` binary as a child process, a
//! proxy that cuts the database off, a receiver for notifications, a page
//! server on another origin for the browser.

mod app;
mod catalog;
pub mod checkout;
mod dashboard;
mod database;
mod expect;
mod keys;
mod logs;
mod pages;
pub mod previews;
mod process;
mod proxy;
mod receiver;
mod tls;
mod webdriver;

pub use app::*;
pub use catalog::sample_catalog;
pub use dashboard::{Dashboard, UI};
pub use database::*;
pub use expect::*;
pub use keys::Keys;
pub use logs::*;
pub use pages::{PADDLE_JS, Pages, console_lines, page, script_tag, settle};
pub use process::{Paddock, run_paddock};
pub use proxy::{Proxy, Trap};
pub use receiver::{Received, Receiver};
pub use tls::{ServerIdentity, TestCa};
pub use webdriver::Browser;
