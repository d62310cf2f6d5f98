//! Settings and queues kept sealed under the record key, beside the records: the endpoint, the outbox, held reasons, who asks for consent.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::stored::meta_aad;
use super::{RecordStore, Records, StorageError};
use crate::crypto::Cipher;

/// Meta key of the name last written as "asked by" on a consent: the
/// volunteer's own, offered again at the next consent. Sealed, as it names
/// who works with whom.
pub const META_ASKED_BY: &str = "consent_asked_by";

impl<S: RecordStore, C: Cipher> Records<S, C> {
    /// Stores a value sealed like a record's payload (settings with
    /// credentials, the send queue), under a meta key.
    ///
    /// # Errors
    /// When sealing or storing fails; the previous value stays then.
    pub async fn put_sealed_meta(&self, key: &str, plain: &[u8]) -> Result<(), StorageError> {
        let sealed = self.cipher.seal(&meta_aad(key), plain).await?;
        let text = format!("{}:{}", self.cipher.name(), STANDARD.encode(sealed));
        self.store.set_meta(key, &text).await
    }

    /// Opens a value stored by [`Records::put_sealed_meta`]; `None` when
    /// there is none (or it was cleared with an empty value).
    ///
    /// # Errors
    /// `Corrupt` or `Crypto(Tampered)` when it does not open.
    pub async fn sealed_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let Some(text) = self.store.get_meta(key).await? else {
            return Ok(None);
        };
        if text.is_empty() {
            return Ok(None);
        }
        let (cipher, body) = text
            .split_once(':')
            .ok_or_else(|| StorageError::Corrupt(format!("meta {key}")))?;
        if cipher != self.cipher.name() {
            return Err(StorageError::Corrupt(format!(
                "meta {key} sealed with {cipher:?}"
            )));
        }
        let sealed = STANDARD
            .decode(body)
            .map_err(|_| StorageError::Corrupt(format!("meta {key}")))?;
        Ok(Some(self.cipher.open(&meta_aad(key), &sealed).await?))
    }

    /// The name last given as "asked by" on a consent on this phone.
    ///
    /// # Errors
    /// When storage fails or the stored value does not open.
    pub async fn last_asked_by(&self) -> Result<Option<String>, StorageError> {
        Ok(self
            .sealed_meta(META_ASKED_BY)
            .await?
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .filter(|s| !s.is_empty()))
    }

    /// Keeps the name given as "asked by", sealed, for the next consent.
    ///
    /// # Errors
    /// When sealing or storing fails; the previous name stays then.
    pub async fn remember_asked_by(&self, name: &str) -> Result<(), StorageError> {
        self.put_sealed_meta(META_ASKED_BY, name.as_bytes()).await
    }
}
