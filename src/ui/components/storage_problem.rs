//! Full-screen explanation shown when the browser will not let Jangkau keep data safely: no IndexedDB, no HTTPS, or a damaged key.

use leptos::prelude::*;

use crate::crypto::CryptoError;
use crate::i18n::{t, use_i18n};
use crate::state::{RecordsContext, StorageState};
use crate::storage::StorageError;

#[component]
pub fn StorageProblem() -> impl IntoView {
    let i18n = use_i18n();
    let records = RecordsContext::expect_context();
    move || match records.state.get() {
        StorageState::Unavailable(StorageError::Crypto(CryptoError::BadKeyFile(_))) => view! {
            <div class="storage-problem" role="alert" data-testid="key-damaged">
                <h1>{t!(i18n, key_damaged_title)}</h1>
                <p>{t!(i18n, key_damaged_body)}</p>
            </div>
        }
        .into_any(),
        StorageState::Unavailable(StorageError::Crypto(CryptoError::InsecureContext)) => view! {
            <div class="storage-problem" role="alert" data-testid="needs-https">
                <h1>{t!(i18n, insecure_title)}</h1>
                <p>{t!(i18n, insecure_body)}</p>
            </div>
        }
        .into_any(),
        StorageState::Unavailable(_) => view! {
            <div class="storage-problem" role="alert" data-testid="storage-problem">
                <h1>{t!(i18n, storage_unavailable_title)}</h1>
                <p>{t!(i18n, storage_unavailable_body)}</p>
            </div>
        }
        .into_any(),
        _ => ().into_any(),
    }
}
