//! Start a record of one form: resume a draft (under the version it was started with), or start anew at the current version (a form that requires consent asks for it first).

use std::collections::BTreeSet;
use std::rc::Rc;

use chrono::Utc;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use uuid::Uuid;

use crate::i18n::{t, use_i18n};
use crate::model::answer::AnswerValue;
use crate::model::consent::{Consent, ConsentError, ConsentText, Purpose};
use crate::model::form::{FormDef, FormKind};
use crate::model::participant_code::ParticipantCode;
use crate::model::record::{Record, RecordError, RecordStatus};
use crate::state::{FormsContext, LanguageContext, RecordsContext, ReportsContext, StorageState};
use crate::storage::{ListQuery, StorageError};
use crate::ui::components::PrivateInput;
use crate::ui::labels;
use crate::ui::messages;
use crate::ui::pages::NotFound;

#[component]
pub fn NewRecord() -> impl IntoView {
    let params = use_params_map();
    let forms = FormsContext::expect_context();
    // The offered form the address names; the page is built again only if
    // that form or its current version changes (a check at unlock).
    let chosen = Memo::new(move |_| {
        let key = params.read().get("form")?;
        forms
            .with(|r| r.by_route_key(&key))
            .map(|f| (f.id.clone(), f.version))
    });
    move || {
        let form = chosen
            .get()
            .and_then(|(id, version)| forms.form(&id, version));
        match form {
            None => NotFound().into_any(),
            Some(form) => {
                // Untracked: only a change of the form rebuilds the page
                // (a check finishing mid-consent must not reset it).
                let consent = forms.consent_for(&form);
                view! { <Start form=form consent=consent /> }.into_any()
            }
        }
    }
}

/// A fresh participant code from the browser's secure random source (the
/// same one UUID v4 uses).
fn new_code() -> ParticipantCode {
    let bytes = Uuid::new_v4().into_bytes();
    ParticipantCode::from_random(std::array::from_fn(|i| {
        u32::from_le_bytes([bytes[i * 2], bytes[i * 2 + 1], bytes[12 + i % 4], bytes[i]])
    }))
}

#[component]
fn Start(form: Rc<FormDef>, consent: Option<Rc<ConsentText>>) -> impl IntoView {
    let i18n = use_i18n();
    let records = RecordsContext::expect_context();
    let language = LanguageContext::expect_context();
    let navigate = use_navigate();
    let form_id = form.id.clone();
    let version = form.version;
    let kind = form.kind;
    let title = form.title.clone();
    let hint = form.description.clone();
    let statement_missing = form.requires_consent && consent.is_none();
    let consent = StoredValue::new_local(consent);
    let form = StoredValue::new_local(form);
    let reports = ReportsContext::expect_context();
    let query = use_query_map();
    // A follow-up started from her page or the due list: her code and site,
    // taken from the record the link names (never from the address itself).
    let prefill = move || {
        let from = query.with(|q| q.get("from"))?;
        let from = Uuid::parse_str(&from).ok()?;
        reports
            .with(|all| {
                all.iter()
                    .find(|r| r.id == from)
                    .and_then(|r| r.participant_code.clone().map(|c| (c, r.site.clone())))
            })
            .flatten()
    };
    let asking_consent = RwSignal::new(false);
    let failure = RwSignal::new(None::<Result<RecordError, StorageError>>);

    let drafts = LocalResource::new(move || {
        let ready = matches!(records.state.get(), StorageState::Ready(_));
        let form_id = form_id.clone();
        async move {
            if !ready {
                return Ok(Vec::new());
            }
            let query = ListQuery {
                status: Some(RecordStatus::Draft),
                form_id: Some(form_id.clone()),
                limit: 20,
                ..Default::default()
            };
            match records.records() {
                Some(r) => r.list(&query).await,
                None => Ok(Vec::new()),
            }
        }
    });

    let create = {
        let navigate = navigate.clone();
        move |consent: Option<Consent>| {
            let now = Utc::now();
            let built = form.with_value(|f| -> Result<Record, RecordError> {
                let mut r = Record::new_draft(Uuid::new_v4(), f, consent, now)?;
                r.fill_defaults(f, labels::today());
                let code_question = f.participant_question().map(|q| q.id.clone());
                if let (FormKind::NeedsAssessment, Some(q)) = (kind, &code_question) {
                    // Her assessment gives her a code of her own.
                    let code = new_code().to_string();
                    r.set_answer(f, q, Some(AnswerValue::Code(code)), now)?;
                } else if let Some((code, site)) = prefill() {
                    if let Some(q) = &code_question {
                        r.set_answer(f, q, Some(AnswerValue::Code(code.to_string())), now)?;
                    }
                    if let (Some(site), Some(q)) = (site, f.site_question()) {
                        r.set_answer(f, &q.id.clone(), Some(AnswerValue::Text(site)), now)?;
                    }
                }
                Ok(r)
            });
            let record = match built {
                Ok(record) => record,
                Err(e) => {
                    failure.set(Some(Ok(e)));
                    return;
                }
            };
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                match records.save(&record).await {
                    Ok(()) => {
                        if let Some(c) = &record.consent {
                            // Only a convenience (the name offered at the
                            // next consent); the consent itself is in the
                            // record just saved, so a failure here is safe
                            // to pass over — the field is then empty.
                            let _ = records.remember_asked_by(c.asked_by.clone()).await;
                        }
                        navigate(&format!("/record/{}/0", record.id), Default::default());
                    }
                    Err(e) => {
                        failure.try_set(Some(Err(e)));
                    }
                }
            });
        }
    };
    let on_start = {
        let create = create.clone();
        move |_| {
            if form.with_value(|f| f.requires_consent) {
                asking_consent.set(true);
            } else {
                create(None);
            }
        }
    };

    let draft_list = move || {
        let list = match drafts.get() {
            Some(Ok(list)) => list,
            Some(Err(_)) => {
                return Some(view! { <p class="notice error" role="alert" data-testid="drafts-problem">{t!(i18n, err_list_failed)}</p> }.into_any());
            }
            None => Vec::new(),
        };
        (!list.is_empty()).then(|| {
            let items = list
                .into_iter()
                .map(|d| {
                    let when = labels::date_time(d.updated_at);
                    let site = d.site.clone().unwrap_or_default();
                    // Finished under its own version; say when a newer one
                    // is what new records get.
                    let older = (d.form_version < version).then(|| {
                        let v = d.form_version;
                        view! { <span class="list-meta" data-testid="draft-older-version">{t!(i18n, form_draft_older_version, old = move || v, new = move || version)}</span> }
                    });
                    view! {
                        <li>
                            <A href=format!("/record/{}/0", d.id) attr:class="list-button" attr:data-testid="resume-draft">
                                <span class="list-title">{t!(i18n, form_resume)} " · " {site}</span>
                                <span class="list-meta">{when}</span>
                                {older}
                            </A>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <h2>{t!(i18n, form_drafts_heading)}</h2>
                <ul class="plain-list">{items}</ul>
            }
            .into_any()
        })
    };

    view! {
        <h1 data-testid="new-record-title">{move || title.get(language.get()).to_owned()}</h1>
        <Show
            when=move || asking_consent.get()
            fallback=move || view! {
                {hint.clone().map(|h| view! { <p class="intro">{move || h.get(language.get()).to_owned()}</p> })}
                {move || prefill().map(|(code, _)| {
                    let code = code.to_string();
                    view! { <p class="notice" data-testid="follow-up-for">{t!(i18n, form_follow_up_for, code = move || code.clone())}</p> }
                })}
                {draft_list}
                {if statement_missing {
                    // The form names a consent statement this phone does
                    // not hold: it cannot start until one arrives.
                    view! { <p class="notice error" role="alert" data-testid="consent-statement-missing">{t!(i18n, form_consent_statement_missing)}</p> }.into_any()
                } else {
                    view! {
                        <button type="button" class="button primary wide" data-testid="start-record" on:click=on_start.clone()>
                            {t!(i18n, form_start)}
                        </button>
                    }.into_any()
                }}
            }
        >
            <ConsentStep text=consent.get_value() on_agree=Callback::new({
                let create = create.clone();
                move |c: Consent| create(Some(c))
            }) />
        </Show>
        {move || failure.get().map(|f| {
            let lang = language.get();
            let text = match f {
                Ok(e) => messages::record_error(lang, &e),
                Err(e) => messages::storage_error(lang, &e).into_any(),
            };
            view! { <p class="field-error" role="alert" data-testid="start-problem">{text}</p> }
        })}
    }
    .into_any()
}

#[component]
fn ConsentStep(text: Option<Rc<ConsentText>>, on_agree: Callback<Consent>) -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let Some(text) = text else {
        return view! { <p class="notice">{t!(i18n, form_broken)}</p> }.into_any();
    };
    let text = StoredValue::new_local(text);
    let agreed = RwSignal::new(BTreeSet::<Purpose>::new());
    let asked_by = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<ConsentError>);
    // The volunteer's own name, as given at the last consent on this
    // phone: offered again, still editable. Not there (first time, or it
    // did not open) leaves the field empty to type, which is safe.
    let records = RecordsContext::expect_context();
    leptos::task::spawn_local(async move {
        if let Ok(Some(name)) = records.last_asked_by().await {
            if asked_by.with_untracked(String::is_empty) {
                asked_by.try_set(name);
            }
        }
    });

    let purposes = text.with_value(|t| t.purposes.clone()).into_iter().map(|p| {
        let purpose = p.purpose;
        let label = p.label.clone();
        view! {
            <label class="option">
                <PrivateInput {..} type="checkbox" name="consent-purpose" data-testid=format!("consent-{}", match purpose {
                    Purpose::Assessment => "assessment",
                    Purpose::FollowUpContact => "follow-up",
                    Purpose::Referral => "referral",
                })
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        agreed.update(|s| { if on { s.insert(purpose); } else { s.remove(&purpose); } });
                    } />
                <span>{move || label.get(language.get()).to_owned()}</span>
            </label>
        }
    }).collect_view();

    let agree = move |_| {
        let purposes = agreed.get_untracked();
        if !purposes.contains(&Purpose::Assessment) {
            problem.set(Some(ConsentError::AssessmentNotAgreed));
            return;
        }
        match text.with_value(|t| {
            Consent::record(
                t,
                language.get_untracked(),
                purposes,
                &asked_by.get_untracked(),
                Utc::now(),
            )
        }) {
            Ok(consent) => on_agree.run(consent),
            Err(e) => problem.set(Some(e)),
        }
    };
    // Nothing can start until she agrees to the assessment itself.
    let assessment_agreed = move || agreed.with(|s| s.contains(&Purpose::Assessment));
    let problem_text = move || {
        problem.get().map(|e| match e {
            ConsentError::AskedByMissing | ConsentError::AskedByTooLong { .. } => {
                t!(i18n, consent_asked_by_missing).into_any()
            }
            _ => t!(i18n, consent_needs_assessment).into_any(),
        })
    };

    view! {
        <section class="card consent" data-testid="consent">
            <h2>{move || text.with_value(|t| t.title.get(language.get()).to_owned())}</h2>
            <p class="hint">{t!(i18n, consent_intro)}</p>
            // Focusable, so the statement can be scrolled from a keyboard too.
            <blockquote class="consent-text" tabindex="0">{move || text.with_value(|t| t.text.get(language.get()).to_owned())}</blockquote>
            <h3>{t!(i18n, consent_purposes)}</h3>
            <div class="options">{purposes}</div>
            <label class="question-label" for="consent-asked-by">{t!(i18n, consent_asked_by)}</label>
            <PrivateInput {..} id="consent-asked-by" type="text" maxlength="100" data-testid="consent-asked-by"
                prop:value=move || asked_by.get()
                on:input=move |ev| asked_by.set(event_target_value(&ev)) />
            {move || problem_text().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
            <Show when=move || !assessment_agreed()>
                <p class="hint" data-testid="consent-needs-assessment">{t!(i18n, consent_needs_assessment)}</p>
            </Show>
            <div class="form-nav">
                <A href="/" attr:class="button secondary">{t!(i18n, consent_declined)}</A>
                <button type="button" class="button primary" data-testid="consent-agree"
                    disabled=move || !assessment_agreed() on:click=agree>{t!(i18n, consent_agree)}</button>
            </div>
        </section>
    }
    .into_any()
}
