//! The one writer of records: every change, leave, lock, finish, edit and delete of a record goes through one queue per record, so the order of writes is the order of changes.
//!
//! Sealing is asynchronous (WebCrypto), so a write cannot finish inside the
//! browser's last event when a tab is killed. Every change therefore
//! queues a snapshot at once; one write per record runs at a time, and a
//! snapshot queued while one is running replaces any older one still
//! waiting (it holds every change the older one did). A record that was
//! finished takes no draft snapshot after that: a draft write still queued
//! or in flight can never land after the final one and turn it back into a
//! draft. The writer keeps its own handle on the record service, so writes
//! queued as the app locks finish under the key they were made with.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use futures::channel::oneshot;
use uuid::Uuid;

use crate::crypto::Cipher;
use crate::model::participant_code::ParticipantCode;
use crate::model::record::{Record, RecordStatus};
use crate::storage::{RecordStore, Records, StorageError, Withdrawal};

/// Runs the writer's background tasks: `spawn_local` in the browser, an
/// executor in tests.
pub trait Spawn {
    fn spawn(&self, task: Pin<Box<dyn Future<Output = ()>>>);
}

/// Where a record's writes stand, for the page that shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteState {
    /// A write is queued or running.
    Saving,
    /// Everything queued so far is on disk.
    Saved,
    /// The last write failed; the answers are only in the page. The next
    /// change tries again.
    Failed(StorageError),
}

/// Why the writer refused a write.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// The record is already final (or deleted): a draft snapshot would
    /// undo that.
    Closed,
}

type Notify = Rc<dyn Fn(WriteState)>;
type Waiter = oneshot::Sender<Result<(), StorageError>>;

#[derive(Default)]
struct Queue {
    /// The newest snapshot not yet written, with everyone awaiting it.
    next: Option<(Record, Vec<Waiter>)>,
    running: bool,
    /// A final version was queued, or the record was deleted: no draft
    /// snapshot is taken any more.
    closed: bool,
    notify: Option<Notify>,
}

/// Writes records, one queue per record.
pub struct Writer<S, C> {
    records: Rc<Records<S, C>>,
    spawner: Rc<dyn Spawn>,
    queues: RefCell<HashMap<Uuid, Queue>>,
    /// Everyone waiting for every queue to be empty.
    idle: RefCell<Vec<oneshot::Sender<()>>>,
    /// While her consent is being withdrawn, no snapshot of a record of
    /// hers is taken (it could bring a deleted draft back).
    withdrawing: RefCell<Option<ParticipantCode>>,
}

impl<S: RecordStore + 'static, C: Cipher + 'static> Writer<S, C> {
    pub fn new(records: Rc<Records<S, C>>, spawner: Rc<dyn Spawn>) -> Rc<Self> {
        Rc::new(Writer {
            records,
            spawner,
            queues: RefCell::new(HashMap::new()),
            idle: RefCell::new(Vec::new()),
            withdrawing: RefCell::new(None),
        })
    }

    pub fn records(&self) -> &Rc<Records<S, C>> {
        &self.records
    }

    /// A draft changed: its snapshot is written as soon as the write before
    /// it is done. `notify` hears how its writes go (the page's "saved").
    ///
    /// # Errors
    /// `Closed` when the record was finished or deleted: nothing is queued.
    pub fn change(self: &Rc<Self>, record: Record, notify: Notify) -> Result<(), Refused> {
        let id = record.id;
        if record.participant_code.is_some()
            && *self.withdrawing.borrow() == record.participant_code
        {
            return Err(Refused::Closed);
        }
        {
            let mut queues = self.queues.borrow_mut();
            let queue = queues.entry(id).or_default();
            if queue.closed {
                return Err(Refused::Closed);
            }
            queue.notify = Some(notify);
        }
        self.enqueue(record, None);
        Ok(())
    }

    /// Writes `record` (a new draft, an edit's first draft, a finished
    /// record) after every write of it queued before; the returned future
    /// says how it went. It is queued at once, not when the future is first
    /// polled: a final record closes its queue before anything else can
    /// queue a draft snapshot behind it.
    ///
    /// # Errors
    /// The [`StorageError`] of this write (or of a newer one that replaced
    /// it before it ran); the stored version stays as it was.
    pub fn save(
        self: &Rc<Self>,
        record: Record,
    ) -> impl Future<Output = Result<(), StorageError>> + 'static {
        let (done, result) = oneshot::channel();
        if record.status != RecordStatus::Draft {
            self.queues
                .borrow_mut()
                .entry(record.id)
                .or_default()
                .closed = true;
        }
        self.enqueue(record, Some(done));
        async move {
            result
                .await
                .unwrap_or_else(|_| Err(StorageError::Other("the write was dropped".into())))
        }
    }

    fn enqueue(self: &Rc<Self>, record: Record, waiter: Option<Waiter>) {
        let id = record.id;
        let start = {
            let mut queues = self.queues.borrow_mut();
            let queue = queues.entry(id).or_default();
            // A newer snapshot holds every change of the one it replaces,
            // so whoever awaited that one awaits this one now.
            let mut waiters = queue.next.take().map(|(_, w)| w).unwrap_or_default();
            waiters.extend(waiter);
            queue.next = Some((record, waiters));
            !std::mem::replace(&mut queue.running, true)
        };
        self.tell(id, WriteState::Saving);
        if start {
            let this = Rc::clone(self);
            self.spawner
                .spawn(Box::pin(async move { this.drain(id).await }));
        }
    }

    fn tell(&self, id: Uuid, state: WriteState) {
        let notify = self.queues.borrow().get(&id).and_then(|q| q.notify.clone());
        if let Some(notify) = notify {
            notify(state);
        }
    }

    async fn drain(self: Rc<Self>, id: Uuid) {
        loop {
            let next = {
                let mut queues = self.queues.borrow_mut();
                let Some(queue) = queues.get_mut(&id) else {
                    break;
                };
                let next = queue.next.take();
                queue.running = next.is_some();
                next
            };
            let Some((snapshot, waiters)) = next else {
                break;
            };
            let result = self.records.save(&snapshot).await;
            if result.is_err() && snapshot.status != RecordStatus::Draft {
                // The finished version did not land: the draft stays
                // stored, and the page may go on editing it.
                if let Some(queue) = self.queues.borrow_mut().get_mut(&id) {
                    queue.closed = false;
                }
            }
            let more = self
                .queues
                .borrow()
                .get(&id)
                .is_some_and(|q| q.next.is_some());
            match &result {
                Ok(()) if !more => self.tell(id, WriteState::Saved),
                Ok(()) => {}
                // The page keeps the answers and tries again at the next change.
                Err(e) => self.tell(id, WriteState::Failed(e.clone())),
            }
            for waiter in waiters {
                // The awaiting side may be gone (the page closed): nobody
                // is left to tell, and the write itself is done.
                let _ = waiter.send(result.clone());
            }
        }
        self.forget_if_done(id);
        self.wake_if_idle();
    }

    /// A queue with nothing to write and nothing to remember is dropped;
    /// closed queues stay, so a late snapshot of a finished or deleted
    /// record is still refused.
    fn forget_if_done(&self, id: Uuid) {
        let mut queues = self.queues.borrow_mut();
        if queues
            .get(&id)
            .is_some_and(|q| !q.running && q.next.is_none() && !q.closed)
        {
            queues.remove(&id);
        }
    }

    fn busy(&self) -> bool {
        self.queues
            .borrow()
            .values()
            .any(|q| q.running || q.next.is_some())
    }

    fn wake_if_idle(&self) {
        if !self.busy() {
            for waiter in self.idle.borrow_mut().drain(..) {
                // A waiter that stopped waiting needs no answer.
                let _ = waiter.send(());
            }
        }
    }

    /// Waits until every write queued so far is done (written or failed).
    pub async fn flush(&self) {
        if !self.busy() {
            return;
        }
        let (done, wait) = oneshot::channel();
        self.idle.borrow_mut().push(done);
        // Dropped only with the writer, when nothing is left to wait for.
        let _ = wait.await;
    }

    /// Stops taking snapshots of `id` (it is being deleted), dropping any
    /// not yet written. A write already running finishes.
    fn close(&self, id: Uuid) {
        self.queues.borrow_mut().entry(id).or_default().closed = true;
        self.drop_queued(id);
    }

    fn drop_queued(&self, id: Uuid) {
        let dropped = self
            .queues
            .borrow_mut()
            .get_mut(&id)
            .and_then(|q| q.next.take());
        if let Some((_, waiters)) = dropped {
            for waiter in waiters {
                // The record is going: its waiters hear so.
                let _ = waiter.send(Err(StorageError::NotDeletable));
            }
        }
        self.wake_if_idle();
    }

    /// Deletes a draft (or a withdrawn record never sent) after the writes
    /// of it already running; snapshots arriving later are refused.
    ///
    /// # Errors
    /// `NotDeletable` for a final record, or a storage failure.
    pub async fn delete(&self, id: Uuid) -> Result<(), StorageError> {
        self.close(id);
        self.flush().await;
        self.records.delete(id).await
    }

    /// Consent withdrawn: no snapshot of her records is taken from now
    /// on, the ones queued are dropped and the running ones finish; then her
    /// records are marked or deleted, and the deleted ones stay closed.
    ///
    /// # Errors
    /// As [`Records::withdraw`]; her records take snapshots again then.
    pub async fn withdraw(
        &self,
        code: &ParticipantCode,
        message_id: Uuid,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Withdrawal, StorageError> {
        *self.withdrawing.borrow_mut() = Some(code.clone());
        let queued: Vec<Uuid> = self
            .queues
            .borrow()
            .iter()
            .filter(|(_, q)| {
                q.next
                    .as_ref()
                    .is_some_and(|(r, _)| r.participant_code.as_ref() == Some(code))
            })
            .map(|(id, _)| *id)
            .collect();
        for id in queued {
            self.drop_queued(id);
        }
        self.flush().await;
        let result = self.records.withdraw(code, message_id, now).await;
        if let Ok(done) = &result {
            let deleted: HashSet<Uuid> = done.deleted_ids.iter().copied().collect();
            for id in deleted {
                self.close(id);
            }
        }
        *self.withdrawing.borrow_mut() = None;
        result
    }
}
