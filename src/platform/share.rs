//! Handing files to the phone: the Android share sheet (Web Share API with files) where the browser offers it, a download otherwise; and reading a picked file.

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A file to hand over.
#[derive(Clone, Debug, PartialEq)]
pub struct OutFile {
    pub name: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    /// The user closed the share sheet.
    #[error("the share sheet was closed")]
    Cancelled,
    /// The browser refused (no share sheet, or the tap is too long ago).
    #[error("the browser would not share the files")]
    Refused,
}

fn files_array(files: &[OutFile]) -> Result<Array, JsValue> {
    let out = Array::new();
    for f in files {
        let parts = Array::of1(&Uint8Array::from(f.bytes.as_slice()));
        let options = web_sys::FilePropertyBag::new();
        options.set_type(f.mime);
        let file =
            web_sys::File::new_with_u8_array_sequence_and_options(&parts, &f.name, &options)?;
        out.push(&file);
    }
    Ok(out)
}

fn share_data(files: &[OutFile]) -> Result<Object, JsValue> {
    let data = Object::new();
    let files: JsValue = files_array(files)?.into();
    Reflect::set(&data, &"files".into(), &files)?;
    Ok(data)
}

fn navigator_method(name: &str) -> Option<(JsValue, Function)> {
    let navigator: JsValue = web_sys::window()?.navigator().into();
    let method = Reflect::get(&navigator, &name.into()).ok()?;
    method.dyn_into::<Function>().ok().map(|f| (navigator, f))
}

/// Whether this browser can share these files (Chrome on Android can;
/// most desktop browsers cannot).
pub fn can_share(files: &[OutFile]) -> bool {
    let Some((navigator, can_share)) = navigator_method("canShare") else {
        return false;
    };
    if navigator_method("share").is_none() {
        return false;
    }
    share_data(files)
        .and_then(|data| can_share.call1(&navigator, &data))
        .is_ok_and(|v| v.is_truthy())
}

/// Opens the share sheet. Must run from a tap.
///
/// # Errors
/// `Cancelled` when the user closes it, `Refused` otherwise.
pub async fn share(files: &[OutFile]) -> Result<(), ShareError> {
    let (navigator, share) = navigator_method("share").ok_or(ShareError::Refused)?;
    let data = share_data(files).map_err(|_| ShareError::Refused)?;
    let promise: Promise = share
        .call1(&navigator, &data)
        .map_err(|_| ShareError::Refused)?
        .dyn_into()
        .map_err(|_| ShareError::Refused)?;
    match JsFuture::from(promise).await {
        Ok(_) => Ok(()),
        Err(e) => {
            let name = Reflect::get(&e, &"name".into())
                .ok()
                .and_then(|n| n.as_string());
            Err(if name.as_deref() == Some("AbortError") {
                ShareError::Cancelled
            } else {
                ShareError::Refused
            })
        }
    }
}

/// Saves each file as a download.
///
/// # Errors
/// When the browser refuses.
pub fn download_all(files: &[OutFile]) -> Result<(), super::PlatformError> {
    for f in files {
        super::download(&f.name, &f.bytes, f.mime)?;
    }
    Ok(())
}

/// The file picked in the `<input type="file">` an event came from, if
/// any; the input is emptied so the same file can be picked again.
pub fn picked_file(event: &web_sys::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = event.target()?.dyn_into().ok()?;
    let file = input.files().and_then(|f| f.get(0))?;
    input.set_value("");
    Some(file)
}

/// The bytes of a file the user picked.
///
/// # Errors
/// When the browser cannot read it.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, super::PlatformError> {
    let buffer = JsFuture::from(file.array_buffer()).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Lets the page paint (and take taps) before more work: a macrotask.
pub async fn yield_now() {
    let promise = Promise::new(&mut |resolve, _| {
        // With no timer to wait for, go on at once: the work simply runs
        // without a paint in between, and nothing is lost.
        let queued = web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
                .ok()
        });
        if queued.is_none() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    // A timer's promise only resolves: there is no error to see.
    let _ = JsFuture::from(promise).await;
}
