//! The services: one per entity, each owning the writes to it and
//! everything that follows from them (events, caches, totals, dispatch).

mod key_cache;
mod totals;

pub use key_cache::KeyCache;
pub use totals::Totals;
