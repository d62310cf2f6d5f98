//! One question as a big, touch-friendly control, for a plain answer or one item of a repeat group.

use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::i18n::{t, use_i18n};
use crate::model::answer::{parse_input, AnswerError, AnswerValue};
use crate::model::form::{Question, QuestionType, Role};
use crate::platform::geo;
use crate::state::{LanguageContext, ReportsContext};
use crate::ui::components::{PrivateInput, PrivateTextArea};
use crate::ui::messages;

/// Where an answer goes: the plain answers, or item `n` of a repeat group.
pub type Slot = Option<(String, usize)>;

/// What a question control needs from the form page.
#[derive(Clone)]
pub struct QuestionProps {
    pub question: Question,
    pub slot: Slot,
    /// The answer when the control was rendered (controls are uncontrolled
    /// so a half-typed number is never overwritten while typing).
    pub initial: Option<AnswerValue>,
    pub error: Signal<Option<AnswerError>>,
    /// Sets or clears the answer; `Err` for input that does not parse.
    pub on_answer: Callback<(Slot, String, Result<Option<AnswerValue>, AnswerError>)>,
    pub live: LiveParts,
}

/// The parts of a question that follow the answers (see the form page).
#[derive(Clone, Copy)]
pub struct LiveParts {
    /// The label, earlier answers inserted, in the language shown.
    pub label: Signal<String>,
    pub hint: Signal<Option<String>>,
    /// The choice codes a `choice_filter` offers now; `None`: all of them.
    pub offered: Signal<Option<BTreeSet<String>>>,
    /// A worked-out answer, shown instead of a control.
    pub computed: Signal<Option<String>>,
}

fn dom_id(q: &Question, slot: &Slot) -> String {
    match slot {
        Some((section, n)) => format!("q-{section}-{n}-{}", q.id),
        None => format!("q-{}", q.id),
    }
}

#[component]
pub fn QuestionView(props: QuestionProps) -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let QuestionProps {
        question,
        slot,
        initial,
        error,
        on_answer,
        live,
    } = props;
    let q = StoredValue::new(question.clone());
    let id = dom_id(&question, &slot);
    let answer = {
        let slot = slot.clone();
        let qid = question.id.clone();
        move |result: Result<Option<AnswerValue>, AnswerError>| {
            on_answer.run((slot.clone(), qid.clone(), result))
        }
    };
    let label = move || live.label.get();
    let hint = move || live.hint.get();
    let required = question.required;
    let error_view = move || {
        error.get().map(|e| {
            view! {
                <p class="field-error" role="alert" data-testid="field-error">
                    {move || q.with_value(|q| messages::answer_error(language.get(), &e, Some(q)))}
                </p>
            }
        })
    };

    let fixed = question.calculation.is_some() || question.read_only;
    let control = match question.kind {
        _ if fixed => {
            let shown = initial
                .as_ref()
                .map(|v| messages::answer_text(language.get_untracked(), &question, v));
            view! {
                <p class="computed" id=id.clone() data-testid="computed">
                    {move || live.computed.get().or_else(|| shown.clone()).unwrap_or_else(|| "—".into())}
                </p>
            }
            .into_any()
        }
        QuestionType::Calculate => return ().into_any(),
        QuestionType::Note => {
            return view! {
                <div class="question note" data-testid=format!("question-{}", question.id)>
                    <p>{label}</p>
                </div>
            }
            .into_any()
        }
        QuestionType::Text
        | QuestionType::LongText
        | QuestionType::Integer
        | QuestionType::Decimal
        | QuestionType::Date
        | QuestionType::ParticipantCode => text_control(&question, &id, initial, answer),
        QuestionType::SingleChoice => {
            choice_control(&question, &id, initial, answer, language, live.offered)
        }
        QuestionType::MultipleChoice => {
            multi_control(&question, &id, initial, answer, language, live.offered)
        }
        QuestionType::YesNo => yes_no_control(&id, initial, answer),
        QuestionType::Scale => scale_control(&question, &id, initial, answer, language),
        QuestionType::Gps => gps_control(initial, answer),
    };

    view! {
        <div class="question" class:has-error=move || error.get().is_some() data-testid=format!("question-{}", question.id)>
            <label class="question-label" for=id.clone()>
                {label}
                {required.then(|| view! { <span class="required">" · " {t!(i18n, form_required)}</span> })}
            </label>
            {move || hint().map(|h| view! { <p class="hint">{h}</p> })}
            {control}
            {error_view}
        </div>
    }
    .into_any()
}

fn text_value(v: &AnswerValue) -> String {
    match v {
        AnswerValue::Text(s) | AnswerValue::Code(s) => s.clone(),
        AnswerValue::Integer(n) => n.to_string(),
        // Read back by parse_input: a decimal comma, no grouping dots.
        AnswerValue::Decimal(n) => n.to_string().replace('.', ","),
        AnswerValue::Date(d) => d.to_string(),
        _ => String::new(),
    }
}

fn text_control(
    q: &Question,
    id: &str,
    initial: Option<AnswerValue>,
    answer: impl Fn(Result<Option<AnswerValue>, AnswerError>) + Clone + 'static,
) -> AnyView {
    let question = q.clone();
    let value = initial.as_ref().map(text_value).unwrap_or_default();
    let on_input = {
        let question = question.clone();
        let answer = answer.clone();
        move |ev: leptos::ev::Event| answer(parse_input(&question, &event_target_value(&ev)))
    };
    let (kind, mode) = match q.kind {
        QuestionType::Integer => ("text", "numeric"),
        QuestionType::Decimal => ("text", "decimal"),
        QuestionType::Date => ("date", "none"),
        _ => ("text", "text"),
    };
    // No `maxlength`: the browser would silently cut a long paste. Too long
    // is refused by `parse_input` with a message, and the last good answer kept.
    if q.kind == QuestionType::LongText {
        view! { <PrivateTextArea value={value} {..} id=id.to_owned() rows="4" on:input=on_input /> }
            .into_any()
    } else {
        let site = q.role == Some(Role::Site);
        let caps = if q.kind == QuestionType::ParticipantCode || site {
            "characters"
        } else {
            "sentences"
        };
        // Sites already used on this phone are offered (typing another
        // still works): fewer letters to type, and one spelling per site.
        let known = site.then(|| {
            let reports = ReportsContext::expect_context();
            let options = move || {
                reports
                    .with(|all| {
                        all.iter()
                            .filter_map(|r| r.site.clone())
                            .collect::<std::collections::BTreeSet<_>>()
                    })
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| view! { <option value=s></option> })
                    .collect_view()
            };
            view! { <datalist id="known-sites">{options}</datalist> }
        });
        view! {
            <PrivateInput
                {..}
                id=id.to_owned()
                type=kind
                inputmode=mode
                autocapitalize=caps
                list=site.then_some("known-sites")
                value=value
                on:input=on_input
            />
            {known}
        }
        .into_any()
    }
}

fn choice_control(
    q: &Question,
    id: &str,
    initial: Option<AnswerValue>,
    answer: impl Fn(Result<Option<AnswerValue>, AnswerError>) + Clone + 'static,
    language: LanguageContext,
    offered: Signal<Option<BTreeSet<String>>>,
) -> AnyView {
    let current = match initial {
        Some(AnswerValue::Choice(c)) => Some(c),
        _ => None,
    };
    let options = q
        .choices
        .iter()
        .map(|c| {
            let code = c.code.clone();
            let label = c.label.clone();
            let answer = answer.clone();
            let hidden = {
                let code = code.clone();
                move || offered.with(|o| o.as_ref().is_some_and(|o| !o.contains(&code)))
            };
            view! {
                <label class="option" class:filtered=hidden>
                    <PrivateInput
                        {..}
                        type="radio"
                        name=id.to_owned()
                        value=code.clone()
                        checked=current.as_deref() == Some(code.as_str())
                        on:change=move |_| answer(Ok(Some(AnswerValue::Choice(code.clone()))))
                    />
                    <span>{move || label.get(language.get()).to_owned()}</span>
                </label>
            }
        })
        .collect_view();
    view! { <div class="options" id=id.to_owned() role="radiogroup">{options}</div> }.into_any()
}

fn multi_control(
    q: &Question,
    id: &str,
    initial: Option<AnswerValue>,
    answer: impl Fn(Result<Option<AnswerValue>, AnswerError>) + Clone + 'static,
    language: LanguageContext,
    offered: Signal<Option<BTreeSet<String>>>,
) -> AnyView {
    let chosen: BTreeSet<String> = match initial {
        Some(AnswerValue::Choices(cs)) => cs.into_iter().collect(),
        _ => BTreeSet::new(),
    };
    let chosen = StoredValue::new(chosen);
    // Keep the form's order of choices in the stored answer.
    let order: Vec<String> = q.choices.iter().map(|c| c.code.clone()).collect();
    let options = q
        .choices
        .iter()
        .map(|c| {
            let code = c.code.clone();
            let label = c.label.clone();
            let answer = answer.clone();
            let order = order.clone();
            let checked = chosen.with_value(|s| s.contains(&code));
            let hidden = {
                let code = code.clone();
                move || offered.with(|o| o.as_ref().is_some_and(|o| !o.contains(&code)))
            };
            view! {
                <label class="option" class:filtered=hidden>
                    <PrivateInput
                        {..}
                        type="checkbox"
                        name=id.to_owned()
                        value=code.clone()
                        checked=checked
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update_value(|s| {
                                if on { s.insert(code.clone()); } else { s.remove(&code); }
                            });
                            let list: Vec<String> = chosen.with_value(|s| order.iter().filter(|c| s.contains(*c)).cloned().collect());
                            answer(Ok(if list.is_empty() { None } else { Some(AnswerValue::Choices(list)) }));
                        }
                    />
                    <span>{move || label.get(language.get()).to_owned()}</span>
                </label>
            }
        })
        .collect_view();
    view! { <div class="options" id=id.to_owned()>{options}</div> }.into_any()
}

fn yes_no_control(
    id: &str,
    initial: Option<AnswerValue>,
    answer: impl Fn(Result<Option<AnswerValue>, AnswerError>) + Clone + 'static,
) -> AnyView {
    let i18n = use_i18n();
    let current = match initial {
        Some(AnswerValue::Bool(b)) => Some(b),
        _ => None,
    };
    let yes = answer.clone();
    let no = answer;
    view! {
        <div class="options inline" id=id.to_owned() role="radiogroup">
            <label class="option">
                <PrivateInput {..} type="radio" name=id.to_owned() value="yes" checked=current == Some(true)
                    on:change=move |_| yes(Ok(Some(AnswerValue::Bool(true)))) />
                <span>{t!(i18n, form_yes)}</span>
            </label>
            <label class="option">
                <PrivateInput {..} type="radio" name=id.to_owned() value="no" checked=current == Some(false)
                    on:change=move |_| no(Ok(Some(AnswerValue::Bool(false)))) />
                <span>{t!(i18n, form_no)}</span>
            </label>
        </div>
    }
    .into_any()
}

fn scale_control(
    q: &Question,
    id: &str,
    initial: Option<AnswerValue>,
    answer: impl Fn(Result<Option<AnswerValue>, AnswerError>) + Clone + 'static,
    language: LanguageContext,
) -> AnyView {
    let (lo, hi) = q.scale_range();
    let current = match initial {
        Some(AnswerValue::Scale(n)) => Some(n),
        _ => None,
    };
    let points = (lo as u8..=hi as u8)
        .map(|n| {
            let answer = answer.clone();
            view! {
                <label class="scale-point">
                    <PrivateInput {..} type="radio" name=id.to_owned() value=n.to_string() checked=current == Some(n)
                        on:change=move |_| answer(Ok(Some(AnswerValue::Scale(n)))) />
                    <span>{n}</span>
                </label>
            }
        })
        .collect_view();
    let low = q.min_label.clone();
    let high = q.max_label.clone();
    view! {
        <div class="scale" id=id.to_owned() role="radiogroup">{points}</div>
        <div class="scale-ends">
            <span>{move || low.as_ref().map(|t| t.get(language.get()).to_owned())}</span>
            <span>{move || high.as_ref().map(|t| t.get(language.get()).to_owned())}</span>
        </div>
    }
    .into_any()
}

fn gps_control(
    initial: Option<AnswerValue>,
    answer: impl Fn(Result<Option<AnswerValue>, AnswerError>) + Clone + 'static,
) -> AnyView {
    let i18n = use_i18n();
    let point = RwSignal::new(match initial {
        Some(AnswerValue::Gps(p)) => Some(p),
        _ => None,
    });
    let failed = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let capture = move |_| {
        let answer = answer.clone();
        busy.set(true);
        failed.set(false);
        leptos::task::spawn_local(async move {
            match geo::current_position().await {
                Some(p) => {
                    point.set(Some(p));
                    answer(Ok(Some(AnswerValue::Gps(p))));
                }
                None => failed.set(true),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="gps">
            {move || point.get().map(|p| {
                let lat = messages::fixed5(p.lat);
                let lon = messages::fixed5(p.lon);
                let acc = p.accuracy_m.round() as i64;
                view! { <p class="gps-value">{t!(i18n, form_gps_value, lat = move || lat.clone(), lon = move || lon.clone(), acc = move || acc)}</p> }
            })}
            <button type="button" class="button secondary" disabled=move || busy.get() on:click=capture>
                {t!(i18n, form_gps_capture)}
            </button>
            <Show when=move || failed.get()>
                <p class="field-error" role="alert">{t!(i18n, form_gps_failed)}</p>
            </Show>
        </div>
    }
    .into_any()
}
