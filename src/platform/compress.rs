//! gzip in the browser (`CompressionStream`): batch bodies for servers that take them, and the content inside a programme envelope.

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use super::PlatformError;

// A stream through the browser's own zlib: no compressor in the download.
#[wasm_bindgen(inline_js = r#"
export async function gzip_bytes(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn gzip_bytes(bytes: &[u8]) -> Result<JsValue, JsValue>;
}

/// `bytes` gzip-compressed.
///
/// # Errors
/// When the browser has no `CompressionStream` or the stream fails.
pub async fn gzip(bytes: &[u8]) -> Result<Vec<u8>, PlatformError> {
    let out = gzip_bytes(bytes).await?;
    Ok(out
        .dyn_into::<Uint8Array>()
        .map_err(PlatformError::from)?
        .to_vec())
}
