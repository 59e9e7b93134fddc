//! Serving: the router over a store, started before or after the database
//! answers (see `startup` for `paddock serve`), drained on shutdown.

mod startup;

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::config::{Cli, Command, SecretArg};
use crate::dispatch::Dispatcher;
use crate::domain::{PermissionMode, RetryPolicy, Seed};
use crate::http::{
    self, AdminToken, AppState, CorsOrigins, Emulation, FailureLimiter, Links, Metrics,
    RateLimiter, Readiness, Shared, TrustedProxies,
};
use crate::keys::{self, KeyError};
use crate::secrets::{SecretBox, SecretKeyError};
use crate::server;
use crate::service::{ApiKeys, DEFAULT_RETENTION, Mints, ProvisionError, Services};
use crate::store::{self, Access, ConnectError, Store};
use crate::sweep::KeySweeper;
use crate::tls::{CaFileError, ExtraRoots};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(transparent)]
    Provision(#[from] ProvisionError),
    #[error("can't listen on {address}: {source}")]
    Listen { address: String, source: io::Error },
    #[error("server failed: {0}")]
    Serve(#[source] io::Error),
    #[error(transparent)]
    SecretKey(#[from] SecretKeyError),
    /// Never repeats the keys: the message says which entry and why.
    #[error("invalid PADDOCK_API_KEYS (--api-keys): {0}")]
    ApiKeys(String),
    #[error(transparent)]
    WebhookCa(#[from] CaFileError),
    #[error("not ready: {0}")]
    Unhealthy(String),
    #[error(transparent)]
    AdminToken(#[from] http::AdminTokenTooShort),
}

/// Runs what the command line asks for.
pub async fn run(cli: Cli) -> Result<(), Error> {
    if let Some(Command::Healthcheck { url, listen }) = &cli.command {
        let listen = listen.as_deref().unwrap_or(&cli.serve.listen);
        let url = url.clone().unwrap_or_else(|| readiness_url(listen));
        return healthcheck(&url).await;
    }
    match cli.command {
        Some(Command::Keys { command }) => {
            // A one-shot command: a database away is an error, not a wait.
            let store = store::connect(
                cli.database.database_url.as_ref().map(SecretArg::expose),
                &cli.database.data_dir,
                Access::Command,
            )
            .await?;
            let api_keys =
                ApiKeys::uncached(store.clone(), Arc::new(Mints::new(store.clone(), None)));
            let result = keys::run(&api_keys, command, &mut io::stdout().lock())
                .await
                .map_err(Error::from);
            store.close().await;
            result
        }
        _ => startup::serve_until_signalled(cli.database, cli.serve).await,
    }
}

/// `/readyz` on the address the server listens on; a wildcard address is
/// probed on loopback.
fn readiness_url(listen: &str) -> String {
    let address = match listen.rsplit_once(':') {
        Some(("0.0.0.0", port)) => format!("127.0.0.1:{port}"),
        Some(("[::]", port)) => format!("[::1]:{port}"),
        _ => listen.to_owned(),
    };
    format!("http://{address}/readyz")
}

async fn healthcheck(url: &str) -> Result<(), Error> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .map_err(|error| Error::Unhealthy(error.to_string()))?;
    match client.get(url).send().await {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => Err(Error::Unhealthy(format!(
            "{url} answered {}",
            response.status()
        ))),
        Err(error) => Err(Error::Unhealthy(format!("{url}: {error}"))),
    }
}

/// How the server behaves, beyond where it listens and what it stores.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Base URL for `meta.pagination.next`; `None` to use the Host header.
    pub public_url: Option<String>,
    pub permission_mode: PermissionMode,
    /// `None` leaves the admin API off.
    pub admin_token: Option<AdminToken>,
    /// Proxies whose `X-Forwarded-For` names the client, for the limits
    /// that count per client address.
    pub trusted_proxies: TrustedProxies,
    /// How long in-flight requests may run on after a shutdown signal.
    pub shutdown_grace: Duration,
    /// Seals notification settings' secrets at rest.
    pub secrets: SecretBox,
    /// When failed notifications are retried.
    pub retry: RetryPolicy,
    /// How often the dispatcher looks for due retries.
    pub dispatch_poll: Duration,
    /// CA certificates trusted for webhook destinations besides the platform's.
    pub webhook_roots: ExtraRoots,
    /// How long a verified API key is trusted without asking the database.
    pub key_cache_ttl: Duration,
    /// How often API keys are swept for due expiry notices.
    pub key_sweep_interval: Duration,
    /// Paddle's rate limit and injected faults, for client resilience tests.
    pub emulation: Emulation,
    /// How long a client may take over a request's line and headers.
    pub header_timeout: Duration,
    /// How long a client may take over a request's body.
    pub body_timeout: Duration,
    /// Connections served at once; past it, a new one takes the place of the
    /// one idle longest, or waits while none is idle.
    pub max_connections: usize,
    /// Seeds every account without a seed of its own.
    pub default_seed: Option<Seed>,
    /// Requests the journal keeps per account; 0 turns it off.
    pub journal_retention: usize,
    /// The origins whose pages may call the previews (CORS); any by default.
    pub cors_origins: CorsOrigins,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            public_url: None,
            permission_mode: PermissionMode::Enforce,
            admin_token: None,
            trusted_proxies: TrustedProxies::default(),
            shutdown_grace: Duration::from_secs(10),
            secrets: SecretBox::random(),
            retry: RetryPolicy {
                base: Duration::from_secs(1),
                factor: 2.0,
                max_attempts: 5,
            },
            dispatch_poll: Duration::from_millis(500),
            webhook_roots: ExtraRoots::default(),
            key_cache_ttl: Duration::from_secs(2),
            key_sweep_interval: Duration::from_secs(60),
            emulation: Emulation::default(),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_connections: 1024,
            default_seed: None,
            journal_retention: DEFAULT_RETENTION,
            cors_origins: CorsOrigins::default(),
        }
    }
}

/// Serves the API on `listener` until `shutdown` completes, then stops
/// accepting and lets in-flight requests finish, for at most
/// `options.shutdown_grace`. The seam tests use: bind port 0, pass a future
/// they control.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let started = |_| async { Ok(()) };
    serve_after(listener, store, options, started, shutdown).await
}

/// [`serve`], holding back all but `/healthz` until `startup` (which waits
/// for the database, telling the [`Readiness`] it is given whether it is
/// down) has succeeded: requests wait a moment for it, or are answered 503
/// while the database is down. Webhooks and key sweeps start then. If
/// `startup` fails, the server stops and its error is returned.
pub async fn serve_after<F>(
    listener: TcpListener,
    store: Arc<dyn Store>,
    options: ServeOptions,
    startup: impl FnOnce(Readiness) -> F,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error>
where
    F: Future<Output = Result<(), Error>> + Send,
{
    let address = listener.local_addr().map_err(Error::Serve)?;
    let services = Services::new(
        store.clone(),
        options.secrets.clone(),
        options.key_cache_ttl,
        Arc::new(Mints::new(store.clone(), options.default_seed.clone())),
        options.journal_retention,
    );
    let dispatcher = Dispatcher::new(
        store.clone(),
        options.secrets,
        options.retry,
        options.dispatch_poll,
        &options.webhook_roots,
    );
    let metrics = Metrics::new();
    let dispatcher = dispatcher.with_metrics(metrics.deliveries());
    let sweeper = KeySweeper::new(services.api_keys.clone(), options.key_sweep_interval);
    let readiness = Readiness::default();
    let state = AppState::new(Shared {
        services,
        store,
        links: Links::new(options.public_url.as_deref(), address),
        metrics,
        permission_mode: options.permission_mode,
        admin_token: options.admin_token.map(Arc::new),
        admin_failures: FailureLimiter::default(),
        trusted_proxies: options.trusted_proxies,
        emulation: Arc::new(options.emulation.clone()),
        rate_limiter: Arc::new(RateLimiter::default()),
        body_timeout: options.body_timeout,
        readiness: readiness.clone(),
        cors: options.cors_origins.layer(),
    });
    let (signalled, mut on_signal) = tokio::sync::watch::channel(false);
    // Dropped (unsent) if start-up fails: that stops the server too.
    let (keep_serving, failed) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        tokio::select! {
            () = shutdown => {}
            _ = failed => {}
        }
        let _ = signalled.send(true);
    };
    let mut server = tokio::spawn(server::serve(
        listener,
        http::router(state),
        readiness.clone(),
        options.header_timeout,
        options.max_connections,
        shutdown,
    ));
    let mut stopping = on_signal.clone();
    let started = tokio::select! {
        started = startup(readiness.clone()) => started,
        _ = stopping.wait_for(|signalled| *signalled) => Ok(()),
    };
    if let Err(error) = started {
        drop(keep_serving);
        let _ = server.await;
        return Err(error);
    }
    let stop_background = on_signal.clone();
    let (sweeping, dispatching) = if *on_signal.borrow() {
        (None, None)
    } else {
        readiness.set_ready();
        tracing::info!(%address, "listening on http://{address}");
        (
            Some(tokio::spawn(sweeper.run(stop_background.clone()))),
            Some(tokio::spawn(dispatcher.run(stop_background))),
        )
    };
    let grace = options.shutdown_grace;
    let deadline = async move {
        let _ = on_signal.wait_for(|signalled| *signalled).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        _ = &mut server => {}
        () = deadline => tracing::warn!(?grace, "requests still running after the grace period; stopping anyway"),
    }
    drop(keep_serving);
    // Deliveries in flight are cut off; their leases run out and they are
    // sent again by the next process. A sweep cut off rolls back; the next
    // process sends its notices.
    for task in [dispatching, sweeping].into_iter().flatten() {
        task.abort();
    }
    tracing::info!("stopped");
    Ok(())
}

/// A future that completes on Ctrl-C or SIGTERM. The handlers are in place
/// when this returns, so a signal sent as soon as paddock says it listens is
/// a graceful shutdown, not the default kill.
#[cfg(unix)]
fn shutdown_signal() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
        tracing::info!("shutting down");
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    })
}

#[cfg(test)]
mod tests {
    use super::readiness_url;

    #[test]
    fn probes_wildcard_addresses_on_loopback() {
        assert_eq!(
            readiness_url("0.0.0.0:8080"),
            "http://127.0.0.1:8080/readyz"
        );
        assert_eq!(readiness_url("[::]:9000"), "http://[::1]:9000/readyz");
        assert_eq!(
            readiness_url("127.0.0.1:8080"),
            "http://127.0.0.1:8080/readyz"
        );
    }
}
