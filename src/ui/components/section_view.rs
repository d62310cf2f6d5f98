//! One section of a form on screen, its questions shown as the answers make them apply, and the one way an answer given there changes the record (the form page and the import preview both use it).

use std::collections::BTreeMap;
use std::rc::Rc;

use chrono::Utc;
use leptos::prelude::*;

use crate::i18n::{t, td_string, use_i18n};
use crate::model::answer::{AnswerError, AnswerValue};
use crate::model::form::{FormDef, Section};
use crate::model::record::{Record, RecordError};
use crate::state::LanguageContext;
use crate::ui::components::{LiveParts, QuestionProps, QuestionView, Slot};
use crate::ui::labels;
use crate::ui::messages;

/// Where an answer problem shows: the repeat item (if any) and the question.
pub type ErrorKey = (Option<usize>, String);

/// An answer given on screen: where, which question, and the value or why
/// it was refused.
pub type Answered = (Slot, String, Result<Option<AnswerValue>, AnswerError>);

/// Applies an answer to the record in memory, marking or clearing its
/// problem. True when the record changed (and must be written, if it is
/// stored at all).
pub fn apply_answer(
    form: &FormDef,
    record: RwSignal<Record>,
    errors: RwSignal<BTreeMap<ErrorKey, AnswerError>>,
    problem: RwSignal<Option<RecordError>>,
    (slot, qid, result): Answered,
) -> bool {
    let key: ErrorKey = (slot.as_ref().map(|(_, n)| *n), qid.clone());
    let value = match result {
        Ok(value) => value,
        Err(e) => {
            errors.update(|m| {
                m.insert(key, e);
            });
            return false;
        }
    };
    let now = Utc::now();
    let mut r = record.get_untracked();
    let res = match &slot {
        None => r.set_answer(form, &qid, value, now),
        Some((section, n)) => r.set_item_answer(form, section, *n, &qid, value, now),
    };
    match res {
        Ok(_) => {
            record.set(r);
            errors.update(|m| {
                m.remove(&key);
            });
            true
        }
        Err(RecordError::Answer(e)) => {
            errors.update(|m| {
                m.insert(key, e);
            });
            false
        }
        Err(other) => {
            problem.set(Some(other));
            false
        }
    }
}

/// What of a question changes with the answers: a label or hint that
/// inserts answers, the choices a filter offers, a worked-out value. Each
/// is a fixed value unless the form asks for it, so plain questions cost
/// nothing per keystroke.
fn live_parts(
    q: &crate::model::form::Question,
    slot: &Slot,
    form: StoredValue<Rc<FormDef>, LocalStorage>,
    record: RwSignal<Record>,
    language: LanguageContext,
) -> LiveParts {
    let item_of = |slot: Slot| {
        move |r: &Record| -> Option<BTreeMap<String, AnswerValue>> {
            slot.as_ref()
                .and_then(|(s, n)| r.answers.repeats.get(s).and_then(|items| items.get(*n)))
                .cloned()
        }
    };
    let text = |t: Option<crate::model::text::Text>| -> Signal<Option<String>> {
        match t {
            None => Signal::stored(None),
            Some(t) if !t.id.contains("${") && !t.en.contains("${") => {
                Signal::derive(move || Some(t.get(language.get()).to_owned()))
            }
            Some(t) => {
                let item = item_of(slot.clone());
                Signal::derive(move || {
                    let lang = language.get();
                    form.with_value(|f| {
                        record.with(|r| {
                            let item = item(r);
                            Some(f.fill_text(
                                t.get(lang),
                                &r.answers,
                                item.as_ref(),
                                labels::now(),
                                lang,
                            ))
                        })
                    })
                })
            }
        }
    };
    let label = text(Some(q.label.clone()));
    let hint = text(q.hint.clone());
    let offered = if q.choice_filter.is_some() {
        let q = q.clone();
        let item = item_of(slot.clone());
        Signal::derive(move || {
            form.with_value(|f| {
                record.with(|r| {
                    let item = item(r);
                    Some(
                        f.offered_choices(&q, &r.answers, item.as_ref(), labels::now())
                            .into_iter()
                            .map(|c| c.code.clone())
                            .collect(),
                    )
                })
            })
        })
    } else {
        Signal::stored(None)
    };
    let computed = if q.calculation.is_some() {
        let q = q.clone();
        let item = item_of(slot.clone());
        Signal::derive(move || {
            form.with_value(|f| {
                record.with(|r| {
                    let item = item(r);
                    f.computed_answer(&q, &r.answers, item.as_ref(), labels::now())
                        .map(|v| messages::answer_text(language.get(), &q, &v))
                })
            })
        })
    } else {
        Signal::stored(None)
    };
    LiveParts {
        label: Signal::derive(move || label.get().unwrap_or_default()),
        hint,
        offered,
        computed,
    }
}

#[component]
pub fn SectionView(
    section: Section,
    form: StoredValue<Rc<FormDef>, LocalStorage>,
    record: RwSignal<Record>,
    errors: RwSignal<BTreeMap<ErrorKey, AnswerError>>,
    problem: RwSignal<Option<RecordError>>,
    on_answer: Callback<Answered>,
    schedule: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let title = section.title.clone();
    let heading = move || title.get(language.get()).to_owned();
    let questions_for = move |slot: Slot| {
        let item_index = slot.as_ref().map(|(_, n)| *n);
        section
            .questions
            .iter()
            .map(|q| {
                let q = q.clone();
                let slot = slot.clone();
                let initial = record.with_untracked(|r| match &slot {
                    None => r.answers.values.get(&q.id).cloned(),
                    Some((s, n)) => r
                        .answers
                        .repeats
                        .get(s)
                        .and_then(|items| items.get(*n))
                        .and_then(|i| i.get(&q.id).cloned()),
                });
                let key: ErrorKey = (item_index, q.id.clone());
                let error = Signal::derive(move || errors.with(|m| m.get(&key).cloned()));
                let shown = {
                    let q = q.clone();
                    let slot = slot.clone();
                    move || {
                        form.with_value(|f| {
                            record.with(|r| {
                                let item = slot.as_ref().and_then(|(s, n)| {
                                    r.answers.repeats.get(s).and_then(|items| items.get(*n))
                                });
                                f.question_visible(&q, &r.answers, item, labels::now())
                            })
                        })
                    }
                };
                let live = live_parts(&q, &slot, form, record, language);
                let props = QuestionProps {
                    question: q,
                    slot,
                    initial,
                    error,
                    on_answer,
                    live,
                };
                view! { <Show when=shown.clone()><QuestionView props=props.clone() /></Show> }
            })
            .collect_view()
    };

    let body = match section.repeat.clone() {
        None => questions_for(None).into_any(),
        Some(repeat) => {
            let section_id = section.id.clone();
            let count = {
                let section_id = section_id.clone();
                Memo::new(move |_| {
                    record.with(|r| r.answers.repeats.get(&section_id).map_or(0, Vec::len))
                })
            };
            let label = repeat.item_label.clone();
            let add = {
                let section_id = section_id.clone();
                move |_| {
                    let mut r = record.get_untracked();
                    match form.with_value(|f| r.add_item(f, &section_id, Utc::now())) {
                        Ok(_) => {
                            problem.set(None);
                            record.set(r);
                            schedule.run(());
                        }
                        Err(e) => problem.set(Some(e)),
                    }
                }
            };
            let items = {
                let section_id = section_id.clone();
                let label = label.clone();
                move || {
                    (0..count.get())
                        .map(|n| {
                            let section_id = section_id.clone();
                            let label = label.clone();
                            let remove = {
                                let section_id = section_id.clone();
                                move |_| {
                                    let confirm = td_string!(i18n.get_locale(), form_confirm_remove);
                                    let ok = web_sys::window().and_then(|w| w.confirm_with_message(confirm).ok()).unwrap_or(false);
                                    if ok {
                                        let mut r = record.get_untracked();
                                        match r.remove_item(&section_id, n, Utc::now()) {
                                            Ok(()) => {
                                                problem.set(None);
                                                record.set(r);
                                                schedule.run(());
                                            }
                                            Err(e) => problem.set(Some(e)),
                                        }
                                    }
                                }
                            };
                            view! {
                                <fieldset class="repeat-item" data-testid=format!("item-{n}")>
                                    <legend>{move || format!("{} {}", label.get(language.get()), n + 1)}</legend>
                                    {questions_for(Some((section_id.clone(), n)))}
                                    <button type="button" class="button danger" on:click=remove>{t!(i18n, form_remove_item)}</button>
                                </fieldset>
                            }
                        })
                        .collect_view()
                }
            };
            let add_label = label.clone();
            view! {
                {items}
                <button type="button" class="button secondary" data-testid="add-item" on:click=add>
                    {t!(i18n, form_add_item)} " " {move || add_label.get(language.get()).to_lowercase()}
                </button>
            }
            .into_any()
        }
    };

    view! {
        <section class="form-section" data-testid=format!("section-{}", section.id)>
            <h2>{heading}</h2>
            {body}
        </section>
    }
}
