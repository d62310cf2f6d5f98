//! Filling a record: one section per screen, every answer saved as it is given, validation, finalising, read-only view.

use std::collections::BTreeMap;
use std::rc::Rc;

use chrono::Utc;
use leptos::ev;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::crypto::CryptoError;
use crate::i18n::{t, td_string, use_i18n};
use crate::model::answer::AnswerError;
use crate::model::fill::FieldError;
use crate::model::form::FormDef;
use crate::model::record::{Record, RecordError, RecordStatus};
use crate::platform;
use crate::service::writer::WriteState;
use crate::state::{AppError, FormsContext, LanguageContext, RecordsContext, StorageState};
use crate::storage::StorageError;
use crate::ui::components::{apply_answer, Answered, ErrorKey, SectionView, WithdrawConsent};
use crate::ui::labels;
use crate::ui::messages;

#[derive(Clone)]
enum Loaded {
    Ready(Record, Rc<FormDef>),
    NotFound,
    /// The payload does not authenticate or parse: altered or damaged.
    Damaged,
    /// Anything else: shown by the error boundary with its reason.
    Unreadable(StorageError),
    BrokenForm,
}

#[component]
pub fn FillRecord() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let records = RecordsContext::expect_context();
    let forms = FormsContext::expect_context();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    });
    let section = Memo::new(move |_| {
        params
            .read()
            .get("section")
            .and_then(|s| s.parse::<usize>().ok())
    });
    let ready = move || matches!(records.state.get(), StorageState::Ready(_));

    let loaded = LocalResource::new(move || {
        let id = id.get();
        let ready = ready();
        async move {
            if !ready {
                return None;
            }
            // An address that names no record at all is simply not found.
            let Some(id) = id else {
                return Some(Loaded::NotFound);
            };
            let store = records.records()?;
            Some(match store.load(id).await {
                // Always the version it was made with, never the current one.
                Ok(Some(record)) => match forms.form(&record.form_id, record.form_version) {
                    Some(form) => Loaded::Ready(record, form),
                    None => Loaded::BrokenForm,
                },
                Ok(None) => Loaded::NotFound,
                Err(StorageError::Crypto(CryptoError::Tampered) | StorageError::Corrupt(_)) => {
                    Loaded::Damaged
                }
                Err(e) => Loaded::Unreadable(e),
            })
        }
    });

    move || {
        match loaded.get().flatten() {
        None => view! { <p class="intro">{t!(i18n, loading)}</p> }.into_any(),
        Some(Loaded::NotFound) => {
            view! { <p class="notice" data-testid="record-missing">{t!(i18n, form_not_found)}</p> }
                .into_any()
        }
        Some(Loaded::Damaged) => {
            view! { <p class="notice" role="alert" data-testid="record-damaged">{t!(i18n, err_record_damaged)}</p> }.into_any()
        }
        Some(Loaded::Unreadable(e)) => Err::<(), AppError>(e.into()).into_any(),
        Some(Loaded::BrokenForm) => {
            view! { <p class="notice">{t!(i18n, form_broken)}</p> }.into_any()
        }
        Some(Loaded::Ready(record, form)) if record.status == RecordStatus::Draft => {
            view! { <Filler record=record form=form section=section /> }.into_any()
        }
        Some(Loaded::Ready(record, form)) => {
            view! { <ReadOnly record=record form=form /> }.into_any()
        }
    }
    }
}

#[component]
fn Filler(record: Record, form: Rc<FormDef>, section: Memo<Option<usize>>) -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let records = RecordsContext::expect_context();
    let navigate = use_navigate();
    let record_id = record.id;
    let form = StoredValue::new_local(form);
    let record = RwSignal::new(record);
    let errors = RwSignal::new(BTreeMap::<ErrorKey, AnswerError>::new());
    let save_state = RwSignal::new(WriteState::Saved);
    let dirty = StoredValue::new(false);
    // The writer this page was given: writes it queues as the app locks
    // (and the page unmounts) finish under the key they were made with.
    let writer = StoredValue::new_local(records.writer());
    let show_fix = RwSignal::new(false);
    // A change refused for a reason other than an answer (consent gone, a
    // full group): said at the top of the page.
    let problem = RwSignal::new(None::<RecordError>);

    // Queues the current record for writing (if anything changed). It also
    // runs during cleanup, so it uses the `try_` accessors: a panic there
    // would abort the whole app (release builds use panic = "abort").
    let flush = move || {
        if !dirty.try_get_value().unwrap_or(false) {
            return;
        }
        let Some(snapshot) = record.try_get_untracked() else {
            return;
        };
        let Some(writer) = writer.try_get_value().flatten() else {
            save_state.try_set(WriteState::Failed(StorageError::Crypto(
                CryptoError::Locked,
            )));
            return;
        };
        dirty.try_set_value(false);
        let notify = Rc::new(move |state: WriteState| {
            if matches!(state, WriteState::Failed(_)) {
                // Keep the answers in memory and try again on the next change.
                dirty.try_set_value(true);
            }
            save_state.try_set(state);
        });
        // Refused only once the record was finished or deleted: then this
        // snapshot must not be written, and nothing is lost by dropping it.
        let _ = writer.change(snapshot, notify);
    };
    let schedule = move || {
        dirty.set_value(true);
        flush();
    };
    // Leaving, switching apps or locking the phone writes at once.
    let on_hide = window_event_listener(ev::pagehide, move |_| flush());
    let on_hidden = window_event_listener(ev::visibilitychange, move |_| flush());
    on_cleanup(move || {
        on_hide.remove();
        on_hidden.remove();
        flush();
    });

    let on_answer = Callback::new(move |answer: Answered| {
        if form.with_value(|f| apply_answer(f, record, errors, problem, answer)) {
            schedule();
        }
    });

    let total = form.with_value(|f| f.sections.len());
    let index = move || section.get().unwrap_or(0).min(total.saturating_sub(1));
    let next_visible = move |from: usize| {
        form.with_value(|f| record.with(|r| f.section_after(from, &r.answers, labels::now())))
    };
    let prev_visible = move |from: usize| {
        form.with_value(|f| record.with(|r| f.section_before(from, &r.answers, labels::now())))
    };
    let go = {
        let navigate = navigate.clone();
        move |i: usize| {
            flush();
            show_fix.set(false);
            navigate(&format!("/record/{record_id}/{i}"), Default::default());
            platform::scroll_to_top();
        }
    };

    // Marks every problem next to its question and says so at the top.
    let show_errors = move |found: Vec<FieldError>| {
        errors.set(
            found
                .into_iter()
                .map(|e| ((e.item, e.question), e.error))
                .collect(),
        );
        show_fix.set(true);
    };

    let on_next = {
        let go = go.clone();
        move |_| {
            let i = index();
            let found = form.with_value(|f| {
                record.with(|r| f.validate_section(&f.sections[i], &r.answers, labels::now()))
            });
            if found.is_empty() {
                if let Some(n) = next_visible(i) {
                    go(n);
                }
            } else {
                show_errors(found);
                platform::scroll_to_top();
            }
        }
    };
    let on_back = {
        let go = go.clone();
        move |_| {
            if let Some(p) = prev_visible(index()) {
                go(p);
            }
        }
    };
    let on_finish = {
        let go = go.clone();
        let navigate = navigate.clone();
        move |_| {
            let now = Utc::now();
            let mut done = record.get_untracked();
            let result = form.with_value(|f| done.finalize(f, labels::now(), now));
            match result {
                Ok(()) => {
                    // Queued behind every draft write of this record, which
                    // can then never land after it.
                    dirty.set_value(false);
                    save_state.set(WriteState::Saving);
                    let navigate = navigate.clone();
                    let written = records.save(&done);
                    leptos::task::spawn_local(async move {
                        match written.await {
                            Ok(()) => {
                                record.try_set(done);
                                navigate(
                                    &format!("/records?saved={record_id}"),
                                    Default::default(),
                                );
                            }
                            Err(e) => {
                                save_state.try_set(WriteState::Failed(e));
                            }
                        }
                    });
                }
                Err(RecordError::Invalid(found)) => {
                    let first = found.first().and_then(|e| {
                        form.with_value(|f| f.sections.iter().position(|s| s.id == e.section))
                    });
                    show_errors(found);
                    if let Some(i) = first.filter(|&i| i != index()) {
                        go(i);
                        show_fix.set(true);
                    }
                    platform::scroll_to_top();
                }
                Err(other) => {
                    problem.set(Some(other));
                    platform::scroll_to_top();
                }
            }
        }
    };

    let title = move || form.with_value(|f| f.title.get(language.get()).to_owned());
    let section_view = move || {
        let i = index();
        let s = form.with_value(|f| f.sections[i].clone());
        view! { <SectionView section=s form=form record=record errors=errors problem=problem on_answer=on_answer schedule=Callback::new(move |_| schedule()) /> }
    };
    // Answers still needed before Finish (required ones missing, or
    // refused): the progress line says how many are left.
    let remaining = Memo::new(move |_| {
        form.with_value(|f| record.with(|r| f.remaining(&r.answers, labels::now())))
    });
    let left = move || remaining.get().count;
    let complete = Memo::new(move |_| left() == 0);
    // When everything up to here is answered and only optional sections
    // stand before the next required answer, one tap passes them all.
    let skip_to = move || {
        remaining
            .get()
            .first_section
            .filter(|&f| next_visible(index()).is_some_and(|n| f > n))
    };
    let skip = {
        let go = go.clone();
        move |_| {
            if let Some(i) = skip_to() {
                go(i);
            }
        }
    };
    let progress = move || {
        let n = index() + 1;
        // Set through the CSSOM (`style:`), which the Content-Security-Policy
        // allows; a `style` attribute would be refused.
        let pct = format!("{}%", n * 100 / total.max(1));
        view! {
            <div class="progress" data-testid="progress">
                <div class="progress-bar"><div class="progress-fill" style:width=pct></div></div>
                <span>{t!(i18n, form_progress, n = move || n, total = move || total)}</span>
            </div>
        }
    };
    // Outside the sticky head, which stays small on a short screen.
    let answers_left = move || {
        view! {
            <p class="progress-left" data-testid="answers-left" data-left=left>
                {move || match left() {
                    0 => t!(i18n, form_all_required_done).into_any(),
                    n => t!(i18n, form_required_left, n = move || n).into_any(),
                }}
            </p>
        }
    };
    // Beside Next, where a section's answers end.
    let skip_button = move || {
        skip_to().map(|i| {
            let name = form.with_value(|f| f.sections[i].title.get(language.get()).to_owned());
            let skip = skip.clone();
            view! {
                <button type="button" class="button secondary skip-optional" data-testid="skip-optional" on:click=skip>
                    {t!(i18n, form_skip_optional, section = move || name.clone())}
                </button>
            }
        })
    };
    let save_text = move || match save_state.get() {
        WriteState::Saved => td_string!(i18n.get_locale(), form_saved).into_any(),
        WriteState::Saving => td_string!(i18n.get_locale(), form_saving).into_any(),
        WriteState::Failed(e) => messages::storage_error(language.get(), &e).into_any(),
    };
    let is_last = move || next_visible(index()).is_none();
    let has_prev = move || prev_visible(index()).is_some();

    view! {
        <div class="form-head">
            <h1 class="form-title">{title}</h1>
            {progress}
        </div>
        {answers_left}
        <p class="save-state" class:failed=move || matches!(save_state.get(), WriteState::Failed(_)) data-testid="save-state" aria-live="polite">
            {save_text}
        </p>
        {move || problem.get().map(|e| view! {
            <p class="notice error" role="alert" data-testid="record-problem">{messages::record_error(language.get(), &e)}</p>
        })}
        <Show when=move || show_fix.get() && !errors.with(BTreeMap::is_empty)>
            <p class="fix-errors" role="alert" data-testid="fix-errors">{t!(i18n, form_fix_errors)}</p>
        </Show>
        {section_view}
        {skip_button}
        <div class="form-nav">
            <Show when=has_prev>
                <button type="button" class="button secondary" data-testid="form-back" on:click=on_back.clone()>{t!(i18n, form_back)}</button>
            </Show>
            <Show when=move || !is_last()>
                <button type="button" class="button primary" data-testid="form-next" on:click=on_next.clone()>{t!(i18n, form_next)}</button>
            </Show>
            // Once every required answer is given, the rest (all optional)
            // need not be paged through one tap at a time.
            <Show when=move || is_last() || complete.get()>
                <button type="button" class="button primary" data-testid="form-finish" on:click=on_finish.clone()>{t!(i18n, form_finish)}</button>
            </Show>
        </div>
        // Withdrawal is on her page and her finished records, never here
        // beside "save and exit".
        <A href="/records" attr:class="exit-link" attr:data-testid="form-exit" on:click=move |_| flush()>{t!(i18n, form_exit)}</A>
    }
}

#[component]
fn ReadOnly(record: Record, form: Rc<FormDef>) -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let records = RecordsContext::expect_context();
    let navigate = use_navigate();
    let failure = RwSignal::new(None::<Result<RecordError, StorageError>>);
    let withdrawable = record
        .participant_code
        .clone()
        .filter(|_| record.consent.is_some() && !record.marked_for_deletion);
    // Editing a final record makes a new draft that supersedes it; the
    // original stays as it was (and is sent as it was).
    let revise = {
        let original = record.clone();
        move |_| {
            let draft = match original.revise(Uuid::new_v4(), Utc::now()) {
                Ok(draft) => draft,
                Err(e) => {
                    failure.set(Some(Ok(e)));
                    return;
                }
            };
            let navigate = navigate.clone();
            let written = records.save(&draft);
            leptos::task::spawn_local(async move {
                match written.await {
                    Ok(()) => navigate(&format!("/record/{}/0", draft.id), Default::default()),
                    Err(e) => {
                        failure.try_set(Some(Err(e)));
                    }
                }
            });
        }
    };
    let title = form.title.clone();
    let form = StoredValue::new_local(form);
    let record = StoredValue::new(record);
    let rows = move || {
        let lang = language.get();
        let form = form.get_value();
        record.with_value(|record| {
            form.answer_groups(&record.answers)
                .into_iter()
                .map(|g| {
                    let heading = match (g.item, &g.section.repeat) {
                        (Some(n), Some(repeat)) => {
                            format!("{} {}", repeat.item_label.get(lang), n + 1)
                        }
                        _ => g.section.title.get(lang).to_owned(),
                    };
                    let rows = g
                        .answers
                        .iter()
                        .map(|(q, v)| {
                            view! {
                                <div class="answer-row">
                                    <dt>{q.label.get(lang).to_owned()}</dt>
                                    <dd>{messages::answer_text(lang, q, v)}</dd>
                                </div>
                            }
                        })
                        .collect_view();
                    let testid = match g.item {
                        Some(n) => format!("answers-{}-{n}", g.section.id),
                        None => format!("answers-{}", g.section.id),
                    };
                    view! {
                        <section class="answer-group" data-testid=testid>
                            <h2>{heading}</h2>
                            <dl>{rows}</dl>
                        </section>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <h1>{move || title.get(language.get()).to_owned()}</h1>
        <p class="notice" data-testid="read-only">{t!(i18n, form_final_readonly)}</p>
        <div class="answers">{rows}</div>
        <p class="hint">{t!(i18n, form_revise_hint)}</p>
        <div class="form-nav">
            <A href="/records" attr:class="button secondary">{t!(i18n, nav_records)}</A>
            <button type="button" class="button primary" data-testid="revise" on:click=revise>{t!(i18n, form_revise)}</button>
        </div>
        {move || failure.get().map(|f| {
            let lang = language.get();
            let text = match f {
                Ok(e) => messages::record_error(lang, &e),
                Err(e) => messages::storage_error(lang, &e).into_any(),
            };
            view! { <p class="field-error" role="alert" data-testid="revise-problem">{text}</p> }
        })}
        {withdrawable.map(|code| view! { <WithdrawConsent code=code /> })}
    }
}
