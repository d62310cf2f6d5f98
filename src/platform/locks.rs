//! A lock shared by every tab of the app (the Web Locks API), so two open tabs never send at the same time.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use futures_channel::oneshot;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

/// Runs `work` while holding the lock `name`, if no other tab holds it.
/// Returns `None` (without running it) when another tab does. Browsers
/// without Web Locks run it unguarded: within one tab the caller's own
/// flag still prevents overlap.
pub async fn if_available<T, Fut: Future<Output = T>>(
    name: &str,
    work: impl FnOnce() -> Fut,
) -> Option<T> {
    let Some(locks) = web_sys::window()
        .and_then(|w| Reflect::get(&w.navigator(), &"locks".into()).ok())
        .filter(|l| !l.is_undefined() && !l.is_null())
    else {
        return Some(work().await);
    };
    let Ok(request) =
        Reflect::get(&locks, &"request".into()).and_then(|f| f.dyn_into::<Function>())
    else {
        return Some(work().await);
    };
    // Resolved when the work is done: until then the browser keeps the lock.
    let release: Rc<RefCell<Option<Function>>> = Rc::new(RefCell::new(None));
    let held = {
        let release = Rc::clone(&release);
        Promise::new(&mut move |resolve, _| {
            *release.borrow_mut() = Some(resolve);
        })
    };
    let (granted_tx, granted_rx) = oneshot::channel::<bool>();
    let granted_tx = RefCell::new(Some(granted_tx));
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        if let Some(tx) = granted_tx.borrow_mut().take() {
            let _ = tx.send(!lock.is_null());
        }
        held.into()
    });
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    if request
        .call3(&locks, &JsValue::from_str(name), &options, &callback)
        .is_err()
    {
        return Some(work().await);
    }
    let granted = granted_rx.await.unwrap_or(false);
    let result = if granted { Some(work().await) } else { None };
    if let Some(resolve) = release.borrow_mut().take() {
        let _ = resolve.call0(&JsValue::NULL);
    }
    result
}

/// Waits until no tab or worker holds the lock `name` (queued behind the
/// holder, released at once). Returns at once where there is no Web Locks.
pub async fn released(name: &str) {
    let Some(locks) = web_sys::window()
        .and_then(|w| Reflect::get(&w.navigator(), &"locks".into()).ok())
        .filter(|l| !l.is_undefined() && !l.is_null())
    else {
        return;
    };
    let Ok(request) =
        Reflect::get(&locks, &"request".into()).and_then(|f| f.dyn_into::<Function>())
    else {
        return;
    };
    let (done_tx, done_rx) = oneshot::channel::<()>();
    let done_tx = RefCell::new(Some(done_tx));
    let callback = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        if let Some(tx) = done_tx.borrow_mut().take() {
            // The receiver is gone only if the waiting task was dropped.
            let _ = tx.send(());
        }
        JsValue::UNDEFINED
    });
    if request
        .call2(&locks, &JsValue::from_str(name), &callback)
        .is_err()
    {
        return;
    }
    // A dropped sender (the browser discarded the request) means no wait.
    let _ = done_rx.await;
}
