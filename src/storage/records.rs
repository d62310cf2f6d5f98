//! The record service: seals records on the way into the store and opens them on the way out.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use chrono::{DateTime, Utc};
use futures::future::join_all;
use uuid::Uuid;

use super::stored::{aad, from_millis, millis, Sealed};
use super::{ListQuery, RecordStore, RecordSummary, StorageError, StoredRecord, RECORD_SHAPE};
use crate::crypto::Cipher;
use crate::model::profile::Collector;
use crate::model::record::{Record, RecordStatus};
use crate::model::status::StatusSummary;

/// Meta key: when the server last confirmed a batch (RFC 3339).
pub const META_LAST_SENT: &str = "last_sent";

/// Finished records, opened.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Opened {
    pub records: Vec<Record>,
    /// Records that could not be opened (damaged, or from a newer build).
    pub damaged: u32,
}

/// Records sealed and written per transaction when importing.
pub const IMPORT_CHUNK: usize = 250;
/// Records opened at once when reading everything for a report.
pub const OPEN_CHUNK: usize = 250;

/// Every stored record, newest change first.
pub(super) async fn all_stored<S: RecordStore>(
    store: &S,
) -> Result<Vec<StoredRecord>, StorageError> {
    let total = store.count(None).await?;
    store
        .page(&ListQuery {
            limit: total,
            ..Default::default()
        })
        .await
}

/// Records on the phone: seals on the way in, opens on the way out.
pub struct Records<S, C> {
    pub(super) store: S,
    pub(super) cipher: C,
    /// What the phone's profiles share (server, forms), sealed under the
    /// shared key in the phone's own database; `None` on a store of its
    /// own (tests, tools), which then keeps those settings itself.
    shared: Option<Rc<Records<S, C>>>,
    /// The profile these records belong to: new records are credited to it
    /// (under her name as it is when they are saved).
    owner: RefCell<Option<Collector>>,
}

impl<S: RecordStore, C: Cipher> Records<S, C> {
    pub fn new(store: S, cipher: C) -> Self {
        Records {
            store,
            cipher,
            shared: None,
            owner: RefCell::new(None),
        }
    }

    /// These records as one profile's, beside the settings its phone shares.
    #[must_use]
    pub fn for_profile(mut self, owner: Collector, shared: Records<S, C>) -> Self {
        self.owner = RefCell::new(Some(owner));
        self.shared = Some(Rc::new(shared));
        self
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Where the settings every profile shares are kept: the phone's shared
    /// store, or these records' own when they stand alone.
    pub fn shared(&self) -> &Records<S, C> {
        self.shared.as_deref().unwrap_or(self)
    }

    /// The profile these records belong to, if they belong to one.
    pub fn owner(&self) -> Option<Collector> {
        self.owner.borrow().clone()
    }

    /// The owner chose a new short name: records saved from now on carry it.
    pub fn rename_owner(&self, name: &str) {
        if let Some(owner) = self.owner.borrow_mut().as_mut() {
            name.clone_into(&mut owner.name);
        }
    }

    /// Saves (inserts or replaces) a record.
    ///
    /// # Errors
    /// `QuotaExceeded` (the caller keeps its in-memory copy), `Crypto`, or
    /// `Other`. A failed save leaves the stored version as it was.
    pub async fn save(&self, record: &Record) -> Result<(), StorageError> {
        let owner = self.owner();
        let stored = self.seal(record, owner.as_ref()).await?;
        self.store.put(&stored).await
    }

    /// `record` as stored; one without a collector is credited to
    /// `credit` (a record saved here is made here; an imported one keeps
    /// what its export said).
    async fn seal(
        &self,
        record: &Record,
        credit: Option<&Collector>,
    ) -> Result<StoredRecord, StorageError> {
        let id = record.id.to_string();
        let sealed = Sealed {
            participant_code: record.participant_code.clone(),
            consent: record.consent.clone(),
            answers: record.answers.clone(),
            collector: record.collector.clone().or_else(|| credit.cloned()),
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
            let sealed = join_all(chunk.iter().map(|r| self.seal(r, None)))
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

    pub(super) async fn open(&self, stored: StoredRecord) -> Result<Record, StorageError> {
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
            // Saved before profiles (or before the first unlock resealed
            // it): every record on a profile's store but another phone's
            // was made by that profile.
            collector: sealed.collector.or_else(|| {
                (stored.status != RecordStatus::Imported)
                    .then(|| self.owner())
                    .flatten()
            }),
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
            // A newer build's record: rewriting it through this build's
            // shape would drop what that build added.
            Some(stored) if stored.shape > RECORD_SHAPE => Err(StorageError::NewerData {
                shape: stored.shape,
            }),
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
