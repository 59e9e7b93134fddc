//! Paddle's two environments. A key belongs to one, and so does every client
//! token it creates: a key never sees the other environment's tokens.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Sandbox,
    Live,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Live => "live",
        }
    }

    /// The segment in an API key: `pdl_sdbx_apikey_...`, `pdl_live_apikey_...`.
    pub fn key_segment(self) -> &'static str {
        match self {
            Self::Sandbox => "sdbx",
            Self::Live => "live",
        }
    }

    /// The prefix of a client token's value: `test_...`, `live_...`.
    pub fn token_prefix(self) -> &'static str {
        match self {
            Self::Sandbox => "test_",
            Self::Live => "live_",
        }
    }

    pub fn from_key_segment(segment: &str) -> Option<Self> {
        match segment {
            "sdbx" => Some(Self::Sandbox),
            "live" => Some(Self::Live),
            _ => None,
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sandbox" => Ok(Self::Sandbox),
            "live" => Ok(Self::Live),
            other => Err(format!(
                "unknown environment `{other}` (expected `sandbox` or `live`)"
            )),
        }
    }
}
