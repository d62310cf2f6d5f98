//! The top bar: app name (neutral in discreet mode), offline badge, language switch and the quick-exit control.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use wasm_bindgen::JsCast;

use crate::i18n::{t, td_string, use_i18n};
use crate::state::{ConnectivityContext, LanguageContext, SessionContext};

/// Three taps on the bar within this many milliseconds is a quick exit.
const TRIPLE_TAP_MS: f64 = 700.0;

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let connectivity = ConnectivityContext::expect_context();
    let session = SessionContext::expect_context();
    let navigate = use_navigate();
    let quick_exit = move || {
        session.quick_exit();
        // Replace, not push: Back must not lead to the page that was open.
        navigate(
            "/",
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    };
    let exit = quick_exit.clone();
    let taps = StoredValue::new(Vec::<f64>::new());
    let on_bar_tap = move |ev: leptos::ev::MouseEvent| {
        // Taps on the bar's own buttons do what those buttons do.
        let on_button = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("button").ok().flatten())
            .is_some();
        if on_button {
            return;
        }
        let now = js_sys::Date::now();
        taps.update_value(|t| {
            t.retain(|at| now - at < TRIPLE_TAP_MS);
            t.push(now);
        });
        if taps.with_value(|t| t.len() >= 3) {
            taps.set_value(Vec::new());
            exit();
        }
    };

    view! {
        <header class="topbar" data-testid="topbar" on:click=on_bar_tap>
            <span class="brand" data-testid="brand">
                {move || if session.discreet.get() || session.neutral.get() {
                    t!(i18n, discreet_name).into_any()
                } else {
                    t!(i18n, app_name).into_any()
                }}
            </span>
            // One group, so with large text it moves to a row of its own
            // as a whole instead of squeezing the name.
            <div class="topbar-actions">
            // The neutral page after a quick exit shows nothing of the app.
            <Show when=move || !connectivity.online() && !session.neutral.get()>
                <span class="badge" data-testid="offline-badge">{t!(i18n, offline_badge)}</span>
            </Show>
            <Show when=move || !session.neutral.get()>
                <button
                    class="lang-switch"
                    data-testid="lang-switch"
                    aria-label=move || td_string!(i18n.get_locale(), switch_language_label)
                    on:click=move |_| language.set(language.get().toggled())
                >
                    {t!(i18n, switch_language)}
                </button>
            </Show>
            <Show when=move || !session.neutral.get()>
                <button
                    class="quick-exit"
                    data-testid="quick-exit"
                    aria-label=move || td_string!(i18n.get_locale(), quick_exit_label)
                    on:click={
                        let quick_exit = quick_exit.clone();
                        move |_| quick_exit()
                    }
                >
                    <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                        <path d="M14 4h5v16h-5M10 8l-4 4 4 4M6 12h10" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" />
                    </svg>
                    <span>{t!(i18n, quick_exit)}</span>
                </button>
            </Show>
            </div>
        </header>
    }
}
