//! Where a write's new ids, secrets and instant come from: the wall clock
//! and the operating system's randomness, or an account's own clock, or,
//! for an account given a seed, a sequence that a fresh paddock repeats
//! exactly for the same requests.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rand::RngCore;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::Timestamp;
use super::validation::{self, Checked, Fields, ValidationErrors};

/// An account's seed, as the admin API was given it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Seed(String);

/// Seeds are labels people choose: a test's name, a number.
pub const SEED_LENGTH: usize = 200;

impl Seed {
    /// A string of 1–200 characters, or a whole number (kept as its digits).
    pub fn from_json(value: &Value) -> Checked<Self> {
        match value {
            Value::Number(number) if number.is_u64() || number.is_i64() => {
                Ok(Self(number.to_string()))
            }
            _ => validation::string(value, (1, SEED_LENGTH)).map(Self),
        }
    }

    /// The admin API's body, `{"seed": ...}`.
    pub fn from_body(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let mut fields = Fields::new(body, &["seed"]);
        let seed = fields.required("seed", Self::from_json);
        fields.finish(seed)
    }

    /// A seed as stored (validated when it was set).
    pub fn stored(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One write's source of new values; drawn once per write, used by the
/// domain's constructors. Shared by reference inside a store transaction,
/// hence the interior locks.
pub struct Mint {
    now: Timestamp,
    source: Source,
}

enum Source {
    /// The process's one monotonic generator and the OS's randomness.
    Os,
    /// The account's own monotonic generator, for a clock that isn't the
    /// wall clock: ids still increase when the clock stands still.
    Controlled(Arc<Mutex<ulid::Generator>>),
    Seeded(Mutex<Stream>),
}

impl Mint {
    /// The wall clock and the operating system's randomness.
    pub fn real() -> Self {
        Self {
            now: Timestamp::now(),
            source: Source::Os,
        }
    }

    /// An account clock that reads `now`, with the account's generator.
    pub fn controlled(now: Timestamp, generator: Arc<Mutex<ulid::Generator>>) -> Self {
        Self {
            now,
            source: Source::Controlled(generator),
        }
    }

    /// The `draw`th write of `account`, seeded with `seed`.
    pub fn seeded(now: Timestamp, seed: &Seed, account: &str, draw: u64) -> Self {
        let stream = Stream::new(seed, account, draw);
        Self {
            now,
            source: Source::Seeded(Mutex::new(stream)),
        }
    }

    /// The instant of this write.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// A lowercase ULID for something made now; ids made by one account
    /// increase, even within one millisecond.
    pub fn ulid(&self) -> String {
        let ulid = match &self.source {
            Source::Os => return super::client_token::next_ulid(),
            Source::Controlled(generator) => lock(generator)
                .generate_from_datetime(system_time(self.now))
                .unwrap_or_else(|_| ulid::Ulid::from_datetime(system_time(self.now))),
            Source::Seeded(stream) => lock(stream).ulid(self.now),
        };
        ulid.to_string().to_lowercase()
    }

    /// A lowercase ULID for something made at `at` (fixtures' history).
    pub fn ulid_at(&self, at: Timestamp) -> String {
        let ulid = match &self.source {
            Source::Seeded(stream) => lock(stream).ulid(at),
            _ => ulid::Ulid::from_parts(millis(at), rand::random()),
        };
        ulid.to_string().to_lowercase()
    }

    pub fn fill(&self, bytes: &mut [u8]) {
        match &self.source {
            Source::Seeded(stream) => lock(stream).fill(bytes),
            _ => rand::rng().fill_bytes(bytes),
        }
    }

    /// `len` characters from `[A-Za-z0-9]`, evenly.
    pub fn alphanumeric(&self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut text = String::with_capacity(len);
        let mut byte = [0u8];
        while text.len() < len {
            self.fill(&mut byte);
            // 248 = 4 × 62: rejecting the rest keeps every character equally likely.
            if byte[0] < 248 {
                text.push(ALPHABET[usize::from(byte[0] % 62)] as char);
            }
        }
        text
    }
}

/// A seeded write's bytes: SHA-256 in counter mode over the seed, the
/// account and the write's number, so accounts never share a sequence.
struct Stream {
    key: [u8; 32],
    draw: u64,
    block: u64,
    buffer: [u8; 32],
    used: usize,
    ulids: u32,
}

impl Stream {
    fn new(seed: &Seed, account: &str, draw: u64) -> Self {
        let mut key = Sha256::new();
        key.update(b"paddock seed v1\0");
        key.update((seed.0.len() as u64).to_le_bytes());
        key.update(seed.0.as_bytes());
        key.update(account.as_bytes());
        Self {
            key: key.finalize().into(),
            draw,
            block: 0,
            buffer: [0; 32],
            used: 32,
            ulids: 0,
        }
    }

    fn fill(&mut self, bytes: &mut [u8]) {
        for byte in bytes {
            if self.used == self.buffer.len() {
                let mut block = Sha256::new();
                block.update(self.key);
                block.update(self.draw.to_le_bytes());
                block.update(self.block.to_le_bytes());
                self.buffer = block.finalize().into();
                self.block += 1;
                self.used = 0;
            }
            *byte = self.buffer[self.used];
            self.used += 1;
        }
    }

    /// The random part leads with the write's number and the id's place in
    /// it, so a stopped clock still gives increasing ids, across restarts
    /// too (the number is kept in the database).
    fn ulid(&mut self, at: Timestamp) -> ulid::Ulid {
        let mut tail = [0u8; 3];
        self.fill(&mut tail);
        let random = (u128::from(self.draw as u32) << 48)
            | (u128::from(self.ulids & 0xFF_FFFF) << 24)
            | u128::from(u32::from_be_bytes([0, tail[0], tail[1], tail[2]]));
        self.ulids += 1;
        ulid::Ulid::from_parts(millis(at), random)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn millis(at: Timestamp) -> u64 {
    (at.as_datetime().unix_timestamp_nanos() / 1_000_000).max(0) as u64
}

fn system_time(at: Timestamp) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(millis(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Seed {
        Seed::from_json(&"snapshot".into()).unwrap()
    }

    #[test]
    fn a_seed_repeats_its_values_and_accounts_differ() {
        let now = Timestamp::parse_rfc3339("2025-01-01T00:00:00Z").unwrap();
        let values = |account: &str, draw: u64| {
            let mint = Mint::seeded(now, &seed(), account, draw);
            (mint.ulid(), mint.ulid(), mint.alphanumeric(32))
        };
        assert_eq!(values("a", 1), values("a", 1));
        assert_ne!(values("a", 1), values("b", 1));
        assert_ne!(values("a", 1), values("a", 2));
    }

    #[test]
    fn seeded_ids_increase_within_a_millisecond() {
        let now = Timestamp::parse_rfc3339("2025-01-01T00:00:00Z").unwrap();
        let mut ids = Vec::new();
        for draw in 1..=300 {
            let mint = Mint::seeded(now, &seed(), "a", draw);
            ids.push(mint.ulid());
            ids.push(mint.ulid());
        }
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(
            ids.iter().all(|id| id[..10] == ids[0][..10]),
            "one millisecond"
        );
    }

    #[test]
    fn a_stopped_clock_still_gives_increasing_ids() {
        let now = Timestamp::parse_rfc3339("2025-01-01T00:00:00Z").unwrap();
        let generator = Arc::new(Mutex::new(ulid::Generator::new()));
        let ids: Vec<_> = (0..100)
            .map(|_| Mint::controlled(now, generator.clone()).ulid())
            .collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn seeds_are_short_strings_or_whole_numbers() {
        assert_eq!(Seed::from_json(&42.into()).unwrap().as_str(), "42");
        assert!(Seed::from_json(&"".into()).is_err());
        assert!(Seed::from_json(&1.5.into()).is_err());
        assert!(Seed::from_json(&"x".repeat(201).into()).is_err());
    }
}
