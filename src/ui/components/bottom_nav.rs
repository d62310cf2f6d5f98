//! Bottom navigation between the main pages, reachable by thumb.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{t, use_i18n};

#[component]
pub fn BottomNav() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="bottom-nav" aria-label=move || crate::i18n::td_string!(i18n.get_locale(), nav_label)>
            <A href="/" exact=true attr:data-testid="nav-home">{t!(i18n, nav_home)}</A>
            <A href="/records" attr:data-testid="nav-records">{t!(i18n, nav_records)}</A>
            <A href="/send" attr:data-testid="nav-send">{t!(i18n, nav_send)}</A>
            <A href="/settings" attr:data-testid="nav-settings">{t!(i18n, nav_settings)}</A>
        </nav>
    }
}
