//! An in-memory record store for tests, with switches to simulate a full or broken disk.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::service::phone::Databases;

use super::{ListQuery, RecordStatus, RecordStore, StorageError, StoredRecord, RECORD_SHAPE};

#[derive(Default)]
pub struct MemoryStore {
    records: RefCell<BTreeMap<String, StoredRecord>>,
    meta: RefCell<BTreeMap<String, String>>,
    /// When set, every write fails with `QuotaExceeded`.
    pub full: Cell<bool>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces a stored record as it is, bypassing the service (for tests
    /// that damage data).
    pub fn put_raw(&self, record: StoredRecord) {
        self.records.borrow_mut().insert(record.id.clone(), record);
    }

    pub fn len(&self) -> usize {
        self.records.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl RecordStore for MemoryStore {
    async fn put(&self, record: &StoredRecord) -> Result<(), StorageError> {
        if self.full.get() {
            return Err(StorageError::QuotaExceeded);
        }
        self.records
            .borrow_mut()
            .insert(record.id.clone(), record.clone());
        Ok(())
    }

    async fn put_many(&self, records: &[StoredRecord]) -> Result<(), StorageError> {
        if self.full.get() {
            return Err(StorageError::QuotaExceeded);
        }
        let mut map = self.records.borrow_mut();
        for record in records {
            map.insert(record.id.clone(), record.clone());
        }
        Ok(())
    }

    async fn get(&self, id: &str) -> Result<Option<StoredRecord>, StorageError> {
        Ok(self.records.borrow().get(id).cloned())
    }

    async fn delete(&self, id: &str) -> Result<(), StorageError> {
        self.records.borrow_mut().remove(id);
        Ok(())
    }

    async fn page(&self, query: &ListQuery) -> Result<Vec<StoredRecord>, StorageError> {
        let mut hits: Vec<StoredRecord> = self
            .records
            .borrow()
            .values()
            .filter(|r| query.matches(r))
            .cloned()
            .collect();
        hits.sort_by(|a, b| {
            b.updated_at
                .total_cmp(&a.updated_at)
                .then_with(|| b.id.cmp(&a.id))
        });
        Ok(hits
            .into_iter()
            .skip(query.offset as usize)
            .take(query.limit as usize)
            .collect())
    }

    async fn count(&self, status: Option<RecordStatus>) -> Result<u32, StorageError> {
        Ok(self
            .records
            .borrow()
            .values()
            .filter(|r| status.is_none_or(|s| s == r.status))
            .count() as u32)
    }

    async fn oldest_ids(
        &self,
        status: RecordStatus,
        limit: u32,
    ) -> Result<Vec<String>, StorageError> {
        let mut hits: Vec<(f64, String)> = self
            .records
            .borrow()
            .values()
            .filter(|r| r.status == status)
            .map(|r| (r.updated_at, r.id.clone()))
            .collect();
        hits.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        Ok(hits
            .into_iter()
            .take(limit as usize)
            .map(|(_, id)| id)
            .collect())
    }

    async fn get_many(&self, ids: &[String]) -> Result<Vec<Option<StoredRecord>>, StorageError> {
        let records = self.records.borrow();
        Ok(ids.iter().map(|id| records.get(id).cloned()).collect())
    }

    async fn set_statuses(
        &self,
        ids: &[String],
        from: RecordStatus,
        to: RecordStatus,
    ) -> Result<u32, StorageError> {
        if self.full.get() {
            return Err(StorageError::QuotaExceeded);
        }
        let mut records = self.records.borrow_mut();
        let mut moved = 0;
        for id in ids {
            // A newer build's record is never rewritten (see RECORD_SHAPE).
            if let Some(r) = records
                .get_mut(id)
                .filter(|r| r.status == from && r.shape <= RECORD_SHAPE)
            {
                r.status = to;
                moved += 1;
            }
        }
        Ok(moved)
    }

    async fn get_meta(&self, key: &str) -> Result<Option<String>, StorageError> {
        Ok(self.meta.borrow().get(key).cloned())
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<(), StorageError> {
        if self.full.get() {
            return Err(StorageError::QuotaExceeded);
        }
        self.meta
            .borrow_mut()
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }
}

/// Named in-memory databases, for tests of the phone's profiles: opening a
/// name twice gives the same store; deleting drops it.
#[derive(Default, Clone)]
pub struct MemoryDatabases {
    stores: Rc<RefCell<BTreeMap<String, Rc<MemoryStore>>>>,
    /// Names deleted so far, in order.
    pub deleted: Rc<RefCell<Vec<String>>>,
}

impl MemoryDatabases {
    pub fn new() -> Self {
        Self::default()
    }

    /// The database `name`, made if missing (what [`Databases::open`] gives).
    pub fn store(&self, name: &str) -> Rc<MemoryStore> {
        Rc::clone(self.stores.borrow_mut().entry(name.to_owned()).or_default())
    }

    /// The names of the databases that exist.
    pub fn names(&self) -> Vec<String> {
        self.stores.borrow().keys().cloned().collect()
    }
}

impl Databases for MemoryDatabases {
    type Store = Rc<MemoryStore>;

    async fn open(&self, name: &str) -> Result<Rc<MemoryStore>, StorageError> {
        Ok(self.store(name))
    }

    fn close(&self, _store: &Rc<MemoryStore>) {}

    async fn delete(&self, name: &str) -> Result<(), StorageError> {
        self.stores.borrow_mut().remove(name);
        self.deleted.borrow_mut().push(name.to_owned());
        Ok(())
    }
}
