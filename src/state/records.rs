//! The record storage the app runs on: opened at start, unlocked with the PIN, locked again; the programme key, export, and the counts it feeds.

use std::rc::Rc;
use std::time::Duration;

use chrono::Utc;
use leptos::prelude::*;
use uuid::Uuid;

use crate::crypto::keyfile::KeyFile;
use crate::crypto::secret::{SecretKind, Throttle};
use crate::crypto::web::{self, AesGcmCipher, ProgrammeKey};
use crate::crypto::{CryptoError, IdentityCipher};
use crate::model::participant_code::ParticipantCode;
use crate::model::record::Record;
use crate::platform::{self, storage_manager};
use crate::state::ReportsContext;
use crate::state::StatusContext;
use crate::storage::idb::{IdbStore, DB_NAME};
use crate::storage::{unsent, RecordStore, Records, StorageError, Withdrawal};

pub type AppRecords = Records<Rc<IdbStore>, AesGcmCipher>;

/// Meta key: the wrapped data key ([`KeyFile`] as JSON).
pub const META_KEYFILE: &str = "keyfile";
/// Meta key: wrong unlock attempts ([`Throttle`] as JSON).
pub const META_THROTTLE: &str = "unlock_throttle";
/// Meta key: the programme's public key as pasted (PEM or JWK); empty when removed.
pub const META_PROGRAMME_KEY: &str = "programme_key";
/// Meta key: set once every record from before the PIN is resealed.
pub const META_RESEALED: &str = "resealed";

#[derive(Clone)]
pub enum StorageState {
    Opening,
    /// No PIN yet (first run, or the first run after an update that added
    /// it): `unsent` records are already on the phone.
    NeedsSetup {
        unsent: u32,
    },
    Locked,
    Ready(Rc<AppRecords>),
    /// Locking: pages are unmounting and write what they hold with this,
    /// then it is dropped (and the key with it).
    Closing(Rc<AppRecords>),
    /// IndexedDB cannot be used, or the stored key is damaged: the app shows
    /// why instead of pages.
    Unavailable(StorageError),
}

/// Which screen the app shows, derived from [`StorageState`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Gate {
    Opening,
    Setup,
    Locked,
    Open,
    Unavailable,
}

/// Storage state plus whether the browser promised to keep the data.
#[derive(Clone, Copy)]
pub struct RecordsContext {
    pub state: RwSignal<StorageState, LocalStorage>,
    pub gate: Memo<Gate>,
    pub persisted: RwSignal<Option<bool>>,
    /// Whether persistent storage was asked for in this session.
    persist_asked: StoredValue<bool>,
    /// When (ms since 1970) the next unlock attempt is allowed.
    pub unlock_not_before: RwSignal<f64>,
    /// The open database, kept while locked (it holds nothing readable).
    store: StoredValue<Option<Rc<IdbStore>>, LocalStorage>,
    /// Captured when provided: contexts cannot be looked up from async tasks.
    status: StatusContext,
    reports: ReportsContext,
}

fn not_open() -> StorageError {
    StorageError::Unavailable("not open".into())
}

impl RecordsContext {
    pub fn expect_context() -> Self {
        expect_context::<Self>()
    }

    /// The record service, while unlocked (or while locking, so pages can
    /// write what they hold as they unmount).
    pub fn records(self) -> Option<Rc<AppRecords>> {
        match self.state.try_get_untracked()? {
            StorageState::Ready(records) | StorageState::Closing(records) => Some(records),
            _ => None,
        }
    }

    fn store(self) -> Result<Rc<IdbStore>, StorageError> {
        self.store.get_value().ok_or_else(not_open)
    }

    /// Re-reads the counts behind the status strip.
    pub fn refresh_status(self) {
        let Some(records) = self.records() else {
            return;
        };
        let status = self.status;
        leptos::task::spawn_local(async move {
            if let Ok(summary) = records.summary().await {
                status.0.set(summary);
            }
        });
    }

    /// Saves a record and refreshes the status-strip counts. The first
    /// save also asks the browser to keep the app's data (persistent
    /// storage), so it is not evicted while unsent.
    ///
    /// # Errors
    /// The [`StorageError`]; the caller keeps its in-memory copy.
    pub async fn save(self, record: &Record) -> Result<(), StorageError> {
        let records = self
            .records()
            .ok_or(StorageError::Crypto(CryptoError::Locked))?;
        self.save_with(&records, record).await?;
        self.reports.saved(record);
        self.refresh_status();
        Ok(())
    }

    /// Writes a draft's answers with a service taken earlier: a write queued
    /// before the app locked still finishes under the key it was made with.
    /// Runs on every change, so it leaves the counts alone (answers change
    /// none of them).
    ///
    /// # Errors
    /// The [`StorageError`]; the caller keeps its in-memory copy.
    pub async fn save_with(
        self,
        records: &AppRecords,
        record: &Record,
    ) -> Result<(), StorageError> {
        records.save(record).await?;
        // Asked once per session: some browsers prompt the user.
        if self.persisted.get_untracked() != Some(true) && !self.persist_asked.get_value() {
            self.persist_asked.set_value(true);
            let granted = storage_manager::request_persistence().await;
            self.persisted.set(granted);
        }
        Ok(())
    }

    /// First run: makes the data key, stores it wrapped under `secret`, then
    /// seals any records written before there was a PIN. The key file is
    /// stored before anything is sealed with its key.
    ///
    /// # Errors
    /// When WebCrypto or storage fails; nothing is sealed then.
    pub async fn set_up(self, secret: String, kind: SecretKind) -> Result<(), StorageError> {
        let store = self.store()?;
        if store.get_meta(META_KEYFILE).await?.is_some() {
            // Another tab set a PIN meanwhile: never replace a key in use.
            self.state.set(StorageState::Locked);
            return Ok(());
        }
        let iterations = web::calibrate().await?;
        let (file, cipher) = web::create(&secret, kind, iterations).await?;
        store.set_meta(META_KEYFILE, &file.to_json()).await?;
        self.open_with(store, cipher).await
    }

    /// Unlocks with the PIN or passphrase, at `now_ms` (ms since 1970).
    ///
    /// # Errors
    /// `Crypto(WrongSecret)` (and the wait grows), `Crypto(Locked)` while a
    /// wait is running, `Crypto(BadKeyFile)`, or a storage failure.
    pub async fn unlock(self, secret: String, now_ms: f64) -> Result<(), StorageError> {
        let store = self.store()?;
        let throttle = throttle(&store).await?;
        if throttle.wait_ms(now_ms) > 0.0 {
            self.unlock_not_before
                .set(now_ms + throttle.wait_ms(now_ms));
            return Err(CryptoError::Locked.into());
        }
        let file = self.key_file(&store).await?;
        match web::unlock(&file, &secret).await {
            Ok(cipher) => {
                if throttle.failures > 0 {
                    store
                        .set_meta(META_THROTTLE, &json(&Throttle::default()))
                        .await?;
                }
                self.unlock_not_before.set(0.0);
                self.open_with(store, cipher).await
            }
            Err(e) => {
                if e == CryptoError::WrongSecret {
                    let next = throttle.failed(now_ms);
                    store.set_meta(META_THROTTLE, &json(&next)).await?;
                    self.unlock_not_before.set(now_ms + next.wait_ms(now_ms));
                }
                Err(e.into())
            }
        }
    }

    /// Shows a wait still running from wrong attempts before a reload.
    pub async fn load_throttle(self, now_ms: f64) {
        let Ok(store) = self.store() else { return };
        let Ok(throttle) = throttle(&store).await else {
            return;
        };
        let wait = throttle.wait_ms(now_ms);
        if wait > 0.0 {
            self.unlock_not_before.try_set(now_ms + wait);
        }
    }

    async fn key_file(self, store: &IdbStore) -> Result<KeyFile, StorageError> {
        let text = store
            .get_meta(META_KEYFILE)
            .await?
            .ok_or_else(|| CryptoError::BadKeyFile("missing".into()))?;
        Ok(KeyFile::parse(&text)?)
    }

    async fn open_with(
        self,
        store: Rc<IdbStore>,
        cipher: AesGcmCipher,
    ) -> Result<(), StorageError> {
        let records = Records::new(Rc::clone(&store), cipher);
        if store.get_meta(META_RESEALED).await?.is_none() {
            records.reseal_from(&IdentityCipher).await?;
            store.set_meta(META_RESEALED, "1").await?;
        }
        let records = Rc::new(records);
        self.state.set(StorageState::Ready(Rc::clone(&records)));
        self.refresh_status();
        // The follow-up list on the home screen needs them: open them now,
        // in the background.
        self.reports.ensure(records);
        Ok(())
    }

    /// A new PIN or passphrase; the old one is required. Records are not
    /// re-encrypted: only the data key is wrapped anew.
    ///
    /// # Errors
    /// `Crypto(WrongSecret)` when `old` is wrong, or a storage failure.
    pub async fn change_secret(
        self,
        old: String,
        new: String,
        kind: SecretKind,
    ) -> Result<(), StorageError> {
        let store = self.store()?;
        let file = self.key_file(&store).await?;
        let iterations = web::calibrate().await?;
        let next = web::rewrap(&file, &old, &new, kind, iterations).await?;
        store.set_meta(META_KEYFILE, &next.to_json()).await
    }

    /// The programme key's fingerprint, if one is set.
    ///
    /// # Errors
    /// When storage fails or the stored key no longer imports.
    pub async fn programme_key(self) -> Result<Option<ProgrammeKey>, StorageError> {
        let store = self.store()?;
        match store.get_meta(META_PROGRAMME_KEY).await? {
            Some(text) if !text.is_empty() => Ok(Some(web::import_programme_key(&text).await?)),
            _ => Ok(None),
        }
    }

    /// Checks and stores a pasted programme key; `None` removes it.
    ///
    /// # Errors
    /// `Crypto(BadKey)` when it is not a public P-256 key; nothing is stored then.
    pub async fn set_programme_key(
        self,
        text: Option<String>,
    ) -> Result<Option<ProgrammeKey>, StorageError> {
        let store = self.store()?;
        let key = match &text {
            Some(t) => Some(web::import_programme_key(t).await?),
            None => None,
        };
        store
            .set_meta(META_PROGRAMME_KEY, text.as_deref().unwrap_or(""))
            .await?;
        Ok(key)
    }

    /// Consent withdrawn: her records are marked or deleted, a withdrawal
    /// is queued for the server when some were sent, and the reports and
    /// counts follow.
    ///
    /// # Errors
    /// `Crypto(Locked)` while locked, or a storage failure.
    pub async fn withdraw(self, code: &ParticipantCode) -> Result<Withdrawal, StorageError> {
        let records = self
            .records()
            .ok_or(StorageError::Crypto(CryptoError::Locked))?;
        let done = records.withdraw(code, Uuid::new_v4(), Utc::now()).await?;
        self.reports.reload(records);
        self.refresh_status();
        Ok(done)
    }

    /// Stores records from another phone's export; the reports and counts
    /// follow. `progress` hears how many are stored.
    ///
    /// # Errors
    /// `Crypto(Locked)` while locked, or a storage failure (records stored
    /// before it stay).
    pub async fn import(
        self,
        add: &[Record],
        progress: impl FnMut(usize),
    ) -> Result<u32, StorageError> {
        let records = self
            .records()
            .ok_or(StorageError::Crypto(CryptoError::Locked))?;
        let result = records.import(add, progress).await;
        self.reports.reload(records);
        self.refresh_status();
        result
    }

    /// Which kind of secret unlocks this phone (for the keyboard).
    ///
    /// # Errors
    /// When the key file cannot be read.
    pub async fn secret_kind(self) -> Result<SecretKind, StorageError> {
        let store = self.store()?;
        Ok(self.key_file(&store).await?.kind)
    }

    /// Locks: pages unmount (and write what they hold), then the key is
    /// dropped. Does nothing unless unlocked.
    pub fn lock(self) {
        let Some(StorageState::Ready(records)) = self.state.try_get_untracked() else {
            return;
        };
        self.reports.clear();
        self.state.set(StorageState::Closing(records));
        // A macrotask runs after every microtask the unmounting queued, so
        // the last writes have taken their own handle by then.
        set_timeout(
            move || {
                if matches!(
                    self.state.try_get_untracked(),
                    Some(StorageState::Closing(_))
                ) {
                    self.state.try_set(StorageState::Locked);
                }
            },
            Duration::ZERO,
        );
    }
}

/// Wrong attempts so far; none if never stored (or unreadable, which
/// only someone editing storage could cause — and they could delete it).
async fn throttle(store: &IdbStore) -> Result<Throttle, StorageError> {
    Ok(store
        .get_meta(META_THROTTLE)
        .await?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

fn json(t: &Throttle) -> String {
    serde_json::to_string(t).expect("a throttle always serialises")
}

pub fn provide_records_context() -> RecordsContext {
    let state = RwSignal::new_local(StorageState::Opening);
    let ctx = RecordsContext {
        state,
        gate: Memo::new(move |_| match &*state.read() {
            StorageState::Opening => Gate::Opening,
            StorageState::NeedsSetup { .. } => Gate::Setup,
            StorageState::Locked | StorageState::Closing(_) => Gate::Locked,
            StorageState::Ready(_) => Gate::Open,
            StorageState::Unavailable(_) => Gate::Unavailable,
        }),
        persisted: RwSignal::new(None),
        persist_asked: StoredValue::new(false),
        unlock_not_before: RwSignal::new(0.0),
        store: StoredValue::new_local(None),
        status: StatusContext::expect_context(),
        reports: ReportsContext::expect_context(),
    };
    provide_context(ctx);
    leptos::task::spawn_local(async move {
        match open(ctx).await {
            Ok(next) => ctx.state.set(next),
            Err(e) => ctx.state.set(StorageState::Unavailable(e)),
        }
        ctx.persisted.set(storage_manager::persisted().await);
    });
    ctx
}

async fn open(ctx: RecordsContext) -> Result<StorageState, StorageError> {
    // Without WebCrypto nothing could be kept safely: say so before a PIN
    // is asked for that could never be used.
    if !platform::is_secure_context() {
        return Err(CryptoError::InsecureContext.into());
    }
    let store = Rc::new(IdbStore::open(DB_NAME).await?);
    ctx.store.set_value(Some(Rc::clone(&store)));
    Ok(match store.get_meta(META_KEYFILE).await? {
        None => StorageState::NeedsSetup {
            unsent: unsent(&store).await?,
        },
        Some(text) => {
            // A damaged key file cannot be repaired, and must not be
            // replaced: records sealed under it would be lost for good.
            KeyFile::parse(&text)?;
            StorageState::Locked
        }
    })
}
