//! Instants as Paddle writes them: UTC, microsecond precision, a trailing `Z`
//! (`2025-06-27T11:26:10.253482Z`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

const FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// The first and last instants Paddle's form can write.
const FIRST: &str = "0000-01-01T00:00:00.000000Z";
const LAST: &str = "9999-12-31T23:59:59.999999Z";

/// A UTC instant truncated to whole microseconds, so that what is stored,
/// returned and compared is always exactly what a client saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }

    /// Converts to UTC and drops anything finer than a microsecond. An
    /// instant outside [`Timestamp::within_range`]'s years (none paddock
    /// makes: a clock reading, a stored value) is held at the nearer end
    /// rather than panicking.
    pub fn from_datetime(at: OffsetDateTime) -> Self {
        Self::within_range(at).unwrap_or_else(|| {
            let end = if at.unix_timestamp() < 0 { FIRST } else { LAST };
            Self::parse(end).expect("a canonical instant")
        })
    }

    /// `at` in UTC, to the microsecond, if its UTC year is one Paddle's form
    /// can write: RFC 3339 has four-digit years, so 0000 to 9999. An offset
    /// can carry a valid RFC 3339 time past them
    /// (`9999-12-31T23:59:59-23:59`).
    pub fn within_range(at: OffsetDateTime) -> Option<Self> {
        let at = at.checked_to_offset(UtcOffset::UTC)?;
        if !(0..=9999).contains(&at.year()) {
            return None;
        }
        at.replace_microsecond(at.microsecond()).ok().map(Self)
    }

    /// Parses the canonical form written by [`fmt::Display`].
    pub fn parse(text: &str) -> Option<Self> {
        let at = PrimitiveDateTime::parse(text, FORMAT).ok()?;
        Self::within_range(at.assume_utc())
    }

    /// Parses any RFC 3339 instant (any offset, any precision), as people
    /// write them in fixtures; `None` for one outside Paddle's years.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .ok()
            .and_then(Self::within_range)
    }

    pub fn as_datetime(self) -> OffsetDateTime {
        self.0
    }

    pub fn unix_seconds(self) -> i64 {
        self.0.unix_timestamp()
    }

    /// `None` past the years Paddle's form can write, as for an overflow.
    pub fn checked_add(self, duration: time::Duration) -> Option<Self> {
        self.0.checked_add(duration).and_then(Self::within_range)
    }

    pub fn checked_sub(self, duration: time::Duration) -> Option<Self> {
        self.0.checked_sub(duration).and_then(Self::within_range)
    }
}

impl Timestamp {
    /// The canonical form, written digit by digit into `buffer`: every
    /// entity carries three of these, and `time`'s general formatter made a
    /// tenth of the cost of rendering a page. `None` for a year outside
    /// 0000-9999, which the general formatter writes.
    fn write_canonical(self, buffer: &mut [u8; 27]) -> Option<&str> {
        let at = self.0;
        let year = u32::try_from(at.year()).ok().filter(|year| *year <= 9999)?;
        let fields: [(u32, usize); 7] = [
            (year, 4),
            (u32::from(u8::from(at.month())), 2),
            (u32::from(at.day()), 2),
            (u32::from(at.hour()), 2),
            (u32::from(at.minute()), 2),
            (u32::from(at.second()), 2),
            (at.microsecond(), 6),
        ];
        let mut at = 0;
        for ((value, width), separator) in fields.into_iter().zip(*b"--T::.Z") {
            let mut value = value;
            for slot in buffer[at..at + width].iter_mut().rev() {
                *slot = b'0' + (value % 10) as u8;
                value /= 10;
            }
            buffer[at + width] = separator;
            at += width + 1;
        }
        std::str::from_utf8(buffer).ok()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buffer = [0; 27];
        match self.write_canonical(&mut buffer) {
            Some(text) => f.write_str(text),
            None => f.write_str(&self.0.format(FORMAT).map_err(|_| fmt::Error)?),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buffer = [0; 27];
        match self.write_canonical(&mut buffer) {
            Some(text) => serializer.serialize_str(text),
            None => serializer.collect_str(self),
        }
    }
}

/// Read back from what paddock stored: the canonical form only.
impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unreadable timestamp `{text}`")))
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

    /// The hand-written form is the general formatter's, digit for digit.
    #[test]
    fn the_fast_form_is_the_formatters() {
        for at in [
            datetime!(0001-01-01 00:00:00 UTC),
            datetime!(1999-12-31 23:59:59.999999 UTC),
            datetime!(2025-06-27 09:26:10.000001 UTC),
            datetime!(9999-12-31 23:59:59.999999 UTC),
        ] {
            let at = Timestamp::from_datetime(at);
            assert_eq!(at.to_string(), at.0.format(FORMAT).unwrap());
            assert_eq!(
                serde_json::to_string(&at).unwrap(),
                format!("\"{}\"", at.0.format(FORMAT).unwrap())
            );
        }
        let now = Timestamp::now();
        assert_eq!(now.to_string(), now.0.format(FORMAT).unwrap());
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

    /// Valid RFC 3339 whose UTC instant falls outside years 0000-9999 is
    /// refused, not a panic; the ends themselves are kept.
    #[test]
    fn instants_past_the_four_digit_years_are_refused() {
        for outside in [
            "9999-12-31T23:59:59-23:59",
            "9999-12-31T23:00:00-01:00",
            "0000-01-01T00:00:00+00:01",
            "0000-01-01T23:58:59.999999+23:59",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(outside), None, "{outside}");
        }
        for (inside, utc) in [
            ("9999-12-31T23:59:59.9999999Z", LAST),
            ("9999-12-31T23:59:59.999999+00:00", LAST),
            ("0000-01-01T00:00:00Z", FIRST),
            ("0000-01-01T23:59:01+23:59", "0000-01-01T00:00:01.000000Z"),
            ("9999-12-31T00:00:00-23:59", "9999-12-31T23:59:00.000000Z"),
        ] {
            let at = Timestamp::parse_rfc3339(inside).unwrap();
            assert_eq!(at.to_string(), utc, "{inside}");
            assert_eq!(Timestamp::parse(&at.to_string()), Some(at));
        }
        let last = Timestamp::parse(LAST).unwrap();
        assert_eq!(last.checked_add(time::Duration::MICROSECOND), None);
        let first = Timestamp::parse(FIRST).unwrap();
        assert_eq!(first.checked_sub(time::Duration::MICROSECOND), None);
        assert_eq!(Timestamp::parse("-0001-01-01T00:00:00.000000Z"), None);
        let past_the_end = time::macros::datetime!(9999-12-31 23:59:59 -23:59);
        assert_eq!(Timestamp::from_datetime(past_the_end), last);
        let before_the_start = time::macros::datetime!(0000-01-01 00:00:00 +00:01);
        assert_eq!(Timestamp::from_datetime(before_the_start), first);
    }
}
