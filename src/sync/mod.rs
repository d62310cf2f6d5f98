//! Sending finished records to the programme's server: endpoint settings, wire formats, retry policy, and the run that ties them to storage.
//!
//! Plain Rust: the browser's `fetch` and WebCrypto come in through the
//! [`engine::Transport`] and [`engine::Preparer`] traits, so every rule
//! here is tested natively with scripted servers (tests/sync.rs).

pub mod endpoint;
pub mod engine;
pub mod policy;
pub mod wire;
