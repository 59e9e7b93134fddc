//! The `paddock keys` commands: create, list and revoke API keys from the
//! command line, through the same service as the admin API.

use std::io::{self, Write};

use crate::config::KeysCommand;
use crate::domain::{NewApiKey, Permission, Timestamp};
use crate::error::Error;
use crate::service::ApiKeys;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Api(#[from] Error),
    #[error("no API key with id `{0}`")]
    NoSuchKey(String),
    #[error("{0}")]
    Invalid(String),
    #[error("can't write output: {0}")]
    Output(#[from] io::Error),
}

/// Runs a `paddock keys` command, writing its report to `out`.
pub async fn run(
    api_keys: &ApiKeys,
    command: KeysCommand,
    out: &mut impl Write,
) -> Result<(), KeyError> {
    match command {
        KeysCommand::Create {
            account,
            environment,
            permissions,
            expires_in,
            name,
            description,
            rotatable,
        } => {
            let expires_at = match expires_in {
                Some(lifetime) => Some(
                    Timestamp::now()
                        .checked_add(lifetime)
                        .ok_or_else(|| KeyError::Invalid("--expires-in is too long".to_owned()))?,
                ),
                None => None,
            };
            let new = NewApiKey {
                environment,
                name,
                description,
                permissions: permissions.0,
                expires_at,
                rotatable,
            };
            let (key, secret) = api_keys.create(&account, new).await?;
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
            for key in api_keys.list(None).await? {
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
            let key = match api_keys.revoke(&id).await {
                Err(Error::NotFound(_)) => return Err(KeyError::NoSuchKey(id)),
                revoked => revoked?,
            };
            writeln!(out, "Revoked API key {}.", key.id)?;
        }
    }
    Ok(())
}
