//! The root component: provides app state, puts the lock in front of the pages, and maps routes to pages.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::i18n::{t, td_string, use_i18n};
use crate::platform;
use crate::state::{
    provide_app_state, AppError, Gate, LanguageContext, RecordsContext, SessionContext,
};
use crate::ui::components::{BottomNav, Header, LazyScreen, StorageProblem, UpdateBanner};
use crate::ui::messages;
use crate::ui::pages::{
    ChooseProfile, FillRecord, Home, Neutral, NewRecord, NotFound, Records, SetUpLock, Unlock,
};
use crate::ui::screens::Screens;

/// How long after the first unlock the screens' parts start loading in the
/// background.
const PRELOAD_AFTER: std::time::Duration = std::time::Duration::from_secs(3);

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

/// The app. `screens` says how the screens that are not needed to start,
/// fill or finish a record are fetched: the entry point splits them into
/// separately loaded parts; tests pass [`Screens::in_place`].
#[component]
pub fn App(screens: Screens) -> impl IntoView {
    provide_app_state();
    let records = RecordsContext::expect_context();
    let session = SessionContext::expect_context();
    // Runs once, after the first render has reached the DOM.
    Effect::new(move |_| platform::mark_ready());
    // A new screen behind the lock (after set-up, unlock or locking) starts
    // at its top, not where the long lock form was scrolled to.
    Effect::new(move |previous: Option<Gate>| {
        let gate = records.gate.get();
        if previous.is_some_and(|p| p != gate) {
            platform::scroll_to_top();
        }
        gate
    });
    let open = move || records.gate.get() == Gate::Open && !session.neutral.get();
    // A few seconds after the first unlock, when home has settled, the
    // screens' parts are compiled in the background (from the worker's
    // cache): the first tap on Send or Settings then shows the screen at
    // once instead of after loading its part.
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        if records.gate.get() != Gate::Open {
            return false;
        }
        set_timeout(move || screens.preload(), PRELOAD_AFTER);
        true
    });

    // Pages exist only while unlocked: locking unmounts them, which writes
    // what they hold and removes every answer from the page.
    let screen = move || {
        if session.neutral.get() {
            return view! { <Neutral /> }.into_any();
        }
        match records.gate.get() {
            Gate::Open => view! {
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
            .into_any(),
            Gate::Setup => view! { <SetUpLock /> }.into_any(),
            Gate::Locked if records.profile.with(Option::is_none) => {
                view! { <ChooseProfile /> }.into_any()
            }
            Gate::Locked => view! { <Unlock /> }.into_any(),
            Gate::Opening | Gate::Unavailable => ().into_any(),
        }
    };

    view! {
        <Router>
            <Header />
            <UpdateBanner />
            <main id="main" class="page">{screen}</main>
            <Show when=open><BottomNav /></Show>
            <StorageProblem />
        </Router>
    }
}
