//! Keeping records on the phone: the stored shape, the store trait, and the record service over it.
//!
//! Each record is stored as a [`StoredRecord`]: the few fields needed to
//! list, filter and queue records stay in clear (id, form, status, times,
//! site code), and everything that could identify a person — participant
//! code, consent, answers — goes into one sealed payload, encrypted by the
//! [`Cipher`] the service was built with (AES-GCM in the app).

#[cfg(target_arch = "wasm32")]
pub mod idb;
pub mod memory;

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use futures::future::join_all;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

use crate::crypto::{Cipher, CryptoError};
use crate::model::answer::Answers;
use crate::model::consent::Consent;
use crate::model::participant_code::ParticipantCode;
use crate::model::record::{Record, RecordStatus, WITHDRAWAL_FORM};
use crate::model::status::StatusSummary;

/// The shape of [`Sealed`] this build writes. A record with a higher shape
/// was written by a newer Jangkau: it is reported, never overwritten.
pub const RECORD_SHAPE: u32 = 1;

/// Meta key: when the server last confirmed a batch (RFC 3339).
pub const META_LAST_SENT: &str = "last_sent";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRecord {
    pub id: String,
    pub form_id: String,
    pub form_version: u32,
    pub status: RecordStatus,
    /// Milliseconds since 1970, as numbers so IndexedDB indexes order them.
    pub created_at: f64,
    pub updated_at: f64,
    /// Absent (not empty) when there is none, so the record stays out of the
    /// site index instead of filing under "".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    #[serde(default)]
    pub marked_for_deletion: bool,
    pub shape: u32,
    pub cipher: String,
    #[serde(with = "serde_bytes")]
    pub sealed: Vec<u8>,
}

/// What goes into the sealed payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Sealed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    participant_code: Option<ParticipantCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    consent: Option<Consent>,
    answers: Answers,
}

/// A record as the list shows it: clear fields only, so listing never
/// needs to decrypt anything.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordSummary {
    pub id: String,
    pub form_id: String,
    pub form_version: u32,
    pub status: RecordStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub site: Option<String>,
    pub supersedes: Option<String>,
    pub marked_for_deletion: bool,
}

/// Finished records, opened.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Opened {
    pub records: Vec<Record>,
    /// Records that could not be opened (damaged, or from a newer build).
    pub damaged: u32,
}

/// What a withdrawal of consent did on the phone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Withdrawal {
    /// Records deleted at once (never sent).
    pub deleted: u32,
    /// Sent records kept, marked, until the server confirms the withdrawal.
    pub waiting: u32,
    /// The withdrawal record queued for the server, if any was needed.
    pub message: Option<Uuid>,
}

/// Records sealed and written per transaction when importing.
pub const IMPORT_CHUNK: usize = 250;
/// Records opened at once when reading everything for a report.
pub const OPEN_CHUNK: usize = 250;

/// Which records to list, newest change first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListQuery {
    pub status: Option<RecordStatus>,
    pub form_id: Option<String>,
    pub site: Option<String>,
    pub offset: u32,
    pub limit: u32,
}

impl ListQuery {
    pub fn matches(&self, r: &StoredRecord) -> bool {
        self.status.is_none_or(|s| s == r.status)
            && self.form_id.as_ref().is_none_or(|f| *f == r.form_id)
            && self
                .site
                .as_ref()
                .is_none_or(|s| r.site.as_ref() == Some(s))
    }
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum StorageError {
    /// IndexedDB cannot be opened: private browsing on some browsers, or
    /// storage disabled by the user or a policy.
    #[error("this browser does not allow Jangkau to keep data ({0})")]
    Unavailable(String),
    #[error("the phone's storage is full")]
    QuotaExceeded,
    #[error("a stored record is damaged: {0}")]
    Corrupt(String),
    #[error("this record was saved by a newer version of Jangkau (shape {shape})")]
    NewerData { shape: u32 },
    #[error("this record cannot be deleted")]
    NotDeletable,
    #[error("storage failed: {0}")]
    Other(String),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// Raw storage of [`StoredRecord`]s and small meta values. Implemented by
/// IndexedDB in the browser and by [`memory::MemoryStore`] for tests.
#[allow(async_fn_in_trait)]
pub trait RecordStore {
    /// # Errors
    /// `QuotaExceeded` when full; the previous version stays intact.
    async fn put(&self, record: &StoredRecord) -> Result<(), StorageError>;
    /// Several records written together (one transaction in IndexedDB):
    /// all of them or none.
    ///
    /// # Errors
    /// `QuotaExceeded` when full; then none is written.
    async fn put_many(&self, records: &[StoredRecord]) -> Result<(), StorageError>;
    /// # Errors
    /// `Corrupt` when the stored value does not read back.
    async fn get(&self, id: &str) -> Result<Option<StoredRecord>, StorageError>;
    /// # Errors
    /// When the store cannot be written.
    async fn delete(&self, id: &str) -> Result<(), StorageError>;
    /// # Errors
    /// When the store cannot be read.
    async fn page(&self, query: &ListQuery) -> Result<Vec<StoredRecord>, StorageError>;
    /// # Errors
    /// When the store cannot be read.
    async fn count(&self, status: Option<RecordStatus>) -> Result<u32, StorageError>;
    /// Several records by id, read together (one transaction in IndexedDB).
    ///
    /// # Errors
    /// When the store cannot be read.
    async fn get_many(&self, ids: &[String]) -> Result<Vec<Option<StoredRecord>>, StorageError>;
    /// Moves each of `ids` that is in `from` to `to`, all in one write
    /// (one transaction in IndexedDB); returns how many moved.
    ///
    /// # Errors
    /// When the store cannot be written; then none moved.
    async fn set_statuses(
        &self,
        ids: &[String],
        from: RecordStatus,
        to: RecordStatus,
    ) -> Result<u32, StorageError>;
    /// Ids of up to `limit` records with `status`, least recently changed
    /// first (the send queue), read from an index: no record is decoded.
    ///
    /// # Errors
    /// When the store cannot be read.
    async fn oldest_ids(
        &self,
        status: RecordStatus,
        limit: u32,
    ) -> Result<Vec<String>, StorageError>;
    /// # Errors
    /// When the store cannot be read.
    async fn get_meta(&self, key: &str) -> Result<Option<String>, StorageError>;
    /// # Errors
    /// When the store cannot be written.
    async fn set_meta(&self, key: &str, value: &str) -> Result<(), StorageError>;
}

/// A shared store is a store: the app keeps one open database and hands it
/// to a new record service at each unlock.
impl<T: RecordStore> RecordStore for Rc<T> {
    async fn put(&self, record: &StoredRecord) -> Result<(), StorageError> {
        (**self).put(record).await
    }
    async fn put_many(&self, records: &[StoredRecord]) -> Result<(), StorageError> {
        (**self).put_many(records).await
    }
    async fn get(&self, id: &str) -> Result<Option<StoredRecord>, StorageError> {
        (**self).get(id).await
    }
    async fn delete(&self, id: &str) -> Result<(), StorageError> {
        (**self).delete(id).await
    }
    async fn page(&self, query: &ListQuery) -> Result<Vec<StoredRecord>, StorageError> {
        (**self).page(query).await
    }
    async fn count(&self, status: Option<RecordStatus>) -> Result<u32, StorageError> {
        (**self).count(status).await
    }
    async fn oldest_ids(
        &self,
        status: RecordStatus,
        limit: u32,
    ) -> Result<Vec<String>, StorageError> {
        (**self).oldest_ids(status, limit).await
    }
    async fn get_many(&self, ids: &[String]) -> Result<Vec<Option<StoredRecord>>, StorageError> {
        (**self).get_many(ids).await
    }
    async fn set_statuses(
        &self,
        ids: &[String],
        from: RecordStatus,
        to: RecordStatus,
    ) -> Result<u32, StorageError> {
        (**self).set_statuses(ids, from, to).await
    }
    async fn get_meta(&self, key: &str) -> Result<Option<String>, StorageError> {
        (**self).get_meta(key).await
    }
    async fn set_meta(&self, key: &str, value: &str) -> Result<(), StorageError> {
        (**self).set_meta(key, value).await
    }
}

/// Records made here and not yet confirmed by a server (drafts and
/// finished ones): what a forgotten PIN would cost.
///
/// # Errors
/// When the store cannot be read.
pub async fn unsent<S: RecordStore>(store: &S) -> Result<u32, StorageError> {
    let all = store.count(None).await?;
    let sent = store.count(Some(RecordStatus::Sent)).await?;
    // Another phone's records: that phone sends them.
    let imported = store.count(Some(RecordStatus::Imported)).await?;
    Ok(all.saturating_sub(sent).saturating_sub(imported))
}

/// Every stored record, newest change first.
async fn all_stored<S: RecordStore>(store: &S) -> Result<Vec<StoredRecord>, StorageError> {
    let total = store.count(None).await?;
    store
        .page(&ListQuery {
            limit: total,
            ..Default::default()
        })
        .await
}

fn millis(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64
}

fn from_millis(ms: f64) -> Result<DateTime<Utc>, StorageError> {
    Utc.timestamp_millis_opt(ms as i64)
        .single()
        .ok_or_else(|| StorageError::Corrupt(format!("bad timestamp {ms}")))
}

/// The additional data a sealed meta value is bound to: its key.
fn meta_aad(key: &str) -> Vec<u8> {
    format!("jangkau/meta/{key}").into_bytes()
}

/// The additional data a payload is bound to: its record id and shape.
fn aad(id: &str, shape: u32) -> Vec<u8> {
    format!("jangkau/record/{shape}/{id}").into_bytes()
}

impl StoredRecord {
    pub fn summary(&self) -> Result<RecordSummary, StorageError> {
        Ok(RecordSummary {
            id: self.id.clone(),
            form_id: self.form_id.clone(),
            form_version: self.form_version,
            status: self.status,
            created_at: from_millis(self.created_at)?,
            updated_at: from_millis(self.updated_at)?,
            site: self.site.clone(),
            supersedes: self.supersedes.clone(),
            marked_for_deletion: self.marked_for_deletion,
        })
    }
}

/// Records on the phone: seals on the way in, opens on the way out.
pub struct Records<S, C> {
    store: S,
    cipher: C,
}

impl<S: RecordStore, C: Cipher> Records<S, C> {
    pub fn new(store: S, cipher: C) -> Self {
        Records { store, cipher }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Saves (inserts or replaces) a record.
    ///
    /// # Errors
    /// `QuotaExceeded` (the caller keeps its in-memory copy), `Crypto`, or
    /// `Other`. A failed save leaves the stored version as it was.
    pub async fn save(&self, record: &Record) -> Result<(), StorageError> {
        let stored = self.seal(record).await?;
        self.store.put(&stored).await
    }

    async fn seal(&self, record: &Record) -> Result<StoredRecord, StorageError> {
        let id = record.id.to_string();
        let sealed = Sealed {
            participant_code: record.participant_code.clone(),
            consent: record.consent.clone(),
            answers: record.answers.clone(),
        };
        let plain = serde_json::to_vec(&sealed).map_err(|e| StorageError::Other(e.to_string()))?;
        let sealed = self.cipher.seal(&aad(&id, RECORD_SHAPE), &plain).await?;
        Ok(StoredRecord {
            id,
            form_id: record.form_id.clone(),
            form_version: record.form_version,
            status: record.status,
            created_at: millis(record.created_at),
            updated_at: millis(record.updated_at),
            site: record.site.clone(),
            supersedes: record.supersedes.map(|s| s.to_string()),
            marked_for_deletion: record.marked_for_deletion,
            shape: RECORD_SHAPE,
            cipher: self.cipher.name().to_owned(),
            sealed,
        })
    }

    /// Stores records from another phone, [`IMPORT_CHUNK`] per transaction;
    /// `progress` hears how many are stored so far. Records stored before
    /// a failure stay stored (a second import skips them by id).
    ///
    /// # Errors
    /// When sealing or storing fails.
    pub async fn import(
        &self,
        records: &[Record],
        mut progress: impl FnMut(usize),
    ) -> Result<u32, StorageError> {
        let mut stored = 0;
        for chunk in records.chunks(IMPORT_CHUNK) {
            let sealed = join_all(chunk.iter().map(|r| self.seal(r)))
                .await
                .into_iter()
                .collect::<Result<Vec<_>, _>>()?;
            self.store.put_many(&sealed).await?;
            stored += chunk.len();
            progress(stored);
        }
        Ok(stored as u32)
    }

    /// Every record's status as stored now, read from the clear fields
    /// (nothing is opened): sending changes statuses after records were
    /// opened for the reports.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn statuses(&self) -> Result<HashMap<Uuid, RecordStatus>, StorageError> {
        Ok(all_stored(&self.store)
            .await?
            .iter()
            .filter_map(|r| Uuid::parse_str(&r.id).ok().map(|id| (id, r.status)))
            .collect())
    }

    /// The id of every record on the phone (merging an import needs them).
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn ids(&self) -> Result<HashSet<Uuid>, StorageError> {
        Ok(all_stored(&self.store)
            .await?
            .iter()
            .filter_map(|r| Uuid::parse_str(&r.id).ok())
            .collect())
    }

    /// Every finished record (drafts left out), opened [`OPEN_CHUNK`] at a
    /// time so the page stays responsive; `progress` hears how many are
    /// opened. Records that cannot be opened are counted, never dropped
    /// from storage.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn open_finished(
        &self,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<Opened, StorageError> {
        let stored: Vec<StoredRecord> = all_stored(&self.store)
            .await?
            .into_iter()
            .filter(|r| r.status != RecordStatus::Draft)
            .collect();
        let total = stored.len();
        let mut out = Opened::default();
        let mut pending = stored.into_iter();
        loop {
            let chunk: Vec<StoredRecord> = pending.by_ref().take(OPEN_CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            for opened in join_all(chunk.into_iter().map(|s| self.open(s))).await {
                match opened {
                    Ok(r) => out.records.push(r),
                    Err(_) => out.damaged += 1,
                }
            }
            progress(out.records.len() + out.damaged as usize, total);
        }
        Ok(out)
    }

    /// Loads and opens a record.
    ///
    /// # Errors
    /// `NewerData` for a record from a newer build, `Corrupt` or
    /// `Crypto(Tampered)` for a damaged one — reported, never deleted.
    pub async fn load(&self, id: Uuid) -> Result<Option<Record>, StorageError> {
        let Some(stored) = self.store.get(&id.to_string()).await? else {
            return Ok(None);
        };
        self.open(stored).await.map(Some)
    }

    async fn open(&self, stored: StoredRecord) -> Result<Record, StorageError> {
        if stored.shape > RECORD_SHAPE {
            return Err(StorageError::NewerData {
                shape: stored.shape,
            });
        }
        if stored.cipher != self.cipher.name() {
            return Err(StorageError::Corrupt(format!(
                "sealed with {:?}",
                stored.cipher
            )));
        }
        let plain = self
            .cipher
            .open(&aad(&stored.id, stored.shape), &stored.sealed)
            .await?;
        let sealed: Sealed =
            serde_json::from_slice(&plain).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        let id = Uuid::parse_str(&stored.id).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        let supersedes = match &stored.supersedes {
            Some(s) => Some(Uuid::parse_str(s).map_err(|e| StorageError::Corrupt(e.to_string()))?),
            None => None,
        };
        Ok(Record {
            id,
            form_id: stored.form_id,
            form_version: stored.form_version,
            created_at: from_millis(stored.created_at)?,
            updated_at: from_millis(stored.updated_at)?,
            status: stored.status,
            participant_code: sealed.participant_code,
            site: stored.site,
            supersedes,
            consent: sealed.consent,
            answers: sealed.answers,
            marked_for_deletion: stored.marked_for_deletion,
        })
    }

    /// A page of record summaries, newest change first.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn list(&self, query: &ListQuery) -> Result<Vec<RecordSummary>, StorageError> {
        self.store
            .page(query)
            .await?
            .iter()
            .map(StoredRecord::summary)
            .collect()
    }

    /// Deletes a record that may be deleted (a draft, or a withdrawn record
    /// never sent).
    ///
    /// # Errors
    /// `NotDeletable` for anything else: final records wait for the server.
    pub async fn delete(&self, id: Uuid) -> Result<(), StorageError> {
        match self.load(id).await? {
            Some(r) if r.deletable() => self.store.delete(&id.to_string()).await,
            Some(_) => Err(StorageError::NotDeletable),
            None => Ok(()),
        }
    }

    /// Every record of one participant. The code is sealed, so this opens
    /// each record: fine for a rare action such as withdrawal; records that
    /// cannot be opened are skipped, never deleted.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn find_by_participant(
        &self,
        code: &ParticipantCode,
    ) -> Result<Vec<Record>, StorageError> {
        let all = all_stored(&self.store).await?;
        let mut found = Vec::new();
        for stored in all {
            if let Ok(record) = self.open(stored).await {
                if record.participant_code.as_ref() == Some(code) {
                    found.push(record);
                }
            }
        }
        Ok(found)
    }

    /// Consent withdrawn: every record of the participant is marked for
    /// deletion; those never sent are deleted at once. When some were sent,
    /// a withdrawal record (`message_id`) is queued to tell the server; the
    /// marked records are deleted once it is confirmed
    /// ([`Records::finish_withdrawals`]).
    ///
    /// # Errors
    /// When the store cannot be read or written; records handled before the
    /// error stay handled.
    pub async fn withdraw(
        &self,
        code: &ParticipantCode,
        message_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Withdrawal, StorageError> {
        let mut done = Withdrawal::default();
        let mut told = Vec::new();
        for mut record in self.find_by_participant(code).await? {
            if record.form_id == WITHDRAWAL_FORM {
                continue;
            }
            record.withdraw_consent(now);
            if record.deletable() {
                self.store.delete(&record.id.to_string()).await?;
                done.deleted += 1;
            } else {
                self.save(&record).await?;
                told.push(record.id);
            }
        }
        done.waiting = told.len() as u32;
        if !told.is_empty() {
            self.save(&Record::withdrawal(message_id, code.clone(), &told, now))
                .await?;
            done.message = Some(message_id);
        }
        Ok(done)
    }

    /// After a send: each withdrawal the server has confirmed deletes the
    /// records it names, then itself. Returns how many records were deleted.
    ///
    /// # Errors
    /// When the store cannot be read or written; what was deleted stays deleted.
    pub async fn finish_withdrawals(&self) -> Result<u32, StorageError> {
        let confirmed = self
            .store
            .page(&ListQuery {
                status: Some(RecordStatus::Sent),
                form_id: Some(WITHDRAWAL_FORM.to_owned()),
                offset: 0,
                limit: u32::MAX,
                ..Default::default()
            })
            .await?;
        let mut deleted = 0;
        for stored in confirmed {
            let message = self.open(stored).await?;
            for id in message.withdrawn_ids() {
                if let Some(r) = self.store.get(&id).await? {
                    if r.marked_for_deletion {
                        self.store.delete(&id).await?;
                        deleted += 1;
                    }
                }
            }
            self.store.delete(&message.id.to_string()).await?;
        }
        Ok(deleted)
    }

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

    /// Moves a stored record from one status to another without opening it
    /// (status is a clear field, outside the sealed payload). Returns false,
    /// changing nothing, when the record is gone or not in `from`.
    ///
    /// # Errors
    /// When the store cannot be read or written.
    pub async fn set_status(
        &self,
        id: &str,
        from: RecordStatus,
        to: RecordStatus,
    ) -> Result<bool, StorageError> {
        match self.store.get(id).await? {
            Some(mut stored) if stored.status == from => {
                stored.status = to;
                self.store.put(&stored).await?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Several records, read together; each opened on its own, so one
    /// damaged record does not hide the others.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn load_many(
        &self,
        ids: &[String],
    ) -> Result<Vec<(String, Result<Option<Record>, StorageError>)>, StorageError> {
        let stored = self.store.get_many(ids).await?;
        let opened = join_all(stored.into_iter().map(|s| async move {
            match s {
                Some(s) => self.open(s).await.map(Some),
                None => Ok(None),
            }
        }))
        .await;
        Ok(ids.iter().cloned().zip(opened).collect())
    }

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

    /// What the status strip shows.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn summary(&self) -> Result<StatusSummary, StorageError> {
        let last_sent = self
            .store
            .get_meta(META_LAST_SENT)
            .await?
            .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
            .map(|t| t.with_timezone(&Utc));
        Ok(StatusSummary {
            on_phone: self.store.count(None).await?,
            waiting_to_send: self.store.count(Some(RecordStatus::Final)).await?,
            last_sent,
        })
    }
}
