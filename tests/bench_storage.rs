#![cfg(target_arch = "wasm32")]
//! Storage benchmark in headless Chromium (run by bench/storage.sh, not by the tests): prints timings, asserts none.

use chrono::Utc;
use jangkau::crypto::secret::SecretKind;
use jangkau::crypto::web;
use jangkau::crypto::{Cipher, IdentityCipher};
use jangkau::model::answer::AnswerValue;
use jangkau::model::builtin;
use jangkau::model::form::FormKind;
use jangkau::model::record::Record;
use jangkau::storage::idb::IdbStore;
use jangkau::storage::{ListQuery, Records};
use rexie::{ObjectStore, Rexie, TransactionMode};
use uuid::Uuid;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

mod support;

wasm_bindgen_test_configure!(run_in_browser);

const STORED: u128 = 10_000;

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

fn report(what: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    let q = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    let line = format!(
        "BENCH | {what} | n={} | p50={:.2} ms | p95={:.2} ms | max={:.2} ms",
        samples.len(),
        q(0.5),
        q(0.95),
        samples[samples.len() - 1]
    );
    web_sys::console::log_1(&JsValue::from_str(&line));
}

fn site_visit(n: u128) -> Record {
    support::bench_site_visit(n)
}

#[wasm_bindgen_test]
async fn storage_with_ten_thousand_records() {
    // Unlocking: the work factor this browser calibrates to, and what a
    // derivation and a whole unlock then take.
    let iterations = web::calibrate().await.unwrap();
    web_sys::console::log_1(&JsValue::from_str(&format!(
        "BENCH | PBKDF2 work factor calibrated here | {iterations} iterations"
    )));
    let (file, _) = web::create("482915", SecretKind::Pin, iterations)
        .await
        .unwrap();
    let mut samples = Vec::new();
    for _ in 0..5 {
        let t = now_ms();
        web::unlock(&file, "482915").await.unwrap();
        samples.push(now_ms() - t);
    }
    report("unlock (PBKDF2 + unwrap), calibrated work factor", samples);

    // The same workload without and with encryption, in the same run.
    let (_, cipher) = web::create("482915", SecretKind::Pin, iterations)
        .await
        .unwrap();
    service_workload("none", IdentityCipher).await;
    service_workload("aes-256-gcm", cipher).await;
}

async fn service_workload<C: Cipher>(cipher_name: &str, cipher: C) {
    let name = format!("jangkau-bench-{}", Uuid::new_v4());
    let records = Records::new(IdbStore::open(&name).await.unwrap(), cipher);
    let report = |what: &str, samples| report(&format!("[{cipher_name}] {what}"), samples);
    let form = builtin::form(FormKind::SiteVisit).unwrap();
    let started = now_ms();
    for n in 0..STORED {
        records.save(&site_visit(n)).await.unwrap();
    }
    web_sys::console::log_1(&JsValue::from_str(&format!(
        "BENCH | [{cipher_name}] seeded {STORED} records | {:.0} ms",
        now_ms() - started
    )));

    // Saving one answer: set it on the draft and write the whole record.
    let mut draft = site_visit(STORED + 1);
    let mut samples = Vec::new();
    for i in 0..200 {
        let t = now_ms();
        draft
            .set_answer(
                &form,
                "rooms_count",
                Some(AnswerValue::Integer(i)),
                Utc::now(),
            )
            .unwrap();
        records.save(&draft).await.unwrap();
        samples.push(now_ms() - t);
    }
    report("save one answer (set + write record)", samples);

    let mut samples = Vec::new();
    for n in 0..100u128 {
        let mut r = site_visit(STORED + 10 + n);
        let t = now_ms();
        r.finalize(&form, Utc::now().date_naive(), Utc::now())
            .unwrap();
        records.save(&r).await.unwrap();
        samples.push(now_ms() - t);
    }
    report("finalise one record (validate + write)", samples);

    let mut samples = Vec::new();
    for _ in 0..30 {
        let t = now_ms();
        let page = records
            .list(&ListQuery {
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.len(), 50);
        samples.push(now_ms() - t);
    }
    report("open the record list (first 50 of 10 000)", samples);

    let mut samples = Vec::new();
    for _ in 0..30 {
        let t = now_ms();
        records.summary().await.unwrap();
        samples.push(now_ms() - t);
    }
    report("status strip counts", samples);

    let mut samples = Vec::new();
    for n in 0..200u128 {
        let t = now_ms();
        let id = Uuid::from_u128((n * 47) % STORED + 1);
        assert!(records.load(id).await.unwrap().is_some());
        samples.push(now_ms() - t);
    }
    report("open one record (read + decrypt + parse)", samples);
    records.store().close();
    IdbStore::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn raw_indexeddb_limit() {
    // The raw limit in the same browser: one rexie put/get of a similar
    // value, no service, no serde of our types.
    let raw_name = format!("jangkau-bench-raw-{}", Uuid::new_v4());
    let raw = Rexie::builder(&raw_name)
        .version(1)
        .add_object_store(ObjectStore::new("kv").key_path("id"))
        .build()
        .await
        .unwrap();
    let value = js_sys::JSON::parse(&format!(
        r#"{{"id":"x","status":"draft","updated_at":1,"payload":"{}"}}"#,
        "a".repeat(600)
    ))
    .unwrap();
    for n in 0..STORED {
        js_sys::Reflect::set(&value, &"id".into(), &JsValue::from_str(&n.to_string())).unwrap();
        let tx = raw
            .transaction(&["kv"], TransactionMode::ReadWrite)
            .unwrap();
        tx.store("kv").unwrap().put(&value, None).await.unwrap();
        tx.done().await.unwrap();
    }
    let (mut puts, mut gets) = (Vec::new(), Vec::new());
    for i in 0..200 {
        js_sys::Reflect::set(
            &value,
            &"id".into(),
            &JsValue::from_str(&format!("new-{i}")),
        )
        .unwrap();
        let t = now_ms();
        let tx = raw
            .transaction(&["kv"], TransactionMode::ReadWrite)
            .unwrap();
        tx.store("kv").unwrap().put(&value, None).await.unwrap();
        tx.done().await.unwrap();
        puts.push(now_ms() - t);
        let t = now_ms();
        let tx = raw.transaction(&["kv"], TransactionMode::ReadOnly).unwrap();
        tx.store("kv")
            .unwrap()
            .get(JsValue::from_str(&(i * 37).to_string()))
            .await
            .unwrap();
        gets.push(now_ms() - t);
    }
    report("raw IndexedDB put (rexie, one transaction)", puts);
    report("raw IndexedDB get (rexie)", gets);
    raw.close();
    Rexie::delete(&raw_name).await.unwrap();
}
