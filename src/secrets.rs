//! Encryption at rest for secrets paddock must use again, not just check:
//! notification settings' signing secrets. (Keys and tokens it only checks
//! are kept as digests instead.) The key lives outside the database:
//! `PADDOCK_SECRET_KEY`, or a file in the data directory made on first start.

use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use secrecy::{ExposeSecret, SecretSlice};

const NONCE_LEN: usize = 12;

/// Seals and opens secrets with ChaCha20-Poly1305. `Debug` shows
/// `[REDACTED]` for the key, which is wiped from memory on drop.
#[derive(Clone, Debug)]
pub struct SecretBox {
    key: SecretSlice<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretKeyError {
    #[error("PADDOCK_SECRET_KEY must be 64 hex digits (32 bytes)")]
    Malformed,
    #[error("can't read or create the secret key file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

impl SecretBox {
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            key: key.to_vec().into(),
        }
    }

    /// The cipher, set up from the key for one use (setup is a copy).
    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(self.key.expose_secret()))
    }

    /// A box with a fresh random key, for throwaway runs and tests.
    pub fn random() -> Self {
        Self::new(ChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    /// From 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self, SecretKeyError> {
        let mut key = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut key).map_err(|_| SecretKeyError::Malformed)?;
        Ok(Self::new(key))
    }

    /// The key paddock runs with: `configured` (`PADDOCK_SECRET_KEY`) when
    /// set and not empty (compose passes an unset variable on as empty); else the key file in `data_dir`, made on first start; else, for
    /// a store that keeps nothing on disk (`None`), a random key that lives
    /// and dies with the process, so nothing is written.
    pub fn load(configured: Option<&str>, data_dir: Option<&Path>) -> Result<Self, SecretKeyError> {
        match (configured.filter(|key| !key.trim().is_empty()), data_dir) {
            (Some(key), _) => Self::from_hex(key),
            (None, Some(dir)) => {
                std::fs::create_dir_all(dir).map_err(|source| SecretKeyError::File {
                    path: dir.display().to_string(),
                    source,
                })?;
                Self::from_file(&dir.join("secret.key"))
            }
            (None, None) => Ok(Self::random()),
        }
    }

    /// From the key file at `path`, creating it (readable by its owner
    /// only) when it doesn't exist.
    pub fn from_file(path: &Path) -> Result<Self, SecretKeyError> {
        let error = |source| SecretKeyError::File {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_hex(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key: [u8; 32] = ChaCha20Poly1305::generate_key(&mut OsRng).into();
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(error)?;
                file.write_all(hex::encode(key).as_bytes()).map_err(error)?;
                Ok(Self::new(key))
            }
            Err(e) => Err(error(e)),
        }
    }

    /// Hex of nonce and ciphertext.
    pub fn seal(&self, plaintext: &str) -> String {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher()
            .encrypt(&nonce, plaintext.as_bytes())
            .expect("encryption of a short secret can't fail");
        let mut sealed = nonce.to_vec();
        sealed.extend(ciphertext);
        hex::encode(sealed)
    }

    /// `None` when `sealed` wasn't sealed with this key.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = hex::decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plaintext = self
            .cipher()
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .ok()?;
        String::from_utf8(plaintext).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_what_it_sealed_and_nothing_else() {
        let secrets = SecretBox::random();
        let sealed = secrets.seal("pdl_ntfset_x_secret");
        assert!(!sealed.contains("secret"));
        assert_eq!(
            secrets.open(&sealed).as_deref(),
            Some("pdl_ntfset_x_secret")
        );
        assert_eq!(SecretBox::random().open(&sealed), None);
        assert_eq!(secrets.open("zz"), None);
    }

    #[test]
    fn debug_hides_the_key() {
        let key = [0xab; 32];
        let debug = format!("{:?}", SecretBox::new(key));
        assert!(!debug.contains("171") && !debug.contains("ab"), "{debug}");
    }

    #[test]
    fn the_configured_key_wins_an_empty_one_counts_as_unset_and_no_directory_means_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let configured = hex::encode([7u8; 32]);
        let sealed = SecretBox::new([7; 32]).seal("s");
        let loaded = SecretBox::load(Some(&configured), Some(&data_dir)).unwrap();
        assert_eq!(loaded.open(&sealed).as_deref(), Some("s"));
        assert!(!data_dir.exists(), "a configured key makes no file");

        let in_memory = SecretBox::load(Some(""), None).unwrap();
        assert_eq!(in_memory.open(&sealed), None);
        assert!(!data_dir.exists());

        let from_file = SecretBox::load(Some(" "), Some(&data_dir)).unwrap();
        let again = SecretBox::load(None, Some(&data_dir)).unwrap();
        assert_eq!(again.open(&from_file.seal("t")).as_deref(), Some("t"));
        assert!(data_dir.join("secret.key").exists());
    }

    #[test]
    fn a_key_file_is_made_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let sealed = SecretBox::from_file(&path).unwrap().seal("s");
        assert_eq!(
            SecretBox::from_file(&path)
                .unwrap()
                .open(&sealed)
                .as_deref(),
            Some("s")
        );
    }
}
