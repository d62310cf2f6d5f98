#![cfg(target_arch = "wasm32")]
//! Sending benchmark in headless Chromium (run by bench/sync.sh, not by the tests): 10 000 records to the loopback receiver beside a bare fetch loop; prints timings and memory, asserts none.

use chrono::{DateTime, Utc};
use jangkau::crypto::secret::SecretKind;
use jangkau::crypto::{web, CryptoError};
use jangkau::model::record::{Record, RecordStatus};
use jangkau::platform::http::FetchTransport;
use jangkau::storage::idb::IdbStore;
use jangkau::storage::{RecordStore, Records};
use jangkau::sync::endpoint::{Credentials, Endpoint, EndpointKind};
use jangkau::sync::engine::{Outbox, Preparer, Progress, RunContext, Transport};
use jangkau::sync::wire::{batch_request, hex, Content, Entry, HttpRequest, PendingBatch, Sender};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

mod support;

wasm_bindgen_test_configure!(run_in_browser);

const STORED: u128 = 10_000;
const RECEIVER: Option<&str> = option_env!("JANGKAU_BENCH_RECEIVER");

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

fn log(line: String) {
    web_sys::console::log_1(&JsValue::from_str(&format!("BENCH | {line}")));
}

/// JS heap in use (Chromium's non-standard performance.memory) plus the
/// wasm linear memory, in MB.
fn memory_mb() -> (f64, f64) {
    let perf = web_sys::window().unwrap().performance().unwrap();
    let heap = js_sys::Reflect::get(&perf, &"memory".into())
        .and_then(|m| js_sys::Reflect::get(&m, &"usedJSHeapSize".into()))
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    let wasm = wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64;
    (heap / 1_048_576.0, wasm / 1_048_576.0)
}

fn record(n: u128) -> Record {
    let mut r = support::bench_site_visit(n);
    r.status = RecordStatus::Final;
    r
}

struct Plain;

impl Preparer for Plain {
    async fn prepare(&self, record: &Record) -> Result<Entry, CryptoError> {
        let bytes = Content::of(record).to_bytes();
        Ok(Entry::plain(record, hex(&web::sha256(&bytes).await?)))
    }
}

/// Answers every batch at once, "created", without a network: what a
/// run costs the phone alone.
struct Echo;

impl Transport for Echo {
    async fn send(
        &self,
        request: &HttpRequest,
    ) -> Result<jangkau::sync::wire::HttpResponse, jangkau::sync::engine::TransportError> {
        let body: serde_json::Value =
            serde_json::from_slice(request.body.as_deref().unwrap_or_default()).unwrap();
        let results: Vec<serde_json::Value> = body["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| serde_json::json!({"record_id": r["record_id"], "status": "created"}))
            .collect();
        let answer = serde_json::json!({"batch_id": body["batch_id"], "results": results});
        Ok(jangkau::sync::wire::HttpResponse {
            status: 200,
            retry_after: None,
            accept_encoding: None,
            body: serde_json::to_vec(&answer).unwrap(),
        })
    }
}

struct Bench {
    next: u64,
    peak: (f64, f64),
}

impl RunContext for Bench {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn new_batch_id(&mut self) -> String {
        self.next += 1;
        format!("bench-{}-{}", js_sys::Date::now(), self.next)
    }
    fn jitter(&mut self) -> f64 {
        0.5
    }
    fn progress(&mut self, _: Progress) {
        let (heap, wasm) = memory_mb();
        self.peak = (self.peak.0.max(heap), self.peak.1.max(wasm));
    }
}

async fn control(base: &str, what: &str) {
    let request = HttpRequest {
        method: "POST",
        url: format!("{base}/_control/{what}"),
        headers: Vec::new(),
        body: Some(b"{}".to_vec()),
        gzip: false,
        timeout_ms: 30_000,
    };
    FetchTransport.send(&request).await.unwrap();
}

async fn reset_to_final<S: RecordStore, C: jangkau::crypto::Cipher>(records: &Records<S, C>) {
    let sent = records
        .store()
        .oldest_ids(RecordStatus::Sent, STORED as u32)
        .await
        .unwrap();
    records
        .store()
        .set_statuses(&sent, RecordStatus::Sent, RecordStatus::Final)
        .await
        .unwrap();
}

#[wasm_bindgen_test]
async fn send_ten_thousand_records() {
    let Some(url) = RECEIVER else {
        log("skipped: JANGKAU_BENCH_RECEIVER not set at build (bench/sync.sh sets it)".into());
        return;
    };
    let base = url.trim_end_matches("/batches").to_owned();
    let _ = IdbStore::delete_database("jangkau-bench-sync").await;
    let store = IdbStore::open("jangkau-bench-sync").await.unwrap();
    let (_, cipher) = web::create("482915", SecretKind::Pin, 100_000)
        .await
        .unwrap();
    let records = Records::new(store, cipher);
    let t = now_ms();
    for n in 0..STORED {
        records.save(&record(n)).await.unwrap();
    }
    log(format!(
        "seeded {STORED} final records in {:.1} s",
        (now_ms() - t) / 1000.0
    ));
    let sender = Sender {
        device_id: "bench".into(),
        app_version: "bench".into(),
    };
    // Where a small batch's time goes: each step of a run, alone, 50 times.
    let ids = records
        .store()
        .oldest_ids(RecordStatus::Final, 10)
        .await
        .unwrap();
    let mut steps: Vec<(&str, f64)> = Vec::new();
    let t = now_ms();
    for _ in 0..50 {
        records
            .store()
            .oldest_ids(RecordStatus::Final, 10)
            .await
            .unwrap();
    }
    steps.push(("queue read (oldest 10 ids)", now_ms() - t));
    let t = now_ms();
    let mut loaded = Vec::new();
    for _ in 0..50 {
        loaded = records.load_many(&ids).await.unwrap();
    }
    steps.push(("read + decrypt 10 records", now_ms() - t));
    let ready: Vec<Record> = loaded
        .into_iter()
        .map(|(_, r)| r.unwrap().unwrap())
        .collect();
    let t = now_ms();
    let mut entries = Vec::new();
    for _ in 0..50 {
        entries.clear();
        for r in &ready {
            entries.push(Plain.prepare(r).await.unwrap());
        }
    }
    steps.push(("hash 10 entries", now_ms() - t));
    let batch = PendingBatch {
        batch_id: "x".into(),
        entries,
    };
    let json = serde_json::to_vec(&vec![batch.clone()]).unwrap();
    let t = now_ms();
    for _ in 0..50 {
        records
            .put_sealed_meta("bench_outbox", &json)
            .await
            .unwrap();
    }
    steps.push(("seal + write the outbox", now_ms() - t));
    let t = now_ms();
    for _ in 0..50 {
        records
            .store()
            .set_statuses(&ids, RecordStatus::Sent, RecordStatus::Sent)
            .await
            .unwrap();
    }
    steps.push(("status write for 10 (no change)", now_ms() - t));
    let t = now_ms();
    for _ in 0..50 {
        records.store().set_meta("bench_meta", "x").await.unwrap();
    }
    steps.push(("one small meta write", now_ms() - t));
    for (what, total) in steps {
        log(format!("step | {what}: {:.2} ms each", total / 50.0));
    }
    for batch_size in [10_u32, 50, 200] {
        let endpoint = Endpoint {
            url: url.to_owned(),
            kind: EndpointKind::JangkauBatch,
            credentials: Credentials::Bearer {
                token: "bench".into(),
            },
            batch_size,
            timeout_seconds: 60,
        };
        // The raw limit: the same bodies, built beforehand, posted by a bare
        // fetch loop (one request at a time, answers read), same browser.
        let ids = records
            .store()
            .oldest_ids(RecordStatus::Final, STORED as u32)
            .await
            .unwrap();
        let mut bodies: Vec<HttpRequest> = Vec::new();
        for (i, chunk) in ids.chunks(batch_size as usize).enumerate() {
            let mut entries = Vec::new();
            for (_, r) in records.load_many(chunk).await.unwrap() {
                entries.push(Plain.prepare(&r.unwrap().unwrap()).await.unwrap());
            }
            let batch = PendingBatch {
                batch_id: format!("raw-{batch_size}-{i}-{}", js_sys::Date::now()),
                entries,
            };
            bodies.push(batch_request(&endpoint, &sender, &batch, Utc::now()));
        }
        control(&base, "reset").await;
        let t = now_ms();
        for request in &bodies {
            let response = FetchTransport.send(request).await.unwrap();
            assert_eq!(response.status, 200);
        }
        let raw = (now_ms() - t) / 1000.0;
        drop(bodies);
        control(&base, "reset").await;

        let before = memory_mb();
        let mut ctx = Bench {
            next: 0,
            peak: before,
        };
        let outbox = Outbox {
            records: &records,
            transport: &FetchTransport,
            preparer: &Plain,
            endpoint: &endpoint,
            sender: &sender,
        };
        let t = now_ms();
        let report = outbox.run(&mut ctx).await.unwrap();
        let app = (now_ms() - t) / 1000.0;
        // The same run again with no network at all.
        reset_to_final(&records).await;
        let offline = Outbox {
            records: &records,
            transport: &Echo,
            preparer: &Plain,
            endpoint: &endpoint,
            sender: &sender,
        };
        let t = now_ms();
        offline
            .run(&mut Bench {
                next: 0,
                peak: before,
            })
            .await
            .unwrap();
        log(format!(
            "batch {batch_size:>3} | the same run with an instant in-page answer (phone-side cost only): {:.1} s",
            (now_ms() - t) / 1000.0
        ));
        let after = memory_mb();
        log(format!(
            "batch {batch_size:>3} | app {app:.1} s ({:.0} records/s, {} requests) | raw fetch loop {raw:.1} s | app/raw speed {:.0} % | JS heap {:.1} → peak {:.1} → {:.1} MB | wasm memory {:.1} → peak {:.1} MB",
            report.delivered as f64 / app,
            report.requests,
            raw / app * 100.0,
            before.0,
            ctx.peak.0,
            after.0,
            before.1,
            ctx.peak.1,
        ));
        assert_eq!(report.delivered, STORED as u32, "{report:?}");
        // Back to final for the next batch size.
        reset_to_final(&records).await;
    }
    let _ = IdbStore::delete_database("jangkau-bench-sync").await;
}
