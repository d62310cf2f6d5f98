//! Withdrawal of consent on the phone: her records marked or deleted, the message for the server, and deleting what it confirmed.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::records::all_stored;
use super::{ListQuery, RecordStore, Records, StorageError};
use crate::crypto::Cipher;
use crate::model::participant_code::ParticipantCode;
use crate::model::record::{Record, RecordStatus, WITHDRAWAL_FORM};

/// Meta key (clear): ids of withdrawal messages waiting for the server's
/// confirmation, so finishing them reads a few records, not every one.
/// Record ids only: the record list shows withdrawals in clear already.
pub const META_WITHDRAWALS: &str = "withdrawals_pending";

/// What a withdrawal of consent did on the phone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Withdrawal {
    /// Records deleted at once (never sent).
    pub deleted: u32,
    /// Their ids.
    pub deleted_ids: Vec<Uuid>,
    /// Sent records kept, marked, until the server confirms the withdrawal.
    pub waiting: u32,
    /// The withdrawal record queued for the server, if any was needed.
    pub message: Option<Uuid>,
}

impl<S: RecordStore, C: Cipher> Records<S, C> {
    /// Every record of one participant. The code is sealed, so this opens
    /// each record: fine for a rare action such as withdrawal; records that
    /// cannot be opened are skipped, never deleted.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn find_by_participant(
        &self,
        code: &ParticipantCode,
    ) -> Result<Vec<Record>, StorageError> {
        let all = all_stored(&self.store).await?;
        let mut found = Vec::new();
        for stored in all {
            if let Ok(record) = self.open(stored).await {
                if record.participant_code.as_ref() == Some(code) {
                    found.push(record);
                }
            }
        }
        Ok(found)
    }

    /// Consent withdrawn: every record of the participant is marked for
    /// deletion; those never sent are deleted at once. When some were sent,
    /// a withdrawal record (`message_id`) is queued to tell the server; the
    /// marked records are deleted once it is confirmed
    /// ([`Records::finish_withdrawals`]).
    ///
    /// # Errors
    /// When the store cannot be read or written; records handled before the
    /// error stay handled.
    pub async fn withdraw(
        &self,
        code: &ParticipantCode,
        message_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Withdrawal, StorageError> {
        let mut done = Withdrawal::default();
        let mut told = Vec::new();
        for mut record in self.find_by_participant(code).await? {
            if record.form_id == WITHDRAWAL_FORM {
                continue;
            }
            record.withdraw_consent(now);
            if record.deletable() {
                self.store.delete(&record.id.to_string()).await?;
                done.deleted += 1;
                done.deleted_ids.push(record.id);
            } else {
                self.save(&record).await?;
                told.push(record.id);
            }
        }
        done.waiting = told.len() as u32;
        if !told.is_empty() {
            // Listed first: a message on the phone is always found again.
            let mut pending = match self.pending_withdrawals().await? {
                Some(ids) => ids,
                None => self.scan_withdrawals().await?,
            };
            pending.push(message_id.to_string());
            self.save_pending_withdrawals(&pending).await?;
            self.save(&Record::withdrawal(message_id, code.clone(), &told, now))
                .await?;
            done.message = Some(message_id);
        }
        Ok(done)
    }

    /// Deletes what the server confirmed: each withdrawal marked sent
    /// deletes the records it names, then itself. Runs as soon as a batch
    /// holding one is confirmed, and again at every unlock (the service
    /// worker may have delivered it while the app was closed). Returns how
    /// many records were deleted.
    ///
    /// # Errors
    /// When the store cannot be read or written; what was deleted stays deleted.
    pub async fn finish_withdrawals(&self) -> Result<u32, StorageError> {
        let mut pending = match self.pending_withdrawals().await? {
            Some(ids) => ids,
            // Made by a build before the list existed: found once by a scan.
            None => self.scan_withdrawals().await?,
        };
        let before = pending.clone();
        let mut deleted = 0;
        let mut kept = Vec::new();
        for id in pending.drain(..) {
            let Some(stored) = self.store.get(&id).await? else {
                continue;
            };
            if stored.status != RecordStatus::Sent {
                kept.push(id);
                continue;
            }
            let message = self.open(stored).await?;
            for named in message.withdrawn_ids() {
                if let Some(r) = self.store.get(&named).await? {
                    if r.marked_for_deletion {
                        self.store.delete(&named).await?;
                        deleted += 1;
                    }
                }
            }
            self.store.delete(&id).await?;
        }
        if kept != before {
            self.save_pending_withdrawals(&kept).await?;
        }
        Ok(deleted)
    }

    /// Ids of withdrawal messages not yet confirmed and finished; `None`
    /// when no list was ever written.
    async fn pending_withdrawals(&self) -> Result<Option<Vec<String>>, StorageError> {
        match self.store.get_meta(META_WITHDRAWALS).await? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| StorageError::Corrupt(format!("{META_WITHDRAWALS}: {e}"))),
        }
    }

    async fn save_pending_withdrawals(&self, ids: &[String]) -> Result<(), StorageError> {
        let json = serde_json::to_string(ids).map_err(|e| StorageError::Other(e.to_string()))?;
        self.store.set_meta(META_WITHDRAWALS, &json).await
    }

    async fn scan_withdrawals(&self) -> Result<Vec<String>, StorageError> {
        Ok(self
            .store
            .page(&ListQuery {
                form_id: Some(WITHDRAWAL_FORM.to_owned()),
                limit: u32::MAX,
                ..Default::default()
            })
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect())
    }
}
