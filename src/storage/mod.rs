//! Keeping records on the phone: the stored shape, the store trait, the record service over it, and what is kept beside records.
//!
//! Each record is stored as a [`StoredRecord`]: the few fields needed to
//! list, filter and queue records stay in clear (id, form, status, times,
//! site code), and everything that could identify a person — participant
//! code, consent, answers — goes into one sealed payload, encrypted by the
//! [`Cipher`](crate::crypto::Cipher) the service was built with (AES-GCM in the app).

#[cfg(target_arch = "wasm32")]
pub mod idb;
pub mod memory;
mod records;
mod reseal;
mod sealed_meta;
pub use sealed_meta::META_ASKED_BY;
mod store;
mod stored;
mod withdrawal;

pub use records::{Opened, Records, IMPORT_CHUNK, META_LAST_SENT, OPEN_CHUNK};
pub use store::{RecordStore, StorageError};
pub use stored::{ListQuery, RecordSummary, StoredRecord, RECORD_SHAPE};
pub use withdrawal::{Withdrawal, META_WITHDRAWALS};

use crate::model::record::RecordStatus;

/// Records made here and not yet confirmed by a server (drafts and
/// finished ones): what a forgotten PIN would cost.
///
/// # Errors
/// When the store cannot be read.
pub async fn unsent<S: RecordStore>(store: &S) -> Result<u32, StorageError> {
    let all = store.count(None).await?;
    let sent = store.count(Some(RecordStatus::Sent)).await?;
    // Another phone's records: that phone sends them.
    let imported = store.count(Some(RecordStatus::Imported)).await?;
    Ok(all.saturating_sub(sent).saturating_sub(imported))
}
