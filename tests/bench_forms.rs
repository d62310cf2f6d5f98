#![cfg(target_arch = "wasm32")]
//! Form registry benchmark in headless Chromium (run by bench/forms.sh, not by the tests): what opening the sealed registry adds to an unlock, with the built-in forms and with 30 programme forms held; prints timings, asserts none.

use std::rc::Rc;

use jangkau::crypto::secret::SecretKind;
use jangkau::crypto::web;
use jangkau::model::builtin;
use jangkau::model::form::FormKind;
use jangkau::model::registry::{Definition, Registry};
use jangkau::service::forms::FormsService;
use jangkau::storage::idb::IdbStore;
use jangkau::storage::Records;
use uuid::Uuid;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

fn report(what: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    let q = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    web_sys::console::log_1(&JsValue::from_str(&format!(
        "BENCH | {what} | n={} | p50={:.2} ms | p95={:.2} ms | max={:.2} ms",
        samples.len(),
        q(0.5),
        q(0.95),
        samples[samples.len() - 1]
    )));
}

#[wasm_bindgen_test]
async fn opening_the_registry_at_unlock() {
    let iterations = web::calibrate().await.unwrap();
    let (_, cipher) = web::create("482915", SecretKind::Pin, iterations)
        .await
        .unwrap();
    let name = format!("jangkau-bench-{}", Uuid::new_v4());
    let records = Records::new(IdbStore::open(&name).await.unwrap(), cipher);
    let forms = FormsService { records: &records };

    // A new phone: the built-in forms, nothing stored yet.
    let mut samples = Vec::new();
    for _ in 0..20 {
        let t = now_ms();
        forms.open().await.unwrap();
        samples.push(now_ms() - t);
    }
    report("open registry: built-in forms only, none stored", samples);

    // 30 programme forms (the size of the needs assessment each), two
    // versions of ten of them, stored sealed.
    let mut registry = Registry::built_in();
    for n in 0..30u32 {
        let versions = if n < 10 { 2 } else { 1 };
        for v in 1..=versions {
            let mut form = builtin::form(FormKind::NeedsAssessment).unwrap();
            form.id = format!("programme_form_{n}");
            form.version = v;
            registry.add(Definition::Form(Rc::new(form)), None).unwrap();
        }
    }
    let stored = serde_json::to_vec(&registry.to_stored()).unwrap();
    web_sys::console::log_1(&JsValue::from_str(&format!(
        "BENCH | registry with 30 programme forms (40 versions) + built-in | {} KB as JSON before sealing",
        stored.len() / 1024
    )));
    forms.save(&registry).await.unwrap();
    let mut samples = Vec::new();
    for _ in 0..20 {
        let t = now_ms();
        let opened = forms.open().await.unwrap();
        samples.push(now_ms() - t);
        assert_eq!(opened.registry.all_forms().len(), 43);
    }
    report(
        "open registry: 30 programme forms (40 versions) + built-in, sealed",
        samples,
    );
}
