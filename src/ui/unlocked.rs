//! The pages behind the lock and the routes that lead to them, each in an error boundary, shown once what runs while unlocked has started; the app loads them as a wasm part of their own while the lock screen waits for the PIN.

use leptos::prelude::*;
use leptos_router::components::{Route, Routes};
use leptos_router::path;

use crate::i18n::{t, td_string, use_i18n};
use crate::state::{while_unlocked, AppError, LanguageContext};
use crate::ui::components::LazyScreen;
use crate::ui::messages;
use crate::ui::pages::{FillRecord, Home, NewRecord, NotFound, Records};
use crate::ui::screens::Screens;

/// What a page that failed unexpectedly shows instead of a blank screen:
/// the reason in words (never its raw text, which could quote data) and a
/// way home.
#[component]
fn ErrorNotice(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let text = move || {
        let lang = language.get();
        errors.with(|errors| {
            errors
                .iter()
                .find_map(|(_, e)| e.downcast_ref::<AppError>().cloned())
                .map(|e| messages::app_error(lang, &e))
                .unwrap_or_else(|| td_string!(i18n.get_locale(), err_unexpected).into_any())
        })
    };
    view! {
        <section class="notice error" role="alert" data-testid="app-error">
            <p>{text}</p>
            <a href="/" class="button secondary">{t!(i18n, err_boundary_home)}</a>
        </section>
    }
}

/// Every page runs inside an error boundary: an unexpected error shows
/// [`ErrorNotice`] instead of a blank screen. (One around the router would
/// not see pages it renders later.)
#[component]
fn Guarded(children: ChildrenFn) -> impl IntoView {
    view! {
        <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors=errors /> }>
            {children()}
        </ErrorBoundary>
    }
}

/// The routes of the unlocked app, once its forms are open. Home, the
/// record list and form filling are here; the other screens each load
/// their own part when opened (the loaders come from the app's context).
#[component]
pub fn UnlockedPages() -> impl IntoView {
    let screens = expect_context::<Screens>();
    let ready = while_unlocked();
    move || {
        if !ready.get() {
            // Opening the forms takes milliseconds; a word would only flash.
            return view! { <div class="part-loading" aria-busy="true"></div> }.into_any();
        }
        // Untracked: only `ready` may rebuild the routes, not what they
        // read while being built.
        untrack(move || {
            view! {
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=|| view! { <Guarded><Home /></Guarded> } />
                    <Route path=path!("/new/:form") view=|| view! { <Guarded><NewRecord /></Guarded> } />
                    <Route path=path!("/record/:id/:section") view=|| view! { <Guarded><FillRecord /></Guarded> } />
                    <Route path=path!("/record/:id") view=|| view! { <Guarded><FillRecord /></Guarded> } />
                    <Route path=path!("/records") view=|| view! { <Guarded><Records /></Guarded> } />
                    <Route path=path!("/send") view=move || view! { <Guarded><LazyScreen load=screens.send /></Guarded> } />
                    <Route path=path!("/people") view=move || view! { <Guarded><LazyScreen load=screens.people /></Guarded> } />
                    <Route path=path!("/people/:id") view=move || view! { <Guarded><LazyScreen load=screens.participant /></Guarded> } />
                    <Route path=path!("/sites") view=move || view! { <Guarded><LazyScreen load=screens.site_needs /></Guarded> } />
                    <Route path=path!("/summary") view=move || view! { <Guarded><LazyScreen load=screens.summary /></Guarded> } />
                    <Route path=path!("/exchange") view=move || view! { <Guarded><LazyScreen load=screens.exchange /></Guarded> } />
                    <Route path=path!("/settings") view=move || view! { <Guarded><LazyScreen load=screens.settings /></Guarded> } />
                    <Route path=path!("/forms/import") view=move || view! { <Guarded><LazyScreen load=screens.form_import /></Guarded> } />
                </Routes>
            }
            .into_any()
        })
    }
}
