//! One run of sending against the server: batch by batch, each kept before its first attempt, resent under the same id until answered, split on 413, records held on rejection.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use futures::future::{join, join_all};

use super::store::{
    held_reasons, load_gzip, load_history, load_outbox, load_state, prune_outbox, save_gzip,
    save_held, save_outbox, to_json,
};
use super::{
    HeldKind, HeldReason, Outbox, Preparer, Progress, Report, RunContext, SyncError, Transport,
    META_HISTORY, META_SYNC_STATE,
};
use crate::crypto::{Cipher, CryptoError};
use crate::model::record::{Record, RecordStatus, WITHDRAWAL_FORM};
use crate::storage::{RecordStore, StorageError, META_LAST_SENT};
use crate::sync::endpoint::EndpointKind;
use crate::sync::policy::{
    classify_status, push_history, retry_after, Failure, HistoryEntry, StatusClass, SyncState,
};
use crate::sync::wire::{
    accepts_gzip, batch_request, couch_lookup_request, read_answer, read_lookup, Delivery, Entry,
    PendingBatch,
};

/// The outbox during a run; `dirty` when it differs from what is stored.
struct Pending {
    batches: Vec<PendingBatch>,
    dirty: bool,
    /// Final records not yet in a batch, oldest first; read at first need.
    queue: Option<VecDeque<String>>,
    /// Bodies go gzip-compressed: the server announced it takes them.
    gzip: bool,
    /// The next batch's entries, prepared while the last one was in flight
    /// and not kept yet (a stop drops them: their records stay final).
    ahead: Option<Vec<Entry>>,
}

/// Records read and prepared for a batch, and what was set aside on the way.
struct Gathered {
    entries: Vec<Entry>,
    /// Written by a newer Jangkau: left alone.
    newer: u32,
    /// Damaged: held (already written).
    held: u32,
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
            gzip: self.endpoint.kind == EndpointKind::JangkauBatch
                && load_gzip(self.records, &self.endpoint.url).await?,
            ahead: None,
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
            let entries = match pending.ahead.take() {
                Some(entries) => entries,
                None => {
                    let Some(ids) = take_chunk(pending, self.endpoint.batch_size) else {
                        return Ok(None);
                    };
                    let gathered = self.gather(&ids, ctx.now()).await?;
                    count_set_aside(&gathered, report, progress);
                    gathered.entries
                }
            };
            if entries.is_empty() {
                continue;
            }
            let batch = PendingBatch {
                batch_id: ctx.new_batch_id(),
                entries,
            };
            // Kept before it is first sent (with the settled batch before
            // it dropped, in the same write).
            pending.batches.push(batch.clone());
            save_outbox(self.records, &pending.batches).await?;
            pending.dirty = false;
            return Ok(Some(batch));
        }
    }

    /// Reads the records `ids` names and prepares the final ones; damaged
    /// ones are held on the way, newer ones left alone.
    async fn gather(&self, ids: &[String], now: DateTime<Utc>) -> Result<Gathered, SyncError> {
        let mut gathered = Gathered {
            entries: Vec::new(),
            newer: 0,
            held: 0,
        };
        let mut ready = Vec::new();
        for (id, loaded) in self.records.load_many(ids).await? {
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
                Err(StorageError::NewerData { .. }) => gathered.newer += 1,
                // Kept, never deleted, and out of the queue: it would
                // otherwise block every batch after it.
                Err(_) => {
                    self.hold(&id, HeldKind::Damaged, String::new(), now)
                        .await?;
                    gathered.held += 1;
                }
            }
        }
        gathered.entries = self.prepare_all(&ready).await?;
        Ok(gathered)
    }

    /// Entries for `records`, prepared concurrently (hashing and sealing
    /// run off the main thread), in order.
    pub(super) async fn prepare_all(&self, records: &[Record]) -> Result<Vec<Entry>, CryptoError> {
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
        let mut request = batch_request(self.endpoint, self.sender, &batch, ctx.now());
        if pending.gzip {
            request = request.gzipped();
        }
        report.requests += 1;
        // The last batch kept: the next one is read and prepared while
        // this one is in flight, instead of after its answer.
        let next_ids =
            if pending.batches.len() == 1 && pending.ahead.is_none() && pending.queue.is_some() {
                take_chunk(pending, self.endpoint.batch_size)
            } else {
                None
            };
        let (sent, gathered) = match &next_ids {
            Some(ids) => {
                let (sent, gathered) =
                    join(self.transport.send(&request), self.gather(ids, ctx.now())).await;
                (sent, Some(gathered?))
            }
            None => (self.transport.send(&request).await, None),
        };
        if let Some(gathered) = gathered {
            count_set_aside(&gathered, report, progress);
            pending.ahead = Some(gathered.entries);
        }
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Ok(Step::Stop(e.into(), None)),
        };
        if response.status == 415 && request.gzip {
            // The server no longer takes gzip bodies (RFC 7694 answers an
            // unsupported coding with 415) and stored nothing: the same
            // batch goes again at once, plain, and so do the next ones.
            pending.gzip = false;
            save_gzip(self.records, &self.endpoint.url, false).await?;
            return Ok(Step::Next);
        }
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
        // Every answer says again whether the server takes gzip bodies.
        let announced = self.endpoint.kind == EndpointKind::JangkauBatch
            && accepts_gzip(response.accept_encoding.as_deref());
        if announced != pending.gzip {
            pending.gzip = announced;
            save_gzip(self.records, &self.endpoint.url, announced).await?;
        }
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
                    why: crate::sync::policy::NotAnswerKind::Unconfirmed,
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

/// The next `size` ids of the run's queue; `None` when it is empty.
fn take_chunk(pending: &mut Pending, size: u32) -> Option<Vec<String>> {
    let queue = pending.queue.get_or_insert_with(VecDeque::new);
    let take = (size as usize).min(queue.len());
    let ids: Vec<String> = queue.drain(..take).collect();
    (!ids.is_empty()).then_some(ids)
}

/// Records set aside while gathering count as done for the progress bar.
fn count_set_aside(gathered: &Gathered, report: &mut Report, progress: &mut Progress) {
    report.newer += gathered.newer;
    report.held += gathered.held;
    progress.done += gathered.newer + gathered.held;
}
