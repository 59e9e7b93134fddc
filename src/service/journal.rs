//! The request journal of each account, kept in memory so a test suite can
//! verify what its code asked of paddock and what it was answered. Bounded:
//! past the retention, the oldest entries make way.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::domain::{JournalEntry, JournalFilter};

/// How many entries each account keeps unless configured.
pub const DEFAULT_RETENTION: usize = 200;

#[derive(Debug)]
pub struct Journal {
    /// Entries kept per account; 0 keeps none.
    retention: usize,
    accounts: Mutex<HashMap<String, VecDeque<JournalEntry>>>,
}

impl Default for Journal {
    fn default() -> Self {
        Self::new(DEFAULT_RETENTION)
    }
}

impl Journal {
    pub fn new(retention: usize) -> Self {
        Self {
            retention,
            accounts: Mutex::default(),
        }
    }

    /// Whether requests are journaled at all: off, nothing of a request is
    /// buffered or copied for the journal.
    pub fn is_on(&self) -> bool {
        self.retention > 0
    }

    pub fn record(&self, account: &str, entry: JournalEntry) {
        if !self.is_on() {
            return;
        }
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        let entries = match accounts.get_mut(account) {
            Some(entries) => entries,
            None => accounts.entry(account.to_owned()).or_default(),
        };
        if entries.len() >= self.retention {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The account's entries that match, oldest first.
    pub fn entries(&self, account: &str, filter: &JournalFilter) -> Vec<JournalEntry> {
        let accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        (accounts.get(account).into_iter().flatten())
            .filter(|entry| filter.matches(entry))
            .cloned()
            .collect()
    }

    /// How many of the account's entries match.
    pub fn count(&self, account: &str, filter: &JournalFilter) -> usize {
        let accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        (accounts.get(account).into_iter().flatten())
            .filter(|entry| filter.matches(entry))
            .count()
    }

    /// Forgets one account's entries, or (`None`) every account's.
    pub fn clear(&self, account: Option<&str>) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        match account {
            Some(account) => {
                accounts.remove(account);
            }
            None => accounts.clear(),
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::domain::{ApiKeyId, Credential, RecordedBody, Timestamp};

    fn entry(status: u16) -> JournalEntry {
        JournalEntry {
            method: "GET".into(),
            path: "/client-tokens".into(),
            query: None,
            status,
            request_id: Uuid::new_v4(),
            credential: Credential::ApiKey(
                ApiKeyId::parse("apikey_01gtgztp8f4kek3yd4g1wrksa3").unwrap(),
            ),
            occurred_at: Timestamp::now(),
            request_body: RecordedBody::default(),
            response_body: RecordedBody::default(),
        }
    }

    #[test]
    fn keeps_the_most_recent_per_account() {
        let journal = Journal::new(3);
        for status in 200..205 {
            journal.record("a", entry(status));
        }
        journal.record("b", entry(200));
        let all = JournalFilter::default();
        let statuses: Vec<u16> = (journal.entries("a", &all).iter())
            .map(|e| e.status)
            .collect();
        assert_eq!(statuses, [202, 203, 204]);
        assert_eq!(journal.count("b", &all), 1);
        assert_eq!(journal.count("c", &all), 0);
        journal.clear(Some("a"));
        assert_eq!((journal.count("a", &all), journal.count("b", &all)), (0, 1));
    }

    #[test]
    fn a_retention_of_zero_keeps_nothing() {
        let journal = Journal::new(0);
        journal.record("a", entry(200));
        assert!(!journal.is_on());
        assert_eq!(journal.count("a", &JournalFilter::default()), 0);
    }
}
