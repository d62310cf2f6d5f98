//! The stored shape of a record: clear fields for lists and queues, one sealed payload, and the queries over them.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::StorageError;
use crate::model::answer::Answers;
use crate::model::consent::Consent;
use crate::model::participant_code::ParticipantCode;
use crate::model::profile::Collector;
use crate::model::record::RecordStatus;

/// The shape of [`Sealed`] this build writes. A record with a higher shape
/// was written by a newer Jangkau: it is reported, never overwritten.
pub const RECORD_SHAPE: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRecord {
    pub id: String,
    pub form_id: String,
    pub form_version: u32,
    pub status: RecordStatus,
    /// Milliseconds since 1970, as numbers so IndexedDB indexes order them.
    pub created_at: f64,
    pub updated_at: f64,
    /// Absent (not empty) when there is none, so the record stays out of the
    /// site index instead of filing under "".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    #[serde(default)]
    pub marked_for_deletion: bool,
    pub shape: u32,
    pub cipher: String,
    #[serde(with = "serde_bytes")]
    pub sealed: Vec<u8>,
}

/// What goes into the sealed payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Sealed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) participant_code: Option<ParticipantCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) consent: Option<Consent>,
    pub(super) answers: Answers,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) collector: Option<Collector>,
}

/// A record as the list shows it: clear fields only, so listing never
/// needs to decrypt anything.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordSummary {
    pub id: String,
    pub form_id: String,
    pub form_version: u32,
    pub status: RecordStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub site: Option<String>,
    pub supersedes: Option<String>,
    pub marked_for_deletion: bool,
}

/// Which records to list, newest change first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListQuery {
    pub status: Option<RecordStatus>,
    pub form_id: Option<String>,
    pub site: Option<String>,
    pub offset: u32,
    pub limit: u32,
}

impl ListQuery {
    pub fn matches(&self, r: &StoredRecord) -> bool {
        self.status.is_none_or(|s| s == r.status)
            && self.form_id.as_ref().is_none_or(|f| *f == r.form_id)
            && self
                .site
                .as_ref()
                .is_none_or(|s| r.site.as_ref() == Some(s))
    }
}

pub(super) fn millis(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64
}

pub(super) fn from_millis(ms: f64) -> Result<DateTime<Utc>, StorageError> {
    Utc.timestamp_millis_opt(ms as i64)
        .single()
        .ok_or_else(|| StorageError::Corrupt(format!("bad timestamp {ms}")))
}

/// The additional data a sealed meta value is bound to: its key.
pub(super) fn meta_aad(key: &str) -> Vec<u8> {
    format!("jangkau/meta/{key}").into_bytes()
}

/// The additional data a payload is bound to: its record id and shape.
pub(super) fn aad(id: &str, shape: u32) -> Vec<u8> {
    format!("jangkau/record/{shape}/{id}").into_bytes()
}

impl StoredRecord {
    pub fn summary(&self) -> Result<RecordSummary, StorageError> {
        Ok(RecordSummary {
            id: self.id.clone(),
            form_id: self.form_id.clone(),
            form_version: self.form_version,
            status: self.status,
            created_at: from_millis(self.created_at)?,
            updated_at: from_millis(self.updated_at)?,
            site: self.site.clone(),
            supersedes: self.supersedes.clone(),
            marked_for_deletion: self.marked_for_deletion,
        })
    }
}
