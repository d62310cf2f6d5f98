//! A visible warning when unsent records sit in storage the browser may evict.

use leptos::prelude::*;

use leptos_router::components::A;

use crate::i18n::{t, use_i18n};
use crate::platform::storage_manager;
use crate::state::{RecordsContext, StatusContext};

#[component]
pub fn UnsentWarning() -> impl IntoView {
    let i18n = use_i18n();
    let status = StatusContext::expect_context();
    let records = RecordsContext::expect_context();
    let at_risk = move || status.get().has_unsent() && records.persisted.get() == Some(false);
    let ask = move |_| {
        leptos::task::spawn_local(async move {
            let granted = storage_manager::request_persistence().await;
            records.persisted.try_set(granted);
        });
    };
    view! {
        <Show when=at_risk>
            <div class="warning" role="status" data-testid="unsent-at-risk">
                <p>{t!(i18n, unsent_at_risk)}</p>
                <div class="choices">
                    <A href="/send" attr:class="button primary">{t!(i18n, unsent_send)}</A>
                    <button type="button" class="button secondary" data-testid="ask-persist" on:click=ask>{t!(i18n, unsent_keep)}</button>
                </div>
            </div>
        </Show>
    }
}
