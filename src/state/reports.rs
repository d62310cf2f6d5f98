//! The finished records opened once per unlock for the reports (people, follow-ups due, site needs, export), kept current as records change and dropped at lock.

use chrono::{FixedOffset, Local, Offset};
use leptos::prelude::*;

use crate::model::record::{Record, RecordStatus};
use crate::state::records::AppRecords;
use crate::storage::StorageError;

/// Where loading stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Loading {
    Idle,
    /// Opened so far, of how many.
    Opening(usize, usize),
    Failed(StorageError),
}

/// The opened records live here, outside any signal: a signal would clone
/// 10 000 records on every read. `revision` says when they changed.
#[derive(Clone, Copy)]
pub struct ReportsContext {
    records: StoredValue<Option<Vec<Record>>, LocalStorage>,
    pub revision: RwSignal<u32>,
    pub loading: RwSignal<Loading>,
    /// Records that could not be opened (counted, never hidden).
    pub damaged: RwSignal<u32>,
    busy: StoredValue<bool>,
    /// Bumped at every lock, so a load that finishes after it is dropped.
    generation: StoredValue<u32>,
}

impl ReportsContext {
    pub fn expect_context() -> Self {
        expect_context::<Self>()
    }

    /// Runs `f` on the opened records (tracked: reruns when they change);
    /// `None` until they are loaded.
    pub fn with<T>(self, f: impl FnOnce(&[Record]) -> T) -> Option<T> {
        self.revision.track();
        self.records
            .try_with_value(|r| r.as_deref().map(f))
            .flatten()
    }

    /// Opens every finished record, unless already done or under way.
    pub fn ensure(self, service: std::rc::Rc<AppRecords>) {
        let loaded = self.records.with_value(Option::is_some);
        if loaded || self.busy.get_value() {
            return;
        }
        self.busy.set_value(true);
        self.loading.set(Loading::Opening(0, 0));
        let generation = self.generation.get_value();
        leptos::task::spawn_local(async move {
            let loading = self.loading;
            let result = service
                .open_finished(|done, total| {
                    loading.try_set(Loading::Opening(done, total));
                })
                .await;
            self.busy.set_value(false);
            if self.generation.get_value() != generation {
                return; // locked meanwhile: keep nothing
            }
            match result {
                Ok(opened) => {
                    self.records.set_value(Some(opened.records));
                    self.damaged.try_set(opened.damaged);
                    self.loading.try_set(Loading::Idle);
                    self.revision.try_update(|n| *n += 1);
                }
                Err(e) => {
                    self.loading.try_set(Loading::Failed(e));
                }
            }
        });
    }

    /// A record was saved: the copy here follows (drafts are not reported).
    pub fn saved(self, record: &Record) {
        if record.status == RecordStatus::Draft {
            return;
        }
        let changed = self.records.try_update_value(|all| {
            let Some(all) = all else { return false };
            match all.iter_mut().find(|r| r.id == record.id) {
                Some(slot) => *slot = record.clone(),
                None => all.push(record.clone()),
            }
            true
        });
        if changed == Some(true) {
            self.revision.update(|n| *n += 1);
        }
    }

    /// Records were added or removed in bulk (import, withdrawal): read
    /// everything again at the next look.
    pub fn reload(self, service: std::rc::Rc<AppRecords>) {
        self.records.set_value(None);
        self.revision.update(|n| *n += 1);
        self.ensure(service);
    }

    /// Locked: every opened record leaves memory.
    pub fn clear(self) {
        self.generation.update_value(|g| *g += 1);
        self.records.try_set_value(None);
        self.damaged.try_set(0);
        self.loading.try_set(Loading::Idle);
        self.revision.try_update(|n| *n += 1);
    }
}

/// The phone's offset from UTC now, for dating records on its calendar.
pub fn local_offset() -> FixedOffset {
    Local::now().offset().fix()
}

pub fn provide_reports_context() -> ReportsContext {
    let ctx = ReportsContext {
        records: StoredValue::new_local(None),
        revision: RwSignal::new(0),
        loading: RwSignal::new(Loading::Idle),
        damaged: RwSignal::new(0),
        busy: StoredValue::new(false),
        generation: StoredValue::new(0),
    };
    provide_context(ctx);
    ctx
}
