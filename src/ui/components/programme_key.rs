//! Settings for end-to-end encryption: the programme's public key, its fingerprint, and an encrypted export.

use leptos::html::Textarea;
use leptos::prelude::*;

use crate::crypto::envelope::fingerprint;
use crate::crypto::CryptoError;
use crate::i18n::{t, use_i18n};
use crate::platform;
use crate::state::{ClockContext, LanguageContext, RecordsContext};
use crate::storage::StorageError;
use crate::ui::messages;

#[derive(Clone)]
enum Outcome {
    KeyRefused(StorageError),
    Exported { records: u32, damaged: u32 },
    Failed(StorageError),
}

#[component]
pub fn ProgrammeKeySettings() -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let records = RecordsContext::expect_context();
    let clock = ClockContext::expect_context();
    let field = NodeRef::<Textarea>::new();
    // The fingerprint of the key in use (None: no key).
    let current = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<Outcome>);
    leptos::task::spawn_local(async move {
        if let Ok(Some(key)) = records.programme_key().await {
            current.try_set(Some(fingerprint(key.kid())));
        }
    });

    let save = move |text: Option<String>| {
        outcome.set(None);
        leptos::task::spawn_local(async move {
            match records.set_programme_key(text).await {
                Ok(key) => {
                    current.try_set(key.map(|k| fingerprint(k.kid())));
                    if let Some(f) = field.get_untracked() {
                        f.set_value("");
                    }
                }
                Err(e) => {
                    outcome.try_set(Some(Outcome::KeyRefused(e)));
                }
            }
        });
    };
    let export = move |_| {
        outcome.set(None);
        let now = clock.0.get_untracked().max(chrono::Utc::now());
        leptos::task::spawn_local(async move {
            let result = records.export_encrypted(now).await;
            outcome.try_set(Some(match result {
                Ok((_, export)) if export.records == 0 => Outcome::Exported {
                    records: 0,
                    damaged: export.damaged,
                },
                Ok((envelope, export)) => {
                    // The name says when, never who or where.
                    let name = file_name(now);
                    match platform::download(
                        &name,
                        envelope.to_json().as_bytes(),
                        "application/json",
                    ) {
                        Ok(()) => Outcome::Exported {
                            records: export.records,
                            damaged: export.damaged,
                        },
                        Err(_) => Outcome::Failed(StorageError::Other("download".into())),
                    }
                }
                Err(e) => Outcome::Failed(e),
            }));
        });
    };
    let outcome_view = move || {
        outcome.get().map(|o| match o {
            Outcome::KeyRefused(StorageError::Crypto(CryptoError::BadKey(why))) if why == "private key" => {
                view! { <p class="field-error" role="alert" data-testid="key-problem">{t!(i18n, err_key_private)}</p> }.into_any()
            }
            Outcome::KeyRefused(_) => {
                view! { <p class="field-error" role="alert" data-testid="key-problem">{t!(i18n, err_key_invalid)}</p> }.into_any()
            }
            Outcome::Exported { records: 0, .. } => {
                view! { <p role="status" data-testid="export-done">{t!(i18n, export_nothing)}</p> }.into_any()
            }
            Outcome::Exported { records: n, damaged } => view! {
                <p class="done" role="status" data-testid="export-done">{t!(i18n, export_done, n = move || n)}</p>
                <Show when=move || { damaged > 0 }>
                    <p class="field-error">{t!(i18n, err_record_damaged)}</p>
                </Show>
            }
            .into_any(),
            Outcome::Failed(e) => {
                view! { <p class="field-error" role="alert" data-testid="export-problem">{messages::storage_error(language.get(), &e)}</p> }.into_any()
            }
        })
    };

    view! {
        <section class="card" data-testid="programme-key">
            <h2>{t!(i18n, settings_programme_key)}</h2>
            <p class="hint">{t!(i18n, settings_programme_key_body)}</p>
            <p data-testid="programme-key-state">
                {move || match current.get() {
                    Some(fp) => t!(i18n, programme_key_fingerprint, fp = move || fp.clone()).into_any(),
                    None => t!(i18n, programme_key_none).into_any(),
                }}
            </p>
            <label class="question-label" for="programme-key-text">{t!(i18n, programme_key_label)}</label>
            <textarea id="programme-key-text" node_ref=field rows="4" spellcheck="false" autocomplete="off" data-testid="programme-key-text"></textarea>
            <div class="choices">
                <button type="button" class="button primary" data-testid="programme-key-save"
                    on:click=move |_| save(field.get_untracked().map(|f| f.value()))>
                    {t!(i18n, programme_key_save)}
                </button>
                <Show when=move || current.get().is_some()>
                    <button type="button" class="button secondary" data-testid="programme-key-remove" on:click=move |_| save(None)>
                        {t!(i18n, programme_key_remove)}
                    </button>
                </Show>
            </div>
            <Show when=move || current.get().is_some()>
                <button type="button" class="button primary wide" data-testid="export-encrypted" on:click=export>
                    {t!(i18n, export_encrypted)}
                </button>
            </Show>
            {outcome_view}
        </section>
    }
}

/// `jangkau-YYYYMMDD-HHMMSS.jangkau.json` on the phone's clock. Formatted by
/// hand: chrono's formatter would add to the download.
fn file_name(now: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let t = now.with_timezone(&chrono::Local);
    format!(
        "jangkau-{:04}{:02}{:02}-{:02}{:02}{:02}.jangkau.json",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
