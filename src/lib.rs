//! Jangkau: an offline field-survey PWA for outreach teams; module map and root component.

pub mod crypto;
pub mod model;
pub mod report;
pub mod service;
pub mod storage;
pub mod sync;
pub mod xlsform;

#[cfg(target_arch = "wasm32")]
#[allow(deprecated)]
mod i18n_generated {
    // `load_locales!` turns locales/*.json into typed keys at compile time, so
    // a missing key in the default locale is a build error and the strings
    // cost no parsing at run time. leptos_i18n 0.6 prefers a build.rs with
    // `leptos_i18n_build`, but that pulls ICU data tooling (with networking)
    // into every build, native tests included; the macro does the same job.
    leptos_i18n::load_locales!();
}

#[cfg(target_arch = "wasm32")]
pub use i18n_generated::i18n;

#[cfg(target_arch = "wasm32")]
pub mod platform;
#[cfg(target_arch = "wasm32")]
pub mod state;
#[cfg(target_arch = "wasm32")]
pub mod ui;

#[cfg(target_arch = "wasm32")]
pub use ui::App;
