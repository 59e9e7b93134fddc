//! The command line: `paddock` serves; `paddock keys ...` manages API keys.
//! Every option is also an environment variable.

use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};

use crate::domain::{DEFAULT_ACCOUNT, DEFAULT_KEY_NAME, Environment, PermissionMode, Seed};
use crate::http::{CorsOrigins, Fault, TrustedProxies};

mod keys;
mod values;

pub use keys::{ConfiguredKey, PermissionList};
use keys::{parse_key_description, parse_key_name, parse_lifetime};
use values::{
    parse_account, parse_fraction, parse_non_negative, parse_positive, parse_public_url,
    parse_seconds, parse_seed,
};

#[derive(Debug, Parser)]
#[command(
    name = "paddock",
    version,
    about = "A self-hosted emulator of Paddle Billing's authentication API: client-side \
             tokens, API keys and their rotation, webhooks",
    long_about = "A self-hosted emulator of Paddle Billing's authentication API. It serves \
                  client-side tokens, API keys and their rotation, and the API root, with \
                  Paddle's bodies, validation and errors, and sends Paddle's webhooks. With \
                  PADDOCK_ADMIN_TOKEN set, it also serves an admin API for test suites under \
                  /__paddock/ and a dashboard at /__paddock/ui/. Its data is kept in an \
                  embedded SQLite file or in Postgres.\n\n\
                  Every option is also an environment variable (docs/configuration.md); \
                  the documentation's index is docs/README.md in the repository."
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Parses the command line, exiting with clap's message on an error.
    pub fn parse_args() -> Self {
        Self::try_parse_args_from(std::env::args_os()).unwrap_or_else(|error| error.exit())
    }

    /// Parses `args`. The server's options are accepted before `serve`
    /// (or with no subcommand) and after it; afterwards `serve` is what
    /// `command: None` means, with its options in `serve`.
    pub fn try_parse_args_from<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = Self::command().try_get_matches_from(args)?;
        if matches.subcommand_name() == Some("serve") {
            // Both sides would have a value for each option (defaults and
            // the environment fill in), so one given before `serve` would
            // be silently dropped: refuse it instead.
            let before = ServeArgs::augment_args(clap::Command::new("serve"));
            let given = (before.get_arguments()).find(|arg| {
                matches.value_source(arg.get_id().as_str()) == Some(ValueSource::CommandLine)
            });
            if let Some(arg) = given {
                let name = arg.get_long().unwrap_or(arg.get_id().as_str());
                return Err(Self::command().error(
                    ErrorKind::ArgumentConflict,
                    format!("--{name} goes after `serve` (or leave `serve` out)"),
                ));
            }
        }
        let mut cli = Self::from_arg_matches(&matches)?;
        match cli.command.take() {
            Some(Command::Serve(args)) => cli.serve = *args,
            other => cli.command = other,
        }
        Ok(cli)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (what `paddock` does with no subcommand). Its options
    /// go after `serve`, or without `serve` anywhere.
    Serve(Box<ServeArgs>),
    /// Probe a running server's /readyz; exit 0 when ready, 1 when not.
    /// For container health checks in images without curl.
    Healthcheck {
        /// The URL to probe. Default: /readyz on the --listen address
        /// (0.0.0.0 and :: are probed on loopback).
        #[arg(long)]
        url: Option<String>,
        /// The address the server listens on, as its --listen; default: the
        /// --listen (PADDOCK_LISTEN) this command was given.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Create, list and revoke API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print it, once.
    Create {
        /// The account the key belongs to; created on first use.
        #[arg(long, default_value = DEFAULT_ACCOUNT, value_parser = parse_account)]
        account: String,
        /// `sandbox` (keys `pdl_sdbx_...`, tokens `test_...`) or `live`.
        #[arg(long = "env", default_value = "sandbox")]
        environment: Environment,
        /// Comma-separated: client_token.read, client_token.write, api_key.read,
        /// transaction.read.
        #[arg(long, value_parser = PermissionList::parse)]
        permissions: PermissionList,
        /// Lifetime such as 90d, 12h, 30m or 45s; keys never expire without it.
        #[arg(long, value_parser = parse_lifetime)]
        expires_in: Option<time::Duration>,
        /// The key's name, 1 to 150 characters.
        #[arg(long, default_value = DEFAULT_KEY_NAME, value_parser = parse_key_name)]
        name: String,
        /// The key's description, 1 to 250 characters.
        #[arg(long, value_parser = parse_key_description)]
        description: Option<String>,
        /// Let the key rotate its own secret (`POST /api-keys/{id}/rotations`).
        #[arg(long)]
        rotatable: bool,
        /// Print the key and its details as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// List keys: ids, account, environment, permissions, status and expiry.
    /// Never secrets.
    List {
        /// Only this account's keys.
        #[arg(long, value_parser = parse_account)]
        account: Option<String>,
        /// Print a JSON array rather than a table.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by id (`apikey_...`).
    Revoke { id: String },
}

#[derive(Clone, Debug, Args)]
pub struct DatabaseArgs {
    /// Postgres (`postgres://...`) or SQLite (`sqlite:<path>`, `sqlite::memory:`).
    /// Unset: an SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true, value_parser = SecretArg::wrap)]
    pub database_url: Option<SecretArg>,
    /// Where the embedded SQLite database lives when no database URL is set.
    #[arg(
        long,
        env = "PADDOCK_DATA_DIR",
        default_value = "paddock-data",
        global = true
    )]
    pub data_dir: PathBuf,
}

#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PADDOCK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Base URL clients reach paddock at, for `meta.pagination.next`.
    /// Unset: `http://` + the request's Host header.
    #[arg(long, env = "PADDOCK_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// Keys to accept from start: `KEY=perm,perm;KEY2=perm`. Stored hashed.
    /// (Parsed at start, not by clap, whose errors would repeat the value.)
    #[arg(long, env = "PADDOCK_API_KEYS", hide_env_values = true, value_parser = SecretArg::wrap)]
    pub api_keys: Option<ApiKeysSpec>,
    /// Turns on the admin API under /__paddock/, guarded by this token.
    #[arg(long, env = "PADDOCK_ADMIN_TOKEN", hide_env_values = true, value_parser = SecretArg::wrap)]
    pub admin_token: Option<SecretArg>,
    /// Proxies whose `X-Forwarded-For` names the client, for the limits
    /// counted per client address (wrong admin tokens, the rate limit):
    /// comma-separated addresses or networks, such as `10.0.0.0/8,::1`.
    /// Unset: the connection's peer is the client.
    #[arg(long, env = "PADDOCK_TRUSTED_PROXIES", value_parser = TrustedProxies::parse)]
    pub trusted_proxies: Option<TrustedProxies>,
    /// Origins whose pages may call the previews from a browser (CORS),
    /// comma-separated, such as `http://localhost:3000,https://shop.test`.
    /// Unset: any origin (the request's own is allowed).
    #[arg(long, env = "PADDOCK_CORS_ORIGINS", value_parser = CorsOrigins::parse)]
    pub cors_origins: Option<CorsOrigins>,
    /// What a missing permission does: enforce (403), log (and allow), or off.
    #[arg(long, env = "PADDOCK_PERMISSIONS", default_value = "enforce")]
    pub permissions: PermissionMode,
    /// Log lines as `text` or `json`.
    #[arg(long, env = "PADDOCK_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,
    /// 64 hex digits: the key notification secrets are encrypted with at
    /// rest. Unset: kept in `secret.key` in the data directory.
    #[arg(long, env = "PADDOCK_SECRET_KEY", hide_env_values = true, value_parser = SecretArg::wrap)]
    pub secret_key: Option<SecretArg>,
    /// Seconds before the first retry of a failed notification.
    #[arg(long, env = "PADDOCK_WEBHOOK_RETRY_BASE", default_value_t = 1.0, value_parser = parse_seconds)]
    pub webhook_retry_base: f64,
    /// Each further retry waits this many times longer.
    #[arg(long, env = "PADDOCK_WEBHOOK_RETRY_FACTOR", default_value_t = 2.0, value_parser = parse_positive)]
    pub webhook_retry_factor: f64,
    /// Attempts before a notification is marked failed.
    #[arg(long, env = "PADDOCK_WEBHOOK_MAX_ATTEMPTS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub webhook_max_attempts: u32,
    /// A PEM file of CA certificates to trust for `https://` webhook
    /// destinations besides the platform's, for a private staging CA.
    #[arg(long, env = "PADDOCK_WEBHOOK_CA_FILE")]
    pub webhook_ca_file: Option<PathBuf>,
    /// Seconds a verified API key is trusted without asking the database: the
    /// longest a key revoked elsewhere (CLI, another replica) keeps working.
    /// 0 turns the cache off.
    #[arg(long, env = "PADDOCK_KEY_CACHE_TTL", default_value_t = 2.0, value_parser = parse_non_negative)]
    pub key_cache_ttl: f64,
    /// Seconds between sweeps for due `api_key.expiring` (seven days ahead)
    /// and `api_key.expired` notices.
    #[arg(long, env = "PADDOCK_KEY_SWEEP_INTERVAL", default_value_t = 60.0, value_parser = parse_seconds)]
    pub key_sweep_interval: f64,
    /// Seeds every account that has no seed of its own: its ids, tokens,
    /// secrets and timestamps repeat exactly for the same requests (see
    /// docs/test-suites.md, "Seeded runs"). 1 to 200 characters.
    #[arg(long, env = "PADDOCK_SEED", value_parser = parse_seed)]
    pub seed: Option<Seed>,
    /// Seconds a client may take to send a request's line and headers; a
    /// slower one (slowloris) has its connection closed.
    #[arg(long, env = "PADDOCK_HEADER_TIMEOUT", default_value_t = 10.0, value_parser = parse_seconds)]
    pub header_timeout: f64,
    /// Seconds a client may take to send a request's body once its headers
    /// are in; a slower one gets 408 `request_timeout`.
    #[arg(long, env = "PADDOCK_BODY_TIMEOUT", default_value_t = 30.0, value_parser = parse_seconds)]
    pub body_timeout: f64,
    /// Emulate Paddle's rate limit: requests per minute per client IP, past
    /// which an IP gets 429 for 60 s (Paddle's is 240). Unset or 0: off.
    #[arg(long, env = "PADDOCK_RATE_LIMIT")]
    pub rate_limit: Option<u32>,
    /// Honour the `Paddock-Fault` and `Paddock-Delay` request headers.
    #[arg(long, env = "PADDOCK_FAULT_HEADERS", default_value_t = false)]
    pub fault_headers: bool,
    /// Share of requests (0 to 1) answered with PADDOCK_FAULT_CODE at random.
    #[arg(long, env = "PADDOCK_FAULT_RATE", default_value_t = 0.0, value_parser = parse_fraction)]
    pub fault_rate: f64,
    /// The error random faults answer with.
    #[arg(
        long,
        env = "PADDOCK_FAULT_CODE",
        default_value = "service_unavailable"
    )]
    pub fault_code: Fault,
    /// Seconds in-flight requests may run on after SIGTERM or Ctrl-C.
    #[arg(long, env = "PADDOCK_SHUTDOWN_GRACE", default_value_t = 10)]
    pub shutdown_grace: u64,
    /// Requests the journal keeps per account (newest; each with its bodies,
    /// capped at 16 KiB apiece). 0 turns journaling off.
    #[arg(long, env = "PADDOCK_JOURNAL_RETENTION", default_value_t = 200, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub journal_retention: u32,
    /// Client tokens the embedded store keeps in memory (least recently used
    /// leave first), 250 to 300 bytes each (more with long names and
    /// descriptions). 0 turns the cache off. Postgres has none: other
    /// replicas change its tokens.
    #[arg(long, env = "PADDOCK_TOKEN_CACHE", default_value_t = crate::store::DEFAULT_CACHED_TOKENS)]
    pub token_cache: usize,
    /// Connections served at once. Past it, a new connection takes the
    /// place of the one idle longest, and waits (in the listen backlog) only
    /// while every open one is serving a request. Bounds memory under a flood.
    #[arg(long, env = "PADDOCK_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The value of a secret option (`DATABASE_URL`, `PADDOCK_API_KEYS`,
/// `PADDOCK_ADMIN_TOKEN`, `PADDOCK_SECRET_KEY`): `Debug` shows `[REDACTED]`,
/// so logging the arguments never logs it, and the memory is wiped on drop.
#[derive(Clone, Debug)]
pub struct SecretArg(SecretString);

impl SecretArg {
    fn wrap(text: &str) -> Result<Self, String> {
        Ok(Self(text.into()))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// The text of `PADDOCK_API_KEYS`, unparsed; `Debug` hides it.
pub type ApiKeysSpec = SecretArg;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_api_keys_from_the_environment_variable_form() {
        use clap::Parser;
        let cli = Cli::try_parse_from([
            "paddock",
            "--api-keys",
            "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_s=client_token.read",
        ])
        .unwrap();
        let spec = cli.serve.api_keys.unwrap();
        assert_eq!(ConfiguredKey::parse_list(spec.expose()).unwrap().len(), 1);
        assert!(!format!("{spec:?}").contains("pdl_"));
    }

    #[test]
    fn debug_never_shows_a_secret_option() {
        use clap::Parser;
        let cli = Cli::try_parse_from([
            "paddock",
            "--database-url",
            "postgres://user:hunter2@db/paddock",
            "--api-keys",
            "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_s3cr3t=client_token.read",
            "--admin-token",
            "adm1n-t0ken",
            "--secret-key",
            "0123456789abcdef",
        ])
        .unwrap();
        let debug = format!("{cli:?}");
        for secret in ["hunter2", "s3cr3t", "adm1n-t0ken", "0123456789abcdef"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(debug.contains("REDACTED"), "{debug}");
        assert_eq!(
            cli.serve.admin_token.as_ref().map(SecretArg::expose),
            Some("adm1n-t0ken")
        );
        assert_eq!(
            cli.database.database_url.as_ref().map(SecretArg::expose),
            Some("postgres://user:hunter2@db/paddock")
        );
    }

    #[test]
    fn server_options_come_before_or_after_serve() {
        for args in [
            &["paddock", "--listen", "0.0.0.0:9"][..],
            &["paddock", "serve", "--listen", "0.0.0.0:9"],
        ] {
            let cli = Cli::try_parse_args_from(args).unwrap();
            assert_eq!(cli.serve.listen, "0.0.0.0:9", "{args:?}");
            assert!(cli.command.is_none(), "{args:?}");
        }
        let error = Cli::try_parse_args_from(["paddock", "--listen", "0.0.0.0:9", "serve"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("--listen goes after `serve`"), "{error}");
    }

    #[test]
    fn journal_retention_is_200_by_default_and_0_turns_it_off() {
        let retention =
            |args: &[&str]| Cli::try_parse_args_from(args).map(|cli| cli.serve.journal_retention);
        assert_eq!(retention(&["paddock"]).unwrap(), 200);
        assert_eq!(
            retention(&["paddock", "--journal-retention", "0"]).unwrap(),
            0
        );
        for bad in ["-1", "100001", "many"] {
            assert!(
                retention(&["paddock", "--journal-retention", bad]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
