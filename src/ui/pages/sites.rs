//! A site's needs inventory (or every site's), as bar charts with their numbers: what Dinsos asks for after a monitoring visit.

use leptos::prelude::*;

use crate::i18n::{t, td_string, use_i18n};
use crate::model::form::{FormDef, FormKind, Role};
use crate::model::language::Language;
use crate::model::number;
use crate::report::inventory::{self, Counts, Inventory};
use crate::state::{local_offset, FormsContext, LanguageContext, ReportsContext};
use crate::ui::components::{Bar, Bars, PrivateSelect};
use crate::ui::labels;
use crate::ui::pages::people::ReportLoading;

fn bars(form: Option<&FormDef>, question: Role, counts: &Counts, lang: Language) -> Vec<Bar> {
    counts
        .iter()
        .map(|(code, n)| Bar {
            label: labels::choice_label(form, question, code, lang),
            value: f64::from(*n),
            shown: n.to_string(),
        })
        .collect()
}

#[component]
pub fn SiteNeeds() -> impl IntoView {
    let i18n = use_i18n();
    let reports = ReportsContext::expect_context();
    let language = LanguageContext::expect_context();
    let site = RwSignal::new(String::new());
    let forms = FormsContext::expect_context();
    let sites = move || {
        let kinds = forms.kinds();
        reports
            .with(|records| inventory::sites(records, &kinds))
            .unwrap_or_default()
    };
    let options = move || {
        sites()
            .into_iter()
            .map(|s| view! { <option value=s.clone()>{s.clone()}</option> })
            .collect_view()
    };
    let report = move || {
        let chosen = site.get();
        let lang = language.get();
        // Answers are counted and ordered by the programme's current
        // assessment form.
        let f = forms.current_of_kind(FormKind::NeedsAssessment)?;
        let kinds = forms.kinds();
        let inv = reports.with(|records| {
            inventory::inventory(
                records,
                &kinds,
                Some(chosen.as_str()).filter(|s| !s.is_empty()),
                &f,
                local_offset(),
            )
        })?;
        Some(inventory_view(inv, Some(&f), lang))
    };
    view! {
        <h1>{t!(i18n, sites_heading)}</h1>
        <p class="hint">{t!(i18n, sites_intro)}</p>
        <ReportLoading />
        <div class="filters">
            <PrivateSelect {..} data-testid="site-choice" aria-label=move || td_string!(i18n.get_locale(), sites_choose)
                on:change=move |ev| site.set(event_target_value(&ev))>
                <option value="">{t!(i18n, sites_all)}</option>
                {options}
            </PrivateSelect>
        </div>
        {report}
    }
}

fn inventory_view(inv: Inventory, form: Option<&FormDef>, lang: Language) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale();
    let count = |label: &str, n: u32| Bar {
        label: label.to_owned(),
        value: f64::from(n),
        shown: n.to_string(),
    };
    let people = vec![
        count(td_string!(l, sites_resident), inv.resident),
        count(td_string!(l, sites_non_resident), inv.non_resident),
        count(
            td_string!(l, sites_residence_unknown),
            inv.residence_unknown,
        ),
    ];
    let gaps = vec![
        count(td_string!(l, sites_no_ktp), inv.no_ktp),
        count(td_string!(l, sites_no_bpjs), inv.no_bpjs),
        count(td_string!(l, sites_no_savings), inv.no_savings_book),
    ];
    let wellbeing: Vec<Bar> = inv
        .wellbeing
        .iter()
        .map(|(aspect, avg)| Bar {
            label: labels::question_label(form, *aspect, lang),
            value: avg.unwrap_or(0.0),
            shown: avg
                .map(|a| number::decimal(a, 1, lang))
                .unwrap_or_else(|| "–".into()),
        })
        .collect();
    let capital = inv.capital.clone();
    let median = capital
        .median
        .map(crate::report::rupiah)
        .unwrap_or_else(|| "–".into());
    let total = crate::report::rupiah(capital.total);
    let assessed = inv.assessed;
    let at_risk = inv.at_risk;
    view! {
        <dl class="facts card" data-testid="inventory-summary">
            <dt>{t!(i18n, sites_assessed)}</dt><dd data-testid="inv-assessed">{assessed}</dd>
            <dt>{t!(i18n, sites_at_risk)}</dt><dd data-testid="inv-at-risk">{at_risk}</dd>
            <dt>{t!(i18n, sites_capital_needing)}</dt><dd data-testid="inv-capital-needing">{capital.needing}</dd>
            <dt>{t!(i18n, sites_capital_total)}</dt><dd data-testid="inv-capital-total">{total}</dd>
            <dt>{t!(i18n, sites_capital_median)}</dt><dd data-testid="inv-capital-median">{median}</dd>
        </dl>
        <section class="card"><h2>{t!(i18n, sites_where_they_live)}</h2><Bars bars=people testid="inv-residence" /></section>
        <section class="card"><h2>{labels::question_label(form, Role::WantsChange, lang)}</h2><Bars bars=bars(form, Role::WantsChange, &inv.wants_change, lang) testid="inv-wants" /></section>
        <section class="card"><h2>{labels::question_label(form, Role::TrainingWanted, lang)}</h2><Bars bars=bars(form, Role::TrainingWanted, &inv.training, lang) testid="inv-training" /></section>
        <section class="card"><h2>{t!(i18n, sites_documents)}</h2><Bars bars=gaps testid="inv-documents" /></section>
        <section class="card"><h2>{labels::question_label(form, Role::ReferralsNeeded, lang)}</h2><Bars bars=bars(form, Role::ReferralsNeeded, &inv.referrals, lang) testid="inv-referrals" /></section>
        <section class="card"><h2>{t!(i18n, sites_wellbeing)}</h2><Bars bars=wellbeing max=5.0 testid="inv-wellbeing" /></section>
        <section class="card"><h2>{labels::question_label(form, Role::RiskOfReturning, lang)}</h2><Bars bars=bars(form, Role::RiskOfReturning, &inv.risk, lang) testid="inv-risk" /></section>
    }
}
