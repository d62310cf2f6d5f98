//! Full-screen explanation shown when the browser will not let Jangkau keep data.

use leptos::prelude::*;

use crate::i18n::{t, use_i18n};
use crate::state::{RecordsContext, StorageState};

#[component]
pub fn StorageProblem() -> impl IntoView {
    let i18n = use_i18n();
    let records = RecordsContext::expect_context();
    let unavailable = move || matches!(records.state.get(), StorageState::Unavailable(_));
    view! {
        <Show when=unavailable>
            <div class="storage-problem" role="alert" data-testid="storage-problem">
                <h1>{t!(i18n, storage_unavailable_title)}</h1>
                <p>{t!(i18n, storage_unavailable_body)}</p>
            </div>
        </Show>
    }
}
