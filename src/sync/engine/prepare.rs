//! Batches made ahead of time, without sending, for the service worker to send while the app is closed.

use super::store::{load_outbox, prune_outbox, save_outbox};
use super::{Outbox, Preparer, RunContext, SyncError, Transport};
use crate::crypto::Cipher;
use crate::model::record::{Record, RecordStatus};
use crate::storage::RecordStore;
use crate::sync::wire::PendingBatch;

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
}
