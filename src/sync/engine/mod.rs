//! Sending records: takes finished records in batches, keeps each batch until the server confirms it, and marks records sent only then.
//!
//! The parts: what is kept between runs (`store`: the outbox, held
//! reasons, state and history), one run against the server (`run`), and
//! batches prepared ahead for the service worker (`prepare`).

mod prepare;
mod run;
mod store;

pub use store::{
    held_reasons, load_gzip, load_history, load_outbox, load_state, prune_outbox, release_held,
    save_gzip,
};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::endpoint::Endpoint;
use super::policy::Failure;
use super::wire::{Entry, HttpRequest, HttpResponse, Sender};
use crate::crypto::CryptoError;
use crate::model::record::Record;
use crate::storage::{Records, StorageError};

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
/// Meta key (sealed, it names the server): whether the endpoint announced
/// that it accepts gzip bodies ([`store::Encoding`]).
pub const META_ENCODING: &str = "server_encoding";

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
