//! Start a record of one kind; the forms themselves arrive with the forms issue.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::i18n::{t, use_i18n};
use crate::model::record_kind::RecordKind;
use crate::ui::labels;
use crate::ui::pages::NotFound;

#[component]
pub fn NewRecord() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let kind = move || {
        params
            .read()
            .get("kind")
            .as_deref()
            .and_then(RecordKind::from_slug)
    };

    move || {
        match kind() {
        None => NotFound().into_any(),
        Some(kind) => view! {
            <h1 data-testid="new-record-title">{move || labels::kind_title(i18n.get_locale(), kind)}</h1>
            <p class="intro">{move || labels::kind_hint(i18n.get_locale(), kind)}</p>
            <p class="notice">{t!(i18n, form_coming)}</p>
            <A href="/" attr:class="button secondary">{t!(i18n, back_home)}</A>
        }
        .into_any(),
    }
    }
}
