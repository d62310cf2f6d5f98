//! Withdrawal of consent on the phone: her records marked or deleted, the message for the server, and deleting what it confirmed.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::records::all_stored;
use super::{ListQuery, RecordStore, Records, StorageError};
use crate::crypto::Cipher;
use crate::model::participant_code::ParticipantCode;
use crate::model::record::{Record, RecordStatus, WITHDRAWAL_FORM};

/// What a withdrawal of consent did on the phone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Withdrawal {
    /// Records deleted at once (never sent).
    pub deleted: u32,
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
            } else {
                self.save(&record).await?;
                told.push(record.id);
            }
        }
        done.waiting = told.len() as u32;
        if !told.is_empty() {
            self.save(&Record::withdrawal(message_id, code.clone(), &told, now))
                .await?;
            done.message = Some(message_id);
        }
        Ok(done)
    }

    /// After a send: each withdrawal the server has confirmed deletes the
    /// records it names, then itself. Returns how many records were deleted.
    ///
    /// # Errors
    /// When the store cannot be read or written; what was deleted stays deleted.
    pub async fn finish_withdrawals(&self) -> Result<u32, StorageError> {
        let confirmed = self
            .store
            .page(&ListQuery {
                status: Some(RecordStatus::Sent),
                form_id: Some(WITHDRAWAL_FORM.to_owned()),
                offset: 0,
                limit: u32::MAX,
                ..Default::default()
            })
            .await?;
        let mut deleted = 0;
        for stored in confirmed {
            let message = self.open(stored).await?;
            for id in message.withdrawn_ids() {
                if let Some(r) = self.store.get(&id).await? {
                    if r.marked_for_deletion {
                        self.store.delete(&id).await?;
                        deleted += 1;
                    }
                }
            }
            self.store.delete(&message.id.to_string()).await?;
        }
        Ok(deleted)
    }
}
