//! The limit on wrong admin tokens, per client address, for the admin API
//! and the dashboard's sign-in alike: one table, so neither is a way around
//! the other.
//!
//! [`FREE_FAILURES`] wrong tokens cost nothing (a teammate mistyping); from
//! then on each wrong token locks the address out for twice as long as the
//! last, from [`FIRST_LOCKOUT`] up to [`MAX_LOCKOUT`]: past the first dozen,
//! a guesser gets one try per [`MAX_LOCKOUT`], so 1,000 guesses take days.
//! While locked, an address is refused without its token being judged, the
//! right one included (else a guesser would simply keep guessing); other
//! addresses are not affected. The right token clears the address's count.
//!
//! Decisions are made against the `now` the caller passes, so tests control
//! the clock. The table is a bounded cache: a flood of addresses evicts
//! one-off entries first, and an address that keeps guessing stays.

use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use quick_cache::unsync::Cache;

/// Wrong tokens from one address before it is locked out.
pub const FREE_FAILURES: u32 = 5;
/// The lockout after the [`FREE_FAILURES`]th wrong token; each further one
/// doubles it...
pub const FIRST_LOCKOUT: Duration = Duration::from_secs(10);
/// ...up to this: 15 minutes.
pub const MAX_LOCKOUT: Duration = Duration::from_secs(900);
/// A day without a wrong token from an address starts its count again.
pub const FORGET_AFTER: Duration = Duration::from_secs(86_400);
/// Addresses remembered at once (about 100 bytes each).
const CAPACITY: usize = 16_384;

/// What an attempt from an address comes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The right token, from an address that isn't locked out.
    Admitted,
    /// A wrong token, now counted.
    Wrong,
    /// Refused unjudged: the address may try again after this long.
    Locked(Duration),
}

impl Verdict {
    /// Whole seconds to wait, rounded up, for `Retry-After`.
    pub fn retry_after(wait: Duration) -> u64 {
        wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
    }
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// How long the address is still locked out at `now`, if it is.
    fn locked_for(self, now: Instant) -> Option<Duration> {
        let until = self.last + lockout(self.count);
        (now < until).then(|| until - now)
    }
}

/// The lockout after `count` wrong tokens.
fn lockout(count: u32) -> Duration {
    let Some(doublings) = count.checked_sub(FREE_FAILURES) else {
        return Duration::ZERO;
    };
    let factor = 1u32.checked_shl(doublings).unwrap_or(u32::MAX);
    FIRST_LOCKOUT.saturating_mul(factor).min(MAX_LOCKOUT)
}

/// What an address is counted under: an IPv6 client holds its whole /64
/// (one host is usually given one), so it is one entry, not 2^64; an
/// IPv4-mapped IPv6 address is its IPv4 address.
fn bucket(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

/// Wrong admin tokens by client address.
pub struct FailureLimiter {
    failures: Mutex<Cache<IpAddr, Failures>>,
}

impl Default for FailureLimiter {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl FailureLimiter {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            failures: Mutex::new(Cache::new(capacity)),
        }
    }

    /// Judges an attempt from `client` whose token was `right`, at `now`.
    /// One step under one lock, so concurrent guesses can't all slip in
    /// before the first is counted.
    pub fn attempt(&self, client: IpAddr, right: bool, now: Instant) -> Verdict {
        let key = bucket(client);
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let known = failures.get(&key).copied();
        if let Some(wait) = known.and_then(|entry| entry.locked_for(now)) {
            return Verdict::Locked(wait);
        }
        if right {
            failures.remove(&key);
            return Verdict::Admitted;
        }
        let count = match known {
            Some(entry) if now.saturating_duration_since(entry.last) < FORGET_AFTER => {
                entry.count.saturating_add(1)
            }
            _ => 1,
        };
        failures.insert(key, Failures { count, last: now });
        Verdict::Wrong
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    const A: &str = "203.0.113.7";

    /// `count` wrong tokens from `client`, all at `at`.
    fn fail(limiter: &FailureLimiter, client: IpAddr, count: u32, at: Instant) {
        for _ in 0..count {
            assert_eq!(limiter.attempt(client, false, at), Verdict::Wrong);
        }
    }

    #[test]
    fn the_first_failures_are_free_and_the_next_locks_the_address_out() {
        let limiter = FailureLimiter::default();
        let start = Instant::now();
        fail(&limiter, ip(A), FREE_FAILURES - 1, start);
        assert_eq!(limiter.attempt(ip(A), false, start), Verdict::Wrong);
        assert_eq!(
            limiter.attempt(ip(A), false, start),
            Verdict::Locked(FIRST_LOCKOUT)
        );
        // Locked, the right token is refused too, and doesn't clear the count.
        assert_eq!(
            limiter.attempt(ip(A), true, start + Duration::from_secs(1)),
            Verdict::Locked(FIRST_LOCKOUT - Duration::from_secs(1))
        );
        assert_eq!(
            limiter.attempt(ip(A), false, start + Duration::from_secs(2)),
            Verdict::Locked(FIRST_LOCKOUT - Duration::from_secs(2))
        );
    }

    #[test]
    fn a_right_token_before_the_limit_gets_in_and_clears_the_count() {
        let limiter = FailureLimiter::default();
        let start = Instant::now();
        fail(&limiter, ip(A), FREE_FAILURES - 1, start);
        assert_eq!(limiter.attempt(ip(A), true, start), Verdict::Admitted);
        // The count starts again: as many free failures as before.
        fail(&limiter, ip(A), FREE_FAILURES, start);
        assert!(matches!(
            limiter.attempt(ip(A), true, start),
            Verdict::Locked(_)
        ));
    }

    #[test]
    fn a_lockout_ends_exactly_at_its_window() {
        let limiter = FailureLimiter::default();
        let start = Instant::now();
        fail(&limiter, ip(A), FREE_FAILURES, start);
        let almost = start + FIRST_LOCKOUT - Duration::from_nanos(1);
        assert_eq!(
            limiter.attempt(ip(A), true, almost),
            Verdict::Locked(Duration::from_nanos(1))
        );
        let end = start + FIRST_LOCKOUT;
        assert_eq!(limiter.attempt(ip(A), true, end), Verdict::Admitted);
    }

    #[test]
    fn each_failure_past_the_limit_doubles_the_lockout_up_to_the_cap() {
        let limiter = FailureLimiter::default();
        let mut now = Instant::now();
        fail(&limiter, ip(A), FREE_FAILURES, now);
        let mut expected = FIRST_LOCKOUT;
        for _ in 0..12 {
            assert_eq!(
                limiter.attempt(ip(A), false, now),
                Verdict::Locked(expected)
            );
            now += expected;
            assert_eq!(limiter.attempt(ip(A), false, now), Verdict::Wrong);
            expected = (expected * 2).min(MAX_LOCKOUT);
        }
        assert_eq!(expected, Duration::from_secs(15 * 60));
        assert_eq!(
            limiter.attempt(ip(A), false, now),
            Verdict::Locked(MAX_LOCKOUT)
        );
    }

    #[test]
    fn a_thousand_guesses_take_days() {
        let limiter = FailureLimiter::default();
        let start = Instant::now();
        let mut now = start;
        let mut guesses = 0;
        while guesses < 1000 {
            match limiter.attempt(ip(A), false, now) {
                Verdict::Wrong => guesses += 1,
                Verdict::Locked(wait) => now += wait,
                Verdict::Admitted => unreachable!(),
            }
        }
        let spent = now - start;
        assert!(spent > Duration::from_secs(10 * 24 * 60 * 60), "{spent:?}");
    }

    #[test]
    fn other_addresses_are_not_locked_out() {
        let limiter = FailureLimiter::default();
        let now = Instant::now();
        fail(&limiter, ip(A), FREE_FAILURES, now);
        assert_eq!(
            limiter.attempt(ip("203.0.113.8"), true, now),
            Verdict::Admitted
        );
        assert_eq!(
            limiter.attempt(ip("203.0.113.8"), false, now),
            Verdict::Wrong
        );
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64_and_a_mapped_ipv4_as_ipv4() {
        let limiter = FailureLimiter::default();
        let now = Instant::now();
        for n in 0..FREE_FAILURES {
            let address = ip(&format!("2001:db8:1:2:{n}::1"));
            assert_eq!(limiter.attempt(address, false, now), Verdict::Wrong);
        }
        let same_64 = ip("2001:db8:1:2:ffff:ffff:ffff:ffff");
        assert!(matches!(
            limiter.attempt(same_64, true, now),
            Verdict::Locked(_)
        ));
        let next_64 = ip("2001:db8:1:3::1");
        assert_eq!(limiter.attempt(next_64, true, now), Verdict::Admitted);

        fail(&limiter, ip(A), FREE_FAILURES, now);
        let mapped = ip(&format!("::ffff:{A}"));
        assert!(matches!(
            limiter.attempt(mapped, true, now),
            Verdict::Locked(_)
        ));
    }

    #[test]
    fn a_day_without_failures_starts_the_count_again() {
        let limiter = FailureLimiter::default();
        let start = Instant::now();
        fail(&limiter, ip(A), FREE_FAILURES - 1, start);
        let day = Duration::from_secs(24 * 60 * 60);
        let almost = start + day - Duration::from_nanos(1);
        // Still counted just before: this failure is the fifth.
        assert_eq!(limiter.attempt(ip(A), false, almost), Verdict::Wrong);
        assert!(matches!(
            limiter.attempt(ip(A), false, almost),
            Verdict::Locked(_)
        ));
        // A day after that fifth, a failure is the first again.
        let later = almost + day;
        fail(&limiter, ip(A), FREE_FAILURES, later);
        assert!(matches!(
            limiter.attempt(ip(A), false, later),
            Verdict::Locked(_)
        ));
    }

    #[test]
    fn the_table_is_bounded_and_keeps_a_persistent_guesser() {
        let limiter = FailureLimiter::with_capacity(64);
        let now = Instant::now();
        fail(&limiter, ip(A), FREE_FAILURES, now);
        for n in 0..10_000u32 {
            let address = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + n));
            limiter.attempt(address, false, now);
            // The guesser keeps trying (and so stays hot).
            assert!(matches!(
                limiter.attempt(ip(A), false, now),
                Verdict::Locked(_)
            ));
        }
        let table = limiter.failures.lock().unwrap();
        assert!(table.len() <= 64, "{}", table.len());
    }

    #[test]
    fn lockouts_round_up_to_whole_seconds() {
        assert_eq!(Verdict::retry_after(Duration::from_secs(10)), 10);
        assert_eq!(Verdict::retry_after(Duration::from_millis(9_001)), 10);
        assert_eq!(Verdict::retry_after(Duration::from_nanos(1)), 1);
        assert_eq!(lockout(FREE_FAILURES - 1), Duration::ZERO);
        assert_eq!(lockout(FREE_FAILURES), FIRST_LOCKOUT);
        assert_eq!(lockout(FREE_FAILURES + 1), FIRST_LOCKOUT * 2);
        assert_eq!(lockout(u32::MAX), MAX_LOCKOUT);
    }
}
