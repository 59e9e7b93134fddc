//! Start-up and serving: open the store, provision keys, bind, serve until
//! shut down, close the store.

use std::future::Future;
use std::io::{self, Write};
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::config::{Cli, Command, ServeArgs};
use crate::http::{self, AppState, Links, Metrics};
use crate::keys::{self, KeyError};
use crate::store::{self, ConnectError, Store};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error("can't listen on {address}: {source}")]
    Listen { address: String, source: io::Error },
    #[error("server failed: {0}")]
    Serve(#[source] io::Error),
}

/// Runs what the command line asks for.
pub async fn run(cli: Cli) -> Result<(), Error> {
    let store =
        store::connect(cli.database.database_url.as_deref(), &cli.database.data_dir).await?;
    let result = match cli.command {
        None | Some(Command::Serve) => serve_until_signalled(store.clone(), cli.serve).await,
        Some(Command::Keys { command }) => {
            keys::run(store.as_ref(), command, &mut io::stdout().lock())
                .await
                .map_err(Error::from)
        }
    };
    store.close().await;
    result
}

async fn serve_until_signalled(store: Arc<dyn Store>, args: ServeArgs) -> Result<(), Error> {
    keys::apply_configured(store.as_ref(), args.api_keys.as_deref().unwrap_or_default()).await?;
    if let Some(secret) = keys::bootstrap(store.as_ref()).await? {
        // Standard output, not the log: this is the only time it is shown.
        let mut out = io::stdout().lock();
        let _ = writeln!(
            out,
            "\npaddock created a sandbox API key with client_token.read and client_token.write.\n\
             It is shown only this once; paddock keeps only its hash:\n\n    {}\n",
            secret.expose()
        );
    }
    let listener = TcpListener::bind(&args.listen)
        .await
        .map_err(|source| Error::Listen {
            address: args.listen.clone(),
            source,
        })?;
    serve(
        listener,
        store,
        args.public_url.as_deref(),
        shutdown_signal(),
    )
    .await
}

/// Serves the API on `listener` until `shutdown` completes, then lets
/// in-flight requests finish. The seam tests use: bind port 0, pass a
/// future they control.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    public_url: Option<&str>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let address = listener.local_addr().map_err(Error::Serve)?;
    let state = AppState {
        store,
        links: Links::new(public_url, address),
        metrics: Metrics::new(),
    };
    tracing::info!(%address, "listening on http://{address}");
    axum::serve(listener, http::router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(Error::Serve)?;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
