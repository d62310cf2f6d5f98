//! Settings for the programme's server: address, kind, credentials, batch size; save, test connection, remove.

use leptos::html::Input;
use leptos::prelude::*;

use crate::i18n::{t, td_string, use_i18n};
use crate::state::{LanguageContext, Probe, SaveError, SyncContext};
use crate::sync::endpoint::{Credentials, Endpoint, EndpointForm, EndpointKind, Url};
use crate::ui::components::PrivateInput;
use crate::ui::messages;

#[derive(Clone)]
enum Outcome {
    Saved,
    Removed,
    Refused(SaveError),
    Probed(Probe),
}

/// Reads a field; secrets left empty keep the stored ones (they are never
/// written back into the page).
fn form_from(
    fields: &[NodeRef<Input>; 5],
    kind: EndpointKind,
    current: Option<&Endpoint>,
) -> EndpointForm {
    let value = |i: usize| {
        fields[i]
            .get_untracked()
            .map(|f| f.value())
            .unwrap_or_default()
    };
    let mut form = EndpointForm {
        url: value(0),
        kind,
        token: value(1),
        user: value(2),
        password: value(3),
        batch_size: value(4),
        timeout_seconds: current.map(|e| e.timeout_seconds),
    };
    if let Some(current) = current.filter(|c| c.kind == kind) {
        match &current.credentials {
            Credentials::Bearer { token } if form.token.is_empty() => form.token = token.clone(),
            Credentials::Basic { password, .. } if form.password.is_empty() => {
                form.password = password.clone();
            }
            _ => {}
        }
    }
    form
}

#[component]
pub fn ServerSettings() -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let sync = SyncContext::expect_context();
    let fields: [NodeRef<Input>; 5] = std::array::from_fn(|_| NodeRef::new());
    let kind = RwSignal::new(EndpointKind::JangkauBatch);
    let outcome = RwSignal::new(None::<Outcome>);
    let busy = RwSignal::new(false);

    // The stored settings, shown whenever the page opens (never the
    // secrets: a stored token or password only shows as "saved").
    let stored = move |pick: fn(&Endpoint) -> String| {
        move || {
            sync.endpoint
                .with(|e| e.as_ref().map(pick).unwrap_or_default())
        }
    };
    Effect::new(move |_| {
        if let Some(k) = sync.endpoint.with(|e| e.as_ref().map(|e| e.kind)) {
            kind.set(k);
        }
    });
    let secret_hint = move |bearer: bool| {
        move || {
            let saved = sync
                .endpoint
                .with(|e| match e.as_ref().map(|e| &e.credentials) {
                    Some(Credentials::Bearer { .. }) => bearer,
                    Some(Credentials::Basic { .. }) => !bearer,
                    _ => false,
                });
            saved.then(|| td_string!(i18n.get_locale(), server_secret_saved))
        }
    };

    let save = move |_| {
        let form = form_from(
            &fields,
            kind.get_untracked(),
            sync.endpoint.get_untracked().as_ref(),
        );
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let result = sync.save(form).await;
            outcome.try_set(Some(match result {
                Ok(()) => Outcome::Saved,
                Err(e) => Outcome::Refused(e),
            }));
        });
    };
    let test = move |_| {
        let form = form_from(
            &fields,
            kind.get_untracked(),
            sync.endpoint.get_untracked().as_ref(),
        );
        outcome.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let probe = sync.probe(form).await;
            outcome.try_set(Some(Outcome::Probed(probe)));
            busy.try_set(false);
        });
    };
    let remove = move |_| {
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let result = sync.remove().await;
            for f in &fields {
                if let Some(f) = f.get_untracked() {
                    f.set_value("");
                }
            }
            outcome.try_set(Some(match result {
                Ok(()) => Outcome::Removed,
                Err(e) => Outcome::Refused(e),
            }));
        });
    };

    let kind_button = move |k: EndpointKind| {
        view! {
            <button type="button" class="choice" data-testid=format!("endpoint-kind-{}", k.code())
                aria-pressed=move || (kind.get() == k).to_string()
                on:click=move |_| kind.set(k)>
                {move || match k {
                    EndpointKind::JangkauBatch => td_string!(i18n.get_locale(), server_kind_jangkau),
                    EndpointKind::CouchDb => td_string!(i18n.get_locale(), server_kind_couch),
                }}
            </button>
        }
    };
    let message = move || {
        let lang = language.get();
        outcome.get().map(|o| {
            let (class, text) = match o {
                Outcome::Saved => (
                    "notice ok",
                    td_string!(i18n.get_locale(), server_saved).into_any(),
                ),
                Outcome::Removed => (
                    "notice ok",
                    td_string!(i18n.get_locale(), server_removed).into_any(),
                ),
                Outcome::Refused(SaveError::Invalid(e)) => {
                    ("notice error", messages::endpoint_error(lang, &e))
                }
                Outcome::Refused(SaveError::Storage(e)) => {
                    ("notice error", messages::storage_error(lang, &e).into_any())
                }
                Outcome::Probed(p) => (
                    if p == Probe::Ok {
                        "notice ok"
                    } else {
                        "notice error"
                    },
                    messages::probe(lang, &p),
                ),
            };
            view! { <p class=class role="status" data-testid="endpoint-message">{text}</p> }
        })
    };
    let current = move || {
        sync.endpoint.get().and_then(|e| Url::parse(&e.url).ok()).map(|u| {
            let origin = u.origin();
            view! { <p data-testid="endpoint-current">{t!(i18n, server_current, origin = move || origin.clone())}</p> }.into_any()
        }).unwrap_or_else(|| view! { <p data-testid="endpoint-current">{t!(i18n, server_none)}</p> }.into_any())
    };
    let couch = move || kind.get() == EndpointKind::CouchDb;

    view! {
        <section class="card" data-testid="server-settings">
            <h2>{t!(i18n, server_heading)}</h2>
            <p class="hint">{t!(i18n, server_intro)}</p>
            {current}
            {move || sync.problem.get().map(|p| view! {
                <p class="notice error" role="alert" data-testid="endpoint-problem">{messages::load_problem(language.get(), &p)}</p>
            })}
            <label class="field">
                <span>{t!(i18n, server_url)}</span>
                <PrivateInput node_ref={fields[0]} prop:value=stored(|e| e.url.clone()) {..} type="url" inputmode="url" autocapitalize="off"
                    placeholder="https://" data-testid="endpoint-url" />
            </label>
            <p class="field-label">{t!(i18n, server_kind)}</p>
            <div class="choices">
                {kind_button(EndpointKind::JangkauBatch)}
                {kind_button(EndpointKind::CouchDb)}
            </div>
            <label class="field" class:hidden=couch>
                <span>{t!(i18n, server_token)}</span>
                <PrivateInput node_ref={fields[1]} {..} type="password" placeholder=secret_hint(true) data-testid="endpoint-token" />
            </label>
            <label class="field" class:hidden=move || !couch()>
                <span>{t!(i18n, server_user)}</span>
                <PrivateInput node_ref={fields[2]} prop:value=stored(|e| match &e.credentials { Credentials::Basic { user, .. } => user.clone(), _ => String::new() }) {..} type="text" autocapitalize="off" data-testid="endpoint-user" />
            </label>
            <label class="field" class:hidden=move || !couch()>
                <span>{t!(i18n, server_password)}</span>
                <PrivateInput node_ref={fields[3]} {..} type="password" placeholder=secret_hint(false) data-testid="endpoint-password" />
            </label>
            <label class="field">
                <span>{t!(i18n, server_batch_size)}</span>
                <PrivateInput node_ref={fields[4]} prop:value=stored(|e| e.batch_size.to_string()) {..} type="text" inputmode="numeric" placeholder="50" data-testid="endpoint-batch-size" />
            </label>
            <div class="actions">
                <button type="button" class="button" data-testid="endpoint-save" on:click=save>{t!(i18n, server_save)}</button>
                <button type="button" class="button secondary" data-testid="endpoint-test" disabled=move || busy.get() on:click=test>{t!(i18n, server_test)}</button>
                <Show when=move || sync.endpoint.get().is_some()>
                    <button type="button" class="button secondary" data-testid="endpoint-remove" on:click=remove>{t!(i18n, server_remove)}</button>
                </Show>
            </div>
            {message}
        </section>
    }
}
