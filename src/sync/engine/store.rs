//! What sending keeps between runs: the outbox of batches not yet confirmed, why held records are held, the retry state and the history.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    HeldReason, META_ENCODING, META_HELD, META_HISTORY, META_OUTBOX, META_RELAY, META_SYNC_STATE,
};
use crate::crypto::{Cipher, CryptoError};
use crate::model::record::RecordStatus;
use crate::storage::{RecordStore, Records, StorageError};
use crate::sync::policy::{HistoryEntry, SyncState};
use crate::sync::wire::PendingBatch;

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

pub(super) fn to_json<T: Serialize>(value: &T) -> String {
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

pub(super) async fn save_held<S: RecordStore, C: Cipher>(
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

pub(super) async fn save_outbox<S: RecordStore, C: Cipher>(
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

/// What a server said about compressed bodies, remembered for its address
/// only: a new address starts without gzip until it announces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encoding {
    pub url: String,
    pub gzip: bool,
}

/// Whether the server at `url` last announced that it accepts gzip bodies.
/// Unreadable or never learned: no (plain bodies always work).
///
/// # Errors
/// When the store cannot be read.
pub async fn load_gzip<S: RecordStore, C: Cipher>(
    records: &Records<S, C>,
    url: &str,
) -> Result<bool, StorageError> {
    let known = match records.sealed_meta(META_ENCODING).await {
        Ok(Some(bytes)) => serde_json::from_slice::<Encoding>(&bytes).ok(),
        Ok(None) => None,
        // Damaged: forgotten, and learned again from the next answer.
        Err(StorageError::Corrupt(_)) => None,
        Err(StorageError::Crypto(e)) if e != CryptoError::Locked => None,
        Err(e) => return Err(e),
    };
    Ok(known.is_some_and(|e| e.url == url && e.gzip))
}

/// Remembers what the server at `url` announced, writing only on a change.
///
/// # Errors
/// When the store cannot be written.
pub async fn save_gzip<S: RecordStore, C: Cipher>(
    records: &Records<S, C>,
    url: &str,
    gzip: bool,
) -> Result<(), StorageError> {
    if load_gzip(records, url).await? == gzip {
        return Ok(());
    }
    let encoding = Encoding {
        url: url.to_owned(),
        gzip,
    };
    records
        .put_sealed_meta(META_ENCODING, to_json(&encoding).as_bytes())
        .await
}
