//! Home: the status strip, one big button per kind of record, who is due for a follow-up, and the way to the reports.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{t, use_i18n};
use crate::model::record_kind::RecordKind;
use crate::ui::components::{StatusStrip, UnsentWarning};
use crate::ui::labels;
use crate::ui::pages::DueList;

#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    let buttons = RecordKind::ALL
        .into_iter()
        .map(|kind| {
            view! {
                <A
                    href=format!("/new/{}", kind.slug())
                    attr:class="kind-button"
                    attr:data-testid=format!("kind-{}", kind.slug())
                >
                    <span class="kind-title">{move || labels::kind_title(i18n.get_locale(), kind)}</span>
                    <span class="kind-hint">{move || labels::kind_hint(i18n.get_locale(), kind)}</span>
                </A>
            }
        })
        .collect_view();

    view! {
        <StatusStrip />
        <UnsentWarning />
        <h1>{t!(i18n, home_heading)}</h1>
        <p class="intro">{t!(i18n, home_intro)}</p>
        <div class="kind-list">{buttons}</div>
        <DueList />
        <nav class="report-links" aria-label=move || crate::i18n::td_string!(i18n.get_locale(), reports_label)>
            <A href="/sites" attr:class="button secondary" attr:data-testid="open-sites">{t!(i18n, sites_heading)}</A>
            <A href="/exchange" attr:class="button secondary" attr:data-testid="open-exchange">{t!(i18n, export_heading)}</A>
        </nav>
    }
}
