//! Provisioning API keys: keys given at start, the first-run key, and the
//! `paddock keys` commands.

use std::io::{self, Write};

use crate::config::{ConfiguredKey, KeysCommand};
use crate::domain::{
    ApiKey, ApiKeyId, ApiKeySecret, DEFAULT_ACCOUNT, Environment, Permission, Timestamp,
};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a different key with id {0} is already stored; choose another key")]
    IdTaken(ApiKeyId),
    #[error("no API key with id `{0}`")]
    NoSuchKey(String),
    #[error("{0}")]
    Invalid(String),
    #[error("can't write output: {0}")]
    Output(#[from] io::Error),
}

/// Stores each configured key that isn't stored yet and brings the
/// permissions of those that are in line with the configuration. A key
/// revoked earlier stays revoked: configuration never un-revokes.
pub async fn apply_configured(store: &dyn Store, keys: &[ConfiguredKey]) -> Result<(), KeyError> {
    for configured in keys {
        let wanted = ApiKey::from_presented(
            &configured.key,
            DEFAULT_ACCOUNT,
            configured.permissions.clone(),
            None,
        );
        match store.api_key(configured.key.id()).await? {
            None => store.insert_api_key(&wanted).await?,
            Some(stored) if stored.key_hash.matches(configured.key.hash()) => {
                store.set_api_key_permissions(&wanted).await?;
            }
            Some(stored) => return Err(KeyError::IdTaken(stored.id)),
        }
    }
    Ok(())
}

/// On a first start with no keys at all, mints a sandbox key with every
/// permission, so `cargo run` is usable at once. Returns it to show once.
pub async fn bootstrap(store: &dyn Store) -> Result<Option<ApiKeySecret>, KeyError> {
    if !store.api_keys().await?.is_empty() {
        return Ok(None);
    }
    let (key, secret) = ApiKey::generate(
        DEFAULT_ACCOUNT,
        Environment::Sandbox,
        Permission::ALL.to_vec(),
        None,
    );
    store.insert_api_key(&key).await?;
    Ok(Some(secret))
}

/// Runs a `paddock keys` command, writing its report to `out`.
pub async fn run(
    store: &dyn Store,
    command: KeysCommand,
    out: &mut impl Write,
) -> Result<(), KeyError> {
    match command {
        KeysCommand::Create {
            account,
            environment,
            permissions,
            expires_in,
        } => {
            let expires_at = match expires_in {
                Some(lifetime) => Some(
                    Timestamp::now()
                        .checked_add(lifetime)
                        .ok_or_else(|| KeyError::Invalid("--expires-in is too long".to_owned()))?,
                ),
                None => None,
            };
            store.ensure_account(&account, Timestamp::now()).await?;
            let (key, secret) = ApiKey::generate(&account, environment, permissions.0, expires_at);
            store.insert_api_key(&key).await?;
            writeln!(
                out,
                "Created API key {} (account {}, {}, {}).",
                key.id,
                key.account,
                key.environment,
                Permission::join(&key.permissions)
            )?;
            writeln!(
                out,
                "It is shown only this once; paddock keeps only its hash:"
            )?;
            writeln!(out)?;
            writeln!(out, "    {}", secret.expose())?;
        }
        KeysCommand::List => {
            let now = Timestamp::now();
            writeln!(
                out,
                "{:<33}  {:<7}  {:<37}  {:<7}  EXPIRES",
                "ID", "ENV", "PERMISSIONS", "STATUS"
            )?;
            for key in store.api_keys().await? {
                let expires = key
                    .expires_at
                    .map_or_else(|| "never".to_owned(), |at| at.to_string());
                writeln!(
                    out,
                    "{:<33}  {:<7}  {:<37}  {:<7}  {expires}",
                    key.id.as_str(),
                    key.environment.as_str(),
                    Permission::join(&key.permissions),
                    key.status(now).as_str(),
                )?;
            }
        }
        KeysCommand::Revoke { id } => {
            let key_id = ApiKeyId::parse(&id).ok_or_else(|| KeyError::NoSuchKey(id.clone()))?;
            if !store.revoke_api_key(&key_id).await? {
                return Err(KeyError::NoSuchKey(id));
            }
            writeln!(out, "Revoked API key {key_id}.")?;
        }
    }
    Ok(())
}
