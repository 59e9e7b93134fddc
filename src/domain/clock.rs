//! An account's clock: the wall clock, or one a test suite stops, sets and
//! moves on, so that expiry and "created 3 days ago" can be tested without
//! waiting. Only the account's own instants follow it; transport (webhook
//! signatures, retry backoff, timeouts) always runs on real time.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};
use time::Duration;

use super::Timestamp;
use super::validation::{self, Fields, Problem, ValidationErrors};

/// What an account's clock reads, relative to real time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    Real,
    /// Stopped at an instant; moves only when set or advanced.
    Frozen(Timestamp),
    /// Runs with real time, this many microseconds ahead (or behind).
    Shifted(i64),
}

/// Where a seeded account's clock starts, unless told otherwise: a seed
/// promises the same timestamps, so the clock can't be the wall clock.
pub const SEEDED_START: &str = "2025-01-01T00:00:00.000000Z";

impl Clock {
    /// The clock a seeded account starts with.
    pub fn seeded_start() -> Self {
        Self::Frozen(Timestamp::parse(SEEDED_START).expect("a canonical instant"))
    }

    /// The clock's reading when real time is `real`.
    pub fn read(self, real: Timestamp) -> Timestamp {
        match self {
            Self::Real => real,
            Self::Frozen(at) => at,
            Self::Shifted(micros) => shift(real, micros),
        }
    }

    pub fn now(self) -> Timestamp {
        match self {
            Self::Real => Timestamp::now(),
            Self::Frozen(at) => at,
            Self::Shifted(_) => self.read(Timestamp::now()),
        }
    }

    /// A clock that reads `at` now (real time `real`), stopped or running.
    pub fn set(at: Timestamp, frozen: bool, real: Timestamp) -> Self {
        if frozen {
            Self::Frozen(at)
        } else {
            let micros = (at.as_datetime() - real.as_datetime()).whole_microseconds();
            Self::Shifted(micros.clamp(i64::MIN.into(), i64::MAX.into()) as i64)
        }
    }

    /// The same clock moved on by `by`; a running clock keeps running.
    pub fn advanced(self, by: Duration) -> Self {
        let micros = by.whole_microseconds().clamp(0, i64::MAX.into()) as i64;
        match self {
            Self::Frozen(at) => Self::Frozen(shift(at, micros)),
            Self::Real => Self::Shifted(micros),
            Self::Shifted(ahead) => Self::Shifted(ahead.saturating_add(micros)),
        }
    }

    pub fn is_frozen(self) -> bool {
        matches!(self, Self::Frozen(_))
    }

    /// The stored form: `real`, `frozen:<instant>` or `shifted:<micros>`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.split_once(':') {
            None if text == "real" => Some(Self::Real),
            Some(("frozen", at)) => Timestamp::parse(at).map(Self::Frozen),
            Some(("shifted", micros)) => micros.parse().ok().map(Self::Shifted),
            _ => None,
        }
    }

    /// The admin API's view of the clock when real time is `real`.
    pub fn view(self, real: Timestamp) -> ClockView {
        ClockView {
            now: self.read(real),
            frozen: self.is_frozen(),
            real_time: self == Self::Real,
        }
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Real => f.write_str("real"),
            Self::Frozen(at) => write!(f, "frozen:{at}"),
            Self::Shifted(micros) => write!(f, "shifted:{micros}"),
        }
    }
}

/// A change to an account's clock, from the admin API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockChange {
    /// Read `at` from now on (`None`: what it reads now), stopped or running.
    Set {
        at: Option<Timestamp>,
        frozen: bool,
    },
    Advance(Duration),
    /// Back to the account's default: real time (or, seeded, the seed's start).
    Reset,
}

/// The longest single advance: a hundred years.
pub const MAX_ADVANCE_SECONDS: i64 = 3_155_760_000;

impl ClockChange {
    /// `{"frozen": true|false, "now": <RFC 3339, optional>}`.
    pub fn set_from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let mut fields = Fields::new(body, &["frozen", "now"]);
        let frozen = fields.required("frozen", validation::boolean);
        let at = fields.optional("now", validation::timestamp);
        let change = match (frozen, at) {
            (Some(frozen), Some(at)) => Some(Self::Set { at, frozen }),
            _ => None,
        };
        fields.finish(change)
    }

    /// `{"seconds": <0 to a hundred years, fractions to the microsecond>}`.
    pub fn advance_from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let mut fields = Fields::new(body, &["seconds"]);
        let seconds = fields.required("seconds", seconds);
        fields.finish(seconds.map(|micros| Self::Advance(Duration::microseconds(micros))))
    }
}

/// A non-negative number of seconds, as whole microseconds.
fn seconds(value: &Value) -> validation::Checked<i64> {
    let Some(seconds) = value.as_f64() else {
        return Err(vec![Problem::expected("number", value)]);
    };
    if seconds < 0.0 {
        Err(vec![Problem::Minimum(0)])
    } else if seconds > MAX_ADVANCE_SECONDS as f64 {
        Err(vec![Problem::Maximum(MAX_ADVANCE_SECONDS)])
    } else {
        Ok((seconds * 1e6).round() as i64)
    }
}

/// `{"now": ..., "frozen": ..., "real_time": ...}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ClockView {
    pub now: Timestamp,
    pub frozen: bool,
    pub real_time: bool,
}

fn shift(at: Timestamp, micros: i64) -> Timestamp {
    at.checked_add(Duration::microseconds(micros))
        .unwrap_or(if micros < 0 { min() } else { max() })
}

fn max() -> Timestamp {
    Timestamp::parse("9999-12-31T23:59:59.999999Z").expect("a canonical instant")
}

fn min() -> Timestamp {
    Timestamp::parse("0001-01-01T00:00:00.000000Z").expect("a canonical instant")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    #[test]
    fn frozen_clocks_move_only_when_advanced() {
        let real = at("2026-12-01T10:00:00Z");
        let frozen = Clock::set(at("2025-01-01T00:00:00Z"), true, real);
        assert_eq!(
            frozen.read(at("2030-01-01T00:00:00Z")),
            at("2025-01-01T00:00:00Z")
        );
        let later = frozen.advanced(Duration::days(3));
        assert_eq!(later.read(real), at("2025-01-04T00:00:00Z"));
    }

    #[test]
    fn set_clocks_keep_running() {
        let real = at("2026-12-01T10:00:00Z");
        let clock = Clock::set(at("2026-12-01T09:00:00Z"), false, real);
        assert_eq!(
            clock.read(at("2026-12-01T10:00:05Z")),
            at("2026-12-01T09:00:05Z")
        );
        let real_then_advanced = Clock::Real.advanced(Duration::hours(2));
        assert_eq!(real_then_advanced.read(real), at("2026-12-01T12:00:00Z"));
        assert!(!real_then_advanced.is_frozen());
    }

    #[test]
    fn stored_form_round_trips_and_extremes_saturate() {
        let real = Timestamp::now();
        for clock in [
            Clock::Real,
            Clock::seeded_start(),
            Clock::Shifted(-5),
            Clock::Frozen(real),
        ] {
            assert_eq!(Clock::parse(&clock.to_string()), Some(clock));
        }
        assert_eq!(Clock::parse("frozen:yesterday"), None);
        let far = Clock::seeded_start().advanced(Duration::MAX);
        assert_eq!(far, Clock::Frozen(max()));
    }
}
