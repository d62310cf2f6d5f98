//! The record storage the app runs on: opened at start, its state, and the status-strip counts it feeds.

use std::rc::Rc;

use leptos::prelude::*;

use crate::crypto::IdentityCipher;
use crate::model::record::Record;
use crate::platform::storage_manager;
use crate::state::StatusContext;
use crate::storage::idb::{IdbStore, DB_NAME};
use crate::storage::{Records, StorageError};

pub type AppRecords = Records<IdbStore, IdentityCipher>;

#[derive(Clone)]
pub enum StorageState {
    Opening,
    Ready(Rc<AppRecords>),
    /// IndexedDB cannot be used: the app shows why instead of pages.
    Unavailable(StorageError),
}

/// Storage state plus whether the browser promised to keep the data.
#[derive(Clone, Copy)]
pub struct RecordsContext {
    pub state: RwSignal<StorageState, LocalStorage>,
    pub persisted: RwSignal<Option<bool>>,
    /// Captured when provided: contexts cannot be looked up from async tasks.
    status: StatusContext,
}

impl RecordsContext {
    pub fn expect_context() -> Self {
        expect_context::<Self>()
    }

    pub fn records(self) -> Option<Rc<AppRecords>> {
        match self.state.get_untracked() {
            StorageState::Ready(records) => Some(records),
            _ => None,
        }
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

    /// Saves a record. The first real record also asks the browser to keep
    /// the app's data (persistent storage), so it is not evicted while unsent.
    ///
    /// # Errors
    /// The [`StorageError`]; the caller keeps its in-memory copy.
    pub async fn save(self, record: &Record) -> Result<(), StorageError> {
        let records = self
            .records()
            .ok_or_else(|| StorageError::Unavailable("not open".into()))?;
        records.save(record).await?;
        if self.persisted.get_untracked() != Some(true) {
            let granted = storage_manager::request_persistence().await;
            self.persisted.set(granted);
        }
        self.refresh_status();
        Ok(())
    }
}

pub fn provide_records_context() -> RecordsContext {
    let ctx = RecordsContext {
        state: RwSignal::new_local(StorageState::Opening),
        persisted: RwSignal::new(None),
        status: StatusContext::expect_context(),
    };
    provide_context(ctx);
    leptos::task::spawn_local(async move {
        match IdbStore::open(DB_NAME).await {
            Ok(store) => {
                ctx.state.set(StorageState::Ready(Rc::new(Records::new(
                    store,
                    IdentityCipher,
                ))));
                ctx.refresh_status();
            }
            Err(e) => ctx.state.set(StorageState::Unavailable(e)),
        }
        ctx.persisted.set(storage_manager::persisted().await);
    });
    ctx
}
