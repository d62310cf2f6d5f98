//! The summary of any form on this phone: per question, how many answered and bars for choices, scales and numbers, by site and date.

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::i18n::{t, td_string, use_i18n};
use crate::model::form::FormDef;
use crate::model::language::Language;
use crate::model::number;
use crate::report::summary::{summary, Filter, QuestionSummary, Tally};
use crate::state::{local_offset, FormsContext, LanguageContext, ReportsContext};
use crate::ui::components::{Bar, Bars, PrivateInput, PrivateSelect};
use crate::ui::labels;
use crate::ui::pages::people::ReportLoading;

#[component]
pub fn FormSummary() -> impl IntoView {
    let i18n = use_i18n();
    let reports = ReportsContext::expect_context();
    let forms = FormsContext::expect_context();
    let language = LanguageContext::expect_context();
    // The first offered form to start with; any form held can be chosen.
    let chosen = RwSignal::new(
        forms
            .with(|r| r.published().first().map(|f| f.id.clone()))
            .unwrap_or_default(),
    );
    let site = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());

    let form_options = move || {
        let locale = i18n.get_locale();
        forms
            .with(|r| labels::held_forms(locale, r))
            .into_iter()
            .map(|(id, title)| {
                let selected = id == chosen.get_untracked();
                view! { <option value=id selected=selected>{title}</option> }
            })
            .collect_view()
    };
    let site_options = move || {
        let id = chosen.get();
        reports.with(|all| {
            all.iter()
                .filter(|r| r.form_id == id)
                .filter_map(|r| r.site.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(|s| view! { <option value=s.clone()>{s.clone()}</option> })
                .collect_view()
        })
    };
    let shown = move || {
        let id = chosen.get();
        let lang = language.get();
        let versions = forms.with(|r| {
            r.all_forms()
                .into_iter()
                .filter(|f| f.id == id)
                .collect::<Vec<_>>()
        });
        let refs: Vec<&FormDef> = versions.iter().map(|f| &**f).collect();
        let date = |s: String| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok();
        let filter = Filter {
            site: Some(site.get()).filter(|s| !s.is_empty()),
            from: date(from.get()),
            to: date(to.get()),
        };
        let result = reports.with(|all| summary(all, &refs, &filter, local_offset()))?;
        let records = result.records;
        let questions = result
            .questions
            .into_iter()
            .map(|q| question_view(q, lang))
            .collect_view();
        Some(view! {
            <p class="intro" data-testid="summary-count" data-records=records>{t!(i18n, summary_records, n = move || records)}</p>
            {questions}
        })
    };

    view! {
        <h1>{t!(i18n, summary_heading)}</h1>
        <p class="hint">{t!(i18n, summary_intro)}</p>
        <ReportLoading />
        <div class="filters">
            <PrivateSelect {..} data-testid="summary-form" aria-label=move || td_string!(i18n.get_locale(), summary_form)
                on:change=move |ev| { chosen.set(event_target_value(&ev)); site.set(String::new()); }>
                {form_options}
            </PrivateSelect>
            <PrivateSelect {..} data-testid="summary-site" aria-label=move || td_string!(i18n.get_locale(), sites_choose)
                prop:value=move || site.get()
                on:change=move |ev| site.set(event_target_value(&ev))>
                <option value="">{t!(i18n, sites_all)}</option>
                {site_options}
            </PrivateSelect>
            <label>{t!(i18n, export_from)} <PrivateInput {..} type="date" data-testid="summary-from" on:change=move |ev| from.set(event_target_value(&ev)) /></label>
            <label>{t!(i18n, export_to)} <PrivateInput {..} type="date" data-testid="summary-to" on:change=move |ev| to.set(event_target_value(&ev)) /></label>
        </div>
        {shown}
    }
}

fn question_view(q: QuestionSummary, lang: Language) -> impl IntoView {
    let i18n = use_i18n();
    let title = q.question.label.get(lang).to_owned();
    let answered = q.answered;
    let testid = format!("summary-{}", q.question.id);
    let count = |label: String, n: u32| Bar {
        label,
        value: f64::from(n),
        shown: n.to_string(),
    };
    let body = match q.tally {
        Tally::Counts(counts) => {
            let bars = counts
                .into_iter()
                .map(|(code, n)| {
                    let label = match code.as_str() {
                        "yes" if q.question.choices.is_empty() => {
                            td_string!(i18n.get_locale(), form_yes).to_owned()
                        }
                        "no" if q.question.choices.is_empty() => {
                            td_string!(i18n.get_locale(), form_no).to_owned()
                        }
                        _ => q
                            .question
                            .choice(&code)
                            .map(|c| c.label.get(lang).to_owned())
                            .unwrap_or(code),
                    };
                    count(label, n)
                })
                .collect();
            view! { <Bars bars=bars testid="summary-bars" /> }.into_any()
        }
        Tally::Scale(points) => {
            let bars = points
                .into_iter()
                .map(|(point, n)| count(point.to_string(), n))
                .collect();
            view! { <Bars bars=bars testid="summary-bars" /> }.into_any()
        }
        Tally::Numbers {
            count: n,
            sum,
            median,
        } => {
            let sum = number::answer(sum, lang);
            let median = median
                .map(|m| number::answer(m, lang))
                .unwrap_or_else(|| "–".into());
            view! {
                <dl class="facts">
                    <dt>{t!(i18n, summary_count)}</dt><dd data-testid="summary-n">{n}</dd>
                    <dt>{t!(i18n, summary_sum)}</dt><dd data-testid="summary-sum">{sum}</dd>
                    <dt>{t!(i18n, summary_median)}</dt><dd data-testid="summary-median">{median}</dd>
                </dl>
            }
            .into_any()
        }
        Tally::Answered => ().into_any(),
    };
    view! {
        <section class="card" data-testid=testid>
            <h2>{title}</h2>
            <p class="hint">{t!(i18n, summary_answered, n = move || answered)}</p>
            {body}
        </section>
    }
}
