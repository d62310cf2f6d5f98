//! `navigator.storage`: asking for persistent storage and reading how much is used.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Space used and available to this app, in bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub usage: f64,
    pub quota: f64,
}

fn manager() -> Option<web_sys::StorageManager> {
    let navigator = web_sys::window()?.navigator();
    let value = js_sys::Reflect::get(&navigator, &"storage".into()).ok()?;
    if value.is_undefined() {
        return None;
    }
    Some(value.unchecked_into())
}

/// Whether the browser has promised not to evict this app's data.
pub async fn persisted() -> Option<bool> {
    let promise = manager()?.persisted().ok()?;
    JsFuture::from(promise).await.ok()?.as_bool()
}

/// Asks the browser to keep this app's data under storage pressure. Chrome
/// grants it without a prompt to installed or often-used apps.
pub async fn request_persistence() -> Option<bool> {
    let promise = manager()?.persist().ok()?;
    JsFuture::from(promise).await.ok()?.as_bool()
}

pub async fn estimate() -> Option<Estimate> {
    let promise = manager()?.estimate().ok()?;
    let value: web_sys::StorageEstimate = JsFuture::from(promise).await.ok()?.unchecked_into();
    Some(Estimate {
        usage: value.get_usage()?,
        quota: value.get_quota()?,
    })
}
