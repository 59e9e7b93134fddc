//! The values that describe API keys on the command line and in
//! `PADDOCK_API_KEYS`: permissions, names, descriptions, lifetimes.

use crate::domain::{KEY_DESCRIPTION_LENGTH, KEY_NAME_LENGTH, NewApiKey, Permission, PresentedKey};

/// A non-empty, comma-separated list of permissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionList(pub Vec<Permission>);

impl PermissionList {
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        Permission::parse_list(text).map(Self)
    }
}

/// A key given in `PADDOCK_API_KEYS`. `Debug` shows its id, not the key.
#[derive(Clone, Debug)]
pub struct ConfiguredKey {
    pub key: PresentedKey,
    /// Its permissions, name, description and whether it may rotate.
    pub new: NewApiKey,
}

impl ConfiguredKey {
    /// Parses `KEY=perm,perm|name=CI key|rotatable=true;KEY2=perm`: entries
    /// apart by `;`, each a key, `=`, its permissions, then optional
    /// `|name=...`, `|description=...` and `|rotatable=true|false`.
    /// Errors never repeat a key.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, String> {
        text.split(';')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .enumerate()
            .map(|(index, entry)| {
                Self::parse(entry).map_err(|error| format!("entry {}: {error}", index + 1))
            })
            .collect()
    }

    fn parse(entry: &str) -> Result<Self, String> {
        let (key, rest) = entry
            .split_once('=')
            .ok_or("expected KEY=permission,permission")?;
        let key = PresentedKey::parse(key.trim()).ok_or(
            "not an API key in Paddle's format (pdl_sdbx_apikey_<26 lowercase letters and digits>_<secret>)",
        )?;
        let mut attributes = rest.split('|');
        let permissions = Permission::parse_list(attributes.next().unwrap_or_default())?;
        let mut new = NewApiKey::with_permissions(key.environment(), permissions);
        for attribute in attributes {
            let (name, value) = attribute
                .split_once('=')
                .map(|(name, value)| (name.trim(), value.trim()))
                .ok_or_else(|| format!("expected name=value, not `{}`", attribute.trim()))?;
            let length = |bounds| within(value, bounds).map_err(|e| format!("{name} {e}"));
            match name {
                "name" => new.name = length(KEY_NAME_LENGTH)?,
                "description" => new.description = Some(length(KEY_DESCRIPTION_LENGTH)?),
                "rotatable" => {
                    new.rotatable = value
                        .parse()
                        .map_err(|_| "rotatable must be true or false".to_owned())?
                }
                other => {
                    return Err(format!(
                        "unknown attribute `{other}` (expected name, description or rotatable)"
                    ));
                }
            }
        }
        Ok(Self { key, new })
    }
}

pub(super) fn parse_key_name(text: &str) -> Result<String, String> {
    within(text, KEY_NAME_LENGTH)
}

pub(super) fn parse_key_description(text: &str) -> Result<String, String> {
    within(text, KEY_DESCRIPTION_LENGTH)
}

fn within(text: &str, (min, max): (usize, usize)) -> Result<String, String> {
    if (min..=max).contains(&text.chars().count()) {
        Ok(text.to_owned())
    } else {
        Err(format!("must be {min} to {max} characters"))
    }
}

pub(super) fn parse_lifetime(text: &str) -> Result<time::Duration, String> {
    let error = || format!("`{text}` is not a lifetime such as 90d, 12h, 30m or 45s");
    let split = text.len().checked_sub(1).ok_or_else(error)?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().map_err(|_| error())?;
    if number <= 0 {
        return Err(error());
    }
    match unit {
        "d" => Ok(time::Duration::days(number)),
        "h" => Ok(time::Duration::hours(number)),
        "m" => Ok(time::Duration::minutes(number)),
        "s" => Ok(time::Duration::seconds(number)),
        _ => Err(error()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Environment;

    #[test]
    fn parses_configured_keys_without_echoing_them() {
        let keys = ConfiguredKey::parse_list(
            "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_secret1=client_token.read; \
             pdl_live_apikey_01gtgztp8f4kek3yd4g1wrksa4_secret2=client_token.read,client_token.write;",
        )
        .unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[1].key.environment(), Environment::Live);
        assert_eq!(keys[1].new.permissions.len(), 2);
        assert_eq!(keys[1].new.name, "API key");
        assert!(!keys[1].new.rotatable);

        let error = ConfiguredKey::parse_list("pdl_sdbx_apikey_short_secret1=client_token.read")
            .unwrap_err();
        assert!(!error.contains("secret1"), "{error}");
        assert!(ConfiguredKey::parse_list("pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_s").is_err());
    }

    #[test]
    fn configured_keys_take_a_name_a_description_and_rotatable() {
        let keys = ConfiguredKey::parse_list(
            "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_s=client_token.read\
             |name=CI reader|description=Used by CI|rotatable=true",
        )
        .unwrap();
        let new = &keys[0].new;
        assert_eq!(new.name, "CI reader");
        assert_eq!(new.description.as_deref(), Some("Used by CI"));
        assert!(new.rotatable);
        for bad in ["|rotatable=yes", "|name=", "|colour=red", "|name"] {
            let spec =
                format!("pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_s=client_token.read{bad}");
            let error = ConfiguredKey::parse_list(&spec).unwrap_err();
            assert!(
                error.starts_with("entry 1: ") && !error.contains("_s="),
                "{error}"
            );
        }
    }

    #[test]
    fn parses_lifetimes() {
        assert_eq!(parse_lifetime("90d"), Ok(time::Duration::days(90)));
        assert_eq!(parse_lifetime("45s"), Ok(time::Duration::seconds(45)));
        for bad in ["", "d", "0d", "-1d", "10w", "1.5h"] {
            assert!(parse_lifetime(bad).is_err(), "{bad}");
        }
    }
}
