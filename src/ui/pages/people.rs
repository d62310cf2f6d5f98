//! The people this phone has recorded (searchable by code and site), and one participant's page: consent, assessment, visits, wellbeing, business, referrals, next visit.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::i18n::{t, td_string, use_i18n};
use crate::model::consent::Purpose;
use crate::model::form::{FormDef, FormKind, Role};
use crate::model::registry::route_key;
use crate::report::history::{self, History, Person};
use crate::state::{
    local_offset, FormsContext, LanguageContext, Loading, RecordsContext, ReportsContext,
};
use crate::ui::components::{PrivateInput, Trend, WithdrawConsent};
use crate::ui::labels;

/// Shown while the records are being opened, or if they could not be.
#[component]
pub fn ReportLoading() -> impl IntoView {
    let i18n = use_i18n();
    let reports = ReportsContext::expect_context();
    let records = RecordsContext::expect_context();
    if let Some(service) = records.records() {
        reports.ensure(service);
    }
    move || match reports.loading.get() {
        Loading::Opening(done, total) => Some(
            view! {
                <p class="notice" role="status" data-testid="report-loading">
                    {t!(i18n, report_opening, done = move || done, total = move || total)}
                </p>
            }
            .into_any(),
        ),
        Loading::Failed(_) => Some(
            view! { <p class="notice error" role="alert">{t!(i18n, err_storage_failed)}</p> }
                .into_any(),
        ),
        Loading::Idle if reports.damaged.get() > 0 => {
            Some(view! { <p class="notice error">{t!(i18n, err_record_damaged)}</p> }.into_any())
        }
        Loading::Idle => None,
    }
}

/// Where a follow-up for her starts: the programme's current follow-up
/// form, if it offers one.
fn follow_up_link(forms: FormsContext, anchor: Uuid) -> Option<String> {
    let form = forms.current_of_kind(FormKind::FollowUp)?;
    Some(format!("/new/{}?from={anchor}", route_key(&form.id)))
}

fn person_row(p: &Person, testid: &'static str, follow: Option<String>) -> impl IntoView {
    let code = p.code.to_string();
    let site = p.site.clone().map(|s| format!(" · {s}"));
    let last = labels::day(p.last_visit);
    let next = p.next_visit.map(labels::day);
    let code_attr = code.clone();
    view! {
        <li class="record-row" data-testid=testid data-code=code_attr>
            <A href=format!("/people/{}", p.anchor) attr:class="list-button">
                <span class="list-title"><span class="code">{code}</span>{site}</span>
                <span class="list-meta">
                    {move || t!(use_i18n(), people_last_visit, day = { let last = last.clone(); move || last.clone() })}
                    {next.map(|d| view! { " · " {move || t!(use_i18n(), people_next_visit, day = { let d = d.clone(); move || d.clone() })} })}
                </span>
            </A>
            {follow.map(|follow| view! {
                <A href=follow attr:class="button secondary small" attr:data-testid="due-follow-up">{t!(use_i18n(), person_follow_up_short)}</A>
            })}
        </li>
    }
}

/// Home screen: who is due for a follow-up (next visit passed or within a week).
#[component]
pub fn DueList() -> impl IntoView {
    let i18n = use_i18n();
    let reports = ReportsContext::expect_context();
    let forms = FormsContext::expect_context();
    // Computed once per change of the records (or of the day), not per read.
    let due = Memo::new(move |_| {
        let today = labels::today();
        let kinds = forms.kinds();
        reports.with(|records| {
            let people = history::people(records, &kinds, local_offset());
            history::due(&people, today)
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let list = move || {
        due.with(|d| {
            d.iter()
                .flatten()
                .map(|p| person_row(p, "due-row", follow_up_link(forms, p.anchor)))
                .collect_view()
        })
    };
    let empty = move || due.with(|d| d.as_ref().map(Vec::is_empty));
    view! {
        <section class="card" data-testid="due-list">
            <h2>{t!(i18n, due_heading)}</h2>
            {move || match empty() {
                None => view! { <p class="hint">{t!(i18n, loading)}</p> }.into_any(),
                Some(true) => view! { <p class="hint" data-testid="due-empty">{t!(i18n, due_none)}</p> }.into_any(),
                Some(false) => view! { <ul class="plain-list">{list}</ul> }.into_any(),
            }}
            <A href="/people" attr:class="button secondary wide" attr:data-testid="open-people">{t!(i18n, people_open)}</A>
        </section>
    }
}

#[component]
pub fn People() -> impl IntoView {
    let i18n = use_i18n();
    let reports = ReportsContext::expect_context();
    let forms = FormsContext::expect_context();
    let query = RwSignal::new(String::new());
    let people = Memo::new(move |_| {
        let kinds = forms.kinds();
        reports.with(|records| history::people(records, &kinds, local_offset()))
    });
    let rows = move || {
        let text = query.get();
        people.with(|people| {
            let found = history::search(people.as_ref()?, &text);
            if found.is_empty() {
                return Some(view! { <p class="empty" data-testid="people-empty">{t!(i18n, people_none)}</p> }.into_any());
            }
            let rows = found.into_iter().map(|p| person_row(p, "person-row", None)).collect_view();
            Some(view! { <ul class="plain-list" data-testid="people-list">{rows}</ul> }.into_any())
        })
    };
    view! {
        <h1>{t!(i18n, people_heading)}</h1>
        <p class="hint">{t!(i18n, people_intro)}</p>
        <ReportLoading />
        <div class="filters">
            <PrivateInput {..} type="search" data-testid="people-search" autocapitalize="characters"
                placeholder=move || td_string!(i18n.get_locale(), people_search)
                aria-label=move || td_string!(i18n.get_locale(), people_search)
                on:input=move |ev| query.set(event_target_value(&ev)) />
        </div>
        {rows}
    }
}

/// One participant's page. The address names one of her records (a random
/// id), never her code.
#[component]
pub fn Participant() -> impl IntoView {
    let i18n = use_i18n();
    let reports = ReportsContext::expect_context();
    let params = use_params_map();
    let forms = FormsContext::expect_context();
    let found = move || {
        let kinds = forms.kinds();
        let id = params.with(|p| p.get("id").and_then(|s| Uuid::parse_str(&s).ok()));
        reports.with(|records| {
            let code = records
                .iter()
                .find(|r| Some(r.id) == id)
                .and_then(|r| r.participant_code.clone())?;
            history::history(records, &kinds, &code, local_offset())
        })
    };
    view! {
        <ReportLoading />
        {move || match found() {
            None => view! { <p class="hint">{t!(i18n, loading)}</p> }.into_any(),
            Some(None) => view! {
                <p class="notice" data-testid="person-missing">{t!(i18n, person_missing)}</p>
                <A href="/people" attr:class="button secondary wide">{t!(i18n, people_open)}</A>
            }.into_any(),
            Some(Some(h)) => {
                // Answers are labelled by the programme's current forms.
                let assessment = forms.current_of_kind(FormKind::NeedsAssessment);
                let follow_up = forms.current_of_kind(FormKind::FollowUp);
                let follow = follow_up_link(forms, h.person.anchor);
                history_view(h, assessment.as_deref(), follow_up.as_deref(), follow)
            }
        }}
    }
}

fn history_view(
    h: History,
    assessment_form: Option<&FormDef>,
    follow_form: Option<&FormDef>,
    follow: Option<String>,
) -> AnyView {
    let i18n = use_i18n();
    let lang = LanguageContext::expect_context().get();
    let locale = i18n.get_locale();
    let code = h.person.code.clone();
    let consent = match &h.person.consent {
        None => td_string!(locale, person_consent_unknown).to_owned(),
        Some(c) => {
            let purposes: Vec<&str> = c
                .purposes
                .iter()
                .map(|p| match p {
                    Purpose::Assessment => td_string!(locale, purpose_assessment_short),
                    Purpose::FollowUpContact => td_string!(locale, purpose_follow_up_short),
                    Purpose::Referral => td_string!(locale, purpose_referral_short),
                })
                .collect();
            format!(
                "{} {} · {}",
                td_string!(locale, person_consent_given),
                labels::day(c.given_at.with_timezone(&local_offset()).date_naive()),
                purposes.join(", ")
            )
        }
    };
    let assessment = h.assessment.as_ref().map(|a| {
        let wants = a
            .wants_change
            .as_deref()
            .map(|w| labels::choice_label(assessment_form, Role::WantsChange, w, lang))
            .unwrap_or_else(|| "–".into());
        let training = a
            .training
            .iter()
            .map(|c| labels::choice_label(assessment_form, Role::TrainingWanted, c, lang))
            .collect::<Vec<_>>()
            .join(", ");
        let capital = a.capital.map(crate::report::rupiah);
        view! {
            <section class="card" data-testid="person-assessment">
                <h2>{t!(i18n, kind_needs_assessment)} " · " {labels::day(a.day)}</h2>
                <dl class="facts">
                    <dt>{labels::question_label(assessment_form, Role::WantsChange, lang)}</dt><dd data-testid="person-wants">{wants}</dd>
                    <dt>{labels::question_label(assessment_form, Role::TrainingWanted, lang)}</dt><dd data-testid="person-training">{training}</dd>
                    {capital.map(|c| view! { <dt>{labels::question_label(assessment_form, Role::CapitalNeeded, lang)}</dt><dd>{c}</dd> })}
                </dl>
                <A href=format!("/record/{}", a.record_id) attr:class="button secondary">{t!(i18n, person_open_record)}</A>
            </section>
        }
    });
    let visits = h
        .visits
        .iter()
        .map(|v| {
            let title =
                FormsContext::expect_context().with(|r| labels::form_title(locale, r, &v.form_id));
            let how = v.contact.as_deref().map(|c| {
                format!(
                    " · {}",
                    labels::choice_label(follow_form, Role::ContactKind, c, lang)
                )
            });
            let risk = v.risk.as_deref().map(|r| {
                format!(
                    "{}: {}",
                    td_string!(locale, person_risk),
                    labels::choice_label(
                        follow_form.or(assessment_form),
                        Role::RiskOfReturning,
                        r,
                        lang
                    )
                )
            });
            let (form, day) = (v.form_id.clone(), labels::day(v.day));
            view! {
                <li class="record-row" data-testid="visit-row" data-form=form>
                    <A href=format!("/record/{}", v.record_id) attr:class="list-button">
                        <span class="list-title">{day} " · " {title} {how}</span>
                        <span class="list-meta">{risk}</span>
                    </A>
                </li>
            }
        })
        .collect_view();
    let wellbeing = h
        .wellbeing
        .iter()
        .filter(|s| !s.points.is_empty())
        .map(|s| {
            let label = labels::question_label(assessment_form, s.aspect, lang);
            let points = s.points.iter().map(|(d, v)| (labels::day(*d), *v)).collect();
            view! { <Trend label=label points=points low=1.0 high=5.0 testid=format!("trend-{}", s.aspect.default_id()) /> }
        })
        .collect_view();
    let business = h
        .business
        .iter()
        .map(|b| {
            let state = match (&b.state, b.started) {
                (Some(s), _) => labels::choice_label(follow_form, Role::BusinessState, s, lang),
                (None, true) => td_string!(locale, person_business_started).to_owned(),
                (None, false) => td_string!(locale, person_business_not_started).to_owned(),
            };
            let income = b.income.as_deref().map(|i| format!(" · {}", labels::choice_label(follow_form, Role::IncomeBand, i, lang)));
            view! { <li data-testid="business-row">{labels::day(b.day)} " · " {state} {income}</li> }
        })
        .collect_view();
    let referrals = if h.open_referrals.is_empty() {
        td_string!(locale, person_no_referrals).to_owned()
    } else {
        h.open_referrals
            .iter()
            .map(|c| labels::choice_label(assessment_form, Role::ReferralsNeeded, c, lang))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let next = h
        .person
        .next_visit
        .map(labels::day)
        .unwrap_or_else(|| "–".into());
    let has_business = !h.business.is_empty();
    view! {
        <h1 data-testid="person-code" class="code">{code.to_string()}</h1>
        <p class="hint">{h.person.site.clone()}</p>
        <dl class="facts card">
            <dt>{t!(i18n, person_consent)}</dt><dd data-testid="person-consent">{consent}</dd>
            <dt>{t!(i18n, person_next_visit)}</dt><dd data-testid="person-next">{next}</dd>
            <dt>{t!(i18n, person_referrals)}</dt><dd data-testid="person-referrals">{referrals}</dd>
        </dl>
        {follow.map(|follow| view! {
            <A href=follow attr:class="button primary wide" attr:data-testid="person-follow-up">{t!(i18n, person_follow_up)}</A>
        })}
        {assessment}
        <section class="card">
            <h2>{t!(i18n, person_visits)}</h2>
            <ul class="plain-list" data-testid="person-visits">{visits}</ul>
        </section>
        <section class="card">
            <h2>{t!(i18n, person_wellbeing)}</h2>
            <p class="hint">{t!(i18n, person_wellbeing_hint)}</p>
            <ul class="trends">{wellbeing}</ul>
        </section>
        <section class="card">
            <h2>{t!(i18n, person_business)}</h2>
            {if has_business {
                view! { <ul class="plain-list" data-testid="person-business">{business}</ul> }.into_any()
            } else {
                view! { <p class="hint">{t!(i18n, person_no_business)}</p> }.into_any()
            }}
        </section>
        <section class="card">
            <h2>{t!(i18n, person_withdraw_heading)}</h2>
            <p class="hint">{t!(i18n, person_withdraw_hint)}</p>
            <WithdrawConsent code=code />
        </section>
    }
    .into_any()
}
