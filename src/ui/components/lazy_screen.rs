//! Shows a screen that lives in a separately loaded part: nothing while it loads, the page once it has, a translated notice with a retry if it cannot be fetched.

use leptos::prelude::*;

use crate::i18n::{t, use_i18n};
use crate::ui::screens::{Build, Loader, PartMissing};

#[derive(Clone, Copy)]
enum Fetch {
    Loading,
    Ready(Build),
    Missing(PartMissing),
}

/// The screen `load` fetches. A part that cannot be fetched never stops
/// the app: the person sees what to do, and "Try again" fetches it anew
/// (a failed load is not remembered by the loader).
#[component]
pub fn LazyScreen(load: Loader) -> impl IntoView {
    let i18n = use_i18n();
    let fetch = RwSignal::new(Fetch::Loading);
    let start = move || {
        fetch.set(Fetch::Loading);
        leptos::task::spawn_local(async move {
            let outcome = match load().await {
                Ok(build) => Fetch::Ready(build),
                Err(missing) => Fetch::Missing(missing),
            };
            // The screen may have been left (or the app locked) meanwhile;
            // then there is nothing to show it on, which is safe to skip.
            let _ = fetch.try_set(outcome);
        });
    };
    start();
    move || {
        match fetch.get() {
        // From the service worker's cache a part takes milliseconds; a
        // word would only flash.
        Fetch::Loading => view! { <div class="part-loading" aria-busy="true"></div> }.into_any(),
        // Untracked: what the page reads while it is built must not rebuild
        // it; only a change of `fetch` does.
        Fetch::Ready(build) => untrack(build),
        Fetch::Missing(PartMissing) => view! {
            <section class="notice error part-missing" role="alert" data-testid="part-missing">
                <h1>{t!(i18n, part_missing_title)}</h1>
                <p>{t!(i18n, part_missing)}</p>
                <div class="actions">
                    <button type="button" class="button primary" data-testid="part-retry" on:click=move |_| start()>
                        {t!(i18n, part_retry)}
                    </button>
                    <a href="/" class="button secondary">{t!(i18n, err_boundary_home)}</a>
                </div>
            </section>
        }
        .into_any(),
    }
    }
}
