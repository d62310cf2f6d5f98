//! The one writer of records, over a slow store: the final version always wins, no answer is lost, failures are told and retried, deleted and withdrawn records stay gone.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use chrono::{DateTime, Duration, TimeZone, Utc};
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use jangkau::crypto::IdentityCipher;
use jangkau::model::answer::AnswerValue;
use jangkau::model::builtin;
use jangkau::model::form::FormKind;
use jangkau::model::participant_code::ParticipantCode;
use jangkau::model::record::{Record, RecordStatus};
use jangkau::service::writer::{Refused, Spawn, WriteState, Writer};
use jangkau::storage::memory::MemoryStore;
use jangkau::storage::{ListQuery, RecordStore, Records, StorageError, StoredRecord};
use uuid::Uuid;

mod support;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap()
}

/// Returns `Pending` `n` times (waking itself each time) before it is done:
/// other tasks run in between, as they do while IndexedDB works.
struct Yield(u32);

impl Future for Yield {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A memory store whose every write takes `delay` turns of the executor.
#[derive(Default)]
struct SlowStore {
    inner: MemoryStore,
    delay: Cell<u32>,
    /// Every record written, in order: (id, status, notes answer).
    writes: RefCell<Vec<(String, RecordStatus)>>,
}

impl RecordStore for SlowStore {
    async fn put(&self, record: &StoredRecord) -> Result<(), StorageError> {
        Yield(self.delay.get()).await;
        self.inner.put(record).await?;
        self.writes
            .borrow_mut()
            .push((record.id.clone(), record.status));
        Ok(())
    }
    async fn put_many(&self, records: &[StoredRecord]) -> Result<(), StorageError> {
        self.inner.put_many(records).await
    }
    async fn get(&self, id: &str) -> Result<Option<StoredRecord>, StorageError> {
        self.inner.get(id).await
    }
    async fn delete(&self, id: &str) -> Result<(), StorageError> {
        Yield(self.delay.get()).await;
        self.inner.delete(id).await
    }
    async fn page(&self, query: &ListQuery) -> Result<Vec<StoredRecord>, StorageError> {
        self.inner.page(query).await
    }
    async fn count(&self, status: Option<RecordStatus>) -> Result<u32, StorageError> {
        self.inner.count(status).await
    }
    async fn get_many(&self, ids: &[String]) -> Result<Vec<Option<StoredRecord>>, StorageError> {
        self.inner.get_many(ids).await
    }
    async fn set_statuses(
        &self,
        ids: &[String],
        from: RecordStatus,
        to: RecordStatus,
    ) -> Result<u32, StorageError> {
        self.inner.set_statuses(ids, from, to).await
    }
    async fn oldest_ids(
        &self,
        status: RecordStatus,
        limit: u32,
    ) -> Result<Vec<String>, StorageError> {
        self.inner.oldest_ids(status, limit).await
    }
    async fn get_meta(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.inner.get_meta(key).await
    }
    async fn set_meta(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.inner.set_meta(key, value).await
    }
}

struct PoolSpawn(futures::executor::LocalSpawner);

impl Spawn for PoolSpawn {
    fn spawn(&self, task: Pin<Box<dyn Future<Output = ()>>>) {
        self.0
            .spawn_local(task)
            .expect("the test's executor is running");
    }
}

type TestWriter = Writer<Rc<SlowStore>, IdentityCipher>;

struct Bench {
    pool: LocalPool,
    store: Rc<SlowStore>,
    writer: Rc<TestWriter>,
    records: Rc<Records<Rc<SlowStore>, IdentityCipher>>,
    told: Rc<RefCell<Vec<WriteState>>>,
}

impl Bench {
    fn new(delay: u32) -> Bench {
        let pool = LocalPool::new();
        let store = Rc::new(SlowStore::default());
        store.delay.set(delay);
        let records = Rc::new(Records::new(Rc::clone(&store), IdentityCipher));
        let writer = Writer::new(Rc::clone(&records), Rc::new(PoolSpawn(pool.spawner())));
        Bench {
            pool,
            store,
            writer,
            records,
            told: Rc::new(RefCell::new(Vec::new())),
        }
    }

    fn change(&self, record: &Record) -> Result<(), Refused> {
        let told = Rc::clone(&self.told);
        self.writer
            .change(record.clone(), Rc::new(move |s| told.borrow_mut().push(s)))
    }

    /// Queues `save` now and awaits it in a task; its result lands in the
    /// returned cell.
    fn save(&self, record: &Record) -> Rc<RefCell<Option<Result<(), StorageError>>>> {
        let out = Rc::new(RefCell::new(None));
        let pending = self.writer.save(record.clone());
        let slot = Rc::clone(&out);
        self.pool
            .spawner()
            .spawn_local(async move {
                *slot.borrow_mut() = Some(pending.await);
            })
            .unwrap();
        out
    }

    fn settle(&mut self) {
        self.pool.run_until_stalled();
    }

    fn stored(&mut self, id: Uuid) -> Option<Record> {
        let records = Rc::clone(&self.records);
        self.pool
            .run_until(async move { records.load(id).await })
            .unwrap()
    }
}

fn draft(notes: &str, minute: i64) -> Record {
    let form = builtin::form(FormKind::SiteVisit).unwrap();
    let mut r = support::site_visit(1, t0(), "KDR-CERME");
    r.set_answer(
        &form,
        "notes",
        Some(AnswerValue::Text(notes.into())),
        t0() + Duration::minutes(minute),
    )
    .unwrap();
    r
}

fn notes(r: &Record) -> String {
    match r.answers.values.get("notes") {
        Some(AnswerValue::Text(t)) => t.clone(),
        other => format!("{other:?}"),
    }
}

/// Issue 12: "Selesai" saved the final record outside the draft's write
/// queue, so a draft snapshot queued or in flight could land after it and
/// turn the finished record back into a draft.
#[test]
fn the_finished_version_wins_over_draft_writes_queued_or_in_flight() {
    let mut bench = Bench::new(5);
    let form = builtin::form(FormKind::SiteVisit).unwrap();
    bench.change(&draft("satu", 1)).unwrap(); // in flight
    bench.change(&draft("dua", 2)).unwrap(); // queued behind it
    let mut done = draft("dua", 2);
    done.finalize(&form, t0().date_naive(), t0() + Duration::minutes(3))
        .unwrap();
    let result = bench.save(&done);
    // The page unmounts after Finish and writes what it holds: refused.
    assert_eq!(bench.change(&draft("dua", 2)), Err(Refused::Closed));
    bench.settle();
    assert_eq!(*result.borrow(), Some(Ok(())));
    let stored = bench.stored(done.id).unwrap();
    assert_eq!(
        stored.status,
        RecordStatus::Final,
        "turned back into a draft"
    );
    assert_eq!(notes(&stored), "dua");
    let writes = bench.store.writes.borrow().clone();
    assert_eq!(
        writes.last().map(|w| w.1),
        Some(RecordStatus::Final),
        "the final write was not the last one: {writes:?}"
    );
    assert!(
        writes.len() <= 2,
        "the queued draft was written after all: {writes:?}"
    );
}

#[test]
fn every_change_made_during_slow_writes_ends_up_stored() {
    let mut bench = Bench::new(3);
    for i in 0..40 {
        bench.change(&draft(&format!("catatan {i}"), i)).unwrap();
        // Sometimes the executor gets a turn between keystrokes, sometimes not.
        if i % 3 == 0 {
            bench.pool.try_run_one();
        }
    }
    bench.settle();
    assert_eq!(
        notes(&bench.stored(Uuid::from_u128(1)).unwrap()),
        "catatan 39"
    );
    assert_eq!(bench.told.borrow().last(), Some(&WriteState::Saved));
    // Snapshots replaced while waiting were never written.
    assert!(bench.store.writes.borrow().len() < 40);
}

#[test]
fn a_failed_write_is_told_and_the_next_change_writes_again() {
    let mut bench = Bench::new(0);
    bench.store.inner.full.set(true);
    bench.change(&draft("penuh", 1)).unwrap();
    bench.settle();
    assert_eq!(
        bench.told.borrow().last(),
        Some(&WriteState::Failed(StorageError::QuotaExceeded))
    );
    assert!(bench.stored(Uuid::from_u128(1)).is_none());
    bench.store.inner.full.set(false);
    bench.change(&draft("ada tempat", 2)).unwrap();
    bench.settle();
    assert_eq!(bench.told.borrow().last(), Some(&WriteState::Saved));
    assert_eq!(
        notes(&bench.stored(Uuid::from_u128(1)).unwrap()),
        "ada tempat"
    );
}

#[test]
fn a_finished_version_that_fails_to_save_leaves_the_draft_editable() {
    let mut bench = Bench::new(0);
    let form = builtin::form(FormKind::SiteVisit).unwrap();
    bench.change(&draft("draf", 1)).unwrap();
    bench.settle();
    bench.store.inner.full.set(true);
    let mut done = draft("draf", 1);
    done.finalize(&form, t0().date_naive(), t0()).unwrap();
    let result = bench.save(&done);
    bench.settle();
    assert_eq!(*result.borrow(), Some(Err(StorageError::QuotaExceeded)));
    assert_eq!(bench.stored(done.id).unwrap().status, RecordStatus::Draft);
    bench.store.inner.full.set(false);
    assert_eq!(bench.change(&draft("lanjut", 2)), Ok(()));
    bench.settle();
    assert_eq!(notes(&bench.stored(done.id).unwrap()), "lanjut");
}

#[test]
fn flush_waits_for_every_queued_write() {
    let mut bench = Bench::new(4);
    bench.change(&draft("terakhir", 1)).unwrap();
    let writer = Rc::clone(&bench.writer);
    let store = Rc::clone(&bench.store);
    let written = bench.pool.run_until(async move {
        writer.flush().await;
        store.writes.borrow().len()
    });
    assert_eq!(written, 1, "flush returned before the write was done");
}

#[test]
fn a_deleted_draft_stays_deleted_whatever_the_page_writes_after() {
    let mut bench = Bench::new(2);
    bench.change(&draft("hapus", 1)).unwrap();
    bench.settle();
    bench.change(&draft("hapus lagi", 2)).unwrap();
    let writer = Rc::clone(&bench.writer);
    bench
        .pool
        .run_until(async move { writer.delete(Uuid::from_u128(1)).await })
        .unwrap();
    assert_eq!(bench.change(&draft("hantu", 3)), Err(Refused::Closed));
    bench.settle();
    assert!(bench.stored(Uuid::from_u128(1)).is_none());
}

#[test]
fn a_withdrawn_participants_draft_is_not_brought_back_by_a_queued_snapshot() {
    let mut bench = Bench::new(3);
    let code = ParticipantCode::from_random([2, 7, 1, 8, 2, 8]);
    let mut hers = support::finished(5, "follow_up", &code, "KDR-TARIK", t0(), vec![]);
    hers.status = RecordStatus::Draft;
    bench.change(&hers).unwrap();
    bench.settle();
    // A later keystroke is still queued when she withdraws.
    let mut typed = hers.clone();
    typed.updated_at = t0() + Duration::minutes(1);
    bench.change(&typed).unwrap();
    let writer = Rc::clone(&bench.writer);
    let code2 = code.clone();
    let done = bench
        .pool
        .run_until(async move { writer.withdraw(&code2, Uuid::from_u128(77), t0()).await })
        .unwrap();
    assert_eq!(done.deleted, 1);
    assert_eq!(bench.change(&typed), Err(Refused::Closed));
    bench.settle();
    assert!(bench.stored(hers.id).is_none(), "her draft came back");
}
