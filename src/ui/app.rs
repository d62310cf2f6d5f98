//! The root component: provides app state, puts the lock in front of the pages, and maps routes to pages.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::platform;
use crate::state::{provide_app_state, Gate, RecordsContext, SessionContext};
use crate::ui::components::{BottomNav, Header, StorageProblem, UpdateBanner};
use crate::ui::pages::{
    FillRecord, Home, Neutral, NewRecord, NotFound, Participant, People, Records, Send, SetUpLock,
    Settings, SiteNeeds, Transfer, Unlock,
};

#[component]
pub fn App() -> impl IntoView {
    provide_app_state();
    let records = RecordsContext::expect_context();
    let session = SessionContext::expect_context();
    // Runs once, after the first render has reached the DOM.
    Effect::new(move |_| platform::mark_ready());
    let open = move || records.gate.get() == Gate::Open && !session.neutral.get();

    // Pages exist only while unlocked: locking unmounts them, which writes
    // what they hold and removes every answer from the page.
    let screen = move || {
        if session.neutral.get() {
            return view! { <Neutral /> }.into_any();
        }
        match records.gate.get() {
            Gate::Open => view! {
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/new/:kind") view=NewRecord />
                    <Route path=path!("/record/:id/:section") view=FillRecord />
                    <Route path=path!("/record/:id") view=FillRecord />
                    <Route path=path!("/records") view=Records />
                    <Route path=path!("/send") view=Send />
                    <Route path=path!("/people") view=People />
                    <Route path=path!("/people/:id") view=Participant />
                    <Route path=path!("/sites") view=SiteNeeds />
                    <Route path=path!("/exchange") view=Transfer />
                    <Route path=path!("/settings") view=Settings />
                </Routes>
            }
            .into_any(),
            Gate::Setup => view! { <SetUpLock /> }.into_any(),
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
