//! The XLSForm importer as its own wasm part: the app loads it only when a coordinator imports a workbook, so field workers never download it.

use wasm_bindgen::prelude::*;

/// Converts a workbook file; returns the [`jangkau::xlsform::Report`] as
/// JSON (the form file's text, or every problem, and the notes, in both
/// languages).
#[wasm_bindgen]
pub fn convert(bytes: &[u8]) -> String {
    let report = jangkau::xlsform::import(bytes);
    // A report is strings only: serialising it cannot fail; were it to,
    // the app reads the empty object as "no form, no problems" and says the
    // importer failed.
    serde_json::to_string(&report).unwrap_or_else(|_| String::from("{}"))
}
