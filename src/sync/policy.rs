//! When to send and when to wait: classifying a failed attempt, capped backoff with jitter, Retry-After, and the remembered state and history.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::wire::NotAnAnswer;

/// First wait after a failure; doubles each time up to [`BACKOFF_CAP_MS`].
pub const BACKOFF_BASE_MS: i64 = 5_000;
pub const BACKOFF_CAP_MS: i64 = 15 * 60_000;
/// A server may ask for a longer pause, but not for more than this.
pub const RETRY_AFTER_CAP_MS: i64 = 6 * 60 * 60_000;
/// Sends remembered for the history list.
pub const HISTORY_LEN: usize = 20;

/// Why an attempt did not deliver. Stored (in clear: it holds no record
/// content) and shown, translated, to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// The phone has no network: wait for it to come back.
    Offline,
    /// The request failed without an answer: server down, wrong address,
    /// connection dropped, or the server does not allow this app (CORS).
    Unreachable,
    /// No answer within the time allowed.
    Timeout,
    /// 401/403: stop until the credentials are changed.
    Credentials { status: u16 },
    /// 408, 429, 5xx: the server is busy or failing; try again later.
    Busy { status: u16 },
    /// Another 4xx (a wrong address, most often): stop until the user acts.
    Refused { status: u16 },
    /// A 2xx whose body is not an answer to this batch (a Wi-Fi login page).
    NotAnAnswer { why: NotAnswerKind },
    /// A 3xx: the server sent the request elsewhere. Never followed; waits
    /// for the user to check the address.
    Redirected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotAnswerKind {
    NotJson,
    WrongShape,
    OtherBatch,
    /// An answer to this batch that does not confirm every record in it.
    Unconfirmed,
    /// Longer than any answer could be: not read.
    TooLarge,
}

impl From<NotAnAnswer> for NotAnswerKind {
    fn from(n: NotAnAnswer) -> Self {
        match n {
            NotAnAnswer::NotJson => NotAnswerKind::NotJson,
            NotAnAnswer::WrongShape => NotAnswerKind::WrongShape,
            NotAnAnswer::OtherBatch => NotAnswerKind::OtherBatch,
        }
    }
}

/// What an HTTP status means for a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusClass {
    /// 2xx: read the body.
    Answer,
    /// 413: split the batch.
    TooLarge,
    Failed(Failure),
}

pub fn classify_status(status: u16) -> StatusClass {
    match status {
        200..=299 => StatusClass::Answer,
        413 => StatusClass::TooLarge,
        300..=399 => StatusClass::Failed(Failure::Redirected),
        401 | 403 => StatusClass::Failed(Failure::Credentials { status }),
        408 | 425 | 429 | 500..=599 => StatusClass::Failed(Failure::Busy { status }),
        _ => StatusClass::Failed(Failure::Refused { status }),
    }
}

impl Failure {
    /// Failures that wait for the user (new credentials, a fixed address)
    /// rather than for time to pass.
    pub fn needs_user(&self) -> bool {
        matches!(
            self,
            Failure::Credentials { .. } | Failure::Refused { .. } | Failure::Redirected
        )
    }
}

/// The wait before attempt number `failures + 1`: exponential from
/// [`BACKOFF_BASE_MS`], capped at [`BACKOFF_CAP_MS`], then "equal jitter"
/// (half fixed, half random from `jitter` in 0..1) so phones that lost signal
/// together do not all come back at the same second.
pub fn backoff(failures: u32, jitter: f64) -> Duration {
    let exp = BACKOFF_BASE_MS.saturating_mul(1_i64 << failures.saturating_sub(1).min(20));
    let capped = exp.min(BACKOFF_CAP_MS);
    let jitter = jitter.clamp(0.0, 1.0);
    Duration::milliseconds(capped / 2 + (capped as f64 / 2.0 * jitter) as i64)
}

/// Reads a `Retry-After` header: seconds, or an HTTP date. A date in the
/// past means "now"; anything beyond [`RETRY_AFTER_CAP_MS`] is capped.
pub fn retry_after(header: &str, now: DateTime<Utc>) -> Option<Duration> {
    let header = header.trim();
    let cap = Duration::milliseconds(RETRY_AFTER_CAP_MS);
    let wait = if let Ok(seconds) = header.parse::<i64>() {
        // Clamped before it becomes a duration: a server's number can be
        // anything, and an out-of-range duration panics.
        Duration::seconds(seconds.clamp(0, cap.num_seconds()))
    } else {
        let at = DateTime::parse_from_rfc2822(header).ok()?;
        (at.with_timezone(&Utc) - now).max(Duration::zero())
    };
    Some(wait.min(cap))
}

/// Remembered between runs and restarts (meta `sync_state`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncState {
    /// Failed attempts in a row.
    pub failures: u32,
    /// No automatic attempt before this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last failure, until an attempt succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failure: Option<Failure>,
}

impl SyncState {
    /// After a failure at `now`: when to try next. `server_wait` is a
    /// parsed Retry-After; it wins over the backoff when given.
    pub fn failed(
        &self,
        failure: Failure,
        now: DateTime<Utc>,
        server_wait: Option<Duration>,
        jitter: f64,
    ) -> SyncState {
        let failures = self.failures.saturating_add(1);
        let next_attempt_at = match (&failure, server_wait) {
            // Offline waits for the network; credentials and refusals wait
            // for the user. Neither has a timer.
            (Failure::Offline, _) => None,
            (f, _) if f.needs_user() => None,
            (_, Some(wait)) => Some(now + wait),
            _ => Some(now + backoff(failures, jitter)),
        };
        SyncState {
            failures,
            next_attempt_at,
            last_failure: Some(failure),
        }
    }

    /// Whether an automatic attempt (not a tap) may run at `now`, online.
    pub fn may_try(&self, now: DateTime<Utc>) -> bool {
        match &self.last_failure {
            None => true,
            Some(f) if f.needs_user() => false,
            Some(Failure::Offline) => true,
            Some(_) => self.next_attempt_at.is_none_or(|at| now >= at),
        }
    }
}

/// One run of sending, for the history list (meta `sync_history`). Counts
/// only: no record content, so it is stored in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub delivered: u32,
    /// Of `delivered`, how many the server already had (a resend after a
    /// lost answer).
    pub duplicates: u32,
    /// Set aside: rejected, or a conflict.
    pub held: u32,
    /// Left for a newer Jangkau to send (it wrote them).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub newer: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Adds `entry` in front, keeping the newest [`HISTORY_LEN`].
pub fn push_history(history: &mut Vec<HistoryEntry>, entry: HistoryEntry) {
    history.insert(0, entry);
    history.truncate(HISTORY_LEN);
}
