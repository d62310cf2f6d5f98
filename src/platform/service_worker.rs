//! Registers the service worker and runs the "new version ready → reload" handshake.
//!
//! The worker (public/sw.js) installs a new version in the background but
//! does not take over until the user taps "reload": taking over on its own
//! would swap the app's files under a half-filled form. On the tap the page
//! asks the waiting worker to activate and reloads once it controls the page;
//! the reload fires `pagehide`, where drafts are flushed to IndexedDB.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    ServiceWorker, ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState,
};

/// Message the worker understands as "activate now" (see public/sw.js).
const SKIP_WAITING: &str = "skip-waiting";
/// How often a long-open app asks the server for a newer worker.
const UPDATE_CHECK_INTERVAL_MS: i32 = 30 * 60 * 1000;

thread_local! {
    static REGISTRATION: RefCell<Option<ServiceWorkerRegistration>> = const { RefCell::new(None) };
    static RELOAD_REQUESTED: Cell<bool> = const { Cell::new(false) };
}

/// The browser's service-worker container, or `None` where there is none:
/// an insecure origin (plain http on a LAN address) or an old browser. The
/// app still runs there, only without offline start.
fn container() -> Option<ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    let value = js_sys::Reflect::get(&navigator, &JsValue::from_str("serviceWorker")).ok()?;
    if value.is_undefined() || value.is_null() {
        return None;
    }
    Some(value.unchecked_into())
}

/// Registers `sw.js` (relative to the document's base URL) and calls
/// `on_update_ready` whenever a new version has installed and is waiting.
/// Failure is not fatal — the app keeps working online — so it is reported
/// as `false`, never as a panic.
pub async fn register(on_update_ready: Rc<dyn Fn()>) -> bool {
    let Some(container) = container() else {
        return false;
    };
    let Ok(value) = JsFuture::from(container.register("sw.js")).await else {
        return false;
    };
    let registration: ServiceWorkerRegistration = value.unchecked_into();

    // A version that installed while the app was closed is already waiting.
    if registration.waiting().is_some() && container.controller().is_some() {
        on_update_ready();
    }

    let on_update_found = {
        let registration = registration.clone();
        let container = container.clone();
        Closure::<dyn FnMut()>::new(move || {
            if let Some(worker) = registration.installing() {
                watch_installing(worker, container.clone(), on_update_ready.clone());
            }
        })
    };
    registration.set_onupdatefound(Some(on_update_found.as_ref().unchecked_ref()));
    // The registration lives as long as the page: so does its listener.
    on_update_found.forget();

    let on_controller_change = Closure::<dyn FnMut()>::new(move || {
        // Only reload when this page asked for it; another tab's tap must not
        // reload this one under the user's fingers.
        if RELOAD_REQUESTED.with(Cell::get) {
            reload();
        }
    });
    container.set_oncontrollerchange(Some(on_controller_change.as_ref().unchecked_ref()));
    on_controller_change.forget();

    start_update_checks(&registration);
    REGISTRATION.with(|r| *r.borrow_mut() = Some(registration));
    true
}

fn watch_installing(worker: ServiceWorker, container: ServiceWorkerContainer, ready: Rc<dyn Fn()>) {
    let watched = worker.clone();
    let on_state_change = Closure::<dyn FnMut()>::new(move || {
        // With no controller this is the first install, not an update.
        if watched.state() == ServiceWorkerState::Installed && container.controller().is_some() {
            ready();
        }
    });
    worker.set_onstatechange(Some(on_state_change.as_ref().unchecked_ref()));
    on_state_change.forget();
}

/// Asks for a newer worker when the app comes back to the foreground and
/// every half hour while it stays open; browsers otherwise only check on
/// navigation, and an installed app may stay open for days.
fn start_update_checks(registration: &ServiceWorkerRegistration) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let check = {
        let registration = registration.clone();
        Closure::<dyn FnMut()>::new(move || {
            let visible = web_sys::window()
                .and_then(|w| w.document())
                .map(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
                .unwrap_or(false);
            if visible {
                // A failed check (offline) is retried at the next trigger.
                if let Ok(promise) = registration.update() {
                    wasm_bindgen_futures::spawn_local(async move {
                        let _ = JsFuture::from(promise).await;
                    });
                }
            }
        })
    };
    let callback: &js_sys::Function = check.as_ref().unchecked_ref();
    if let Some(document) = window.document() {
        let _ = document.add_event_listener_with_callback("visibilitychange", callback);
    }
    let _ = window
        .set_interval_with_callback_and_timeout_and_arguments_0(callback, UPDATE_CHECK_INTERVAL_MS);
    check.forget();
}

/// Activates the waiting version and reloads into it. With nothing waiting
/// (already activated by another tab) a plain reload picks up the new files.
pub fn apply_update() {
    RELOAD_REQUESTED.with(|r| r.set(true));
    let waiting = REGISTRATION.with(|r| r.borrow().as_ref().and_then(|reg| reg.waiting()));
    match waiting {
        Some(worker)
            if worker
                .post_message(&JsValue::from_str(SKIP_WAITING))
                .is_ok() => {}
        _ => reload(),
    }
}

/// Reloads the page (after an update, or after the phone's last profile
/// was removed, to start as new).
pub fn reload() {
    if let Some(window) = web_sys::window() {
        // Refused only in a detached document: the app then stays as it
        // is, and reopening it starts it afresh anyway.
        let _ = window.location().reload();
    }
}

/// Asks the browser to wake the service worker with a `sync` event (tag
/// `tag`) once there is a connection, even if the app is closed by then.
/// Only Chromium has Background Sync; elsewhere this returns `false` and
/// the app sends on its next start instead.
pub async fn request_background_sync(tag: &str) -> bool {
    let Some(registration) = REGISTRATION.with(|r| r.borrow().clone()) else {
        return false;
    };
    let Ok(sync) = js_sys::Reflect::get(&registration, &JsValue::from_str("sync")) else {
        return false;
    };
    if sync.is_undefined() || sync.is_null() {
        return false;
    }
    let Ok(register) = js_sys::Reflect::get(&sync, &JsValue::from_str("register"))
        .and_then(|f| f.dyn_into::<js_sys::Function>())
    else {
        return false;
    };
    match register.call1(&sync, &JsValue::from_str(tag)) {
        Ok(promise) => JsFuture::from(js_sys::Promise::from(promise)).await.is_ok(),
        Err(_) => false,
    }
}
