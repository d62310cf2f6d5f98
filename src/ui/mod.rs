//! Leptos components: the root `App`, the shared layout pieces and one module per page.

mod app;
pub mod components;
mod labels;
mod messages;
pub mod pages;
pub mod screens;
mod unlocked;

pub use app::App;
