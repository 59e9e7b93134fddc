//! The `paddock keys` commands: create, list and revoke API keys from the
//! command line, through the same service as the admin API.

use std::io::{self, Write};

use serde::Serialize;

use crate::config::KeysCommand;
use crate::domain::{ApiKey, NewApiKey, Permission, Timestamp};
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

/// A key as `--json` prints it: what `keys list` shows, never a hash.
#[derive(Serialize)]
struct KeyView<'a> {
    id: &'a str,
    account: &'a str,
    environment: &'static str,
    name: &'a str,
    description: Option<&'a str>,
    permissions: &'a [Permission],
    status: &'static str,
    expires_at: Option<Timestamp>,
    rotatable: bool,
    created_at: Timestamp,
    last_used_at: Option<Timestamp>,
}

impl<'a> KeyView<'a> {
    fn of(key: &'a ApiKey, now: Timestamp) -> Self {
        Self {
            id: key.id.as_str(),
            account: &key.account,
            environment: key.environment.as_str(),
            name: &key.name,
            description: key.description.as_deref(),
            permissions: &key.permissions,
            status: key.status(now).as_str(),
            expires_at: key.expires_at,
            rotatable: key.rotatable,
            created_at: key.created_at,
            last_used_at: key.last_used_at,
        }
    }
}

/// `keys create --json`: the key's details and, this once, the key itself.
#[derive(Serialize)]
struct CreatedView<'a> {
    #[serde(flatten)]
    details: KeyView<'a>,
    key: &'a str,
}

fn write_json(out: &mut impl Write, value: &impl Serialize) -> Result<(), KeyError> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)?;
    Ok(())
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
            json,
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
            if json {
                let created = CreatedView {
                    details: KeyView::of(&key, Timestamp::now()),
                    key: secret.expose(),
                };
                return write_json(out, &created);
            }
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
        KeysCommand::List { account, json } => {
            let now = Timestamp::now();
            let keys = api_keys.list(account.as_deref()).await?;
            if json {
                let views: Vec<_> = keys.iter().map(|key| KeyView::of(key, now)).collect();
                return write_json(out, &views);
            }
            write_table(out, &keys, now)?;
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

fn write_table(out: &mut impl Write, keys: &[ApiKey], now: Timestamp) -> Result<(), KeyError> {
    writeln!(
        out,
        "{:<33}  {:<16}  {:<7}  {:<37}  {:<7}  EXPIRES",
        "ID", "ACCOUNT", "ENV", "PERMISSIONS", "STATUS"
    )?;
    for key in keys {
        let expires = key
            .expires_at
            .map_or_else(|| "never".to_owned(), |at| at.to_string());
        writeln!(
            out,
            "{:<33}  {:<16}  {:<7}  {:<37}  {:<7}  {expires}",
            key.id.as_str(),
            key.account,
            key.environment.as_str(),
            Permission::join(&key.permissions),
            key.status(now).as_str(),
        )?;
    }
    Ok(())
}
