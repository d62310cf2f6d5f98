//! Settings for protection: lock now, auto-lock time, discreet mode, and changing the PIN or passphrase.

use leptos::html::Input;
use leptos::prelude::*;

use crate::crypto::secret::{self, SecretError, SecretKind};
use crate::crypto::CryptoError;
use crate::i18n::{t, use_i18n};
use crate::model::autolock::IDLE_CHOICES_MIN;
use crate::state::{LanguageContext, RecordsContext, SessionContext};
use crate::storage::StorageError;
use crate::ui::components::PrivateInput;
use crate::ui::messages;
use crate::ui::pages::{take_secret, KindChoice, SecretInput};

#[derive(Clone)]
enum Change {
    Invalid(SecretError),
    Failed(StorageError),
    Done,
}

#[component]
pub fn SecuritySettings() -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let records = RecordsContext::expect_context();
    let session = SessionContext::expect_context();

    let idle_choices = IDLE_CHOICES_MIN
        .into_iter()
        .map(|n| {
            view! {
                <button type="button" class="choice" data-testid=format!("autolock-{n}")
                    aria-pressed=move || (session.auto_lock.get().idle_min() == n).to_string()
                    on:click=move |_| session.set_auto_lock(n)>
                    {t!(i18n, settings_minutes, n = move || n)}
                </button>
            }
        })
        .collect_view();

    let kind = RwSignal::new(SecretKind::Pin);
    let current_kind = LocalResource::new(move || records.secret_kind());
    let current_kind = Signal::derive(move || {
        current_kind
            .get()
            .and_then(Result::ok)
            .unwrap_or(SecretKind::Passphrase)
    });
    // What a forgotten new PIN would cost, shown where it is chosen.
    let unsent = LocalResource::new(move || async move {
        match records.records() {
            Some(r) => crate::storage::unsent(r.store()).await.unwrap_or(0),
            None => 0,
        }
    });
    let unsent = move || unsent.get().unwrap_or(0);
    let current = NodeRef::<Input>::new();
    let first = NodeRef::<Input>::new();
    let second = NodeRef::<Input>::new();
    let outcome = RwSignal::new(None::<Change>);
    let working = RwSignal::new(false);
    let change = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if working.get_untracked() {
            return;
        }
        let (old, a, b) = (
            take_secret(current),
            take_secret(first),
            take_secret(second),
        );
        let k = kind.get_untracked();
        if let Err(e) = secret::confirm(k, &a, &b) {
            outcome.set(Some(Change::Invalid(e)));
            return;
        }
        working.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let result = records.change_secret(old, a, k).await;
            outcome.try_set(Some(match result {
                Ok(()) => Change::Done,
                Err(e) => Change::Failed(e),
            }));
            working.try_set(false);
        });
    };
    let outcome_view = move || {
        outcome.get().map(|o| match o {
            Change::Done => view! { <p class="done" role="status" data-testid="change-done">{t!(i18n, settings_change_done)}</p> }.into_any(),
            Change::Invalid(e) => view! { <p class="field-error" role="alert" data-testid="change-problem">{messages::secret_error(language.get(), e)}</p> }.into_any(),
            Change::Failed(StorageError::Crypto(CryptoError::WrongSecret)) => view! { <p class="field-error" role="alert" data-testid="change-problem">{t!(i18n, lock_wrong)}</p> }.into_any(),
            Change::Failed(e) => view! { <p class="field-error" role="alert" data-testid="change-problem">{messages::storage_error(language.get(), &e)}</p> }.into_any(),
        })
    };

    view! {
        <section class="card">
            <h2>{t!(i18n, settings_security)}</h2>
            <button type="button" class="button primary" data-testid="lock-now" on:click=move |_| records.lock()>
                {t!(i18n, settings_lock_now)}
            </button>
            <h3>{t!(i18n, settings_autolock)}</h3>
            <div class="choices">{idle_choices}</div>
            <p class="hint">{t!(i18n, settings_autolock_hidden)}</p>
            <label class="option">
                <PrivateInput {..} type="checkbox" data-testid="discreet"
                    prop:checked=move || session.discreet.get()
                    on:change=move |ev| session.set_discreet(event_target_checked(&ev)) />
                <span>
                    <strong>{t!(i18n, settings_discreet)}</strong><br />
                    {t!(i18n, settings_discreet_body)}
                </span>
            </label>
        </section>
        <form class="card" autocomplete="off" data-testid="change-secret" on:submit=change>
            <h2>{t!(i18n, settings_change_secret)}</h2>
            <p class="warning">{t!(i18n, lock_forget_warning)}</p>
            <Show when=move || { unsent() > 0 }>
                <p class="warning" data-testid="unsent-at-change">{t!(i18n, lock_unsent_count, n = unsent)}</p>
            </Show>
            <SecretInput id="current-secret" label=t!(i18n, lock_current).into_any() kind=current_kind node=current />
            <KindChoice kind=kind />
            <SecretInput id="changed-secret" label=t!(i18n, lock_new_secret).into_any() kind=kind.into() node=first />
            <SecretInput id="changed-repeat" label=t!(i18n, lock_repeat).into_any() kind=kind.into() node=second />
            {outcome_view}
            <button type="submit" class="button primary" data-testid="change-submit" disabled=move || working.get()>
                {move || if working.get() { t!(i18n, lock_working).into_any() } else { t!(i18n, settings_change_button).into_any() }}
            </button>
        </form>
    }
}
