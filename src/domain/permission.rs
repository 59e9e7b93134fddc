//! API key permissions, named as in Paddle's dashboard.

use strum::{EnumCount, VariantArray};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumString,
    strum::VariantArray,
    strum::EnumCount,
)]
#[serde(into = "&'static str")]
#[strum(parse_err_ty = String, parse_err_fn = unknown_permission)]
pub enum Permission {
    #[strum(serialize = "client_token.read")]
    ClientTokenRead,
    #[strum(serialize = "client_token.write")]
    ClientTokenWrite,
    /// List and read API keys. Paddle documents no `api_key.write`.
    #[strum(serialize = "api_key.read")]
    ApiKeyRead,
    /// Preview prices and transactions (`/pricing-preview`,
    /// `/transactions/preview`). paddock keeps no transactions, so it knows
    /// no `transaction.write`.
    #[strum(serialize = "transaction.read")]
    TransactionRead,
}

impl Permission {
    /// Every permission, in declaration order.
    pub const ALL: [Permission; <Permission as EnumCount>::COUNT] =
        *Self::VARIANTS.first_chunk().expect("one variant per count");

    pub fn as_str(self) -> &'static str {
        self.into()
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

fn unknown_permission(text: &str) -> String {
    let known = Permission::join(&Permission::ALL);
    format!("unknown permission `{text}` (expected one of {known})")
}

/// What to do when a key lacks a permission (`PADDOCK_PERMISSIONS`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, strum::EnumString)]
#[strum(
    serialize_all = "lowercase",
    parse_err_ty = String,
    parse_err_fn = unknown_permission_mode
)]
pub enum PermissionMode {
    /// Refuse with 403 `forbidden`, as Paddle does.
    #[default]
    Enforce,
    /// Log the missing permission and let the request proceed.
    Log,
    /// Don't check permissions (keys are still authenticated).
    Off,
}

fn unknown_permission_mode(text: &str) -> String {
    format!("unknown permission mode `{text}` (expected enforce, log or off)")
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
        assert!(Permission::parse_list("transaction.write").is_err());
        assert!(Permission::parse_list("").is_err());
    }

    #[test]
    fn names_are_paddles_in_every_form() {
        for (permission, name) in [
            (ClientTokenRead, "client_token.read"),
            (ClientTokenWrite, "client_token.write"),
            (ApiKeyRead, "api_key.read"),
            (TransactionRead, "transaction.read"),
        ] {
            assert_eq!(permission.as_str(), name);
            assert_eq!(permission.to_string(), name);
            assert_eq!(
                serde_json::to_value(permission).unwrap(),
                serde_json::json!(name)
            );
            assert_eq!(name.parse(), Ok(permission));
        }
        assert_eq!(
            Permission::ALL,
            [
                ClientTokenRead,
                ClientTokenWrite,
                ApiKeyRead,
                TransactionRead
            ]
        );
        assert_eq!(
            "client_token.Read".parse::<Permission>(),
            Err("unknown permission `client_token.Read` (expected one of client_token.read,client_token.write,api_key.read,transaction.read)".to_owned())
        );
    }

    #[test]
    fn parses_permission_modes() {
        assert_eq!("enforce".parse(), Ok(PermissionMode::Enforce));
        assert_eq!("log".parse(), Ok(PermissionMode::Log));
        assert_eq!("off".parse(), Ok(PermissionMode::Off));
        assert_eq!(
            "Off".parse::<PermissionMode>(),
            Err("unknown permission mode `Off` (expected enforce, log or off)".to_owned())
        );
    }
}
