//! The cipher seam and its parts: how record payloads are sealed before storage, and the key material behind it.

pub mod blob;
pub mod envelope;
pub mod keyfile;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod secret;
#[cfg(target_arch = "wasm32")]
pub mod web;

use thiserror::Error;

use keyfile::KeyFile;
use secret::SecretKind;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CryptoError {
    /// Authentication failed: the data was altered, or belongs elsewhere.
    #[error("the data is damaged or was changed")]
    Tampered,
    #[error("the app is locked")]
    Locked,
    /// The PIN or passphrase does not open the key.
    #[error("wrong PIN or passphrase")]
    WrongSecret,
    #[error("the stored key is damaged: {0}")]
    BadKeyFile(String),
    /// The page is not a secure context (plain http:// other than
    /// localhost): browsers withhold WebCrypto there.
    #[error("encryption needs a secure (https) page")]
    InsecureContext,
    /// A programme public key that cannot be used.
    #[error("unusable key: {0}")]
    BadKey(String),
    #[error("encryption failed: {0}")]
    Failed(String),
}

/// Seals and opens payloads. `aad` (additional authenticated data) binds a
/// payload to its record, so a real cipher refuses a payload moved from one
/// record to another.
#[allow(async_fn_in_trait)]
pub trait Cipher {
    /// Stored beside each payload, so a reader knows how to open it.
    fn name(&self) -> &'static str;

    /// # Errors
    /// [`CryptoError`] when sealing is impossible (e.g. locked).
    async fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError>;

    /// # Errors
    /// [`CryptoError::Tampered`] when the payload does not authenticate.
    async fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError>;
}

/// Makes, opens and re-wraps the data key from a PIN or passphrase:
/// PBKDF2 and AES-GCM key wrapping in WebCrypto on the phone
/// (`web::WebKeys`); a fast stand-in in native tests.
#[allow(async_fn_in_trait)]
pub trait KeyMaker {
    type Cipher: Cipher;

    /// The work factor that costs about [`keyfile::TARGET_MS`] on this
    /// device, within the key file's bounds.
    ///
    /// # Errors
    /// When the derivation cannot run.
    async fn calibrate(&self) -> Result<u32, CryptoError>;

    /// A new random data key, and its key file wrapped under `secret`.
    ///
    /// # Errors
    /// When key generation or wrapping fails.
    async fn create(
        &self,
        secret: &str,
        kind: SecretKind,
        iterations: u32,
    ) -> Result<(KeyFile, Self::Cipher), CryptoError>;

    /// Opens the data key.
    ///
    /// # Errors
    /// [`CryptoError::WrongSecret`] when `secret` does not open `file`.
    async fn unlock(&self, file: &KeyFile, secret: &str) -> Result<Self::Cipher, CryptoError>;

    /// The same data key wrapped under `new` (fresh salt and IV).
    ///
    /// # Errors
    /// [`CryptoError::WrongSecret`] when `old` does not open `file`.
    async fn rewrap(
        &self,
        file: &KeyFile,
        old: &str,
        new: &str,
        kind: SecretKind,
        iterations: u32,
    ) -> Result<KeyFile, CryptoError>;

    /// A new random key for what the phone's profiles share (the server,
    /// the forms): its raw bytes, to be sealed under each profile's data
    /// key, and a cipher over it.
    ///
    /// # Errors
    /// When key generation fails.
    async fn new_shared(&self) -> Result<(Vec<u8>, Self::Cipher), CryptoError>;

    /// A cipher over a shared key's raw bytes, as [`KeyMaker::new_shared`]
    /// made them.
    ///
    /// # Errors
    /// `BadKeyFile` when the bytes are not a key.
    async fn shared_cipher(&self, raw: &[u8]) -> Result<Self::Cipher, CryptoError>;
}

/// No encryption: the payload is stored as it is. Only for reading records
/// written before the app had a PIN (they are re-sealed at the first unlock)
/// and for tests of storage logic.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdentityCipher;

impl IdentityCipher {
    pub const NAME: &'static str = "none";
}

impl Cipher for IdentityCipher {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    async fn seal(&self, _aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(plaintext.to_vec())
    }

    async fn open(&self, _aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(sealed.to_vec())
    }
}
