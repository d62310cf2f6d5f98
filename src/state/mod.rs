//! App-wide reactive state: `Copy` context structs of signals, one `provide_*` each.

mod clock;
mod connectivity;
mod error;
pub mod exchange;
mod forms;
mod language;
pub(crate) mod records;
mod reports;
mod session;
mod status;
pub(crate) mod sync;
mod unlocked;
mod update;

pub use crate::service::sending::{HeldView, Probe, SaveError};
pub use clock::{provide_clock_context, ClockContext};
pub use connectivity::{provide_connectivity_context, ConnectivityContext};
pub use error::AppError;
pub use forms::{provide_forms_context, Delivery, FormsContext};
pub use language::{locale_of, provide_language_context, LanguageContext};
pub use records::{provide_records_context, AppRecords, Gate, RecordsContext, StorageState};
pub use reports::{local_offset, provide_reports_context, Loading, ReportsContext};
pub use session::{provide_session_context, SessionContext};
pub use status::{provide_status_context, StatusContext};
pub use sync::{provide_sync_context, Phase, SyncContext};
pub use unlocked::while_unlocked;
pub use update::{provide_update_context, UpdateContext};

/// Provides every app-wide context; called once, at the root.
pub fn provide_app_state() {
    provide_language_context();
    provide_clock_context();
    provide_connectivity_context();
    provide_status_context();
    provide_reports_context();
    provide_forms_context();
    provide_records_context();
    provide_session_context();
    provide_sync_context();
    provide_update_context();
}
