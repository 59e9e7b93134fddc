//! Each account's clock and seed: what every write's [`Mint`] is made of,
//! and the instant every time-based decision for the account is made at.
//! Remembered briefly, so that a request costs no extra read; a change made
//! on another replica is seen within [`REFRESH`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::domain::{Account, Clock, ClockChange, ClockView, Mint, Seed, Timestamp};
use crate::error::{Error, Result};
use crate::store::Store;

/// How long an account's clock and seed are trusted without asking the
/// database.
pub const REFRESH: Duration = Duration::from_secs(1);

pub struct Mints {
    store: Arc<dyn Store>,
    default_seed: Option<Seed>,
    accounts: Mutex<HashMap<String, Arc<Controls>>>,
}

/// What an account's new values come from, as last read.
struct Controls {
    seed: Option<Seed>,
    clock: Clock,
    /// Ids under a clock that isn't the wall clock still increase.
    ulids: Arc<Mutex<ulid::Generator>>,
    read_at: Instant,
}

impl Mints {
    /// `default_seed` seeds every account that has no seed of its own.
    pub fn new(store: Arc<dyn Store>, default_seed: Option<Seed>) -> Self {
        Self {
            store,
            default_seed,
            accounts: Mutex::default(),
        }
    }

    /// The account's clock reading: the instant of its reads and decisions.
    pub async fn now(&self, account: &str) -> Result<Timestamp> {
        Ok(self.controls(account).await?.clock.now())
    }

    /// The source of one write's new values for `account`. A seeded write
    /// is numbered in the database, creating the account if need be.
    pub async fn mint(&self, account: &str) -> Result<Mint> {
        let controls = self.controls(account).await?;
        let now = controls.clock.now();
        Ok(match (&controls.seed, controls.clock) {
            (Some(seed), _) => Mint::seeded(now, seed, account, self.draw(account, now).await?),
            (None, Clock::Real) => Mint::real(),
            (None, _) => Mint::controlled(now, controls.ulids.clone()),
        })
    }

    /// The account's clock as the admin API shows it.
    pub async fn clock(&self, account: &str) -> Result<ClockView> {
        let controls = self.controls(account).await?;
        Ok(controls.clock.view(Timestamp::now()))
    }

    /// Changes the account's clock (creating the account if need be).
    pub async fn change_clock(&self, account: &str, change: ClockChange) -> Result<ClockView> {
        let current = self.load(account).await?;
        let real = Timestamp::now();
        let clock = match change {
            ClockChange::Set { at, frozen } => Some(Clock::set(
                at.unwrap_or(current.clock.read(real)),
                frozen,
                real,
            )),
            ClockChange::Advance(by) => Some(current.clock.advanced(by)),
            ClockChange::Reset => None,
        };
        // An account this creates is created on its new clock.
        let created_at = clock.unwrap_or(current.clock).read(real);
        self.store.ensure_account(account, created_at).await?;
        self.store.set_account_clock(account, clock).await?;
        Ok(self.load(account).await?.clock.view(real))
    }

    /// Sets or clears the account's own seed (creating the account if need
    /// be); either restarts its sequence.
    pub async fn set_seed(&self, account: &str, seed: Option<&Seed>) -> Result<Account> {
        // An account this creates is created on the clock it will have.
        let created_at = match seed {
            Some(_) => Clock::seeded_start().now(),
            None => self.now(account).await?,
        };
        self.store.ensure_account(account, created_at).await?;
        self.store.set_account_seed(account, seed).await?;
        self.load(account).await?;
        let stored = self.store.account(account).await?;
        stored.ok_or_else(|| Error::NotFound(account.to_owned()))
    }

    /// Forgets what was read of the account (after an import replaced its
    /// seed and clock): the next request reads them again.
    pub fn forget(&self, account: &str) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        accounts.remove(account);
    }

    async fn draw(&self, account: &str, now: Timestamp) -> Result<u64> {
        if let Some(draw) = self.store.next_draw(account).await? {
            return Ok(draw);
        }
        self.store.ensure_account(account, now).await?;
        let draw = self.store.next_draw(account).await?;
        draw.ok_or_else(|| Error::NotFound(account.to_owned()))
    }

    async fn controls(&self, account: &str) -> Result<Arc<Controls>> {
        let remembered = self.remembered(account);
        match remembered {
            Some(controls) if controls.read_at.elapsed() < REFRESH => Ok(controls),
            _ => self.load(account).await,
        }
    }

    fn remembered(&self, account: &str) -> Option<Arc<Controls>> {
        let accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        accounts.get(account).cloned()
    }

    /// Reads the account's settings and remembers them; an account not yet
    /// created has the defaults.
    async fn load(&self, account: &str) -> Result<Arc<Controls>> {
        let stored = self.store.account(account).await?;
        let (seed, clock) = stored.map_or((None, None), |a| (a.seed, a.clock));
        let seed = seed.or_else(|| self.default_seed.clone());
        let clock = clock.unwrap_or(match seed {
            Some(_) => Clock::seeded_start(),
            None => Clock::Real,
        });
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        // The generator outlives reloads: ids keep increasing.
        let ulids = accounts
            .get(account)
            .map_or_else(Arc::default, |known| known.ulids.clone());
        let controls = Arc::new(Controls {
            seed,
            clock,
            ulids,
            read_at: Instant::now(),
        });
        accounts.insert(account.to_owned(), controls.clone());
        Ok(controls)
    }
}
