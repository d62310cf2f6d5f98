//! Loads the XLSForm importer part (built apart by scripts/build-xlsform.sh) when a coordinator first imports a workbook, and runs it on the file's bytes.

use thiserror::Error;
use wasm_bindgen::prelude::*;

use crate::xlsform::Report;

// The build names the part's address in index.html; the address is
// resolved against the page (not this snippet's own file). The service
// worker caches the part when first loaded (public/sw.js, PARTS).
#[wasm_bindgen(inline_js = r#"
export async function load_importer() {
  const meta = document.querySelector('meta[name="jangkau-xlsform"]');
  if (!meta) throw Object.assign(new Error('no importer in this build'), { name: 'Missing' });
  const part = await import(new URL(meta.content, document.baseURI).href);
  await part.default();
  return part;
}
export function run_importer(part, bytes) {
  return part.convert(bytes);
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn load_importer() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    fn run_importer(part: &JsValue, bytes: &[u8]) -> Result<String, JsValue>;
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImporterError {
    /// This build was made without the importer.
    #[error("this build has no XLSForm importer")]
    Missing,
    /// It could not be downloaded (never loaded before and no signal, or
    /// a server error) or compiled.
    #[error("the XLSForm importer could not be loaded ({0})")]
    Unavailable(String),
    /// It stopped on this file; nothing was added.
    #[error("the XLSForm importer stopped on this file")]
    Failed,
}

fn name_of(error: &JsValue) -> String {
    js_sys::Reflect::get(error, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Converts a workbook file with the importer part, loading it first if
/// this page has not yet.
///
/// # Errors
/// When the part cannot be loaded or stops.
pub async fn convert(bytes: &[u8]) -> Result<Report, ImporterError> {
    let part = load_importer()
        .await
        .map_err(|e| match name_of(&e).as_str() {
            "Missing" => ImporterError::Missing,
            other => ImporterError::Unavailable(other.to_owned()),
        })?;
    let json = run_importer(&part, bytes).map_err(|_| ImporterError::Failed)?;
    serde_json::from_str(&json).map_err(|_| ImporterError::Failed)
}
