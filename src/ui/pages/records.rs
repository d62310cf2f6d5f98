//! The list of records kept on this phone.

use leptos::prelude::*;

use crate::i18n::{t, use_i18n};
use crate::state::StatusContext;

#[component]
pub fn Records() -> impl IntoView {
    let i18n = use_i18n();
    let status = StatusContext::expect_context();
    view! {
        <h1 data-testid="records-title">{t!(i18n, records_heading)}</h1>
        <Show when=move || status.get().on_phone == 0>
            <p class="empty">{t!(i18n, records_empty)}</p>
        </Show>
    }
}
