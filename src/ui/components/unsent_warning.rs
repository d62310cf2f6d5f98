//! A visible warning when unsent records sit in storage the browser may evict.

use leptos::prelude::*;

use crate::i18n::{t, use_i18n};
use crate::state::{RecordsContext, StatusContext};

#[component]
pub fn UnsentWarning() -> impl IntoView {
    let i18n = use_i18n();
    let status = StatusContext::expect_context();
    let records = RecordsContext::expect_context();
    let at_risk = move || status.get().has_unsent() && records.persisted.get() == Some(false);
    view! {
        <Show when=at_risk>
            <p class="warning" role="status" data-testid="unsent-at-risk">{t!(i18n, unsent_at_risk)}</p>
        </Show>
    }
}
