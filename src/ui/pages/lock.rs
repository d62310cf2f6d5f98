//! The screens in front of the records: first-run PIN setup, choosing whose profile to open, the lock screen, and the neutral screen after a quick exit.

use std::time::Duration;

use leptos::html::Input;
use leptos::prelude::*;

use crate::crypto::secret::{self, SecretError, SecretKind};
use crate::crypto::CryptoError;
use crate::i18n::{t, use_i18n};
use crate::model::profile::{Directory, Profile};
use crate::service::phone::ProfileError;
use crate::state::{LanguageContext, RecordsContext, SessionContext, StorageState};
use crate::storage::StorageError;
use crate::ui::components::PrivateInput;
use crate::ui::messages;

/// A PIN or passphrase field. Uncontrolled: the secret is read once, on
/// submit, and the field is emptied after, instead of sitting in a signal.
#[component]
pub fn SecretInput(
    id: &'static str,
    label: AnyView,
    kind: Signal<SecretKind>,
    node: NodeRef<Input>,
) -> impl IntoView {
    view! {
        <label class="question-label" for=id>{label}</label>
        <PrivateInput
            node_ref={node}
            {..}
            id=id
            class="secret"
            type="password"
            data-testid=id
            autocapitalize="off"
            inputmode=move || match kind.get() {
                SecretKind::Pin => "numeric",
                SecretKind::Passphrase => "text",
            }
        />
    }
}

/// Reads and empties a secret field.
pub fn take(node: NodeRef<Input>) -> String {
    node.get_untracked()
        .map(|input| {
            let value = input.value();
            input.set_value("");
            value
        })
        .unwrap_or_default()
}

/// Choosing a PIN or a passphrase.
#[component]
pub fn KindChoice(kind: RwSignal<SecretKind>) -> impl IntoView {
    let i18n = use_i18n();
    let choice = move |k: SecretKind, testid: &'static str, label: AnyView| {
        view! {
            <button type="button" class="choice" data-testid=testid
                aria-pressed=move || (kind.get() == k).to_string()
                on:click=move |_| kind.set(k)>
                {label}
            </button>
        }
    };
    view! {
        <div class="choices">
            {choice(SecretKind::Pin, "kind-pin", t!(i18n, lock_kind_pin).into_any())}
            {choice(SecretKind::Passphrase, "kind-passphrase", t!(i18n, lock_kind_passphrase).into_any())}
        </div>
    }
}

#[derive(Clone)]
enum Problem {
    Secret(SecretError),
    Storage(StorageError),
    Name(ProfileError),
}

/// How a profile is shown on the lock screen: its short name, or its place
/// in the list while it has none, or only its place in discreet mode.
fn profile_label(profile: &Profile, n: usize, discreet: bool) -> String {
    if discreet || profile.name.is_empty() {
        n.to_string()
    } else {
        profile.name.clone()
    }
}

/// The lock screen of a shared phone: whose records to open.
#[component]
pub fn ChooseProfile() -> impl IntoView {
    let i18n = use_i18n();
    let records = RecordsContext::expect_context();
    let session = SessionContext::expect_context();
    let problem = RwSignal::new(None::<StorageError>);
    let language = LanguageContext::expect_context();
    let list = move || {
        let discreet = session.discreet.get();
        records
            .profiles
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, profile)| {
                let label = profile_label(&profile, i + 1, discreet);
                let unnamed = profile.name.is_empty() && !discreet;
                view! {
                    <button type="button" class="choice profile" data-testid=format!("profile-{}", i + 1)
                        on:click=move |_| {
                            let profile = profile.clone();
                            leptos::task::spawn_local(async move {
                                if let Err(e) = records.choose(profile).await {
                                    problem.try_set(Some(e));
                                }
                            });
                        }>
                        {if unnamed {
                            t!(i18n, profiles_unnamed, n = move || i + 1).into_any()
                        } else {
                            label.into_any()
                        }}
                    </button>
                }
            })
            .collect_view()
    };
    view! {
        <section class="card lock" data-testid="choose-profile">
            <h1>{move || if session.discreet.get() {
                t!(i18n, profiles_choose_discreet).into_any()
            } else {
                t!(i18n, profiles_choose).into_any()
            }}</h1>
            <Removed />
            <div class="choices profiles">{list}</div>
            {move || problem.get().map(|e| view! {
                <p class="field-error" role="alert">{messages::storage_error(language.get(), &e)}</p>
            })}
        </section>
    }
}

/// Said once on the lock screen after a profile was removed.
#[component]
fn Removed() -> impl IntoView {
    let i18n = use_i18n();
    let records = RecordsContext::expect_context();
    view! {
        <Show when=move || records.removed.get()>
            <p class="done" role="status" data-testid="profile-removed">{t!(i18n, profiles_removed)}</p>
        </Show>
    }
}

/// On a shared phone, whose PIN is asked, and the way back to the list.
#[component]
fn ChosenProfile() -> impl IntoView {
    let i18n = use_i18n();
    let records = RecordsContext::expect_context();
    let session = SessionContext::expect_context();
    let shared = move || records.profiles.with(|p| p.len() > 1);
    let label = move || {
        let chosen = records.profile.get()?;
        let n = records
            .profiles
            .with(|list| list.iter().position(|p| p.id == chosen.id))?
            + 1;
        let discreet = session.discreet.get();
        Some(if chosen.name.is_empty() && !discreet {
            t!(i18n, profiles_unnamed, n = move || n).into_any()
        } else {
            profile_label(&chosen, n, discreet).into_any()
        })
    };
    view! {
        <Show when=shared>
            <p class="chosen-profile" data-testid="chosen-profile"><strong>{label}</strong></p>
            <button type="button" class="button secondary" data-testid="not-me" on:click=move |_| records.unchoose()>
                {t!(i18n, profiles_not_me)}
            </button>
        </Show>
    }
}

#[component]
pub fn SetUpLock() -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let records = RecordsContext::expect_context();
    let kind = RwSignal::new(SecretKind::Pin);
    let first = NodeRef::<Input>::new();
    let second = NodeRef::<Input>::new();
    let name = NodeRef::<Input>::new();
    let problem = RwSignal::new(None::<Problem>);
    let working = RwSignal::new(false);
    let unsent = move || match records.state.get() {
        StorageState::NeedsSetup { unsent } => unsent,
        _ => 0,
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if working.get_untracked() {
            return;
        }
        let (a, b) = (take(first), take(second));
        let k = kind.get_untracked();
        if let Err(e) = secret::confirm(k, &a, &b) {
            problem.set(Some(Problem::Secret(e)));
            return;
        }
        let short = name.get_untracked().map(|i| i.value()).unwrap_or_default();
        // Optional here: checked before the PIN is set, so a bad name never
        // leaves a set-up half done.
        let short = if short.trim().is_empty() {
            None
        } else {
            match Directory::default().check_name(&short, None) {
                Ok(short) => Some(short),
                Err(e) => {
                    problem.set(Some(Problem::Name(e.into())));
                    return;
                }
            }
        };
        problem.set(None);
        working.set(true);
        leptos::task::spawn_local(async move {
            let result = match records.set_up(a, k).await {
                Ok(()) => match short {
                    Some(short) => records.rename(short).await.map_err(Problem::Name),
                    None => Ok(()),
                },
                Err(e) => Err(Problem::Storage(e)),
            };
            if let Err(e) = result {
                problem.try_set(Some(e));
            }
            working.try_set(false);
        });
    };

    view! {
        <form class="card lock" autocomplete="off" data-testid="setup-lock" on:submit=submit>
            <h1>{t!(i18n, lock_setup_title)}</h1>
            <p>{t!(i18n, lock_setup_body)}</p>
            <p class="warning" data-testid="forget-warning">{t!(i18n, lock_forget_warning)}</p>
            <Show when=move || { unsent() > 0 }>
                <p class="warning" data-testid="unsent-at-setup">
                    {t!(i18n, lock_unsent_count, n = unsent)}
                </p>
            </Show>
            <label class="question-label" for="setup-name">{t!(i18n, lock_setup_name_optional)}</label>
            <PrivateInput node_ref={name} {..} id="setup-name" type="text" data-testid="setup-name" maxlength="24" />
            <p class="hint">{t!(i18n, profiles_name_hint)}</p>
            <KindChoice kind=kind />
            <SecretInput id="new-secret" label=t!(i18n, lock_new_secret).into_any() kind=kind.into() node=first />
            <SecretInput id="repeat-secret" label=t!(i18n, lock_repeat).into_any() kind=kind.into() node=second />
            {move || problem.get().map(|p| view! {
                <p class="field-error" role="alert" data-testid="lock-problem">{match p {
                    Problem::Secret(e) => messages::secret_error(language.get(), e),
                    Problem::Storage(StorageError::Crypto(_)) => t!(i18n, lock_failed).into_any(),
                    Problem::Storage(e) => messages::storage_error(language.get(), &e).into_any(),
                    Problem::Name(e) => messages::profile_error(language.get(), &e),
                }}</p>
            })}
            <button type="submit" class="button primary wide" data-testid="setup-submit" disabled=move || working.get()>
                {move || if working.get() { t!(i18n, lock_working).into_any() } else { t!(i18n, lock_setup_button).into_any() }}
            </button>
        </form>
    }
}

#[component]
pub fn Unlock() -> impl IntoView {
    let i18n = use_i18n();
    let records = RecordsContext::expect_context();
    let kind = LocalResource::new(move || records.secret_kind());
    let kind = Signal::derive(move || {
        kind.get()
            .and_then(Result::ok)
            .unwrap_or(SecretKind::Passphrase)
    });
    let field = NodeRef::<Input>::new();
    let problem = RwSignal::new(None::<StorageError>);
    let empty = RwSignal::new(false);
    let working = RwSignal::new(false);
    // A seconds clock for the wait after wrong attempts.
    let now = RwSignal::new(js_sys::Date::now());
    let tick =
        set_interval_with_handle(move || now.set(js_sys::Date::now()), Duration::from_secs(1)).ok();
    on_cleanup(move || {
        if let Some(t) = tick {
            t.clear();
        }
    });
    leptos::task::spawn_local(records.load_throttle(js_sys::Date::now()));
    let wait_s = move || {
        ((records.unlock_not_before.get() - now.get()) / 1000.0)
            .ceil()
            .max(0.0) as u32
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if working.get_untracked() {
            return;
        }
        let secret = take(field);
        // An empty tap on "Unlock" is not a wrong attempt.
        empty.set(secret.is_empty());
        if secret.is_empty() {
            problem.set(None);
            return;
        }
        working.set(true);
        leptos::task::spawn_local(async move {
            let result = records.unlock(secret, js_sys::Date::now()).await;
            now.try_set(js_sys::Date::now());
            problem.try_set(result.err());
            working.try_set(false);
        });
    };
    let message = move || {
        problem.get().map(|e| {
            let text = match e {
                StorageError::Crypto(CryptoError::WrongSecret) => t!(i18n, lock_wrong).into_any(),
                StorageError::Crypto(CryptoError::Locked) => ().into_any(),
                _ => t!(i18n, lock_failed).into_any(),
            };
            view! { <p class="field-error" role="alert" data-testid="lock-problem">{text}</p> }
        })
    };

    view! {
        <form class="card lock" autocomplete="off" data-testid="unlock" on:submit=submit>
            <h1>{t!(i18n, lock_title)}</h1>
            <Removed />
            <ChosenProfile />
            <SecretInput id="unlock-secret" label=t!(i18n, lock_enter).into_any() kind=kind node=field />
            <Show when=move || empty.get()>
                <p class="field-error" role="alert" data-testid="lock-problem">{t!(i18n, err_secret_empty)}</p>
            </Show>
            {message}
            <Show when=move || { wait_s() > 0 }>
                <p class="field-error" role="status" data-testid="lock-wait">{t!(i18n, lock_wait, s = wait_s)}</p>
            </Show>
            <button type="submit" class="button primary wide" data-testid="unlock-submit"
                disabled=move || { working.get() || wait_s() > 0 }>
                {move || if working.get() { t!(i18n, lock_working).into_any() } else { t!(i18n, lock_unlock).into_any() }}
            </button>
            <p class="hint">{t!(i18n, lock_forgot)}</p>
        </form>
    }
}

/// What a quick exit leaves on screen: an empty notes page. "Open" leads to
/// the lock screen.
#[component]
pub fn Neutral() -> impl IntoView {
    let i18n = use_i18n();
    let session = SessionContext::expect_context();
    view! {
        <section class="neutral" data-testid="neutral">
            <h1>{t!(i18n, neutral_title)}</h1>
            <p class="empty">{t!(i18n, neutral_body)}</p>
            <button type="button" class="button secondary" data-testid="neutral-open"
                on:click=move |_| session.neutral.set(false)>
                {t!(i18n, neutral_open)}
            </button>
        </section>
    }
}
