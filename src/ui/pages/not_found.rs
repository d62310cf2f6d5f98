//! Shown for an address the app does not know.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{t, use_i18n};

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1 data-testid="not-found">{t!(i18n, not_found_heading)}</h1>
        <p>{t!(i18n, not_found_body)}</p>
        <A href="/" attr:class="button secondary">{t!(i18n, back_home)}</A>
    }
}
