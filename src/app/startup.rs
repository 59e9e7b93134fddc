//! `paddock serve`: check everything that can be checked without the
//! database (the configuration, the listen address, the secret key), listen,
//! then wait for the database, migrate it and provision keys. The first-run
//! key is made last, so a start that fails on a taken port or a bad secret
//! key has spent nothing.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;

use super::{Error, ServeOptions, serve_after, shutdown_signal};
use crate::config::{ConfiguredKey, DatabaseArgs, SecretArg, ServeArgs};
use crate::domain::{NewApiKey, PresentedKey, RetryPolicy};
use crate::http::{AdminToken, Emulation, Readiness};
use crate::secrets::SecretBox;
use crate::service::{ApiKeys, Mints};
use crate::store::{self, Access, ConnectError, Opened};
use crate::telemetry::Banner;
use crate::tls::ExtraRoots;

/// The longest pause between attempts to reach the database at start: it
/// is served within a second of answering.
const MAX_RETRY_PAUSE: Duration = Duration::from_millis(500);

/// How often a database that stays away is logged again (each change of
/// cause is logged at once).
const LOG_EVERY: Duration = Duration::from_secs(5);

pub(super) async fn serve_until_signalled(
    database: DatabaseArgs,
    args: ServeArgs,
) -> Result<(), Error> {
    let shutdown = shutdown_signal().map_err(Error::Serve)?;
    let admin_token = (args.admin_token.as_ref())
        .map(|token| AdminToken::configured(token.expose()))
        .transpose()?
        .flatten();
    let configured = match &args.api_keys {
        Some(spec) => ConfiguredKey::parse_list(spec.expose()).map_err(Error::ApiKeys)?,
        None => Vec::new(),
    };
    let webhook_roots = match &args.webhook_ca_file {
        Some(path) => ExtraRoots::from_pem_file(path)?,
        None => ExtraRoots::default(),
    };
    let configured: Vec<_> = (configured.into_iter())
        .map(|key| (key.key, key.new))
        .collect();
    let listener = TcpListener::bind(&args.listen)
        .await
        .map_err(|source| Error::Listen {
            address: args.listen.clone(),
            source,
        })?;
    let log_format = args.log_format;
    let database_url = database.database_url.as_ref().map(SecretArg::expose);
    let store_description = store::describe(database_url, &database.data_dir);
    // Refuses an unsupported database URL before the data directory is used.
    let access = Access::Serve {
        cached_tokens: args.token_cache,
    };
    let opened = store::open(
        database.database_url.as_ref().map(SecretArg::expose),
        &database.data_dir,
        access,
    )
    .await?;
    let secrets = secret_box(&args, &database)?;
    let options = ServeOptions {
        webhook_roots,
        admin_token,
        ..serve_options(args, secrets)
    };
    let store = opened.store.clone();
    let address = listener.local_addr().map_err(Error::Serve)?;
    let dashboard = options.admin_token.is_some();
    let banner = Banner::new(
        store_description,
        options.public_url.as_deref(),
        address,
        dashboard,
    );
    banner.log(log_format);
    let mints = Arc::new(Mints::new(store.clone(), options.default_seed.clone()));
    let startup = move |readiness: Readiness| async move {
        wait_for_database(&opened, address, &readiness).await?;
        provision_keys(ApiKeys::uncached(opened.store.clone(), mints), &configured).await
    };
    let result = serve_after(listener, store.clone(), options, startup, shutdown).await;
    store.close().await;
    result
}

/// The key notification secrets are sealed with. An in-memory store keeps
/// nothing on disk, and neither does its key.
fn secret_box(args: &ServeArgs, database: &DatabaseArgs) -> Result<SecretBox, Error> {
    let url = database.database_url.as_ref().map(SecretArg::expose);
    let data_dir =
        (!url.is_some_and(store::is_in_memory_url)).then_some(database.data_dir.as_path());
    let configured = args.secret_key.as_ref().map(SecretArg::expose);
    Ok(SecretBox::load(configured, data_dir)?)
}

/// Migrates the database once it can be reached, trying again with growing
/// pauses while it can't, meanwhile telling `readiness` it is down. Any
/// other failure (a wrong password, a missing database, a TLS failure, a
/// failed migration) ends the start.
async fn wait_for_database(
    opened: &Opened,
    address: std::net::SocketAddr,
    readiness: &Readiness,
) -> Result<(), Error> {
    let mut pause = Duration::from_millis(100);
    let mut logged: Option<(String, Instant)> = None;
    loop {
        match opened.migrate().await {
            Ok(()) => {
                readiness.set_database_down(false);
                return Ok(());
            }
            Err(error @ ConnectError::Unreachable { .. }) => {
                readiness.set_database_down(true);
                let cause = error.to_string();
                let repeat = logged
                    .as_ref()
                    .is_some_and(|(last, at)| *last == cause && at.elapsed() < LOG_EVERY);
                if !repeat {
                    tracing::warn!(
                        %error,
                        "waiting for the database; meanwhile http://{address} answers 503 (and /healthz 200)"
                    );
                    logged = Some((cause, Instant::now()));
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(MAX_RETRY_PAUSE);
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// Applies `PADDOCK_API_KEYS`, and on a first start makes and prints a key.
async fn provision_keys(
    api_keys: ApiKeys,
    configured: &[(PresentedKey, NewApiKey)],
) -> Result<(), Error> {
    api_keys.apply_configured(configured).await?;
    if let Some(secret) = api_keys.bootstrap().await? {
        // Standard output, not the log: this is the only time it is shown.
        let mut out = io::stdout().lock();
        let _ = writeln!(
            out,
            "\npaddock created a sandbox API key with every permission.\n\
             It is shown only this once; paddock keeps only its hash:\n\n    {}\n",
            secret.expose()
        );
    }
    Ok(())
}

fn serve_options(args: ServeArgs, secrets: SecretBox) -> ServeOptions {
    ServeOptions {
        public_url: args.public_url,
        permission_mode: args.permissions,
        trusted_proxies: args.trusted_proxies.unwrap_or_default(),
        shutdown_grace: Duration::from_secs(args.shutdown_grace),
        secrets,
        retry: RetryPolicy {
            base: Duration::from_secs_f64(args.webhook_retry_base),
            factor: args.webhook_retry_factor,
            max_attempts: args.webhook_max_attempts,
        },
        key_cache_ttl: Duration::from_secs_f64(args.key_cache_ttl),
        key_sweep_interval: Duration::from_secs_f64(args.key_sweep_interval),
        header_timeout: Duration::from_secs_f64(args.header_timeout),
        body_timeout: Duration::from_secs_f64(args.body_timeout),
        emulation: Emulation {
            rate_limit: args.rate_limit.filter(|limit| *limit > 0),
            fault_headers: args.fault_headers,
            fault_rate: args.fault_rate,
            fault: Some(args.fault_code),
        },
        max_connections: args.max_connections as usize,
        default_seed: args.seed,
        journal_retention: args.journal_retention as usize,
        cors_origins: args.cors_origins.unwrap_or_default(),
        ..ServeOptions::default()
    }
}
