//! Paddle's two environments. A key belongs to one, and so does every client
//! token it creates: a key never sees the other environment's tokens.

/// `sandbox` or `live`, in text, JSON and the database alike.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumString,
)]
#[serde(into = "&'static str")]
#[strum(
    serialize_all = "lowercase",
    parse_err_ty = String,
    parse_err_fn = unknown_environment
)]
pub enum Environment {
    Sandbox,
    Live,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        self.into()
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

fn unknown_environment(text: &str) -> String {
    format!("unknown environment `{text}` (expected `sandbox` or `live`)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_same_in_every_form() {
        for (environment, name) in [
            (Environment::Sandbox, "sandbox"),
            (Environment::Live, "live"),
        ] {
            assert_eq!(environment.as_str(), name);
            assert_eq!(environment.to_string(), name);
            assert_eq!(serde_json::to_value(environment).unwrap(), name);
            assert_eq!(name.parse(), Ok(environment));
        }
        assert_eq!(
            "Live".parse::<Environment>(),
            Err("unknown environment `Live` (expected `sandbox` or `live`)".to_owned())
        );
    }
}
