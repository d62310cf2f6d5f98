//! Thin wrappers over browser APIs the app needs at start-up (panic guard, ready mark, base path).

pub mod clock;
pub mod compress;
pub mod geo;
pub mod http;
pub mod locks;
pub mod profiles_channel;
pub mod service_worker;
pub mod share;
pub mod storage_manager;
pub mod xlsform;

use thiserror::Error;
use wasm_bindgen::JsValue;

/// A browser API refused: only the exception's name is kept (a message
/// could quote data).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlatformError {
    #[error("the browser refused ({0})")]
    Refused(String),
}

impl From<JsValue> for PlatformError {
    fn from(error: JsValue) -> Self {
        let name = js_sys::Reflect::get(&error, &JsValue::from_str("name"))
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_else(|| "unknown".into());
        PlatformError::Refused(name)
    }
}

/// Replaces Rust's default panic output. A panic message can quote the value
/// that caused it — possibly something a user typed — so only the source
/// location reaches the console, and the user sees a fixed, bilingual notice
/// (`#fatal` in index.html) instead of a frozen screen.
pub fn install_panic_guard() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "unknown location".to_owned());
        web_sys::console::error_1(&JsValue::from_str(&format!(
            "Jangkau stopped unexpectedly ({location})"
        )));
        if let Some(fatal) = document().and_then(|d| d.get_element_by_id("fatal")) {
            // Inside the panic hook there is nothing left to report to.
            let _ = fatal.remove_attribute("hidden");
        }
    }));
}

/// Marks the app as usable: removes the boot notice, sets `data-ready` on
/// `<html>` (end-to-end tests wait for it) and records a `jangkau-ready`
/// performance mark (the start-up benchmark reads it).
pub fn mark_ready() {
    let Some(document) = document() else { return };
    if let Some(boot) = document.get_element_by_id("boot") {
        boot.remove();
    }
    // Marks for tests and benchmarks only: the app works without them.
    if let Some(root) = document.document_element() {
        let _ = root.set_attribute("data-ready", "1");
    }
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark("jangkau-ready");
    }
}

/// Sets `<html lang>` so screen readers and the phone's keyboard use the
/// interface language.
pub fn set_document_language(code: &str) {
    if let Some(root) = document().and_then(|d| d.document_element()) {
        // Setting an attribute on <html> does not fail; if it did, only the
        // screen reader's voice would be off, never a record.
        let _ = root.set_attribute("lang", code);
    }
}

/// Whether the browser believes it has a network connection. Only a hint:
/// `true` can still mean a captive portal, so sync checks against the server.
pub fn is_online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true)
}

fn document() -> Option<web_sys::Document> {
    web_sys::window().and_then(|w| w.document())
}

/// Whether the page is out of sight (another app, another tab, screen off).
pub fn is_hidden() -> bool {
    document().is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden)
}

/// The tab and app-switcher title.
pub fn set_title(title: &str) {
    if let Some(document) = document() {
        document.set_title(title);
    }
}

pub fn scroll_to_top() {
    if let Some(window) = web_sys::window() {
        window.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// Offers `bytes` as a file download named `name`. The name must say
/// nothing about anyone (it shows in the phone's downloads list).
///
/// # Errors
/// When the browser refuses to make the file.
pub fn download(name: &str, bytes: &[u8], mime: &str) -> Result<(), PlatformError> {
    use wasm_bindgen::JsCast;
    let document = document().ok_or_else(|| PlatformError::Refused("no document".into()))?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    Ok(web_sys::Url::revoke_object_url(&url)?)
}

/// Whether the page is a secure context (https, or localhost), where
/// WebCrypto and service workers are available.
pub fn is_secure_context() -> bool {
    web_sys::window().is_some_and(|w| w.is_secure_context())
}
