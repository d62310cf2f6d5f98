//! One run of sending: takes finished records in batches, keeps each batch until the server confirms it, and marks records sent only then.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};
use futures::future::join_all;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::endpoint::Endpoint;
use super::policy::{
    classify_status, push_history, retry_after, Failure, HistoryEntry, StatusClass, SyncState,
};
use super::wire::{
    batch_request, couch_lookup_request, read_answer, read_lookup, Delivery, Entry, HttpRequest,
    HttpResponse, PendingBatch, Sender,
};
use crate::crypto::{Cipher, CryptoError};
use crate::model::record::{Record, RecordStatus, WITHDRAWAL_FORM};
use crate::storage::{RecordStore, Records, StorageError, META_LAST_SENT};

/// Meta key (sealed): the batches made and not yet confirmed.
pub const META_OUTBOX: &str = "outbox";
/// Meta key (sealed): why each held record was set aside.
pub const META_HELD: &str = "held_reasons";
/// Meta key: [`SyncState`] as JSON.
pub const META_SYNC_STATE: &str = "sync_state";
/// Meta key: the send history, newest first.
pub const META_HISTORY: &str = "sync_history";
/// Meta key (sealed): the endpoint settings.
pub const META_ENDPOINT: &str = "endpoint";
/// Meta key (clear): the ready-made requests the service worker may send
/// while the app is closed ([`super::wire::Relay`]); empty when none.
pub const META_RELAY: &str = "relay";
/// Meta key: this install's random id, sent with each batch.
pub const META_DEVICE_ID: &str = "device_id";

#[derive(Debug, Clone, PartialEq, Error)]
pub enum SyncError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransportError {
    #[error("offline")]
    Offline,
    #[error("no answer in time")]
    Timeout,
    #[error("the request failed")]
    Failed,
    /// The server answered with a redirect. It is never followed: another
    /// server's "created" would mark records sent that the configured
    /// server never had.
    #[error("the server redirected the request")]
    Redirected,
    /// The answer was longer than [`super::wire::MAX_ANSWER_BYTES`]; reading
    /// stopped there.
    #[error("the answer was too large")]
    TooLarge,
}

impl From<TransportError> for Failure {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Offline => Failure::Offline,
            TransportError::Timeout => Failure::Timeout,
            TransportError::Failed => Failure::Unreachable,
            TransportError::Redirected => Failure::Redirected,
            TransportError::TooLarge => Failure::NotAnAnswer {
                why: super::policy::NotAnswerKind::TooLarge,
            },
        }
    }
}

/// Sends one request. `fetch` in the browser; scripted in tests.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// # Errors
    /// A [`TransportError`] when no HTTP answer arrived.
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// Turns a final record into its batch entry: plain, or encrypted to the
/// programme key, with its fingerprint.
#[allow(async_fn_in_trait)]
pub trait Preparer {
    /// # Errors
    /// When encryption or hashing fails.
    async fn prepare(&self, record: &Record) -> Result<Entry, CryptoError>;
}

/// Why a record was set aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldKind {
    Rejected,
    Conflict,
    /// The server refused even a batch of this one record as too large.
    TooLarge,
    /// It could not be opened on this phone.
    Damaged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldReason {
    pub kind: HeldKind,
    /// The server's words (rejected, conflict), if any.
    #[serde(default)]
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Progress of a run, for the bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub done: u32,
    pub total: u32,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    pub delivered: u32,
    pub duplicates: u32,
    pub held: u32,
    /// Batches posted (a resend counts again).
    pub requests: u32,
    /// Records written by a newer Jangkau: left as they are, for it to send.
    pub newer: u32,
    /// Why the run stopped early; `None` when everything was sent.
    pub failure: Option<Failure>,
    /// The run stopped because the app locked (or was told to stop).
    pub interrupted: bool,
}

/// What a run needs from outside: time, fresh ids, randomness, whether to
/// go on (false once the app locks), and where to report progress.
pub trait RunContext {
    fn now(&self) -> DateTime<Utc>;
    fn new_batch_id(&mut self) -> String;
    /// A number in 0..1 for backoff jitter.
    fn jitter(&mut self) -> f64;
    fn keep_going(&self) -> bool {
        true
    }
    fn progress(&mut self, _progress: Progress) {}
}

/// Sending, over a record service, a transport and a preparer.
pub struct Outbox<'a, S, C, T, P> {
    pub records: &'a Records<S, C>,
    pub transport: &'a T,
    pub preparer: &'a P,
    pub endpoint: &'a Endpoint,
    pub sender: &'a Sender,
}

/// Reads the remembered [`SyncState`] (a missing or unreadable one is a
/// fresh start: it holds only timing).
///
/// # Errors
/// When the store cannot be read.
pub async fn load_state<S: RecordStore>(store: &S) -> Result<SyncState, StorageError> {
    Ok(store
        .get_meta(META_SYNC_STATE)
        .await?
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default())
}

/// The send history, newest first (an unreadable one starts afresh: it is
/// a list of counts for the user, and nothing is decided from it).
///
/// # Errors
/// When the store cannot be read.
pub async fn load_history<S: RecordStore>(store: &S) -> Result<Vec<HistoryEntry>, StorageError> {
    Ok(store
        .get_meta(META_HISTORY)
        .await?
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default())
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("sync state always serialises")
}

/// Why each held record is held.
///
/// # Errors
/// When the sealed list cannot be read or opened.
pub async fn held_reasons<S: RecordStore, C: Cipher>(
    records: &Records<S, C>,
) -> Result<BTreeMap<String, HeldReason>, StorageError> {
    Ok(match records.sealed_meta(META_HELD).await? {
        // Unreadable reasons are forgotten, not the records: they stay held
        // (a clear status) and show "no reason given" until sent again.
        Some(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        None => BTreeMap::new(),
    })
}

async fn save_held<S: RecordStore, C: Cipher>(
    records: &Records<S, C>,
    held: &BTreeMap<String, HeldReason>,
) -> Result<(), StorageError> {
    records
        .put_sealed_meta(META_HELD, to_json(held).as_bytes())
        .await
}

/// The user asks to send a held record again (after the server was
/// fixed, or the conflict resolved there): it goes back in the queue.
///
/// # Errors
/// When the store cannot be written.
pub async fn release_held<S: RecordStore, C: Cipher>(
    records: &Records<S, C>,
    id: &str,
) -> Result<bool, StorageError> {
    let moved = records
        .set_status(id, RecordStatus::Held, RecordStatus::Final)
        .await?;
    let mut held = held_reasons(records).await?;
    if held.remove(id).is_some() {
        save_held(records, &held).await?;
    }
    Ok(moved)
}

/// The batches made and not yet confirmed.
///
/// # Errors
/// When the sealed outbox cannot be read or opened.
pub async fn load_outbox<S: RecordStore, C: Cipher>(
    records: &Records<S, C>,
) -> Result<Vec<PendingBatch>, StorageError> {
    match records.sealed_meta(META_OUTBOX).await? {
        Some(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| StorageError::Corrupt(format!("outbox: {e}"))),
        None => Ok(Vec::new()),
    }
}

async fn save_outbox<S: RecordStore, C: Cipher>(
    records: &Records<S, C>,
    outbox: &[PendingBatch],
) -> Result<(), StorageError> {
    if outbox.is_empty() {
        records.store().set_meta(META_OUTBOX, "").await
    } else {
        records
            .put_sealed_meta(META_OUTBOX, to_json(&outbox).as_bytes())
            .await
    }
}

/// Drops from the outbox every entry whose record no longer waits to be
/// sent: deleted after consent was withdrawn (so it is never sent), or
/// already confirmed by the service worker. A batch that loses some entries
/// goes out under a new id from `new_id` — a batch id always stands for the
/// same bytes, and the server may have stored the first one — and the
/// worker's relay is cleared (the next run or preparation rebuilds it).
/// Returns how many entries were dropped.
///
/// # Errors
/// When storage fails.
pub async fn prune_outbox<S: RecordStore, C: Cipher>(
    records: &Records<S, C>,
    mut new_id: impl FnMut() -> String,
) -> Result<u32, StorageError> {
    let mut outbox = load_outbox(records).await?;
    let ids: Vec<String> = outbox
        .iter()
        .flat_map(|b| b.entries.iter().map(|e| e.record_id.clone()))
        .collect();
    let stored = records.store().get_many(&ids).await?;
    let waiting: std::collections::BTreeSet<&String> = ids
        .iter()
        .zip(&stored)
        .filter(|(_, s)| s.as_ref().is_some_and(|s| s.status == RecordStatus::Final))
        .map(|(id, _)| id)
        .collect();
    let mut dropped = 0;
    for batch in &mut outbox {
        let before = batch.entries.len();
        batch.entries.retain(|e| waiting.contains(&e.record_id));
        let lost = before - batch.entries.len();
        if lost > 0 && !batch.entries.is_empty() {
            batch.batch_id = new_id();
        }
        dropped += lost as u32;
    }
    if dropped > 0 {
        outbox.retain(|b| !b.entries.is_empty());
        records.store().set_meta(META_RELAY, "").await?;
        save_outbox(records, &outbox).await?;
    }
    Ok(dropped)
}

/// The outbox during a run; `dirty` when it differs from what is stored.
struct Pending {
    batches: Vec<PendingBatch>,
    dirty: bool,
    /// Final records not yet in a batch, oldest first; read at first need.
    queue: Option<VecDeque<String>>,
}

enum Step {
    /// A batch was settled (some or all of it); go on.
    Next,
    /// Nothing left to send.
    Done,
    /// Stop the run: this failure, and the server's wait if it gave one.
    Stop(Failure, Option<String>),
}

impl<S: RecordStore, C: Cipher, T: Transport, P: Preparer> Outbox<'_, S, C, T, P> {
    /// Sends every final record, batch by batch, until none is left, an
    /// attempt fails, or `ctx.keep_going()` turns false. Saves the new
    /// [`SyncState`] and a history entry.
    ///
    /// # Errors
    /// [`SyncError`] when the phone's own storage or encryption fails; a
    /// failing server is not an error but a [`Report::failure`].
    pub async fn run<X: RunContext>(&self, ctx: &mut X) -> Result<Report, SyncError> {
        let store = self.records.store();
        prune_outbox(self.records, || ctx.new_batch_id()).await?;
        let mut report = Report::default();
        let mut progress = Progress {
            done: 0,
            total: store.count(Some(RecordStatus::Final)).await?,
        };
        ctx.progress(progress);
        let mut server_wait = None;
        // Held in memory for the run (one sender at a time: the caller
        // holds the lock). A settled batch is dropped from it in memory and
        // written out with the next batch or at the end: if the app dies in
        // between, the settled batch is only sent once more and answered
        // as a duplicate.
        let mut outbox = Pending {
            batches: load_outbox(self.records).await?,
            dirty: false,
            queue: None,
        };
        loop {
            if !ctx.keep_going() {
                report.interrupted = true;
                break;
            }
            match self
                .step(ctx, &mut outbox, &mut report, &mut progress)
                .await?
            {
                Step::Next => ctx.progress(progress),
                Step::Done => break,
                Step::Stop(failure, wait) => {
                    server_wait = wait;
                    report.failure = Some(failure);
                    break;
                }
            }
        }
        if outbox.dirty {
            save_outbox(self.records, &outbox.batches).await?;
        }
        self.remember(ctx, &report, server_wait.as_deref()).await?;
        Ok(report)
    }

    async fn remember<X: RunContext>(
        &self,
        ctx: &mut X,
        report: &Report,
        server_wait: Option<&str>,
    ) -> Result<(), StorageError> {
        let store = self.records.store();
        let now = ctx.now();
        let state = match &report.failure {
            None => SyncState::default(),
            Some(f) => {
                let wait = server_wait.and_then(|h| retry_after(h, now));
                load_state(store)
                    .await?
                    .failed(f.clone(), now, wait, ctx.jitter())
            }
        };
        store.set_meta(META_SYNC_STATE, &to_json(&state)).await?;
        if report.delivered > 0 {
            store.set_meta(META_LAST_SENT, &now.to_rfc3339()).await?;
        }
        if report.delivered > 0 || report.held > 0 || report.newer > 0 || report.failure.is_some() {
            let mut history = load_history(store).await?;
            push_history(
                &mut history,
                HistoryEntry {
                    at: now,
                    delivered: report.delivered,
                    duplicates: report.duplicates,
                    held: report.held,
                    newer: report.newer,
                    failure: report.failure.clone(),
                },
            );
            store.set_meta(META_HISTORY, &to_json(&history)).await?;
        }
        Ok(())
    }

    /// The next batch: the oldest one still unconfirmed, or a new one made
    /// from the oldest final records (kept before it is first sent).
    async fn next_batch<X: RunContext>(
        &self,
        ctx: &mut X,
        pending: &mut Pending,
        report: &mut Report,
        progress: &mut Progress,
    ) -> Result<Option<PendingBatch>, SyncError> {
        if let Some(batch) = pending.batches.first() {
            return Ok(Some(batch.clone()));
        }
        // The queue is read once per run: asking the index for the oldest
        // few after every batch slowed down as the run went (each record
        // marked sent leaves a deleted index entry to step over). Records
        // finished during the run go in the next one.
        if pending.queue.is_none() {
            let ids = self
                .records
                .store()
                .oldest_ids(RecordStatus::Final, u32::MAX)
                .await?;
            pending.queue = Some(ids.into());
        }
        loop {
            let queue = pending.queue.get_or_insert_with(VecDeque::new);
            let take = (self.endpoint.batch_size as usize).min(queue.len());
            let ids: Vec<String> = queue.drain(..take).collect();
            if ids.is_empty() {
                return Ok(None);
            }
            let mut ready = Vec::new();
            for (id, loaded) in self.records.load_many(&ids).await? {
                match loaded {
                    Ok(Some(record)) if record.status == RecordStatus::Final => {
                        ready.push(record);
                    }
                    Ok(_) => {}
                    Err(StorageError::Crypto(CryptoError::Locked)) => {
                        return Err(CryptoError::Locked.into())
                    }
                    // Not ours to send or to touch: a newer Jangkau wrote
                    // it (an open tab of the new version, or a rollback),
                    // and rewriting it here would drop what it added.
                    Err(StorageError::NewerData { .. }) => {
                        report.newer += 1;
                        progress.done += 1;
                    }
                    // Kept, never deleted, and out of the queue: it would
                    // otherwise block every batch after it.
                    Err(_) => {
                        self.hold(&id, HeldKind::Damaged, String::new(), ctx.now())
                            .await?;
                        report.held += 1;
                        progress.done += 1;
                    }
                }
            }
            let entries = self.prepare_all(&ready).await?;
            if entries.is_empty() {
                continue;
            }
            let batch = PendingBatch {
                batch_id: ctx.new_batch_id(),
                entries,
            };
            // Kept before it is first sent.
            pending.batches.push(batch.clone());
            save_outbox(self.records, &pending.batches).await?;
            pending.dirty = false;
            return Ok(Some(batch));
        }
    }

    /// Builds batches for every final record not yet in one, without
    /// sending, until the outbox holds `max_records` (for a service worker
    /// to send while the app is closed). Returns the batches waiting.
    ///
    /// # Errors
    /// When storage or encryption fails; batches made so far are kept.
    pub async fn prepare<X: RunContext>(
        &self,
        ctx: &mut X,
        max_records: u32,
    ) -> Result<Vec<PendingBatch>, SyncError> {
        prune_outbox(self.records, || ctx.new_batch_id()).await?;
        let mut outbox = load_outbox(self.records).await?;
        let queued: std::collections::BTreeSet<String> = outbox
            .iter()
            .flat_map(|b| b.entries.iter().map(|e| e.record_id.clone()))
            .collect();
        let room = (max_records as usize).saturating_sub(queued.len());
        let ids: Vec<String> = self
            .records
            .store()
            .oldest_ids(RecordStatus::Final, max_records)
            .await?
            .into_iter()
            .filter(|id| !queued.contains(id))
            .take(room)
            .collect();
        for chunk in ids.chunks(self.endpoint.batch_size.max(1) as usize) {
            // Damaged records are left for a sending run to set aside.
            let ready: Vec<Record> = self
                .records
                .load_many(chunk)
                .await?
                .into_iter()
                .filter_map(|(_, loaded)| loaded.ok().flatten())
                .filter(|r| r.status == RecordStatus::Final)
                .collect();
            let entries = self.prepare_all(&ready).await?;
            if !entries.is_empty() {
                outbox.push(PendingBatch {
                    batch_id: ctx.new_batch_id(),
                    entries,
                });
                save_outbox(self.records, &outbox).await?;
            }
        }
        Ok(outbox)
    }

    /// Entries for `records`, prepared concurrently (hashing and sealing
    /// run off the main thread), in order.
    async fn prepare_all(&self, records: &[Record]) -> Result<Vec<Entry>, CryptoError> {
        join_all(records.iter().map(|r| self.preparer.prepare(r)))
            .await
            .into_iter()
            .collect()
    }

    async fn hold(
        &self,
        id: &str,
        kind: HeldKind,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        // The reason first: a record held without one still shows as held.
        let mut held = held_reasons(self.records).await?;
        held.insert(
            id.to_owned(),
            HeldReason {
                kind,
                reason,
                at: now,
            },
        );
        save_held(self.records, &held).await?;
        self.records
            .set_status(id, RecordStatus::Final, RecordStatus::Held)
            .await?;
        Ok(())
    }

    async fn step<X: RunContext>(
        &self,
        ctx: &mut X,
        pending: &mut Pending,
        report: &mut Report,
        progress: &mut Progress,
    ) -> Result<Step, SyncError> {
        let Some(batch) = self.next_batch(ctx, pending, report, progress).await? else {
            return Ok(Step::Done);
        };
        let request = batch_request(self.endpoint, self.sender, &batch, ctx.now());
        report.requests += 1;
        let response = match self.transport.send(&request).await {
            Ok(r) => r,
            Err(e) => return Ok(Step::Stop(e.into(), None)),
        };
        match classify_status(response.status) {
            StatusClass::Answer => {}
            StatusClass::TooLarge => {
                self.split(ctx, pending, report, progress).await?;
                return Ok(Step::Next);
            }
            StatusClass::Failed(failure) => {
                return Ok(Step::Stop(failure, response.retry_after));
            }
        }
        let mut deliveries = match read_answer(self.endpoint.kind, &batch, &response.body) {
            Ok(d) => d,
            Err(why) => return Ok(Step::Stop(Failure::NotAnAnswer { why: why.into() }, None)),
        };
        if let Some(stop) = self.look_up(&batch, &mut deliveries).await {
            return Ok(stop);
        }
        let mut unconfirmed = false;
        let now = ctx.now();
        // Every confirmed record of the batch is marked in one write.
        let confirmed: Vec<String> = batch
            .entries
            .iter()
            .zip(&deliveries)
            .filter(|(_, d)| d.delivered())
            .map(|(e, _)| e.record_id.clone())
            .collect();
        self.records
            .store()
            .set_statuses(&confirmed, RecordStatus::Final, RecordStatus::Sent)
            .await?;
        // A confirmed withdrawal: her records leave the phone now, whatever
        // happens to the rest of the run.
        let withdrawal_confirmed = batch
            .entries
            .iter()
            .zip(&deliveries)
            .any(|(e, d)| d.delivered() && e.form_id == WITHDRAWAL_FORM);
        if withdrawal_confirmed {
            self.records.finish_withdrawals().await?;
        }
        for (entry, delivery) in batch.entries.iter().zip(&deliveries) {
            match delivery {
                Delivery::Created | Delivery::Duplicate => {
                    report.delivered += 1;
                    if *delivery == Delivery::Duplicate {
                        report.duplicates += 1;
                    }
                    progress.done += 1;
                }
                Delivery::Conflict(reason) | Delivery::Rejected(reason) => {
                    let kind = if matches!(delivery, Delivery::Conflict(_)) {
                        HeldKind::Conflict
                    } else {
                        HeldKind::Rejected
                    };
                    self.hold(&entry.record_id, kind, reason.clone(), now)
                        .await?;
                    report.held += 1;
                    progress.done += 1;
                }
                Delivery::CheckStored | Delivery::Unconfirmed => unconfirmed = true,
            }
        }
        // Records are marked before the batch is dropped: a stop in between
        // only resends a batch the server will call duplicate.
        pending.batches.remove(0);
        pending.dirty = true;
        if unconfirmed {
            // The answer left records out: they stay final and go in a later
            // run, after a pause, rather than in a tight loop now.
            return Ok(Step::Stop(
                Failure::NotAnAnswer {
                    why: super::policy::NotAnswerKind::Unconfirmed,
                },
                None,
            ));
        }
        Ok(Step::Next)
    }

    /// CouchDB's `conflict`: reads what it holds under those ids; the same
    /// fingerprint means our copy arrived before (delivered).
    async fn look_up(&self, batch: &PendingBatch, deliveries: &mut [Delivery]) -> Option<Step> {
        let wanted: Vec<(usize, String, String)> = deliveries
            .iter()
            .enumerate()
            .filter(|(_, d)| **d == Delivery::CheckStored)
            .map(|(i, _)| {
                let e = &batch.entries[i];
                (i, e.record_id.clone(), e.payload_sha256.clone())
            })
            .collect();
        if wanted.is_empty() {
            return None;
        }
        let ids: Vec<String> = wanted.iter().map(|(_, id, _)| id.clone()).collect();
        let request = couch_lookup_request(self.endpoint, &ids);
        let response = match self.transport.send(&request).await {
            Ok(r) => r,
            Err(e) => return Some(Step::Stop(e.into(), None)),
        };
        match classify_status(response.status) {
            StatusClass::Answer => {}
            StatusClass::TooLarge => return Some(Step::Stop(Failure::Busy { status: 413 }, None)),
            StatusClass::Failed(f) => return Some(Step::Stop(f, response.retry_after)),
        }
        let pairs: Vec<(String, String)> = wanted
            .iter()
            .map(|(_, id, sha)| (id.clone(), sha.clone()))
            .collect();
        match read_lookup(&response.body, &pairs) {
            Ok(found) => {
                for ((i, _, _), d) in wanted.iter().zip(found) {
                    deliveries[*i] = d;
                }
                None
            }
            Err(why) => Some(Step::Stop(Failure::NotAnAnswer { why: why.into() }, None)),
        }
    }

    /// 413: the batch is cut in two, each with a new id (the server stored
    /// nothing of it); a single record too large is set aside.
    async fn split<X: RunContext>(
        &self,
        ctx: &mut X,
        pending: &mut Pending,
        report: &mut Report,
        progress: &mut Progress,
    ) -> Result<(), SyncError> {
        let outbox = &mut pending.batches;
        pending.dirty = false;
        let batch = outbox.remove(0);
        if batch.entries.len() > 1 {
            let mut first = batch.entries;
            let second = first.split_off(first.len() / 2);
            outbox.insert(
                0,
                PendingBatch {
                    batch_id: ctx.new_batch_id(),
                    entries: second,
                },
            );
            outbox.insert(
                0,
                PendingBatch {
                    batch_id: ctx.new_batch_id(),
                    entries: first,
                },
            );
            save_outbox(self.records, outbox).await?;
        } else {
            for entry in &batch.entries {
                self.hold(
                    &entry.record_id,
                    HeldKind::TooLarge,
                    String::new(),
                    ctx.now(),
                )
                .await?;
                report.held += 1;
                progress.done += 1;
            }
            save_outbox(self.records, outbox).await?;
        }
        Ok(())
    }
}
