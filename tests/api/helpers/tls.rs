//! Certificates made for a test (a private CA and the server certificates
//! it issues, or a self-signed one no one trusts), and a TLS listener that
//! serves an axum router with one.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The names a test server's certificate is valid for.
const SERVER_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];

/// A private CA, as a staging environment might run.
pub struct TestCa {
    certificate: rcgen::Certificate,
    key: KeyPair,
}

/// A server's certificate chain and key.
pub struct ServerIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl TestCa {
    pub fn new() -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "paddock test CA");
        let certificate = params.self_signed(&key).unwrap();
        Self { certificate, key }
    }

    /// The CA's certificate in a PEM file, kept until the value drops.
    pub fn pem_file(&self) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(self.certificate.pem().as_bytes()).unwrap();
        file
    }

    /// A certificate for localhost and 127.0.0.1, issued by this CA.
    pub fn issue(&self) -> ServerIdentity {
        let key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(SERVER_NAMES.map(String::from)).unwrap();
        let certificate = params
            .signed_by(&key, &self.certificate, &self.key)
            .unwrap();
        ServerIdentity {
            chain: vec![certificate.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        }
    }
}

impl ServerIdentity {
    /// A self-signed certificate for localhost and 127.0.0.1: no one's root.
    pub fn self_signed() -> Self {
        let key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(SERVER_NAMES.map(String::from)).unwrap();
        let certificate = params.self_signed(&key).unwrap();
        Self {
            chain: vec![certificate.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        }
    }
}

/// Accepts TCP connections and completes the TLS handshake before handing
/// them to axum; a client that refuses the certificate is counted and dropped.
pub struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    rejected: Arc<AtomicUsize>,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, identity: ServerIdentity, rejected: Arc<AtomicUsize>) -> Self {
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(identity.chain, PrivateKeyDer::Pkcs8(identity.key))
            .unwrap();
        Self {
            tcp,
            acceptor: TlsAcceptor::from(Arc::new(config)),
            rejected,
        }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, address)) = self.tcp.accept().await else {
                continue;
            };
            match self.acceptor.accept(stream).await {
                Ok(tls) => return (tls, address),
                Err(_) => {
                    self.rejected.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}
