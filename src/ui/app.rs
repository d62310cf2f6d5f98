//! The root component: provides app state, fetches the pages behind the lock while the lock screen shows, and shows one or the other.

use leptos::prelude::*;
use leptos_router::components::Router;

use crate::platform;
use crate::state::{provide_app_state, Gate, RecordsContext, SessionContext};
use crate::ui::components::{BottomNav, Header, LazyScreen, StorageProblem, UpdateBanner};
use crate::ui::pages::{ChooseProfile, Neutral, SetUpLock, Unlock};
use crate::ui::screens::Screens;

/// How long after the first unlock the screens' parts start loading in the
/// background.
const PRELOAD_AFTER: std::time::Duration = std::time::Duration::from_secs(3);

/// What the page shows under the header.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    Neutral,
    /// The pages behind the lock, for one opening of records.
    Pages(Option<u32>),
    SetUp,
    Choose,
    Unlock,
    Nothing,
}

/// The app. `screens` says how the pages behind the lock are fetched: the
/// entry point splits them into separately loaded parts; tests pass
/// [`Screens::in_place`].
#[component]
pub fn App(screens: Screens) -> impl IntoView {
    provide_app_state();
    provide_context(screens);
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
    // While the lock screen waits for the PIN, the part holding the pages
    // behind it is fetched and compiled, so unlocking shows home at once.
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        if !matches!(records.gate.get(), Gate::Setup | Gate::Locked) {
            return false;
        }
        leptos::task::spawn_local(async move {
            // A part that cannot be fetched now is safe to skip: the
            // unlocked screen fetches it again, and shows the notice there
            // if it still cannot.
            let _ = (screens.unlocked)().await;
        });
        true
    });
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
    // what they hold and removes every answer from the page. One memo says
    // which screen shows, so each change reaches the view once, and every
    // opening of records (another profile's, with no lock seen in
    // between) gets pages of its own.
    let shown = Memo::new(move |_| {
        if session.neutral.get() {
            return Shown::Neutral;
        }
        match records.gate.get() {
            Gate::Open => Shown::Pages(records.opening.get()),
            Gate::Setup => Shown::SetUp,
            Gate::Locked if records.profile.with(Option::is_none) => Shown::Choose,
            Gate::Locked => Shown::Unlock,
            Gate::Opening | Gate::Unavailable => Shown::Nothing,
        }
    });
    let screen = move || match shown.get() {
        Shown::Neutral => view! { <Neutral /> }.into_any(),
        Shown::Pages(_) => view! { <LazyScreen load=screens.unlocked /> }.into_any(),
        Shown::SetUp => view! { <SetUpLock /> }.into_any(),
        Shown::Choose => view! { <ChooseProfile /> }.into_any(),
        Shown::Unlock => view! { <Unlock /> }.into_any(),
        Shown::Nothing => ().into_any(),
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
