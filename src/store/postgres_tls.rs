//! The database URL's TLS settings as libpq means them, where sqlx differs:
//! `sslrootcert=system`, `require` with a root given, a root file that
//! can't be read, and telling a TLS failure (which waiting won't mend) from
//! a database that isn't up yet. `prefer`'s fall back to plain text is made
//! when the store first connects (`PostgresStore::migrate`).

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgSslMode};

/// How long a statement may run before Postgres cancels it: a request
/// answers within 2 s, whatever the database does. Migrations run without it.
pub(super) const STATEMENT_TIMEOUT: &str = "1500ms";

/// Postgres's TCP keepalive for paddock's sessions: idle 5 s, then 3
/// probes 2 s apart.
const SERVER_KEEPALIVE: [(&str, &str); 3] = [
    ("tcp_keepalives_idle", "5"),
    ("tcp_keepalives_interval", "2"),
    ("tcp_keepalives_count", "3"),
];

/// The URL's options, TLS as libpq takes it: `sslmode` (`disable`, `prefer`
/// by default, `require`, `verify-ca`, `verify-full`) and `sslrootcert`.
/// sqlx (0.9) reads both; the gaps closed here: as in libpq, `require`
/// with a root certificate given verifies the chain like `verify-ca`;
/// `sslrootcert=system` trusts the system's CA bundle and asks for
/// `verify-full` (a weaker mode given with it is refused, as libpq does);
/// and a root certificate file that can't be read is named now, not met
/// later as a bare "No such file" on the first connection. Also sets the
/// statement timeout, unless the URL sets one.
pub(super) fn connect_options(url: &str) -> Result<PgConnectOptions, sqlx::Error> {
    let mut options = PgConnectOptions::from_str(url)?;
    if !url.contains("statement_timeout") {
        options = options.options([("statement_timeout", STATEMENT_TIMEOUT)]);
    }
    // sqlx (0.9) sets no TCP keepalive of its own; Postgres's, per session,
    // ends a session whose client the network has silently lost (in ~11 s)
    // and rolls back what it held. paddock's own waits are bounded in
    // `bounded`.
    if !url.contains("tcp_keepalives") {
        options = options.options(SERVER_KEEPALIVE);
    }
    let settings = UrlTls::of(url);
    match settings.root_cert.as_deref() {
        None => Ok(options),
        Some("system") => {
            if let Some(mode) = settings.mode.filter(|mode| mode != "verify-full") {
                return Err(configuration(format!(
                    "weak sslmode \"{mode}\" may not be used with sslrootcert=system \
                     (use \"verify-full\")"
                )));
            }
            let bundle = openssl_probe::probe().cert_file.ok_or_else(|| {
                configuration(
                    "sslrootcert=system: no CA bundle found on this system (set SSL_CERT_FILE)"
                        .to_owned(),
                )
            })?;
            Ok(options
                .ssl_mode(PgSslMode::VerifyFull)
                .ssl_root_cert(bundle))
        }
        Some(root_cert) => {
            if let Err(error) = std::fs::metadata(root_cert) {
                return Err(configuration(format!(
                    "can't read the sslrootcert file {root_cert}: {error}"
                )));
            }
            Ok(match options.get_ssl_mode() {
                PgSslMode::Require => options.ssl_mode(PgSslMode::VerifyCa),
                _ => options,
            })
        }
    }
}

fn configuration(message: String) -> sqlx::Error {
    sqlx::Error::Configuration(message.into())
}

/// `sslmode` and `sslrootcert` as given, in the URL (or sqlx's aliases) or
/// else in `PGSSLMODE` and `PGSSLROOTCERT`; a root held inline as PEM is
/// left to sqlx.
struct UrlTls {
    mode: Option<String>,
    root_cert: Option<String>,
}

impl UrlTls {
    fn of(url: &str) -> Self {
        let pairs: Vec<(String, String)> = url::Url::parse(url)
            .map(|url| url.query_pairs().into_owned().collect())
            .unwrap_or_default();
        let find = |names: &[&str], variable: &str| {
            let from_url = pairs
                .iter()
                .find_map(|(name, value)| names.contains(&&**name).then(|| value.clone()));
            from_url
                .or_else(|| std::env::var(variable).ok())
                .filter(|value| !value.is_empty())
        };
        Self {
            mode: find(&["sslmode", "ssl-mode"], "PGSSLMODE"),
            root_cert: find(&["sslrootcert", "ssl-root-cert", "ssl-ca"], "PGSSLROOTCERT")
                .filter(|value| !value.starts_with("-----BEGIN")),
        }
    }
}

/// Why a connection failed, if TLS failed it: a certificate that doesn't
/// verify, a handshake the server broke off with an alert. A configuration
/// error, not a database still starting: the start ends with it.
pub(super) fn tls_failure(error: &sqlx::Error) -> Option<String> {
    if let sqlx::Error::Tls(cause) = error {
        return Some(cause.to_string());
    }
    let tls = crate::tls::find_rustls_error(error)?;
    let hint = match tls {
        rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer) => {
            " (the certificate's issuer is not the sslrootcert given)"
        }
        rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName)
        | rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForNameContext {
            ..
        }) => " (sslmode=verify-full checks the host name; verify-ca doesn't)",
        _ => "",
    };
    Some(format!("TLS handshake failed: {tls}{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn require_with_a_root_certificate_verifies_the_chain_as_libpq_does() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let path = file.path().display();
        let url = format!("postgres://app@db/paddock?sslmode=require&sslrootcert={path}");
        let options = connect_options(&url).unwrap();
        assert!(matches!(options.get_ssl_mode(), PgSslMode::VerifyCa));
        let options = connect_options("postgres://app@db/paddock?sslmode=require").unwrap();
        assert!(matches!(options.get_ssl_mode(), PgSslMode::Require));
    }

    #[test]
    fn an_unreadable_root_certificate_is_named_and_the_password_is_not() {
        let url =
            "postgres://app:hunter2@db/paddock?sslmode=verify-ca&sslrootcert=/nonexistent/root.crt";
        let error = connect_options(url).unwrap_err().to_string();
        assert!(
            error.contains("sslrootcert file /nonexistent/root.crt"),
            "{error}"
        );
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn sslrootcert_system_trusts_the_system_bundle_and_verifies_the_name() {
        let options = connect_options("postgres://app@db/paddock?sslrootcert=system").unwrap();
        assert!(matches!(options.get_ssl_mode(), PgSslMode::VerifyFull));
        let options =
            connect_options("postgres://app@db/paddock?sslmode=verify-full&sslrootcert=system")
                .unwrap();
        assert!(matches!(options.get_ssl_mode(), PgSslMode::VerifyFull));
        for mode in ["require", "verify-ca", "prefer"] {
            let url = format!("postgres://app@db/paddock?sslmode={mode}&sslrootcert=system");
            let error = connect_options(&url).unwrap_err().to_string();
            assert!(
                error.contains(&format!("weak sslmode \"{mode}\"")),
                "{error}"
            );
        }
    }

    #[test]
    fn a_certificate_error_is_told_from_a_cut_connection() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let error = sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, tls));
        let cause = tls_failure(&error).unwrap();
        assert!(cause.contains("UnknownIssuer"), "{cause}");
        let cut = sqlx::Error::Io(std::io::ErrorKind::UnexpectedEof.into());
        assert_eq!(tls_failure(&cut), None);
    }
}
