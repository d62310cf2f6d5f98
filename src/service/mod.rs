//! Orchestration in plain Rust: setting up and unlocking the key, the one writer of records, the form registry, and sending — over the storage, cipher, key, transport and clock seams, tested natively.
//!
//! The state modules (`src/state/`) are thin reactive wrappers around these
//! services: they hold signals and browser handles, and call in here for
//! every decision.

pub mod forms;
pub mod phone;
pub mod sending;
pub mod vault;
pub mod writer;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Time, fresh ids and randomness, passed in so every service is
/// deterministic under test. The browser's is `platform::BrowserClock`.
pub trait Clock {
    fn now(&self) -> DateTime<Utc>;
    /// A fresh random id (UUID v4 from the secure random source).
    fn new_id(&self) -> Uuid;
    /// A number in 0..1, for backoff jitter.
    fn random(&self) -> f64;
}
