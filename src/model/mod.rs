//! Plain-Rust domain types: no browser, no UI, tested natively.

pub mod language;
pub mod record_kind;
pub mod status;
