//! Settings for the volunteers who share the phone: one's short name, switching, adding a colleague, and removing one's own profile.

use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::crypto::secret::{self, SecretError, SecretKind};
use crate::i18n::{t, use_i18n};
use crate::service::phone::ProfileError;
use crate::state::{LanguageContext, RecordsContext};
use crate::ui::components::PrivateInput;
use crate::ui::messages;
use crate::ui::pages::{take_secret, KindChoice, SecretInput};

/// Goes home, replacing the page in the history: the next volunteer starts
/// there, and Back does not lead into the settings she did not open.
fn go_home() -> impl Fn() + Clone + 'static {
    let navigate = use_navigate();
    move || {
        navigate(
            "/",
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        )
    }
}

/// Reads a plain text field.
fn take_text(node: NodeRef<Input>) -> String {
    node.get_untracked()
        .map(|input| input.value())
        .unwrap_or_default()
}

#[derive(Clone)]
enum Outcome {
    Invalid(SecretError),
    Failed(ProfileError),
    Done,
}

#[component]
pub fn ProfilesSettings() -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let records = RecordsContext::expect_context();
    let current = move || records.profile.get().map(|p| p.name).unwrap_or_default();
    let home = go_home();

    let name = NodeRef::<Input>::new();
    let renamed = RwSignal::new(None::<Outcome>);
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = take_text(name);
        leptos::task::spawn_local(async move {
            renamed.try_set(Some(match records.rename(text).await {
                Ok(()) => Outcome::Done,
                Err(e) => Outcome::Failed(e),
            }));
        });
    };
    let problem_view = move |o: Outcome, done: AnyView, testid: &'static str| {
        match o {
        Outcome::Done => {
            view! { <p class="done" role="status" data-testid=testid>{done}</p> }.into_any()
        }
        Outcome::Invalid(e) => view! {
            <p class="field-error" role="alert" data-testid=testid>{messages::secret_error(language.get(), e)}</p>
        }
        .into_any(),
        Outcome::Failed(e) => view! {
            <p class="field-error" role="alert" data-testid=testid>{messages::profile_error(language.get(), &e)}</p>
        }
        .into_any(),
    }
    };

    view! {
        <section class="card" data-testid="profiles">
            <h2>{t!(i18n, profiles_heading)}</h2>
            <p>{t!(i18n, profiles_open_now)} " " <strong data-testid="profile-name">{current}</strong></p>
            <form autocomplete="off" data-testid="rename-profile" on:submit=rename>
                <label class="question-label" for="profile-name-input">{t!(i18n, profiles_name_label)}</label>
                <PrivateInput node_ref={name} {..} id="profile-name-input" type="text"
                    data-testid="profile-name-input" maxlength="24" prop:value=current />
                <p class="hint">{t!(i18n, profiles_name_hint)}</p>
                {move || renamed.get().map(|o| problem_view(o, t!(i18n, profiles_renamed).into_any(), "rename-outcome"))}
                <button type="submit" class="button secondary">{t!(i18n, profiles_rename)}</button>
            </form>
            <button type="button" class="button primary" data-testid="switch-profile"
                on:click=move |_| {
                    records.switch();
                    home();
                }>
                {t!(i18n, profiles_switch)}
            </button>
            <p class="hint">{t!(i18n, profiles_switch_hint)}</p>
        </section>
        <AddVolunteer />
        <RemoveProfile />
    }
}

#[component]
fn AddVolunteer() -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let records = RecordsContext::expect_context();
    let kind = RwSignal::new(SecretKind::Pin);
    let name = NodeRef::<Input>::new();
    let first = NodeRef::<Input>::new();
    let second = NodeRef::<Input>::new();
    let outcome = RwSignal::new(None::<Outcome>);
    let working = RwSignal::new(false);
    let home = go_home();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if working.get_untracked() {
            return;
        }
        let (a, b) = (take_secret(first), take_secret(second));
        let k = kind.get_untracked();
        if let Err(e) = secret::confirm(k, &a, &b) {
            outcome.set(Some(Outcome::Invalid(e)));
            return;
        }
        let text = take_text(name);
        working.set(true);
        outcome.set(None);
        let home = home.clone();
        leptos::task::spawn_local(async move {
            match records.add_volunteer(text, a, k).await {
                // The new profile is open, at home, and this page is gone
                // with the pages it was on: nothing of it is touched again
                // (its views may still be dropping as their signals go).
                Ok(()) => home(),
                Err(e) => {
                    outcome.try_set(Some(Outcome::Failed(e)));
                    working.try_set(false);
                }
            }
        });
    };
    view! {
        <form class="card" autocomplete="off" data-testid="add-profile" on:submit=submit>
            <h2>{t!(i18n, profiles_add)}</h2>
            <p>{t!(i18n, profiles_add_body)}</p>
            <label class="question-label" for="add-name">{t!(i18n, profiles_add_name)}</label>
            <PrivateInput node_ref={name} {..} id="add-name" type="text" data-testid="add-name" maxlength="24" />
            <p class="hint">{t!(i18n, profiles_name_hint)}</p>
            <KindChoice kind=kind />
            <SecretInput id="add-secret" label=t!(i18n, lock_new_secret).into_any() kind=kind.into() node=first />
            <SecretInput id="add-repeat" label=t!(i18n, lock_repeat).into_any() kind=kind.into() node=second />
            <p class="warning">{t!(i18n, lock_forget_warning)}</p>
            {move || outcome.get().map(|o| match o {
                Outcome::Invalid(e) => view! {
                    <p class="field-error" role="alert" data-testid="add-problem">{messages::secret_error(language.get(), e)}</p>
                }.into_any(),
                Outcome::Failed(e) => view! {
                    <p class="field-error" role="alert" data-testid="add-problem">{messages::profile_error(language.get(), &e)}</p>
                }.into_any(),
                Outcome::Done => ().into_any(),
            })}
            <button type="submit" class="button primary" data-testid="add-submit" disabled=move || working.get()>
                {move || if working.get() { t!(i18n, lock_working).into_any() } else { t!(i18n, profiles_add_button).into_any() }}
            </button>
        </form>
    }
}

/// Where removing one's profile stands.
#[derive(Clone)]
enum Removal {
    Idle,
    /// Asked to confirm (nothing unsent).
    Confirm,
    Refused(ProfileError),
    Working,
}

#[component]
fn RemoveProfile() -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let records = RecordsContext::expect_context();
    let stage = RwSignal::new(Removal::Idle);
    let ask = move |_| {
        leptos::task::spawn_local(async move {
            stage.try_set(match records.unsent().await {
                Ok(0) => Removal::Confirm,
                Ok(unsent) => Removal::Refused(ProfileError::Unsent { unsent }),
                Err(e) => Removal::Refused(e.into()),
            });
        });
    };
    let home = go_home();
    let remove = move |_| {
        stage.set(Removal::Working);
        let home = home.clone();
        leptos::task::spawn_local(async move {
            match records.remove_profile().await {
                // The lock screen replaces this page; whoever unlocks next
                // starts at home.
                Ok(_) => home(),
                Err(e) => {
                    stage.try_set(Removal::Refused(e));
                }
            }
        });
    };
    view! {
        <section class="card" data-testid="remove-profile">
            <h2>{t!(i18n, profiles_remove)}</h2>
            <p>{t!(i18n, profiles_remove_body)}</p>
            {move || match stage.get() {
                Removal::Idle => view! {
                    <button type="button" class="button secondary" data-testid="remove-start" on:click=ask>
                        {t!(i18n, profiles_remove)}
                    </button>
                }.into_any(),
                Removal::Confirm => view! {
                    <div class="choices">
                        <button type="button" class="button danger" data-testid="remove-confirm" on:click=remove.clone()>
                            {t!(i18n, profiles_remove_confirm)}
                        </button>
                        <button type="button" class="button secondary" data-testid="remove-cancel"
                            on:click=move |_| stage.set(Removal::Idle)>
                            {t!(i18n, profiles_remove_cancel)}
                        </button>
                    </div>
                }.into_any(),
                Removal::Refused(e) => {
                    let unsent = matches!(e, ProfileError::Unsent { .. });
                    view! {
                        <p class="warning" role="alert" data-testid="remove-refused">{messages::profile_error(language.get(), &e)}</p>
                        <Show when=move || unsent>
                            <div class="choices">
                                <a href="/send" class="button primary" data-testid="remove-send">{t!(i18n, profiles_remove_send)}</a>
                                <a href="/exchange" class="button secondary" data-testid="remove-export">{t!(i18n, profiles_remove_export)}</a>
                            </div>
                        </Show>
                    }.into_any()
                }
                Removal::Working => view! { <p role="status">{t!(i18n, lock_working)}</p> }.into_any(),
            }}
        </section>
    }
}
