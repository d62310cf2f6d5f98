//! Plain-Rust domain types: no browser, no UI, tested natively.

pub mod answer;
pub mod autolock;
pub mod builtin;
pub mod condition;
pub mod consent;
pub mod expr;
pub mod fill;
pub mod form;
pub mod language;
pub mod number;
pub mod participant_code;
pub mod profile;
pub mod record;
pub mod registry;
pub mod status;
pub mod text;
