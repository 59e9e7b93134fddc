//! The recent requests of each account, kept in memory so a failing test can
//! ask what paddock saw. Bounded: the oldest entries make way.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use serde::Serialize;
use uuid::Uuid;

use crate::domain::Timestamp;

/// How many requests are kept per account.
pub const CAPACITY: usize = 200;

/// One request, as the admin API reports it. Never a key's secret.
#[derive(Clone, Debug, Serialize)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub request_id: Uuid,
    pub api_key_id: String,
    pub occurred_at: Timestamp,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    accounts: Mutex<HashMap<String, VecDeque<LoggedRequest>>>,
}

impl RequestLog {
    pub fn record(&self, account: &str, request: LoggedRequest) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        let log = accounts.entry(account.to_owned()).or_default();
        if log.len() == CAPACITY {
            log.pop_front();
        }
        log.push_back(request);
    }

    /// The account's requests, oldest first.
    pub fn recent(&self, account: &str) -> Vec<LoggedRequest> {
        let accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        accounts
            .get(account)
            .map(|log| log.iter().cloned().collect())
            .unwrap_or_default()
    }

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
    use super::*;

    fn entry(n: u16) -> LoggedRequest {
        LoggedRequest {
            method: "GET".into(),
            path: "/client-tokens".into(),
            status: n,
            request_id: Uuid::new_v4(),
            api_key_id: "apikey_x".into(),
            occurred_at: Timestamp::now(),
        }
    }

    #[test]
    fn keeps_the_most_recent_per_account() {
        let log = RequestLog::default();
        for n in 0..(CAPACITY as u16 + 5) {
            log.record("a", entry(n));
        }
        log.record("b", entry(1));
        let recent = log.recent("a");
        assert_eq!(recent.len(), CAPACITY);
        assert_eq!(recent[0].status, 5);
        assert_eq!(log.recent("b").len(), 1);
        assert!(log.recent("c").is_empty());
    }
}
