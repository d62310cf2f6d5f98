//! One line that says a new version is ready, with the button that reloads into it.

use leptos::prelude::*;

use crate::i18n::{t, use_i18n};
use crate::state::UpdateContext;

#[component]
pub fn UpdateBanner() -> impl IntoView {
    let i18n = use_i18n();
    let update = UpdateContext::expect_context();

    view! {
        <Show when=move || update.ready.get()>
            <div class="update-banner" role="status" data-testid="update-banner">
                <span>{t!(i18n, update_ready)}</span>
                <button data-testid="update-reload" on:click=move |_| update.apply()>
                    {t!(i18n, update_reload)}
                </button>
            </div>
        </Show>
    }
}
