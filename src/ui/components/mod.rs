//! Layout pieces shared by every page: header, update banner, status strip, bottom navigation.

mod bottom_nav;
mod header;
mod status_strip;
mod update_banner;

pub use bottom_nav::BottomNav;
pub use header::Header;
pub use status_strip::StatusStrip;
pub use update_banner::UpdateBanner;
