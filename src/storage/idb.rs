//! The IndexedDB record store (via rexie): versioned layout, a writability check at open, and reconnection.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use futures::future::join_all;
use rexie::{Direction, Index, KeyRange, ObjectStore, Rexie, TransactionMode, TransactionResult};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use super::{ListQuery, RecordStatus, RecordStore, StorageError, StoredRecord, RECORD_SHAPE};

/// The layout version this build opens. See [`layout`] for what each adds.
pub const DB_VERSION: u32 = 2;

const RECORDS: &str = "records";
const META: &str = "meta";
/// Newest change first, for the unfiltered list.
const BY_UPDATED: &str = "by_updated";
/// One status, newest change first: the list's tabs and the counts.
const BY_STATUS_UPDATED: &str = "by_status_updated";
const BY_STATUS: &str = "by_status";

/// The database layout at `version`. rexie applies a layout declaratively —
/// it creates what is missing and deletes stores and indexes that are not
/// declared — so every version must declare everything it keeps; stores are
/// never dropped here, which is what keeps records safe across upgrades.
///
/// 1. `records` keyed by record id (the phone-made UUID: stable across
///    edits, unlike anything in the answers), and `meta` keyed by name.
/// 2. Indexes for paging the list by time and by status, so opening the list
///    reads one page, not every record.
///
/// Both steps run on a new phone; they are separate so the upgrade path
/// (an existing v1 database opened by a v2 build) is exercised from the
/// first release (tests/web.rs).
pub fn layout(name: &str, version: u32) -> rexie::RexieBuilder {
    let mut records = ObjectStore::new(RECORDS).key_path("id");
    if version >= 2 {
        records = records
            .add_index(Index::new(BY_UPDATED, "updated_at"))
            .add_index(Index::new(BY_STATUS, "status"))
            .add_index(Index::new_array(
                BY_STATUS_UPDATED,
                ["status", "updated_at"],
            ));
    }
    Rexie::builder(name)
        .version(version)
        .add_object_store(records)
        .add_object_store(ObjectStore::new(META).key_path("key"))
}

#[derive(Serialize, Deserialize)]
struct MetaEntry {
    key: String,
    value: String,
}

pub struct IdbStore {
    name: String,
    version: u32,
    db: RefCell<Option<Rc<Rexie>>>,
}

/// The DOMException behind a rexie error (its `name`, such as
/// `QuotaExceededError`), read from the exception itself, not its message.
fn exception_name(error: &rexie::Error) -> Option<String> {
    use idb::Error as E;
    let rexie::Error::IdbError(inner) = error else {
        return None;
    };
    let value = match inner {
        E::AddFailed(value)
        | E::ClearFailed(value)
        | E::CountFailed(value)
        | E::CursorAdvanceFailed(value)
        | E::CursorContinueFailed(value)
        | E::CursorKeyNotFound(value)
        | E::CursorPrimaryKeyNotFound(value)
        | E::CursorValueNotFound(value)
        | E::DeleteFailed(value)
        | E::GetAllFailed(value)
        | E::GetAllKeysFailed(value)
        | E::GetFailed(value)
        | E::GetKeyFailed(value)
        | E::IndexCreateFailed(value)
        | E::IndexDeleteFailed(value)
        | E::IndexedDbDeleteFailed(value)
        | E::IndexedDbNotFound(value)
        | E::IndexedDbOpenFailed(value)
        | E::IndexNotFound(value)
        | E::KeyPathNotFound(value)
        | E::KeyRangeBoundNotFound(value)
        | E::KeyRangeCreateFailed(value)
        | E::KeyRangeIncludesFailed(value)
        | E::ObjectStoreCreateFailed(value)
        | E::ObjectStoreDeleteFailed(value)
        | E::ObjectStoreNotFound(value)
        | E::OpenCursorFailed(value)
        | E::OpenKeyCursorFailed(value)
        | E::RequestErrorNotFound(value)
        | E::RequestResultNotFound(value)
        | E::TransactionAbortError(value)
        | E::TransactionCommitError(value)
        | E::TransactionModeNotFound(value)
        | E::TransactionOpenFailed(value)
        | E::UpdateFailed(value) => value,
        _ => return None,
    };
    js_sys::Reflect::get(value, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
}

/// What an IndexedDB failure means for the app. A closed connection (another
/// tab upgraded the database, or Chrome closed it under storage pressure) is
/// retried once after reconnecting.
fn wrap(error: rexie::Error) -> StorageError {
    match exception_name(&error).as_deref() {
        Some("QuotaExceededError") => StorageError::QuotaExceeded,
        Some("InvalidStateError" | "TransactionInactiveError") => StorageError::ConnectionClosed,
        // Only the exception's name is kept: a message could quote data.
        Some(name) => StorageError::Other(name.to_owned()),
        None => StorageError::Other(error.to_string().chars().take(200).collect()),
    }
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, StorageError> {
    value
        .serialize(
            &serde_wasm_bindgen::Serializer::json_compatible().serialize_bytes_as_arrays(false),
        )
        .map_err(|e| StorageError::Other(e.to_string()))
}

fn from_js<T: for<'de> Deserialize<'de>>(value: JsValue) -> Result<T, StorageError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| StorageError::Corrupt(e.to_string()))
}

fn committed(result: TransactionResult) -> Result<(), rexie::Error> {
    match result {
        TransactionResult::Committed => Ok(()),
        // An abort at commit is how IndexedDB reports a full disk.
        TransactionResult::Aborted => Err(rexie::Error::TransactionAbortFailed),
    }
}

impl IdbStore {
    /// Opens (creating or upgrading) the database and checks that it can
    /// really be written — some private modes open a database that then
    /// fails every write.
    ///
    /// # Errors
    /// `Unavailable` when IndexedDB cannot be opened or written.
    pub async fn open(name: &str) -> Result<IdbStore, StorageError> {
        Self::open_at(name, DB_VERSION).await
    }

    /// Opens at a given layout version (tests open older layouts).
    ///
    /// # Errors
    /// As [`IdbStore::open`].
    pub async fn open_at(name: &str, version: u32) -> Result<IdbStore, StorageError> {
        let store = IdbStore {
            name: name.to_owned(),
            version,
            db: RefCell::new(None),
        };
        store.connect().await?;
        store
            .set_meta("write_check", "ok")
            .await
            .map_err(|e| StorageError::Unavailable(e.to_string()))?;
        Ok(store)
    }

    async fn connect(&self) -> Result<Rc<Rexie>, StorageError> {
        if let Some(db) = self.db.borrow().as_ref() {
            return Ok(db.clone());
        }
        let db = layout(&self.name, self.version)
            .build()
            .await
            .map(Rc::new)
            .map_err(|e| StorageError::Unavailable(e.to_string().chars().take(200).collect()))?;
        *self.db.borrow_mut() = Some(db.clone());
        Ok(db)
    }

    /// Runs `op`, reconnecting once if the connection had been closed.
    async fn run<T, F, Fut>(&self, op: F) -> Result<T, StorageError>
    where
        F: Fn(Rc<Rexie>) -> Fut,
        Fut: Future<Output = Result<T, StorageError>>,
    {
        let db = self.connect().await?;
        match op(db).await {
            Err(StorageError::ConnectionClosed) => {
                self.db.borrow_mut().take();
                let db = self.connect().await?;
                op(db).await
            }
            other => other,
        }
    }

    /// Deletes the whole database (a profile removed from the phone; tests).
    ///
    /// # Errors
    /// When the browser refuses.
    pub async fn delete_database(name: &str) -> Result<(), StorageError> {
        Rexie::delete(name).await.map_err(wrap)
    }

    /// Closes the connection (the next call reconnects).
    pub fn close(&self) {
        if let Some(db) = self.db.borrow_mut().take() {
            if let Ok(db) = Rc::try_unwrap(db) {
                db.close();
            }
        }
    }
}

impl IdbStore {
    /// Writes one value into `store` in its own transaction. An abort at
    /// commit is how IndexedDB reports a full disk.
    async fn put_value(&self, store: &'static str, value: JsValue) -> Result<(), StorageError> {
        self.run(|db| {
            let value = value.clone();
            async move {
                let tx = db
                    .transaction(&[store], TransactionMode::ReadWrite)
                    .map_err(wrap)?;
                tx.store(store)
                    .map_err(wrap)?
                    .put(&value, None)
                    .await
                    .map_err(wrap)?;
                committed(tx.done().await.map_err(wrap)?).map_err(|_| StorageError::QuotaExceeded)
            }
        })
        .await
    }

    /// Reads one value from `store` by key.
    async fn get_value<T: for<'de> Deserialize<'de>>(
        &self,
        store: &'static str,
        key: &str,
    ) -> Result<Option<T>, StorageError> {
        let key = JsValue::from_str(key);
        self.run(|db| {
            let key = key.clone();
            async move {
                let tx = db
                    .transaction(&[store], TransactionMode::ReadOnly)
                    .map_err(wrap)?;
                let value = tx
                    .store(store)
                    .map_err(wrap)?
                    .get(key)
                    .await
                    .map_err(wrap)?;
                value.filter(|v| !v.is_undefined()).map(from_js).transpose()
            }
        })
        .await
    }
}

impl RecordStore for IdbStore {
    async fn put(&self, record: &StoredRecord) -> Result<(), StorageError> {
        self.put_value(RECORDS, to_js(record)?).await
    }

    async fn put_many(&self, records: &[StoredRecord]) -> Result<(), StorageError> {
        let values = records.iter().map(to_js).collect::<Result<Vec<_>, _>>()?;
        self.run(|db| {
            let values = values.clone();
            async move {
                let tx = db
                    .transaction(&[RECORDS], TransactionMode::ReadWrite)
                    .map_err(wrap)?;
                let store = tx.store(RECORDS).map_err(wrap)?;
                for put in join_all(values.iter().map(|v| store.put(v, None))).await {
                    put.map_err(wrap)?;
                }
                committed(tx.done().await.map_err(wrap)?)
                    .map_err(|_| StorageError::QuotaExceeded)?;
                Ok(())
            }
        })
        .await
    }

    async fn get(&self, id: &str) -> Result<Option<StoredRecord>, StorageError> {
        self.get_value(RECORDS, id).await
    }

    async fn delete(&self, id: &str) -> Result<(), StorageError> {
        let key = JsValue::from_str(id);
        self.run(|db| {
            let key = key.clone();
            async move {
                let tx = db
                    .transaction(&[RECORDS], TransactionMode::ReadWrite)
                    .map_err(wrap)?;
                tx.store(RECORDS)
                    .map_err(wrap)?
                    .delete(key)
                    .await
                    .map_err(wrap)?;
                committed(tx.done().await.map_err(wrap)?).map_err(wrap)
            }
        })
        .await
    }

    async fn page(&self, query: &ListQuery) -> Result<Vec<StoredRecord>, StorageError> {
        let query = query.clone();
        self.run(|db| {
            let query = query.clone();
            async move {
                let tx = db
                    .transaction(&[RECORDS], TransactionMode::ReadOnly)
                    .map_err(wrap)?;
                let store = tx.store(RECORDS).map_err(wrap)?;
                // The unfiltered list and the status tabs read exactly one page
                // through an index; a form or site filter scans in time order
                // and filters (fine for a phone's worth of records).
                let simple = query.form_id.is_none() && query.site.is_none();
                let (index, range) = match query.status {
                    Some(status) => {
                        let code = JsValue::from_str(status.code());
                        let lower = js_sys::Array::of2(&code, &JsValue::from_f64(f64::MIN));
                        let upper = js_sys::Array::of2(&code, &JsValue::from_f64(f64::MAX));
                        (
                            BY_STATUS_UPDATED,
                            Some(
                                KeyRange::bound(&lower, &upper, None, None)
                                    .map_err(|e| wrap(e.into()))?,
                            ),
                        )
                    }
                    None => (BY_UPDATED, None),
                };
                let index = store.index(index).map_err(wrap)?;
                let (limit, offset) = if simple {
                    (Some(query.limit), Some(query.offset))
                } else {
                    (None, None)
                };
                let rows = index
                    .scan(
                        range,
                        limit,
                        offset.filter(|&o| o > 0),
                        Some(Direction::Prev),
                    )
                    .await
                    .map_err(wrap)?;
                let mut out = Vec::new();
                for (_, value) in rows {
                    out.push(from_js::<StoredRecord>(value)?);
                }
                if !simple {
                    out = out
                        .into_iter()
                        .filter(|r| query.matches(r))
                        .skip(query.offset as usize)
                        .take(query.limit as usize)
                        .collect();
                }
                Ok(out)
            }
        })
        .await
    }

    async fn count(&self, status: Option<RecordStatus>) -> Result<u32, StorageError> {
        self.run(|db| async move {
            let tx = db
                .transaction(&[RECORDS], TransactionMode::ReadOnly)
                .map_err(wrap)?;
            let store = tx.store(RECORDS).map_err(wrap)?;
            match status {
                None => store.count(None).await.map_err(wrap),
                Some(status) => {
                    let range = KeyRange::only(&JsValue::from_str(status.code()))
                        .map_err(|e| wrap(e.into()))?;
                    store
                        .index(BY_STATUS)
                        .map_err(wrap)?
                        .count(Some(range))
                        .await
                        .map_err(wrap)
                }
            }
        })
        .await
    }

    async fn oldest_ids(
        &self,
        status: RecordStatus,
        limit: u32,
    ) -> Result<Vec<String>, StorageError> {
        self.run(|db| async move {
            let tx = db
                .transaction(&[RECORDS], TransactionMode::ReadOnly)
                .map_err(wrap)?;
            let index = tx
                .store(RECORDS)
                .map_err(wrap)?
                .index(BY_STATUS_UPDATED)
                .map_err(wrap)?;
            let code = JsValue::from_str(status.code());
            let lower = js_sys::Array::of2(&code, &JsValue::from_f64(f64::MIN));
            let upper = js_sys::Array::of2(&code, &JsValue::from_f64(f64::MAX));
            let range = KeyRange::bound(&lower, &upper, None, None).map_err(|e| wrap(e.into()))?;
            let keys = index
                .get_all_keys(Some(range), Some(limit))
                .await
                .map_err(wrap)?;
            Ok(keys.into_iter().filter_map(|k| k.as_string()).collect())
        })
        .await
    }

    async fn get_many(&self, ids: &[String]) -> Result<Vec<Option<StoredRecord>>, StorageError> {
        self.run(|db| async move {
            let tx = db
                .transaction(&[RECORDS], TransactionMode::ReadOnly)
                .map_err(wrap)?;
            let store = tx.store(RECORDS).map_err(wrap)?;
            // Every read is requested at once; IndexedDB answers in order.
            let values = join_all(ids.iter().map(|id| store.get(JsValue::from_str(id)))).await;
            values
                .into_iter()
                .map(|v| {
                    v.map_err(wrap)?
                        .filter(|v| !v.is_undefined())
                        .map(from_js)
                        .transpose()
                })
                .collect()
        })
        .await
    }

    async fn set_statuses(
        &self,
        ids: &[String],
        from: RecordStatus,
        to: RecordStatus,
    ) -> Result<u32, StorageError> {
        self.run(|db| async move {
            let tx = db
                .transaction(&[RECORDS], TransactionMode::ReadWrite)
                .map_err(wrap)?;
            let store = tx.store(RECORDS).map_err(wrap)?;
            let values = join_all(ids.iter().map(|id| store.get(JsValue::from_str(id)))).await;
            let mut changed = Vec::new();
            let status_key = JsValue::from_str("status");
            for value in values {
                let Some(value) = value.map_err(wrap)?.filter(|v| !v.is_undefined()) else {
                    continue;
                };
                // The stored object is changed in place, not rebuilt from
                // this build's StoredRecord: fields it does not know stay.
                let status = js_sys::Reflect::get(&value, &status_key)
                    .ok()
                    .and_then(|s| s.as_string());
                let shape = js_sys::Reflect::get(&value, &JsValue::from_str("shape"))
                    .ok()
                    .and_then(|s| s.as_f64())
                    .unwrap_or(f64::MAX);
                // A newer build's record is never touched (RECORD_SHAPE).
                if status.as_deref() == Some(from.code()) && shape <= f64::from(RECORD_SHAPE) {
                    js_sys::Reflect::set(&value, &status_key, &JsValue::from_str(to.code()))
                        .map_err(|_| StorageError::Other("status not writable".into()))?;
                    changed.push(value);
                }
            }
            let moved = changed.len() as u32;
            for put in join_all(changed.iter().map(|v| store.put(v, None))).await {
                put.map_err(wrap)?;
            }
            committed(tx.done().await.map_err(wrap)?).map_err(|_| StorageError::QuotaExceeded)?;
            Ok(moved)
        })
        .await
    }

    async fn get_meta(&self, key: &str) -> Result<Option<String>, StorageError> {
        Ok(self
            .get_value::<MetaEntry>(META, key)
            .await?
            .map(|m| m.value))
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.put_value(
            META,
            to_js(&MetaEntry {
                key: key.to_owned(),
                value: value.to_owned(),
            })?,
        )
        .await
    }
}

/// The profiles' databases in IndexedDB, one per profile plus the phone's.
/// Each is opened once and shared by everything that asks for it (the
/// vault, the records, the writer), so closing it before a delete closes
/// this app's only connection and the delete need not wait.
#[derive(Clone, Default)]
pub struct IdbDatabases {
    open: Rc<RefCell<std::collections::BTreeMap<String, Rc<IdbStore>>>>,
}

impl crate::service::phone::Databases for IdbDatabases {
    type Store = Rc<IdbStore>;

    async fn open(&self, name: &str) -> Result<Rc<IdbStore>, StorageError> {
        if let Some(store) = self.open.borrow().get(name) {
            return Ok(Rc::clone(store));
        }
        let store = Rc::new(IdbStore::open(name).await?);
        // Two opens raced: keep the first, so there is still one connection.
        let kept = Rc::clone(
            self.open
                .borrow_mut()
                .entry(name.to_owned())
                .or_insert(store),
        );
        Ok(kept)
    }

    fn close(&self, store: &Rc<IdbStore>) {
        store.close();
    }

    async fn delete(&self, name: &str) -> Result<(), StorageError> {
        if let Some(store) = self.open.borrow_mut().remove(name) {
            store.close();
        }
        IdbStore::delete_database(name).await
    }
}
