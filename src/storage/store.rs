//! The raw store behind the record service: its trait (IndexedDB in the browser, memory in tests) and the storage error.

use std::rc::Rc;

use thiserror::Error;

use super::{ListQuery, StoredRecord};
use crate::crypto::CryptoError;
use crate::model::record::RecordStatus;

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
    /// The browser closed the database under the app (another tab
    /// upgraded it, or storage pressure); reconnecting usually helps.
    #[error("the database connection was closed")]
    ConnectionClosed,
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
