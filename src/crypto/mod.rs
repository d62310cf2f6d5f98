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
