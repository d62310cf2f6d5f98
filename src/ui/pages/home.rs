//! Home: the status strip, one big button per form the programme offers, who is due for a follow-up, and the way to the reports.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{t, use_i18n};
use crate::model::registry::route_key;
use crate::state::{Delivery, FormsContext, LanguageContext};
use crate::ui::components::{StatusStrip, UnsentWarning};
use crate::ui::labels;
use crate::ui::pages::DueList;

#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    let forms = FormsContext::expect_context();
    let language = LanguageContext::expect_context();
    // The forms offered for new records, in the programme's order; their
    // test ids keep the built-in forms' old names (kind-site-visit…).
    let buttons = move || {
        let lang = language.get();
        forms
            .with(|r| r.published())
            .into_iter()
            .map(|form| {
                let hint = form.description.as_ref().map(|d| {
                    let text = d.get(lang).to_owned();
                    view! { <span class="kind-hint">{text}</span> }
                });
                let href = format!("/new/{}", route_key(&form.id));
                let testid = format!("kind-{}", form.id.replace('_', "-"));
                let title = form.title.get(lang).to_owned();
                // What a programme's form is for, when its title does not
                // already say so (the built-in forms' titles do).
                let kind = labels::kind_name(i18n.get_locale(), form.kind)
                    .filter(|k| *k != title)
                    .map(|k| view! { <span class="kind-chip" data-testid="kind-chip">{k}</span> });
                view! {
                    <A href=href attr:class="kind-button" attr:data-testid=testid>
                        <span class="kind-title">{title}</span>
                        {kind}
                        {hint}
                    </A>
                }
            })
            .collect_view()
    };
    // A check at unlock that failed as a whole says so here, once; the
    // details are in Settings → Forms.
    let check_failed = move || {
        forms
            .last
            .with(|l| l.as_ref().is_some_and(Delivery::needs_attention))
    };

    view! {
        <StatusStrip />
        <UnsentWarning />
        <h1>{t!(i18n, home_heading)}</h1>
        <p class="intro">{t!(i18n, home_intro)}</p>
        <div class="kind-list">{buttons}</div>
        <Show when=check_failed>
            <p class="notice" data-testid="forms-problem">
                {t!(i18n, forms_problem_home)} " "
                <A href="/settings#forms">{t!(i18n, forms_problem_open)}</A>
            </p>
        </Show>
        <DueList />
        <nav class="report-links" aria-label=move || crate::i18n::td_string!(i18n.get_locale(), reports_label)>
            <A href="/sites" attr:class="button secondary" attr:data-testid="open-sites">{t!(i18n, sites_heading)}</A>
            <A href="/summary" attr:class="button secondary" attr:data-testid="open-summary">{t!(i18n, summary_heading)}</A>
            <A href="/exchange" attr:class="button secondary" attr:data-testid="open-exchange">{t!(i18n, export_heading)}</A>
        </nav>
    }
}
