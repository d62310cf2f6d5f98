//! Pieces shared by every page: header, banners and warnings, status strip, bottom navigation, and the only way to make a form field.

mod bottom_nav;
mod charts;
mod field;
mod forms_settings;
mod header;
mod lazy_screen;
mod profiles;
mod programme_key;
mod question;
mod section_view;
mod security;
mod server_settings;
mod status_strip;
mod storage_problem;
mod unsent_warning;
mod update_banner;
mod withdraw;

pub use bottom_nav::BottomNav;
pub use charts::{Bar, Bars, Trend};
pub use field::{PrivateInput, PrivateSelect, PrivateTextArea};
pub use forms_settings::FormsSettings;
pub use header::Header;
pub use lazy_screen::LazyScreen;
pub use profiles::ProfilesSettings;
pub use programme_key::ProgrammeKeySettings;
pub use question::{LiveParts, QuestionProps, QuestionView, Slot};
pub use section_view::{apply_answer, Answered, ErrorKey, SectionView};
pub use security::SecuritySettings;
pub use server_settings::ServerSettings;
pub use status_strip::StatusStrip;
pub use storage_problem::StorageProblem;
pub use unsent_warning::UnsentWarning;
pub use update_banner::UpdateBanner;
pub use withdraw::WithdrawConsent;
