//! Batches made ahead of time, without sending, for the service worker to send while the app is closed.

use super::store::{load_outbox, prune_outbox, save_outbox};
use super::{Outbox, Preparer, RunContext, SyncError, Transport};
use crate::crypto::Cipher;
use crate::model::record::{Record, RecordStatus};
use crate::storage::RecordStore;
use crate::sync::wire::{Entry, PendingBatch};

impl<S: RecordStore, C: Cipher, T: Transport, P: Preparer> Outbox<'_, S, C, T, P> {
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
        let size = self.endpoint.batch_size.max(1) as usize;
        for chunk in ids.chunks(size) {
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
                outbox = pack(outbox, entries, size, || ctx.new_batch_id());
                save_outbox(self.records, &outbox).await?;
            }
        }
        Ok(outbox)
    }
}

/// Adds `fresh` entries to `outbox` in batches of `size`, opening up the
/// batches not yet full. Records finished one at a time offline would
/// otherwise each wait in a batch of their own, one request apiece.
///
/// A batch opened up goes out under a new id (the same id always carries
/// the same records); if the worker had already delivered it under its old
/// id, its records come back from the server as duplicates — delivered,
/// never stored twice. Full batches keep their ids and their place.
fn pack(
    outbox: Vec<PendingBatch>,
    fresh: Vec<Entry>,
    size: usize,
    mut new_id: impl FnMut() -> String,
) -> Vec<PendingBatch> {
    let size = size.max(1);
    let (mut packed, open): (Vec<_>, Vec<_>) =
        outbox.into_iter().partition(|b| b.entries.len() >= size);
    let entries: Vec<Entry> = open
        .into_iter()
        .flat_map(|b| b.entries)
        .chain(fresh)
        .collect();
    for chunk in entries.chunks(size) {
        packed.push(PendingBatch {
            batch_id: new_id(),
            entries: chunk.to_vec(),
        });
    }
    packed
}
