//! The top bar: app name, offline badge and the language switch.

use leptos::prelude::*;

use crate::i18n::{t, td_string, use_i18n};
use crate::state::{ConnectivityContext, LanguageContext};

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let connectivity = ConnectivityContext::expect_context();

    view! {
        <header class="topbar">
            <span class="brand">{t!(i18n, app_name)}</span>
            <Show when=move || !connectivity.online()>
                <span class="badge" data-testid="offline-badge">{t!(i18n, offline_badge)}</span>
            </Show>
            <button
                class="lang-switch"
                data-testid="lang-switch"
                aria-label=move || td_string!(i18n.get_locale(), switch_language_label)
                on:click=move |_| language.set(language.get().toggled())
            >
                {t!(i18n, switch_language)}
            </button>
        </header>
    }
}
