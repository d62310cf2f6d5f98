//! The pages behind the lock and the screens that are not needed to start, fill or finish a record, and how each is fetched: from a separately loaded wasm part in the app, at once in tests.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;

use crate::ui::pages::{
    FormImport, FormSummary, Participant, People, Send, Settings, SiteNeeds, Transfer,
};
use crate::ui::unlocked::UnlockedPages;

/// A screen's page, ready to be built inside its route (so it sees the
/// route's parameters and the app's contexts).
pub type Build = fn() -> AnyView;

/// Fetches one screen: in the app, loads the wasm part holding it (once;
/// later calls answer at once); in tests, answers at once.
pub type Loader = fn() -> Pin<Box<dyn Future<Output = Result<Build, PartMissing>>>>;

/// A screen's part could not be fetched: not in the service worker's cache
/// and no connection, or the server no longer has this build's parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a part of the app could not be loaded")]
pub struct PartMissing;

impl From<leptos::wasm_split::SplitLoaderError> for PartMissing {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        // The loader's error says only that it failed (its console line
        // names the file); what the person can do is the same either way.
        PartMissing
    }
}

/// How each lazily shown screen is fetched. The app's entry point
/// (`src/main.rs`) gives loaders that split the screens into wasm parts;
/// [`Screens::in_place`] builds them from the same wasm, for tests.
#[derive(Clone, Copy)]
pub struct Screens {
    /// The routes and pages shown while unlocked (home, the record list,
    /// form filling); the other screens load from there.
    pub unlocked: Loader,
    pub people: Loader,
    pub participant: Loader,
    pub site_needs: Loader,
    pub summary: Loader,
    pub send: Loader,
    pub exchange: Loader,
    pub settings: Loader,
    pub form_import: Loader,
}

fn ready(build: Build) -> Pin<Box<dyn Future<Output = Result<Build, PartMissing>>>> {
    Box::pin(std::future::ready(Ok(build)))
}

/// The page builders, for the entry point's split functions to return and
/// for [`Screens::in_place`].
pub mod build {
    use super::*;

    pub fn unlocked() -> AnyView {
        view! { <UnlockedPages /> }.into_any()
    }
    pub fn people() -> AnyView {
        view! { <People /> }.into_any()
    }
    pub fn participant() -> AnyView {
        view! { <Participant /> }.into_any()
    }
    pub fn site_needs() -> AnyView {
        view! { <SiteNeeds /> }.into_any()
    }
    pub fn summary() -> AnyView {
        view! { <FormSummary /> }.into_any()
    }
    pub fn send() -> AnyView {
        view! { <Send /> }.into_any()
    }
    pub fn exchange() -> AnyView {
        view! { <Transfer /> }.into_any()
    }
    pub fn settings() -> AnyView {
        view! { <Settings /> }.into_any()
    }
    pub fn form_import() -> AnyView {
        view! { <FormImport /> }.into_any()
    }
}

impl Screens {
    fn all(self) -> [Loader; 8] {
        [
            self.people,
            self.participant,
            self.site_needs,
            self.summary,
            self.send,
            self.exchange,
            self.settings,
            self.form_import,
        ]
    }

    /// Loads every part now, one after another, so that opening a screen
    /// later costs only its rendering. Parts come from the service worker's
    /// cache, so this costs compiling, not data.
    pub fn preload(self) {
        leptos::task::spawn_local(async move {
            for load in self.all() {
                // A part that cannot be loaded now is safe to skip: its
                // screen fetches it again when opened, and shows the notice
                // there if it still cannot.
                let _ = load().await;
            }
        });
    }

    /// Every screen built from the wasm already running: for tests, and
    /// for anything that mounts the app without the split build.
    pub fn in_place() -> Self {
        Self {
            unlocked: || ready(build::unlocked),
            people: || ready(build::people),
            participant: || ready(build::participant),
            site_needs: || ready(build::site_needs),
            summary: || ready(build::summary),
            send: || ready(build::send),
            exchange: || ready(build::exchange),
            settings: || ready(build::settings),
            form_import: || ready(build::form_import),
        }
    }
}
