//! Settings for end-to-end encryption: the programme's public key and its fingerprint.

use leptos::html::Textarea;
use leptos::prelude::*;

use crate::crypto::envelope::fingerprint;
use crate::crypto::CryptoError;
use crate::i18n::{t, use_i18n};
use crate::state::RecordsContext;
use crate::storage::StorageError;
use crate::ui::components::PrivateTextArea;

#[derive(Clone)]
enum Outcome {
    KeyRefused(StorageError),
}

#[component]
pub fn ProgrammeKeySettings() -> impl IntoView {
    let i18n = use_i18n();
    let records = RecordsContext::expect_context();
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
    let outcome_view = move || {
        outcome.get().map(|o| match o {
            Outcome::KeyRefused(StorageError::Crypto(CryptoError::BadKey(why))) if why == "private key" => {
                view! { <p class="field-error" role="alert" data-testid="key-problem">{t!(i18n, err_key_private)}</p> }.into_any()
            }
            Outcome::KeyRefused(_) => {
                view! { <p class="field-error" role="alert" data-testid="key-problem">{t!(i18n, err_key_invalid)}</p> }.into_any()
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
            <PrivateTextArea node_ref={field} {..} id="programme-key-text" rows="4" data-testid="programme-key-text" />
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
            {outcome_view}
        </section>
    }
}
