//! The browser's `fetch` as the sync transport: a time limit per request, offline told apart from failure, and a CORS probe for "Test connection".

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Headers, RequestCache, RequestCredentials, RequestInit, RequestMode,
    RequestRedirect, Response, ResponseType,
};

use crate::platform;
use crate::sync::engine::{Transport, TransportError};
use crate::sync::wire::{HttpRequest, HttpResponse, MAX_ANSWER_BYTES};

/// Sends requests with `fetch`. Cookies are never sent (credentials come
/// only from the settings), nothing is cached, and each request is aborted
/// when its time limit passes.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchTransport;

fn is_timeout(error: &JsValue) -> bool {
    error
        .dyn_ref::<web_sys::DomException>()
        .is_some_and(|e| e.name() == "TimeoutError" || e.name() == "AbortError")
}

fn failed(error: &JsValue) -> TransportError {
    if is_timeout(error) {
        TransportError::Timeout
    } else if !platform::is_online() {
        TransportError::Offline
    } else {
        // A TypeError: connection refused or dropped, DNS, TLS, or CORS —
        // the browser does not say which.
        TransportError::Failed
    }
}

/// `body` is what goes on the wire; `gzipped` whether it was compressed
/// (a request asked for gzip whose compression failed goes plain, without
/// its `Content-Encoding` header).
fn init(request: &HttpRequest, body: Option<&[u8]>, gzipped: bool) -> Result<RequestInit, JsValue> {
    let init = RequestInit::new();
    init.set_method(request.method);
    let headers = Headers::new()?;
    for (name, value) in &request.headers {
        if !gzipped && name.eq_ignore_ascii_case("Content-Encoding") {
            continue;
        }
        headers.append(name, value)?;
    }
    init.set_headers(&headers);
    if let Some(body) = body {
        init.set_body(&Uint8Array::from(body));
    }
    // A batch (POST) uses the default mode: any other makes Chromium skip
    // its CORS-preflight cache and ask a preflight before every batch, a
    // whole extra round trip on 3G. A POST answer is never taken from the
    // HTTP cache, and endpoints answer `no-store` (docs/endpoint.md).
    // Everything else (the connection test, CouchDB's GETs) asks afresh.
    init.set_cache(if request.method == "POST" {
        RequestCache::Default
    } else {
        RequestCache::NoStore
    });
    init.set_credentials(RequestCredentials::Omit);
    init.set_mode(RequestMode::Cors);
    // A redirect is never followed (see TransportError::Redirected).
    init.set_redirect(RequestRedirect::Manual);
    // The time limit covers reading the body too: an answer that never
    // ends is cut off with the request.
    init.set_signal(Some(&AbortSignal::timeout_with_u32(request.timeout_ms)));
    Ok(init)
}

/// Calls `object.name()` and awaits the promise it returns.
async fn call(object: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    let method: js_sys::Function =
        js_sys::Reflect::get(object, &JsValue::from_str(name))?.dyn_into()?;
    let promise: js_sys::Promise = method.call0(object)?.dyn_into()?;
    JsFuture::from(promise).await
}

/// Reads the body chunk by chunk, stopping (and cancelling the download)
/// past [`MAX_ANSWER_BYTES`].
async fn read_body(response: &Response) -> Result<Vec<u8>, TransportError> {
    let declared = response
        .headers()
        .get("Content-Length")
        .ok()
        .flatten()
        .and_then(|n| n.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_ANSWER_BYTES) {
        return Err(TransportError::TooLarge);
    }
    let Some(stream) = response.body() else {
        return Ok(Vec::new());
    };
    let reader: JsValue = stream.get_reader().into();
    let mut body = Vec::new();
    loop {
        let chunk = call(&reader, "read").await.map_err(|e| failed(&e))?;
        let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done"))
            .map(|d| d.is_truthy())
            .unwrap_or(true);
        if done {
            return Ok(body);
        }
        let value = js_sys::Reflect::get(&chunk, &JsValue::from_str("value"))
            .map_err(|_| TransportError::Failed)?;
        let bytes: Uint8Array = value.dyn_into().map_err(|_| TransportError::Failed)?;
        if body.len() + bytes.length() as usize > MAX_ANSWER_BYTES {
            // Cancelling tells the browser to stop downloading; whether it
            // manages to is not ours to wait for.
            let _ = call(&reader, "cancel").await;
            return Err(TransportError::TooLarge);
        }
        body.extend(bytes.to_vec());
    }
}

impl Transport for FetchTransport {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        if !platform::is_online() {
            return Err(TransportError::Offline);
        }
        let window = web_sys::window().ok_or(TransportError::Failed)?;
        let compressed = match &request.body {
            // A browser without CompressionStream sends the body plain,
            // which every server reads.
            Some(body) if request.gzip => platform::compress::gzip(body).await.ok(),
            _ => None,
        };
        let body = compressed.as_deref().or(request.body.as_deref());
        let init = init(request, body, compressed.is_some()).map_err(|_| TransportError::Failed)?;
        let response: Response =
            JsFuture::from(window.fetch_with_str_and_init(&request.url, &init))
                .await
                .map_err(|e| failed(&e))?
                .unchecked_into();
        if response.type_() == ResponseType::Opaqueredirect
            || (300..400).contains(&response.status())
        {
            return Err(TransportError::Redirected);
        }
        // Readable only when the server exposes it (docs/endpoint.md).
        let retry_after = response.headers().get("Retry-After").ok().flatten();
        let accept_encoding = response.headers().get("Accept-Encoding").ok().flatten();
        Ok(HttpResponse {
            status: response.status(),
            retry_after,
            accept_encoding,
            body: read_body(&response).await?,
        })
    }
}

/// What sending needs from the browser besides `fetch`.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserHost;

impl crate::service::sending::Host for BrowserHost {
    fn online(&self) -> bool {
        platform::is_online()
    }
    fn connect_sources(&self) -> Option<Vec<String>> {
        connect_sources()
    }
    fn page_origin(&self) -> String {
        page_origin()
    }
    async fn reachable_without_cors(&self, url: &str, timeout_ms: u32) -> bool {
        reachable_without_cors(url, timeout_ms).await
    }
    async fn request_background_sync(&self) {
        // Without Background Sync (or a worker) the prepared batches wait
        // for the app's next start, which sends them: nothing to tell.
        let _ = platform::service_worker::request_background_sync(SYNC_TAG).await;
    }
}

/// The Background Sync tag public/sw.js answers.
pub const SYNC_TAG: &str = "jangkau-send";

/// After a request failed with no answer: whether the server answers at
/// all when asked without CORS. If it does, the server is up but does not
/// allow this app's origin (CORS) — a server setting to fix.
pub async fn reachable_without_cors(url: &str, timeout_ms: u32) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_mode(RequestMode::NoCors);
    init.set_cache(RequestCache::NoStore);
    init.set_credentials(RequestCredentials::Omit);
    init.set_signal(Some(&AbortSignal::timeout_with_u32(timeout_ms)));
    JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .is_ok()
}

/// The `connect-src` sources of the page's Content-Security-Policy (the
/// meta tag the build adds), or `None` when the page has no policy (a
/// development server).
pub fn connect_sources() -> Option<Vec<String>> {
    let document = web_sys::window()?.document()?;
    let meta = document
        .query_selector("meta[http-equiv='Content-Security-Policy']")
        .ok()??;
    let policy = meta.get_attribute("content")?;
    let directive = policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("connect-src"))?;
    Some(
        directive
            .split_whitespace()
            .skip(1)
            .map(str::to_owned)
            .collect(),
    )
}

/// The page's own origin (`https://host[:port]`).
pub fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}
