//! The key that opens the records: first-run set-up, unlock with growing waits after wrong attempts, changing the PIN, and resealing what was written before there was one.

use crate::crypto::keyfile::KeyFile;
use crate::crypto::secret::{SecretKind, Throttle};
use crate::crypto::{CryptoError, IdentityCipher, KeyMaker};
use crate::storage::{unsent, RecordStore, Records, StorageError};

/// Meta key: the wrapped data key ([`KeyFile`] as JSON).
pub const META_KEYFILE: &str = "keyfile";
/// Meta key: wrong unlock attempts ([`Throttle`] as JSON).
pub const META_THROTTLE: &str = "unlock_throttle";
/// Meta key: set once every record from before the PIN is resealed.
pub const META_RESEALED: &str = "resealed";

/// What the phone needs before records can be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// No PIN yet (first run, or the first run after an update that added
    /// it): `unsent` records are already on the phone.
    NeedsSetup {
        unsent: u32,
    },
    Locked,
}

/// The data key's life over a store and a key maker.
pub struct Vault<S, K> {
    store: S,
    keys: K,
}

impl<S: RecordStore + Clone, K: KeyMaker> Vault<S, K> {
    pub fn new(store: S, keys: K) -> Self {
        Vault { store, keys }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Whether a PIN must be set or entered.
    ///
    /// # Errors
    /// `Crypto(BadKeyFile)` for a damaged key file — it cannot be repaired
    /// and must never be replaced (records sealed under it would be lost
    /// for good) — or a storage failure.
    pub async fn start(&self) -> Result<Start, StorageError> {
        Ok(match self.store.get_meta(META_KEYFILE).await? {
            None => Start::NeedsSetup {
                unsent: unsent(&self.store).await?,
            },
            Some(text) => {
                KeyFile::parse(&text)?;
                Start::Locked
            }
        })
    }

    /// First run: makes the data key, stores it wrapped under `secret`,
    /// then seals any records written before there was a PIN. The key file
    /// is stored before anything is sealed with its key. `None` when
    /// another tab set a PIN meanwhile: a key in use is never replaced.
    ///
    /// # Errors
    /// When the key maker or storage fails; nothing is sealed then.
    pub async fn set_up(
        &self,
        secret: &str,
        kind: SecretKind,
    ) -> Result<Option<Records<S, K::Cipher>>, StorageError> {
        if self.store.get_meta(META_KEYFILE).await?.is_some() {
            return Ok(None);
        }
        let iterations = self.keys.calibrate().await?;
        let (file, cipher) = self.keys.create(secret, kind, iterations).await?;
        self.store.set_meta(META_KEYFILE, &file.to_json()).await?;
        self.opened(cipher).await.map(Some)
    }

    /// Unlocks with the PIN or passphrase at `now_ms` (ms since 1970).
    ///
    /// # Errors
    /// `Crypto(WrongSecret)` (and the wait grows), `Crypto(Locked)` while a
    /// wait is running (nothing is tried), `Crypto(BadKeyFile)`, or a
    /// storage failure. [`Vault::wait_ms`] says how long to wait.
    pub async fn unlock(
        &self,
        secret: &str,
        now_ms: f64,
    ) -> Result<Records<S, K::Cipher>, StorageError> {
        let throttle = self.throttle().await?;
        if throttle.wait_ms(now_ms) > 0.0 {
            return Err(CryptoError::Locked.into());
        }
        let file = self.key_file().await?;
        match self.keys.unlock(&file, secret).await {
            Ok(cipher) => {
                if throttle.failures > 0 {
                    self.save_throttle(&Throttle::default()).await?;
                }
                self.opened(cipher).await
            }
            Err(CryptoError::WrongSecret) => {
                self.save_throttle(&throttle.failed(now_ms)).await?;
                Err(CryptoError::WrongSecret.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Milliseconds until the next unlock attempt is allowed.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn wait_ms(&self, now_ms: f64) -> Result<f64, StorageError> {
        Ok(self.throttle().await?.wait_ms(now_ms))
    }

    /// A new PIN or passphrase; the old one is required. Records are not
    /// re-encrypted: only the data key is wrapped anew.
    ///
    /// # Errors
    /// `Crypto(WrongSecret)` when `old` is wrong, or a storage failure.
    pub async fn change_secret(
        &self,
        old: &str,
        new: &str,
        kind: SecretKind,
    ) -> Result<(), StorageError> {
        let file = self.key_file().await?;
        let iterations = self.keys.calibrate().await?;
        let next = self.keys.rewrap(&file, old, new, kind, iterations).await?;
        self.store.set_meta(META_KEYFILE, &next.to_json()).await
    }

    /// Which kind of secret unlocks this phone (for the keyboard).
    ///
    /// # Errors
    /// When the key file cannot be read.
    pub async fn secret_kind(&self) -> Result<SecretKind, StorageError> {
        Ok(self.key_file().await?.kind)
    }

    async fn key_file(&self) -> Result<KeyFile, StorageError> {
        let text = self
            .store
            .get_meta(META_KEYFILE)
            .await?
            .ok_or_else(|| CryptoError::BadKeyFile("missing".into()))?;
        Ok(KeyFile::parse(&text)?)
    }

    /// Wrong attempts so far; none if never stored. An unreadable record
    /// counts as none: only someone editing storage could cause it, and
    /// they could as well delete it.
    async fn throttle(&self) -> Result<Throttle, StorageError> {
        Ok(self
            .store
            .get_meta(META_THROTTLE)
            .await?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    async fn save_throttle(&self, throttle: &Throttle) -> Result<(), StorageError> {
        let json =
            serde_json::to_string(throttle).map_err(|e| StorageError::Other(e.to_string()))?;
        self.store.set_meta(META_THROTTLE, &json).await
    }

    /// The record service under `cipher`, once records from before the PIN
    /// are resealed with it (an interrupted reseal finishes here next time).
    async fn opened(&self, cipher: K::Cipher) -> Result<Records<S, K::Cipher>, StorageError> {
        let records = Records::new(self.store.clone(), cipher);
        if self.store.get_meta(META_RESEALED).await?.is_none() {
            records.reseal_from(&IdentityCipher).await?;
            self.store.set_meta(META_RESEALED, "1").await?;
        }
        Ok(records)
    }
}
