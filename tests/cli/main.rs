//! The `paddock` binary itself: what it prints, what it stores, how it
//! exits. Each test has its own data directory and port, waits for
//! readiness by reading the log (never by sleeping), and is bounded by
//! timeouts; a child process is killed if its test panics.

mod configuration;
mod file_modes;
mod first_start;
mod front_door;
mod harness;
mod keys;
mod keys_json;
mod logs;
mod ownership;
mod permissions;
mod redaction;
mod startup;
