//! The participant withdraws consent: confirm, then mark or delete every record of hers on this phone.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::i18n::{t, td_string, use_i18n};
use crate::model::participant_code::ParticipantCode;
use crate::state::{LanguageContext, RecordsContext, SyncContext};
use crate::ui::messages;

#[component]
pub fn WithdrawConsent(code: ParticipantCode) -> impl IntoView {
    let i18n = use_i18n();
    let records = RecordsContext::expect_context();
    let sync = SyncContext::expect_context();
    let language = LanguageContext::expect_context();
    let navigate = use_navigate();
    let failed = RwSignal::new(None::<crate::storage::StorageError>);
    let code = StoredValue::new(code);
    let withdraw = move |_| {
        let question = td_string!(i18n.get_locale(), withdraw_confirm);
        let ok = web_sys::window()
            .and_then(|w| w.confirm_with_message(question).ok())
            .unwrap_or(false);
        if !ok {
            return;
        }
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match records.withdraw(&code.get_value()).await {
                Ok(_) => {
                    sync.after_withdrawal();
                    records.refresh_status();
                    navigate("/records", Default::default());
                }
                Err(e) => {
                    failed.try_set(Some(e));
                }
            }
        });
    };
    view! {
        <button type="button" class="button danger wide" data-testid="withdraw-consent" on:click=withdraw>
            {t!(i18n, withdraw_button)}
        </button>
        {move || failed.get().map(|e| view! {
            <p class="field-error" role="alert" data-testid="withdraw-problem">{messages::storage_error(language.get(), &e)}</p>
        })}
    }
}
