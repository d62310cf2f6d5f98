//! Settings → Forms → Import an XLSForm: a spreadsheet converted by the importer part, its problems or its form, a trial of the form (nothing saved), then added to this phone or saved as a form file.

use std::collections::BTreeMap;
use std::rc::Rc;

use chrono::Utc;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::i18n::{t, td_string, use_i18n};
use crate::model::answer::AnswerError;
use crate::model::fill::FieldError;
use crate::model::form::FormDef;
use crate::model::record::{Record, RecordError};
use crate::model::registry::Taken;
use crate::model::text::Text;
use crate::platform::{self, share, xlsform::ImporterError};
use crate::state::{Delivery, FormsContext, LanguageContext, RecordsContext};
use crate::ui::components::{apply_answer, Answered, ErrorKey, PrivateInput, SectionView};
use crate::ui::labels;
use crate::ui::messages;
use crate::xlsform::Opened;

#[derive(Clone)]
enum Step {
    Pick,
    Reading,
    Unreadable,
    Failed(ImporterError),
    Refused(Vec<Text>),
    Ready(Imported),
}

#[derive(Clone)]
struct Imported {
    form: Rc<FormDef>,
    json: Rc<str>,
    notes: Vec<Text>,
}

#[component]
pub fn FormImport() -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let records = RecordsContext::expect_context();
    let forms = FormsContext::expect_context();
    let step = RwSignal::new_local(Step::Pick);
    let trying = RwSignal::new(false);
    let added = RwSignal::new(None::<Delivery>);
    let save_failed = RwSignal::new(false);

    let picked = move |ev: leptos::ev::Event| {
        let Some(file) = share::picked_file(&ev) else {
            return;
        };
        step.set(Step::Reading);
        trying.set(false);
        added.set(None);
        save_failed.set(false);
        leptos::task::spawn_local(async move {
            let next = match share::read_file(&file).await {
                Err(_) => Step::Unreadable,
                Ok(bytes) => match platform::xlsform::convert(&bytes).await {
                    Err(e) => Step::Failed(e),
                    Ok(report) => match report.open() {
                        Opened::Form { form, json, notes } => Step::Ready(Imported {
                            form: Rc::new(form),
                            json: json.into(),
                            notes,
                        }),
                        Opened::Refused(problems) => Step::Refused(problems),
                        Opened::Broken => Step::Failed(ImporterError::Failed),
                    },
                },
            };
            step.try_set(next);
        });
    };
    let ready = move || match step.get() {
        Step::Ready(imported) => Some(imported),
        _ => None,
    };
    let add = move |_| {
        let (Some(imported), Some(service)) = (ready(), records.records()) else {
            return;
        };
        added.set(None);
        leptos::task::spawn_local(async move {
            // The same path as a form file picked in Settings → Forms.
            forms.take_file(&service, imported.json.as_bytes()).await;
            added.try_set(forms.last.get_untracked());
        });
    };
    let save = move |_| {
        let Some(imported) = ready() else { return };
        let name = format!("{}-v{}.json", imported.form.id, imported.form.version);
        let saved = platform::download(&name, imported.json.as_bytes(), "application/json");
        save_failed.set(saved.is_err());
    };

    let outcome = move || {
        let lang = language.get();
        let locale = i18n.get_locale();
        added.get().map(|delivery| {
            let text = match delivery {
                Delivery::Failed(e) => messages::forms_error(lang, &e),
                Delivery::Taken(outcomes) => match outcomes.first().map(|o| &o.result) {
                    Some(Ok(Taken::Added)) => td_string!(locale, xls_added).into_any(),
                    Some(Ok(Taken::Held)) => td_string!(locale, xls_held).into_any(),
                    Some(Err(p)) => messages::entry_problem(lang, p),
                    None => td_string!(locale, xls_err_failed).into_any(),
                },
            };
            view! { <p class="notice" role="status" data-testid="xls-added">{text}</p> }
        })
    };

    let body = move || {
        let lang = language.get();
        match step.get() {
            Step::Pick => ().into_any(),
            Step::Reading => view! { <p role="status">{t!(i18n, xls_reading)}</p> }.into_any(),
            Step::Unreadable => view! {
                <p class="field-error" role="alert" data-testid="xls-failed">{t!(i18n, xls_err_read)}</p>
            }
            .into_any(),
            Step::Failed(e) => view! {
                <p class="field-error" role="alert" data-testid="xls-failed">{messages::importer_error(lang, &e)}</p>
            }
            .into_any(),
            Step::Refused(problems) => {
                let n = problems.len();
                let rows = problems
                    .iter()
                    .map(|p| view! { <li data-testid="xls-problem">{p.get(lang).to_owned()}</li> })
                    .collect_view();
                view! {
                    <section class="card" role="alert" data-testid="xls-refused" data-count=n>
                        <p>{t!(i18n, xls_refused, n = move || n)}</p>
                        <ul class="problem-list">{rows}</ul>
                    </section>
                }
                .into_any()
            }
            Step::Ready(imported) => {
                let form = imported.form.clone();
                let (id, v) = (form.id.clone(), form.version);
                let form_id = id.clone();
                let screens = form.sections.len();
                let questions = form.questions().count();
                let title = form.title.get(lang).to_owned();
                let trial = StoredValue::new_local(form);
                let notes = (!imported.notes.is_empty()).then(|| {
                    let rows = imported
                        .notes
                        .iter()
                        .map(|n| view! { <li data-testid="xls-note">{n.get(lang).to_owned()}</li> })
                        .collect_view();
                    view! {
                        <p class="hint">{t!(i18n, xls_notes)}</p>
                        <ul class="problem-list notes">{rows}</ul>
                    }
                });
                view! {
                    // Hidden, not dropped, while the form is tried: the trial
                    // takes the screen, and closing it brings this back.
                    <section class="card" data-testid="xls-ready" data-form=form_id data-version=v hidden=move || trying.get()>
                        <h2>{title}</h2>
                        <p>{t!(i18n, xls_ready, id = move || id.clone(), v = move || v, screens = move || screens, questions = move || questions)}</p>
                        {notes}
                        <button type="button" class="button secondary wide" data-testid="xls-try"
                            on:click=move |_| {
                                trying.set(true);
                                platform::scroll_to_top();
                            }>{t!(i18n, xls_try)}</button>
                        <button type="button" class="button primary wide" data-testid="xls-add"
                            disabled=move || forms.checking.get()
                            on:click=add>{t!(i18n, xls_add)}</button>
                        {outcome}
                        <button type="button" class="button secondary wide" data-testid="xls-save"
                            on:click=save>{t!(i18n, xls_save)}</button>
                        <p class="hint">{t!(i18n, xls_save_hint)}</p>
                        <Show when=move || save_failed.get()>
                            <p class="field-error" role="alert">{t!(i18n, xls_save_failed)}</p>
                        </Show>
                    </section>
                    {move || trying.get().then(|| view! {
                        <Trial form=trial.get_value() on_close=Callback::new(move |_| trying.set(false)) />
                    })}
                }
                .into_any()
            }
        }
    };

    view! {
        <h1 data-testid="xls-title">{t!(i18n, xls_heading)}</h1>
        <p class="intro" hidden=move || trying.get()>{t!(i18n, xls_intro)}</p>
        <label class="button primary wide file-pick" hidden=move || trying.get()>
            {move || if matches!(step.get(), Step::Reading) { t!(i18n, xls_reading).into_any() } else { t!(i18n, xls_pick).into_any() }}
            <PrivateInput {..} type="file" data-testid="xls-file"
                accept=".xlsx,.xlsm,.xls,.ods,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.ms-excel,application/vnd.oasis.opendocument.spreadsheet"
                disabled=move || matches!(step.get(), Step::Reading)
                on:change=picked />
        </label>
        {body}
        <A href="/settings" attr:class="exit-link">{t!(i18n, nav_settings)}</A>
    }
}

/// The converted form on screen, section by section, with the form page's
/// own questions and checks; the answers live only in this view and are
/// gone when it closes.
#[component]
fn Trial(form: Rc<FormDef>, on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let record = RwSignal::new(Record::trial(
        Uuid::new_v4(),
        &form,
        Utc::now(),
        labels::today(),
    ));
    let form = StoredValue::new_local(form);
    let errors = RwSignal::new(BTreeMap::<ErrorKey, AnswerError>::new());
    let problem = RwSignal::new(None::<RecordError>);
    let index = RwSignal::new(0usize);
    let checked = RwSignal::new(false);

    let on_answer = Callback::new(move |answer: Answered| {
        checked.set(false);
        // Nothing to write: the trial keeps its answers in memory only.
        form.with_value(|f| apply_answer(f, record, errors, problem, answer));
    });
    let changed = Callback::new(move |_| checked.set(false));
    let next = move || {
        form.with_value(|f| {
            record.with(|r| f.section_after(index.get(), &r.answers, labels::now()))
        })
    };
    let prev = move || {
        form.with_value(|f| {
            record.with(|r| f.section_before(index.get(), &r.answers, labels::now()))
        })
    };
    let show = move |found: Vec<FieldError>| {
        errors.set(
            found
                .into_iter()
                .map(|e| ((e.item, e.question), e.error))
                .collect(),
        );
    };
    let go = move |i: usize| {
        index.set(i);
        platform::scroll_to_top();
    };
    let on_next = move |_| {
        let i = index.get_untracked();
        let found = form.with_value(|f| {
            record.with_untracked(|r| f.validate_section(&f.sections[i], &r.answers, labels::now()))
        });
        if found.is_empty() {
            if let Some(n) = next() {
                go(n);
            }
        } else {
            show(found);
        }
    };
    let on_back = move |_| {
        if let Some(p) = prev() {
            go(p);
        }
    };
    let on_check = move |_| {
        let found =
            form.with_value(|f| record.with_untracked(|r| f.validate(&r.answers, labels::now())));
        let first = found
            .first()
            .and_then(|e| form.with_value(|f| f.sections.iter().position(|s| s.id == e.section)));
        checked.set(found.is_empty());
        show(found);
        if let Some(i) = first {
            go(i);
        }
    };
    let section = move || {
        let s = form.with_value(|f| f.sections[index.get()].clone());
        view! { <SectionView section=s form=form record=record errors=errors problem=problem on_answer=on_answer schedule=changed /> }
    };

    view! {
        <section class="trial" data-testid="xls-trial">
            <p class="notice" data-testid="xls-trying">{t!(i18n, xls_trying)}</p>
            {move || problem.get().map(|e| view! {
                <p class="notice error" role="alert">{messages::record_error(language.get(), &e)}</p>
            })}
            <Show when=move || !errors.with(BTreeMap::is_empty)>
                <p class="fix-errors" role="alert" data-testid="fix-errors">{t!(i18n, form_fix_errors)}</p>
            </Show>
            {section}
            <div class="form-nav">
                <Show when=move || prev().is_some()>
                    <button type="button" class="button secondary" data-testid="form-back" on:click=on_back>{t!(i18n, form_back)}</button>
                </Show>
                <Show when=move || next().is_some()>
                    <button type="button" class="button primary" data-testid="form-next" on:click=on_next>{t!(i18n, form_next)}</button>
                </Show>
                <button type="button" class="button secondary" data-testid="xls-check" on:click=on_check>{t!(i18n, xls_check)}</button>
            </div>
            <Show when=move || checked.get()>
                <p class="notice" role="status" data-testid="xls-checked">{t!(i18n, xls_checked)}</p>
            </Show>
            <button type="button" class="button secondary wide" data-testid="xls-stop" on:click=move |_| on_close.run(())>{t!(i18n, xls_stop_trying)}</button>
        </section>
    }
}
