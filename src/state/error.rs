//! The app's error as pages meet it: a failure from any layer below, shown as a translated notice (ui/messages.rs) — by the page itself, or by the error boundary around every page.

use thiserror::Error;

use crate::model::record::RecordError;
use crate::platform::PlatformError;
use crate::service::sending::SaveError;
use crate::state::exchange::ExchangeError;
use crate::storage::StorageError;
use crate::sync::engine::SyncError;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum AppError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Settings(#[from] SaveError),
    #[error(transparent)]
    Exchange(#[from] ExchangeError),
    #[error(transparent)]
    Platform(#[from] PlatformError),
}
