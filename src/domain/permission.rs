//! API key permissions, named as in Paddle's dashboard.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    ClientTokenRead,
    ClientTokenWrite,
}

impl Permission {
    pub const ALL: [Permission; 2] = [Self::ClientTokenRead, Self::ClientTokenWrite];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientTokenRead => "client_token.read",
            Self::ClientTokenWrite => "client_token.write",
        }
    }

    /// Paddle: "write permissions include read access".
    pub fn is_granted_by(self, granted: &[Permission]) -> bool {
        granted.iter().any(|&held| {
            held == self || (self == Self::ClientTokenRead && held == Self::ClientTokenWrite)
        })
    }

    /// Parses a comma-separated list such as `client_token.read,client_token.write`.
    pub fn parse_list(list: &str) -> Result<Vec<Permission>, String> {
        let mut permissions = Vec::new();
        for name in list
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
        {
            let permission = name.parse()?;
            if !permissions.contains(&permission) {
                permissions.push(permission);
            }
        }
        if permissions.is_empty() {
            return Err("at least one permission is required".to_owned());
        }
        permissions.sort();
        Ok(permissions)
    }

    pub fn join(permissions: &[Permission]) -> String {
        permissions
            .iter()
            .map(|permission| permission.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl serde::Serialize for Permission {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Permission {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|permission| permission.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown permission `{s}` (expected client_token.read or client_token.write)"
                )
            })
    }
}

/// What to do when a key lacks a permission (`PADDOCK_PERMISSIONS`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PermissionMode {
    /// Refuse with 403 `forbidden`, as Paddle does.
    #[default]
    Enforce,
    /// Log the missing permission and let the request proceed.
    Log,
    /// Don't check permissions (keys are still authenticated).
    Off,
}

impl FromStr for PermissionMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "enforce" => Ok(Self::Enforce),
            "log" => Ok(Self::Log),
            "off" => Ok(Self::Off),
            other => Err(format!(
                "unknown permission mode `{other}` (expected enforce, log or off)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Permission::*;
    use super::*;

    #[test]
    fn write_includes_read_but_not_the_reverse() {
        assert!(ClientTokenRead.is_granted_by(&[ClientTokenWrite]));
        assert!(!ClientTokenWrite.is_granted_by(&[ClientTokenRead]));
        assert!(!ClientTokenRead.is_granted_by(&[]));
    }

    #[test]
    fn parses_lists_and_rejects_unknown_names() {
        assert_eq!(
            Permission::parse_list("client_token.write, client_token.read,client_token.write"),
            Ok(vec![ClientTokenRead, ClientTokenWrite])
        );
        assert!(Permission::parse_list("transaction.read").is_err());
        assert!(Permission::parse_list("").is_err());
    }
}
