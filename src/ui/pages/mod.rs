//! One component per route; each stays thin and reads state from context.

mod fill;
mod form_import;
mod home;
mod lock;
mod new_record;
mod not_found;
pub(crate) mod people;
mod records;
mod send;
mod settings;
mod sites;
mod summary;
mod transfer;

pub use fill::FillRecord;
pub use form_import::FormImport;
pub use home::Home;
pub use lock::{
    take as take_secret, ChooseProfile, KindChoice, Neutral, SecretInput, SetUpLock, Unlock,
};
pub use new_record::NewRecord;
pub use not_found::NotFound;
pub use people::{DueList, Participant, People};
pub use records::Records;
pub use send::Send;
pub use settings::Settings;
pub use sites::SiteNeeds;
pub use summary::FormSummary;
pub use transfer::Transfer;
