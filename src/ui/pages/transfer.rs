//! Export (CSV or JSON, chosen by site, dates and form; encrypted to the programme key or confirmed readable) shared or downloaded, and import of another phone's JSON export.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::i18n::{t, td_string, use_i18n};
use crate::platform::share::{self, OutFile, ShareError};
use crate::report::transfer::{EntryProblem, ImportError, Selection};
use crate::state::exchange::{self, Built, ExchangeError, Format, Imported};
use crate::state::{FormsContext, LanguageContext, RecordsContext, ReportsContext};
use crate::ui::components::{PrivateInput, PrivateSelect};
use crate::ui::labels;
use crate::ui::messages;
use crate::ui::pages::people::ReportLoading;

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Choosing,
    Working(usize, usize),
    Ready(Built),
    Failed(ExchangeError),
}

#[derive(Clone, Debug, PartialEq)]
enum Handed {
    Shared,
    Downloaded,
    Cancelled,
    Failed,
}

fn progress_bar(done: usize, total: usize, testid: &'static str) -> impl IntoView {
    let percent = (done * 100).checked_div(total).unwrap_or(0);
    view! {
        <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax=total aria-valuenow=done data-testid=testid>
            <div class="progress-bar"><div class="progress-fill" style:width=format!("{percent}%")></div></div>
            <p>{done} " / " {total}</p>
        </div>
    }
}

fn error_text(
    locale: crate::i18n::Locale,
    language: crate::model::language::Language,
    e: &ExchangeError,
) -> String {
    match e {
        ExchangeError::Storage(s) => messages::storage_error(language, s).to_owned(),
        ExchangeError::NotReady => td_string!(locale, report_not_ready).to_owned(),
        ExchangeError::Import(ImportError::TooLarge(_)) => {
            td_string!(locale, import_too_large).to_owned()
        }
        ExchangeError::Import(ImportError::Encrypted) => {
            td_string!(locale, import_encrypted).to_owned()
        }
        ExchangeError::Import(ImportError::NotAnExport) => {
            td_string!(locale, import_not_export).to_owned()
        }
        ExchangeError::Import(ImportError::Unreadable) => {
            td_string!(locale, import_unreadable).to_owned()
        }
    }
}

#[component]
pub fn Transfer() -> impl IntoView {
    view! {
        <ReportLoading />
        <ExportSection />
        <ImportSection />
    }
}

#[component]
fn ExportSection() -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let records = RecordsContext::expect_context();
    let reports = ReportsContext::expect_context();
    let site = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let registry = FormsContext::expect_context();
    // Every form this phone holds, chosen by default.
    let forms = RwSignal::new(
        registry
            .with(|r| r.form_ids())
            .into_iter()
            .map(|(id, _)| id)
            .collect::<BTreeSet<_>>(),
    );
    let format = RwSignal::new(Format::Csv);
    let keyed = RwSignal::new(None::<bool>);
    let understood = RwSignal::new(false);
    let step = RwSignal::new(Step::Choosing);
    let handed = RwSignal::new(None::<Handed>);
    leptos::task::spawn_local(async move {
        let has = matches!(records.programme_key().await, Ok(Some(_)));
        keyed.try_set(Some(has));
    });
    let sites = move || {
        reports.with(|all| {
            all.iter()
                .filter_map(|r| r.site.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .map(|s| view! { <option value=s.clone()>{s.clone()}</option> })
                .collect_view()
        })
    };
    let form_boxes = move || {
        let locale = i18n.get_locale();
        registry
            .with(|r| labels::held_forms(locale, r))
            .into_iter()
            .map(|(id, title)| {
                let testid = format!("export-form-{id}");
                let (id_check, id_change) = (id.clone(), id);
                view! {
                    <label class="option">
                        <PrivateInput {..} type="checkbox" name="export-forms" data-testid=testid prop:checked=move || forms.with(|f| f.contains(&id_check))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                let id = id_change.clone();
                                forms.update(|f| { if on { f.insert(id); } else { f.remove(&id); } });
                            } />
                        <span>{title}</span>
                    </label>
                }
            })
            .collect_view()
    };
    let may_start = move || {
        let working = matches!(step.get(), Step::Working(..));
        !working && keyed.get().is_some() && (keyed.get() == Some(true) || understood.get())
    };
    let start = move |_| {
        let date =
            |s: RwSignal<String>| NaiveDate::parse_from_str(&s.get_untracked(), "%Y-%m-%d").ok();
        let selection = Selection {
            site: Some(site.get_untracked()).filter(|s| !s.is_empty()),
            from: date(from),
            to: date(to),
            forms: forms.get_untracked(),
        };
        let chosen = format.get_untracked();
        handed.set(None);
        step.set(Step::Working(0, 0));
        leptos::task::spawn_local(async move {
            let all = registry.all_forms();
            let result = exchange::build_export(
                records,
                reports,
                &all,
                &selection,
                chosen,
                chrono::Utc::now(),
                |done, total| {
                    step.try_set(Step::Working(done, total));
                },
            )
            .await;
            step.try_set(match result {
                Ok(built) => Step::Ready(built),
                Err(e) => Step::Failed(e),
            });
        });
    };
    let files = move || match step.get_untracked() {
        Step::Ready(b) => b.files,
        _ => Vec::<OutFile>::new(),
    };
    let share_now = move |_| {
        let files = files();
        leptos::task::spawn_local(async move {
            let outcome = match share::share(&files).await {
                Ok(()) => Handed::Shared,
                Err(ShareError::Cancelled) => Handed::Cancelled,
                Err(ShareError::Refused) => Handed::Failed,
            };
            handed.try_set(Some(outcome));
        });
    };
    let download_now = move |_| {
        handed.set(Some(match share::download_all(&files()) {
            Ok(()) => Handed::Downloaded,
            Err(_) => Handed::Failed,
        }));
    };
    let step_view = move || {
        match step.get() {
        Step::Choosing => None,
        Step::Working(done, total) => Some(progress_bar(done, total, "export-progress").into_any()),
        Step::Failed(e) => {
            let text = error_text(i18n.get_locale(), language.get(), &e);
            Some(view! { <p class="field-error" role="alert" data-testid="export-problem">{text}</p> }.into_any())
        }
        Step::Ready(built) if built.records == 0 => {
            Some(view! { <p class="notice" role="status" data-testid="export-done" data-records="0">{t!(i18n, export_nothing)}</p> }.into_any())
        }
        Step::Ready(built) => {
            let shareable = share::can_share(&built.files);
            let (n, k) = (built.records, built.files.len());
            let names = built.files.iter().map(|f| view! { <li>{f.name.clone()}</li> }).collect_view();
            Some(view! {
                <p class="done" role="status" data-testid="export-done" data-records=n data-files=k data-encrypted=built.encrypted.to_string()>
                    {t!(i18n, export_ready, n = move || n, k = move || k)}
                </p>
                <ul class="file-names">{names}</ul>
                <div class="choices">
                    {shareable.then(|| view! {
                        <button type="button" class="button primary" data-testid="export-share" on:click=share_now>{t!(i18n, export_share)}</button>
                    })}
                    <button type="button" class="button secondary" data-testid="export-download" on:click=download_now>{t!(i18n, export_download)}</button>
                </div>
            }
            .into_any())
        }
    }
    };
    let handed_view = move || {
        handed.get().map(|h| match h {
            Handed::Shared => view! { <p role="status" data-testid="export-handed">{t!(i18n, export_shared)}</p> }.into_any(),
            Handed::Downloaded => view! { <p role="status" data-testid="export-handed">{t!(i18n, export_downloaded)}</p> }.into_any(),
            Handed::Cancelled => view! { <p role="status" data-testid="export-handed">{t!(i18n, export_share_cancelled)}</p> }.into_any(),
            Handed::Failed => view! { <p class="field-error" role="alert" data-testid="export-handed">{t!(i18n, export_share_failed)}</p> }.into_any(),
        })
    };
    view! {
        <h1>{t!(i18n, export_heading)}</h1>
        <section class="card">
            <p class="hint">{t!(i18n, export_intro)}</p>
            <div class="filters">
                <PrivateSelect {..} data-testid="export-site" aria-label=move || td_string!(i18n.get_locale(), sites_choose)
                    on:change=move |ev| site.set(event_target_value(&ev))>
                    <option value="">{t!(i18n, sites_all)}</option>
                    {sites}
                </PrivateSelect>
            </div>
            <div class="date-range">
                <label>{t!(i18n, export_from)} <PrivateInput {..} type="date" data-testid="export-from" on:change=move |ev| from.set(event_target_value(&ev)) /></label>
                <label>{t!(i18n, export_to)} <PrivateInput {..} type="date" data-testid="export-to" on:change=move |ev| to.set(event_target_value(&ev)) /></label>
            </div>
            <fieldset class="choices"><legend>{t!(i18n, export_forms)}</legend>{form_boxes}</fieldset>
            <fieldset class="choices"><legend>{t!(i18n, export_format)}</legend>
                <label class="option"><PrivateInput {..} type="radio" name="export-format" data-testid="export-csv" prop:checked=move || format.get() == Format::Csv on:change=move |_| format.set(Format::Csv) /><span>{t!(i18n, export_csv)}</span></label>
                <label class="option"><PrivateInput {..} type="radio" name="export-format" data-testid="export-json" prop:checked=move || format.get() == Format::Json on:change=move |_| format.set(Format::Json) /><span>{t!(i18n, export_json)}</span></label>
            </fieldset>
            {move || match keyed.get() {
                Some(true) => view! { <p class="notice" data-testid="export-encrypted-note">{t!(i18n, export_will_encrypt)}</p> }.into_any(),
                Some(false) => view! {
                    <p class="notice error" data-testid="export-plain-warning">{t!(i18n, export_plain_warning)}</p>
                    <label class="option">
                        <PrivateInput {..} type="checkbox" data-testid="export-understood" on:change=move |ev| understood.set(event_target_checked(&ev)) />
                        <span>{t!(i18n, export_understood)}</span>
                    </label>
                }.into_any(),
                None => ().into_any(),
            }}
            <button type="button" class="button primary wide" data-testid="export-start" disabled=move || !may_start() on:click=start>
                {t!(i18n, export_start)}
            </button>
            {step_view}
            {handed_view}
        </section>
    }
}

#[component]
fn ImportSection() -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let records = RecordsContext::expect_context();
    let registry = FormsContext::expect_context();
    let working = RwSignal::new(None::<(usize, usize)>);
    let outcome = RwSignal::new(None::<Result<Imported, ExchangeError>>);
    let picked = move |ev: leptos::ev::Event| {
        let Some(file) = share::picked_file(&ev) else {
            return;
        };
        outcome.set(None);
        working.set(Some((0, 0)));
        leptos::task::spawn_local(async move {
            let result = match share::read_file(&file).await {
                Ok(bytes) => {
                    let forms: Vec<_> =
                        registry.all_forms().iter().map(|f| (**f).clone()).collect();
                    exchange::import(records, &forms, &bytes, |done, total| {
                        working.try_set(Some((done, total)));
                    })
                    .await
                }
                Err(_) => Err(ExchangeError::Import(ImportError::Unreadable)),
            };
            working.try_set(None);
            outcome.try_set(Some(result));
        });
    };
    let outcome_view = move || {
        outcome.get().map(|o| match o {
            Ok(done) => {
                let (added, already, refused) = (done.added, done.already, done.refused.len());
                let problems = done
                    .refused
                    .iter()
                    .take(5)
                    .map(|(i, p)| {
                        let l = i18n.get_locale();
                        let why = match p {
                            EntryProblem::Encrypted => td_string!(l, import_entry_encrypted).into_any(),
                            EntryProblem::Malformed(_) => td_string!(l, import_entry_malformed).into_any(),
                            EntryProblem::UnknownForm(_) => td_string!(l, import_entry_unknown_form).into_any(),
                            EntryProblem::NewerFormVersion { .. } => td_string!(l, import_entry_newer_form).into_any(),
                            EntryProblem::SupersedesOwn => td_string!(l, import_entry_supersedes_own).into_any(),
                            EntryProblem::Invalid { question, error } => {
                                let (question, error) = (question.clone(), error.clone());
                                let lang = language.get_untracked();
                                view! { {td_string!(l, import_entry_invalid)} " " <code class="break">{question}</code> ": " {messages::answer_error(lang, &error, None)} }.into_any()
                            }
                        };
                        let i = *i;
                        view! { <li>{t!(i18n, import_entry, n = move || i)} " " {why}</li> }
                    })
                    .collect_view();
                view! {
                    <p class="done" role="status" data-testid="import-done" data-added=added data-already=already data-refused=refused>
                        {t!(i18n, import_done, added = move || added, already = move || already)}
                    </p>
                    <Show when=move || { refused > 0 }>
                        <p class="field-error">{t!(i18n, import_refused, n = move || refused)}</p>
                    </Show>
                    <ul>{problems}</ul>
                }
                .into_any()
            }
            Err(e) => {
                let text = error_text(i18n.get_locale(), language.get(), &e);
                view! { <p class="field-error" role="alert" data-testid="import-problem">{text}</p> }.into_any()
            }
        })
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, import_heading)}</h2>
            <p class="hint">{t!(i18n, import_intro)}</p>
            <label class="button secondary wide file-pick">
                {t!(i18n, import_pick)}
                <PrivateInput {..} type="file" accept=".json,application/json" data-testid="import-file" on:change=picked
                    disabled=move || working.get().is_some() />
            </label>
            {move || working.get().map(|(d, t)| progress_bar(d, t, "import-progress"))}
            {outcome_view}
        </section>
    }
}
