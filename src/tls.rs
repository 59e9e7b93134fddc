//! Trust for outgoing TLS to webhook destinations: the platform's roots,
//! plus the CA certificates of a file an operator names for a private
//! staging CA; and saying plainly why a handshake failed.

use std::error::Error as StdError;
use std::fmt;
use std::path::Path;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// CA certificates trusted for webhook destinations besides the platform's.
#[derive(Clone, Default)]
pub struct ExtraRoots(Vec<reqwest::Certificate>);

/// Why a CA file can't be used; names the file, never its content.
#[derive(Debug, thiserror::Error)]
#[error("can't use the webhook CA file {path} (PADDOCK_WEBHOOK_CA_FILE): {problem}")]
pub struct CaFileError {
    path: String,
    problem: String,
}

impl ExtraRoots {
    /// Reads one or more PEM certificates. Each is checked as rustls will
    /// use it, so a bad file stops the start rather than every delivery.
    pub fn from_pem_file(path: &Path) -> Result<Self, CaFileError> {
        let fail = |problem: String| CaFileError {
            path: path.display().to_string(),
            problem,
        };
        let pem = std::fs::read(path).map_err(|error| fail(error.to_string()))?;
        let mut checked = rustls::RootCertStore::empty();
        let mut roots = Vec::new();
        for (index, cert) in CertificateDer::pem_slice_iter(&pem).enumerate() {
            let number = index + 1;
            let cert = cert.map_err(|error| fail(format!("certificate {number}: {error}")))?;
            checked
                .add(cert.clone())
                .map_err(|error| fail(format!("certificate {number}: {error}")))?;
            let root = reqwest::Certificate::from_der(&cert)
                .map_err(|error| fail(format!("certificate {number}: {error}")))?;
            roots.push(root);
        }
        if roots.is_empty() {
            return Err(fail(
                "no PEM certificate (-----BEGIN CERTIFICATE-----) in it".to_owned(),
            ));
        }
        Ok(Self(roots))
    }

    pub fn certificates(&self) -> &[reqwest::Certificate] {
        &self.0
    }
}

impl fmt::Debug for ExtraRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExtraRoots({} certificates)", self.0.len())
    }
}

/// The TLS failure somewhere in `error`'s chain, said for a delivery's
/// `last_error`; `None` when the failure was not TLS's.
pub fn describe_tls_failure(error: &(dyn StdError + 'static)) -> Option<String> {
    let tls = find_rustls_error(error)?;
    let hint = match tls {
        rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer) => {
            " (the certificate's issuer is not trusted: add its CA with PADDOCK_WEBHOOK_CA_FILE)"
        }
        _ => "",
    };
    Some(format!("TLS handshake failed: {tls}{hint}"))
}

/// An `io::Error` hides its payload from `source()` (and reqwest nests
/// them), so the walk goes into each one's payload instead.
pub(crate) fn find_rustls_error<'a>(
    error: &'a (dyn StdError + 'static),
) -> Option<&'a rustls::Error> {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        next = match error.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as _),
            None => error.source(),
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(content: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(content).unwrap();
        file
    }

    #[test]
    fn a_missing_file_is_refused_naming_it() {
        let error = ExtraRoots::from_pem_file(Path::new("/nonexistent/ca.pem")).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("/nonexistent/ca.pem"), "{text}");
        assert!(text.contains("No such file"), "{text}");
    }

    #[test]
    fn a_file_without_certificates_is_refused() {
        let error = ExtraRoots::from_pem_file(file(b"not a certificate\n").path()).unwrap_err();
        assert!(error.to_string().contains("no PEM certificate"), "{error}");
    }

    #[test]
    fn a_certificate_that_does_not_parse_is_refused() {
        let pem = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let error = ExtraRoots::from_pem_file(file(pem).path()).unwrap_err();
        assert!(error.to_string().contains("certificate 1"), "{error}");
    }

    #[test]
    fn finds_a_certificate_error_inside_an_io_error() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        // As reqwest nests them.
        let io = std::io::Error::other(io);
        let text = describe_tls_failure(&io).unwrap();
        assert!(text.contains("invalid peer certificate"), "{text}");
        assert!(text.contains("PADDOCK_WEBHOOK_CA_FILE"), "{text}");
        assert_eq!(
            describe_tls_failure(&std::io::Error::other("refused")),
            None
        );
    }
}
