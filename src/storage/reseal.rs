//! Resealing: records written before the app had a PIN are sealed again under the PIN's key at the first unlock.

use super::records::all_stored;
use super::stored::aad;
use super::{RecordStore, Records, StorageError};
use crate::crypto::Cipher;

impl<S: RecordStore, C: Cipher> Records<S, C> {
    /// Re-seals, with this service's cipher, every record sealed by `old`
    /// (records written before the app had a PIN). Each record is rewritten
    /// on its own, clear fields untouched, so an interrupted run loses
    /// nothing and the next run finishes it. Returns how many were resealed.
    ///
    /// # Errors
    /// When a record cannot be read, opened or written.
    pub async fn reseal_from<O: Cipher>(&self, old: &O) -> Result<u32, StorageError> {
        let mut resealed = 0;
        for mut stored in all_stored(&self.store).await? {
            if stored.cipher != old.name() {
                continue;
            }
            let aad = aad(&stored.id, stored.shape);
            let plain = old.open(&aad, &stored.sealed).await?;
            stored.sealed = self.cipher.seal(&aad, &plain).await?;
            stored.cipher = self.cipher.name().to_owned();
            self.store.put(&stored).await?;
            resealed += 1;
        }
        Ok(resealed)
    }
}
