//! Instants as Paddle writes them: UTC, microsecond precision, a trailing `Z`
//! (`2025-06-27T11:26:10.253482Z`).

use std::fmt;

use serde::{Serialize, Serializer};
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

const FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// A UTC instant truncated to whole microseconds, so that what is stored,
/// returned and compared is always exactly what a client saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }

    /// Converts to UTC and drops anything finer than a microsecond.
    pub fn from_datetime(at: OffsetDateTime) -> Self {
        let at = at.to_offset(UtcOffset::UTC);
        let micros = at.microsecond();
        Self(
            at.replace_microsecond(micros)
                .expect("a microsecond is always in range"),
        )
    }

    /// Parses the canonical form written by [`fmt::Display`].
    pub fn parse(text: &str) -> Option<Self> {
        PrimitiveDateTime::parse(text, FORMAT)
            .ok()
            .map(|at| Self(at.assume_utc()))
    }

    /// Parses any RFC 3339 instant (any offset, any precision), as people
    /// write them in fixtures.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .ok()
            .map(Self::from_datetime)
    }

    pub fn as_datetime(self) -> OffsetDateTime {
        self.0
    }

    pub fn unix_seconds(self) -> i64 {
        self.0.unix_timestamp()
    }

    pub fn checked_add(self, duration: time::Duration) -> Option<Self> {
        self.0.checked_add(duration).map(Self::from_datetime)
    }

    pub fn checked_sub(self, duration: time::Duration) -> Option<Self> {
        self.0.checked_sub(duration).map(Self::from_datetime)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.format(FORMAT).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_with_six_fractional_digits_and_z() {
        let at = Timestamp::from_datetime(datetime!(2025-06-27 11:26:10.2534829 +02:00));
        assert_eq!(at.to_string(), "2025-06-27T09:26:10.253482Z");
        let whole = Timestamp::from_datetime(datetime!(2025-01-01 00:00:00 UTC));
        assert_eq!(whole.to_string(), "2025-01-01T00:00:00.000000Z");
    }

    #[test]
    fn parses_what_it_formats() {
        let at = Timestamp::now();
        assert_eq!(Timestamp::parse(&at.to_string()), Some(at));
        assert_eq!(Timestamp::parse("2025-06-27T09:26:10Z"), None);
        assert_eq!(
            Timestamp::parse_rfc3339("2025-06-27T11:26:10.5+02:00")
                .unwrap()
                .to_string(),
            "2025-06-27T09:26:10.500000Z"
        );
    }
}
