#![cfg(target_arch = "wasm32")]
//! Browser tests (headless Chromium): the app mounts, and the language switch changes and remembers the text.

use std::time::Duration;

use gloo_storage::{LocalStorage, Storage};
use jangkau::ui::screens::Screens;
use jangkau::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const LANGUAGE_KEY: &str = "jangkau.language";

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

async fn sleep(duration: Duration) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                duration.as_millis() as i32,
            )
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits up to five seconds for `condition`; effects and routing settle
/// asynchronously, so a single check right after an action would be flaky.
async fn wait_for(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..100 {
        if condition() {
            return;
        }
        sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}; page text: {}", body_text());
}

fn body_text() -> String {
    document()
        .body()
        .unwrap()
        .text_content()
        .unwrap_or_default()
}

fn testid(id: &str) -> Option<web_sys::HtmlElement> {
    document()
        .query_selector(&format!("[data-testid='{id}']"))
        .unwrap()
        .map(|e| e.unchecked_into())
}

fn html_lang() -> Option<String> {
    document().document_element().unwrap().get_attribute("lang")
}

/// Mounts the app into a fresh container (tests must not see each other's DOM).
fn mount() -> (
    web_sys::HtmlElement,
    leptos::mount::UnmountHandle<impl leptos::tachys::view::Mountable>,
) {
    let container: web_sys::HtmlElement =
        document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&container).unwrap();
    let handle = leptos::mount::mount_to(container.clone(), || {
        leptos::view! { <App screens=Screens::in_place() /> }
    });
    (container, handle)
}

fn raw_storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

// The scenarios share one page and one localStorage, and wasm-bindgen-test
// interleaves async tests, so they run in sequence inside one test.
#[wasm_bindgen_test]
async fn language_starts_switches_and_is_remembered() {
    mounts_in_indonesian_and_switches_to_english().await;
    starts_in_the_saved_language().await;
    a_corrupt_saved_language_falls_back_to_indonesian().await;
}

async fn mounts_in_indonesian_and_switches_to_english() {
    raw_storage().remove_item(LANGUAGE_KEY).unwrap();
    let (app, handle) = mount();
    let text = || app.text_content().unwrap_or_default();

    wait_for("first screen in Bahasa Indonesia", || {
        text().contains("Lindungi catatan di ponsel ini") && text().contains("Keluar")
    })
    .await;
    wait_for("<html lang=id>", || html_lang().as_deref() == Some("id")).await;
    assert!(!text().contains("Protect the records"));

    testid("lang-switch").expect("language switch").click();
    wait_for("first screen in English", || {
        text().contains("Protect the records on this phone")
    })
    .await;
    assert!(text().contains("Quick exit"));
    assert!(!text().contains("Lindungi catatan"));
    wait_for("<html lang=en>", || html_lang().as_deref() == Some("en")).await;

    // The choice is remembered on the phone.
    wait_for("saved choice", || {
        LocalStorage::get::<String>(LANGUAGE_KEY).ok().as_deref() == Some("en")
    })
    .await;

    // And switching back works too.
    testid("lang-switch").expect("language switch").click();
    wait_for("first screen back in Bahasa Indonesia", || {
        text().contains("Lindungi catatan di ponsel ini")
    })
    .await;
    drop(handle);
    app.remove();
}

async fn starts_in_the_saved_language() {
    LocalStorage::set(LANGUAGE_KEY, "en").unwrap();
    let (app, handle) = mount();
    wait_for("first screen in English", || {
        app.text_content()
            .unwrap_or_default()
            .contains("Protect the records on this phone")
    })
    .await;
    wait_for("<html lang=en>", || html_lang().as_deref() == Some("en")).await;
    drop(handle);
    app.remove();
}

/// A garbled saved preference (storage edited, or written by an older build)
/// must not stop the app from opening: it falls back to Bahasa Indonesia.
async fn a_corrupt_saved_language_falls_back_to_indonesian() {
    raw_storage().set_item(LANGUAGE_KEY, "{not json").unwrap();
    let (app, handle) = mount();
    wait_for("first screen in Bahasa Indonesia", || {
        app.text_content()
            .unwrap_or_default()
            .contains("Lindungi catatan di ponsel ini")
    })
    .await;
    drop(handle);
    app.remove();
    raw_storage().remove_item(LANGUAGE_KEY).unwrap();
}
