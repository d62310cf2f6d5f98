//! The root component: provides app state and maps routes to pages.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::platform;
use crate::state::provide_app_state;
use crate::ui::components::{BottomNav, Header, StorageProblem, UpdateBanner};
use crate::ui::pages::{FillRecord, Home, NewRecord, NotFound, Records, Settings};

#[component]
pub fn App() -> impl IntoView {
    provide_app_state();
    // Runs once, after the first render has reached the DOM.
    Effect::new(move |_| platform::mark_ready());

    view! {
        <Router>
            <Header />
            <UpdateBanner />
            <main id="main" class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/new/:kind") view=NewRecord />
                    <Route path=path!("/record/:id/:section") view=FillRecord />
                    <Route path=path!("/record/:id") view=FillRecord />
                    <Route path=path!("/records") view=Records />
                    <Route path=path!("/settings") view=Settings />
                </Routes>
            </main>
            <BottomNav />
            <StorageProblem />
        </Router>
    }
}
