//! Sending against scripted servers: exactly-once through dropped answers, captive portals, busy servers, 401, 413, rejections, conflicts and CouchDB.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Duration, TimeZone, Utc};
use jangkau::crypto::{CryptoError, IdentityCipher};
use jangkau::model::record::{Record, RecordStatus};
use jangkau::storage::memory::MemoryStore;
use jangkau::storage::{RecordStore, Records, StoredRecord};
use jangkau::sync::endpoint::{
    connect_allowed, Credentials, DeploymentDefaults, Endpoint, EndpointError, EndpointForm,
    EndpointKind, Url,
};
use jangkau::sync::engine::{
    held_reasons, load_gzip, load_history, load_outbox, load_state, prune_outbox, release_held,
    save_gzip, HeldKind, Outbox, Preparer, Progress, RunContext, Transport, TransportError,
    META_RELAY,
};
use jangkau::sync::policy::{
    backoff, classify_status, retry_after, Failure, NotAnswerKind, StatusClass, SyncState,
    BACKOFF_CAP_MS,
};
use jangkau::sync::wire::{
    accepts_gzip, batch_request, hex, relay, Content, Entry, HttpRequest, HttpResponse,
    PendingBatch, Sender,
};
use pollster::block_on;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

mod support;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap()
}

type Svc = Records<MemoryStore, IdentityCipher>;

/// `n` final site visits (ids 1..=n, oldest first) and one draft (id 999).
fn phone(n: u128) -> Svc {
    let records = Records::new(MemoryStore::new(), IdentityCipher);
    for i in 1..=n {
        let mut r = support::site_visit(i, t0() + Duration::minutes(i as i64), "KDR-CERME");
        r.status = RecordStatus::Final;
        block_on(records.save(&r)).unwrap();
    }
    block_on(records.save(&support::site_visit(999, t0(), "KDR-CERME"))).unwrap();
    records
}

fn status_of(records: &Svc, id: u128) -> RecordStatus {
    let id = uuid::Uuid::from_u128(id).to_string();
    block_on(records.store().get(&id)).unwrap().unwrap().status
}

fn count(records: &Svc, s: RecordStatus) -> u32 {
    block_on(records.store().count(Some(s))).unwrap()
}

struct PlainPreparer;

impl Preparer for PlainPreparer {
    async fn prepare(&self, record: &Record) -> Result<Entry, CryptoError> {
        let bytes = Content::of(record).to_bytes();
        Ok(Entry::plain(record, hex(&Sha256::digest(&bytes))))
    }
}

/// What the scripted server does with the next request.
#[derive(Debug, Clone)]
enum Fault {
    /// No fault: answered as the protocol says.
    Answer,
    /// Stores the batch, then the connection drops before the answer.
    DropAfterStore,
    /// Stores the batch, answers too late: the phone has timed out.
    SlowAfterStore,
    Offline,
    Status(u16, Option<&'static str>),
    /// 200 with a Wi-Fi login page.
    Portal,
    Malformed,
    /// A valid-looking answer to some other batch.
    OtherBatch,
    /// Answers for every record but the first.
    OmitFirst,
    /// A valid answer to this batch naming only records it did not carry.
    NamesOthers,
    /// A 3xx (the transport never follows it).
    Redirect,
}

/// A receiver following docs/endpoint.md (or CouchDB's `_bulk_docs`), in
/// memory, with faults to inject.
#[derive(Default)]
struct Server {
    couch: bool,
    /// record id → payload_sha256, as stored.
    stored: RefCell<BTreeMap<String, String>>,
    /// Every record id ever posted, with repeats.
    posted: RefCell<Vec<String>>,
    /// batch id → the answer given (replayed for a repeat).
    answers: RefCell<BTreeMap<String, Value>>,
    /// batch id → the first body's bytes, `sent_at` cut out: a resend must
    /// carry the same bytes.
    bodies: RefCell<BTreeMap<String, Vec<u8>>>,
    faults: RefCell<VecDeque<Fault>>,
    /// Batches larger than this get 413.
    max_records: Option<usize>,
    /// Record ids refused with this reason.
    refuse: BTreeMap<String, String>,
    requests: RefCell<Vec<HttpRequest>>,
    /// Announces `Accept-Encoding: gzip`; a gzip body sent while this is
    /// off gets 415 (RFC 7694).
    gzip: std::cell::Cell<bool>,
}

impl Server {
    fn jangkau() -> Server {
        Server::default()
    }

    fn couch() -> Server {
        Server {
            couch: true,
            ..Server::default()
        }
    }

    fn then(&self, faults: &[Fault]) {
        self.faults.borrow_mut().extend(faults.iter().cloned());
    }

    fn store_batch(&self, body: &Value) -> Value {
        if self.couch {
            let mut out = Vec::new();
            for doc in body["docs"].as_array().unwrap() {
                let id = doc["_id"].as_str().unwrap().to_owned();
                let sha = doc["payload_sha256"].as_str().unwrap().to_owned();
                self.posted.borrow_mut().push(id.clone());
                let mut stored = self.stored.borrow_mut();
                if stored.contains_key(&id) {
                    out.push(json!({"id": id, "error": "conflict", "reason": "Document update conflict."}));
                } else if let Some(reason) = self.refuse.get(&id) {
                    out.push(json!({"id": id, "error": "forbidden", "reason": reason}));
                } else {
                    stored.insert(id.clone(), sha);
                    out.push(json!({"id": id, "ok": true, "rev": "1-x"}));
                }
            }
            return Value::Array(out);
        }
        let batch_id = body["batch_id"].as_str().unwrap().to_owned();
        if let Some(answer) = self.answers.borrow().get(&batch_id) {
            return answer.clone();
        }
        let mut results = Vec::new();
        for r in body["records"].as_array().unwrap() {
            let id = r["record_id"].as_str().unwrap().to_owned();
            let sha = r["payload_sha256"].as_str().unwrap().to_owned();
            self.posted.borrow_mut().push(id.clone());
            let mut stored = self.stored.borrow_mut();
            let result = match (stored.get(&id), self.refuse.get(&id)) {
                (_, Some(reason)) => {
                    json!({"record_id": id, "status": "rejected", "reason": reason})
                }
                (Some(s), _) if *s == sha => json!({"record_id": id, "status": "duplicate"}),
                (Some(_), _) => {
                    json!({"record_id": id, "status": "conflict", "reason": "another version"})
                }
                (None, _) => {
                    stored.insert(id.clone(), sha);
                    json!({"record_id": id, "status": "created"})
                }
            };
            results.push(result);
        }
        let answer = json!({"batch_id": batch_id, "results": results});
        self.answers.borrow_mut().insert(batch_id, answer.clone());
        answer
    }

    fn lookup(&self, body: &Value) -> Value {
        let stored = self.stored.borrow();
        let rows: Vec<Value> = body["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                let id = k.as_str().unwrap();
                match stored.get(id) {
                    Some(sha) => json!({"id": id, "doc": {"_id": id, "payload_sha256": sha}}),
                    None => json!({"key": id, "error": "not_found"}),
                }
            })
            .collect();
        json!({ "rows": rows })
    }

    /// Fails the test when a batch id comes back with other bytes than the
    /// first time (only `sent_at` may differ).
    fn check_resend(&self, body: &Value, raw: &[u8]) {
        let (Some(id), Some(sent_at)) = (body["batch_id"].as_str(), body["sent_at"].as_str())
        else {
            return;
        };
        let text = std::str::from_utf8(raw).unwrap();
        let same = text
            .replace(&format!("\"sent_at\":\"{sent_at}\""), "")
            .into_bytes();
        if let Some(first) = self.bodies.borrow().get(id) {
            assert!(*first == same, "batch {id} was sent again with other bytes");
        }
        self.bodies.borrow_mut().insert(id.to_owned(), same);
    }

    fn ok(&self, value: &Value) -> HttpResponse {
        HttpResponse {
            status: 200,
            retry_after: None,
            accept_encoding: self.gzip.get().then(|| "gzip, identity".to_owned()),
            body: serde_json::to_vec(value).unwrap(),
        }
    }
}

impl Transport for Server {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.requests.borrow_mut().push(request.clone());
        let body: Value = serde_json::from_slice(request.body.as_deref().unwrap_or(b"{}")).unwrap();
        if request.url.contains("_all_docs") {
            return Ok(self.ok(&self.lookup(&body)));
        }
        if request.gzip && !self.gzip.get() {
            return Ok(HttpResponse {
                status: 415,
                ..HttpResponse::default()
            });
        }
        if !self.couch {
            self.check_resend(&body, request.body.as_deref().unwrap_or_default());
        }
        let fault = self.faults.borrow_mut().pop_front();
        let records = body
            .get("records")
            .or_else(|| body.get("docs"))
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if let Some(max) = self.max_records {
            if records > max {
                return Ok(HttpResponse {
                    status: 413,
                    ..HttpResponse::default()
                });
            }
        }
        match fault {
            None | Some(Fault::Answer) => Ok(self.ok(&self.store_batch(&body))),
            Some(Fault::DropAfterStore) => {
                self.store_batch(&body);
                Err(TransportError::Failed)
            }
            Some(Fault::SlowAfterStore) => {
                self.store_batch(&body);
                Err(TransportError::Timeout)
            }
            Some(Fault::Offline) => Err(TransportError::Offline),
            Some(Fault::Status(status, retry)) => Ok(HttpResponse {
                status,
                retry_after: retry.map(str::to_owned),
                accept_encoding: None,
                body: b"{\"error\":\"busy\"}".to_vec(),
            }),
            Some(Fault::Portal) => Ok(HttpResponse {
                status: 200,
                retry_after: None,
                accept_encoding: None,
                body: b"<!doctype html><title>Login Wi-Fi</title><form>...</form>".to_vec(),
            }),
            Some(Fault::Malformed) => Ok(HttpResponse {
                status: 200,
                retry_after: None,
                accept_encoding: None,
                body: b"{\"batch_id\": \"x\", \"results\": [".to_vec(),
            }),
            Some(Fault::OtherBatch) => Ok(self.ok(
                &json!({"batch_id": "someone-else", "results": []}),
            )),
            Some(Fault::NamesOthers) => Ok(self.ok(&json!({
                "batch_id": body["batch_id"],
                "results": [{"record_id": uuid::Uuid::from_u128(777).to_string(), "status": "created"}]
            }))),
            Some(Fault::Redirect) => Err(TransportError::Redirected),
            Some(Fault::OmitFirst) => {
                let mut answer = self.store_batch(&body);
                answer["results"].as_array_mut().unwrap().remove(0);
                Ok(self.ok(&answer))
            }
        }
    }
}

impl Server {
    fn stored_ids(&self) -> Vec<String> {
        self.stored.borrow().keys().cloned().collect()
    }
    fn batch_ids(&self) -> Vec<String> {
        self.requests
            .borrow()
            .iter()
            .filter(|r| !r.url.contains("_all_docs"))
            .filter_map(|r| {
                let v: Value = serde_json::from_slice(r.body.as_deref()?).ok()?;
                v.get("batch_id").and_then(Value::as_str).map(str::to_owned)
            })
            .collect()
    }
}

struct Ctx {
    now: DateTime<Utc>,
    next_id: u32,
    /// Stop after this many `keep_going` checks.
    budget: Option<u32>,
    checks: RefCell<u32>,
    seen: Vec<Progress>,
}

impl Ctx {
    fn new() -> Ctx {
        Ctx {
            now: t0() + Duration::hours(1),
            next_id: 0,
            budget: None,
            checks: RefCell::new(0),
            seen: Vec::new(),
        }
    }
}

impl RunContext for Ctx {
    fn now(&self) -> DateTime<Utc> {
        self.now
    }
    fn new_batch_id(&mut self) -> String {
        // Unique across runs, like the UUIDs the app makes.
        static NEXT: AtomicU32 = AtomicU32::new(0);
        self.next_id = NEXT.fetch_add(1, Ordering::Relaxed) + 1;
        format!("batch-{}", self.next_id)
    }
    fn jitter(&mut self) -> f64 {
        0.5
    }
    fn keep_going(&self) -> bool {
        let mut checks = self.checks.borrow_mut();
        *checks += 1;
        self.budget.is_none_or(|b| *checks <= b)
    }
    fn progress(&mut self, progress: Progress) {
        self.seen.push(progress);
    }
}

fn endpoint(kind: EndpointKind, batch_size: u32) -> Endpoint {
    Endpoint {
        url: "https://data.example.org/jangkau/batches".into(),
        kind,
        credentials: Credentials::Bearer {
            token: "s3cret".into(),
        },
        batch_size,
        timeout_seconds: 30,
    }
}

fn sender() -> Sender {
    Sender {
        device_id: "device-1".into(),
        app_version: "0.1.0".into(),
    }
}

fn run(
    records: &Svc,
    server: &Server,
    ep: &Endpoint,
    ctx: &mut Ctx,
) -> jangkau::sync::engine::Report {
    let sender = sender();
    let outbox = Outbox {
        records,
        transport: server,
        preparer: &PlainPreparer,
        endpoint: ep,
        sender: &sender,
    };
    block_on(outbox.run(ctx)).unwrap()
}

fn all_ids(n: u128) -> Vec<String> {
    let mut ids: Vec<String> = (1..=n)
        .map(|i| uuid::Uuid::from_u128(i).to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn every_final_record_is_sent_once_in_batches_and_drafts_stay() {
    let records = phone(7);
    let server = Server::jangkau();
    let mut ctx = Ctx::new();
    let report = run(
        &records,
        &server,
        &endpoint(EndpointKind::JangkauBatch, 3),
        &mut ctx,
    );
    assert_eq!(report.failure, None);
    assert_eq!((report.delivered, report.requests), (7, 3));
    assert_eq!(server.stored_ids(), all_ids(7));
    assert_eq!(server.posted.borrow().len(), 7);
    assert_eq!(count(&records, RecordStatus::Sent), 7);
    assert_eq!(status_of(&records, 999), RecordStatus::Draft);
    assert!(block_on(load_outbox(&records)).unwrap().is_empty());
    // Oldest first, progress to the end.
    let first: Value =
        serde_json::from_slice(server.requests.borrow()[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        first["records"][0]["record_id"],
        uuid::Uuid::from_u128(1).to_string()
    );
    assert_eq!(ctx.seen.last(), Some(&Progress { done: 7, total: 7 }));
    let history = block_on(load_history(records.store())).unwrap();
    assert_eq!((history.len(), history[0].delivered), (1, 7));
    assert!(
        block_on(records.store().get_meta(jangkau::storage::META_LAST_SENT))
            .unwrap()
            .is_some()
    );
    // Nothing left: a second run posts nothing.
    let again = run(
        &records,
        &server,
        &endpoint(EndpointKind::JangkauBatch, 3),
        &mut Ctx::new(),
    );
    assert_eq!((again.delivered, again.requests), (0, 0));
}

#[test]
fn the_body_follows_the_batch_format() {
    let records = phone(1);
    let record = block_on(records.load(uuid::Uuid::from_u128(1)))
        .unwrap()
        .unwrap();
    let entry = block_on(PlainPreparer.prepare(&record)).unwrap();
    let batch = PendingBatch {
        batch_id: "b-1".into(),
        entries: vec![entry],
    };
    let request = batch_request(
        &endpoint(EndpointKind::JangkauBatch, 50),
        &sender(),
        &batch,
        t0(),
    );
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("Idempotency-Key").as_deref(), Some("b-1"));
    assert_eq!(header("Authorization").as_deref(), Some("Bearer s3cret"));
    assert_eq!(header("Content-Type").as_deref(), Some("application/json"));
    let body: Value = serde_json::from_slice(request.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["schema"], "jangkau.batch/1");
    assert_eq!(body["batch_id"], "b-1");
    assert_eq!(body["device_id"], "device-1");
    let r = &body["records"][0];
    assert_eq!(r["form_id"], "site_visit");
    assert_eq!(r["site"], "KDR-CERME");
    assert_eq!(
        r["answers"]["values"]["site_code"]["value"], "KDR-CERME",
        "{r}"
    );
    assert_eq!(r["payload_sha256"].as_str().unwrap().len(), 64);
    assert!(r.get("encrypted").is_none());

    let couch = batch_request(
        &endpoint(EndpointKind::CouchDb, 50),
        &sender(),
        &batch,
        t0(),
    );
    assert_eq!(
        couch.url,
        "https://data.example.org/jangkau/batches/_bulk_docs"
    );
    let docs: Value = serde_json::from_slice(couch.body.as_deref().unwrap()).unwrap();
    assert_eq!(docs["docs"][0]["_id"], uuid::Uuid::from_u128(1).to_string());
    assert_eq!(docs["docs"][0]["type"], "jangkau.record");
    assert!(docs["docs"][0].get("record_id").is_none());
}

#[test]
fn a_dropped_answer_or_a_timeout_resends_the_same_batch_and_nothing_doubles() {
    for fault in [Fault::DropAfterStore, Fault::SlowAfterStore] {
        let records = phone(4);
        let server = Server::jangkau();
        let ep = endpoint(EndpointKind::JangkauBatch, 2);
        let mut ctx = Ctx::new();
        let sender = sender();
        let outbox = Outbox {
            records: &records,
            transport: &server,
            preparer: &PlainPreparer,
            endpoint: &ep,
            sender: &sender,
        };
        // The first batch gets through (the run is stopped after it); the
        // second is stored by the server but its answer is lost.
        let first = block_on(outbox.run(&mut Ctx {
            budget: Some(1),
            ..Ctx::new()
        }))
        .unwrap();
        assert_eq!(first.delivered, 2);
        server.then(std::slice::from_ref(&fault));
        let lost = block_on(outbox.run(&mut ctx)).unwrap();
        let expected = match fault {
            Fault::DropAfterStore => Failure::Unreachable,
            _ => Failure::Timeout,
        };
        assert_eq!(lost.failure, Some(expected.clone()), "{fault:?}");
        assert_eq!(lost.delivered, 0);
        // The server has all four; the phone knows of two.
        assert_eq!(server.stored_ids(), all_ids(4));
        assert_eq!(count(&records, RecordStatus::Sent), 2);
        let kept = block_on(load_outbox(&records)).unwrap();
        assert_eq!(kept.len(), 1);
        let state = block_on(load_state(records.store())).unwrap();
        assert_eq!(state.last_failure, Some(expected));
        assert!(state.next_attempt_at.unwrap() > ctx.now);

        // Next start: the same batch id again; the server answers from its
        // record of that batch and nothing is stored twice.
        let resent = block_on(outbox.run(&mut Ctx::new())).unwrap();
        assert_eq!(resent.failure, None);
        assert_eq!((resent.delivered, resent.duplicates), (2, 0));
        let ids = server.batch_ids();
        assert_eq!(ids[ids.len() - 1], kept[0].batch_id);
        assert_eq!(ids[ids.len() - 2], kept[0].batch_id);
        assert_eq!(server.stored_ids(), all_ids(4));
        assert_eq!(count(&records, RecordStatus::Sent), 4);
        assert_eq!(
            block_on(load_state(records.store())).unwrap(),
            SyncState::default()
        );
    }
}

#[test]
fn a_receiver_without_batch_memory_still_dedupes_by_record() {
    let records = phone(2);
    let server = Server::jangkau();
    server.then(&[Fault::DropAfterStore]);
    let ep = endpoint(EndpointKind::JangkauBatch, 50);
    run(&records, &server, &ep, &mut Ctx::new());
    server.answers.borrow_mut().clear();
    let report = run(&records, &server, &ep, &mut Ctx::new());
    assert_eq!((report.delivered, report.duplicates), (2, 2));
    assert_eq!(server.stored_ids(), all_ids(2));
}

#[test]
fn a_2xx_that_is_not_an_answer_marks_nothing_sent() {
    let cases = [
        (Fault::Portal, NotAnswerKind::NotJson),
        (Fault::Malformed, NotAnswerKind::NotJson),
        (Fault::OtherBatch, NotAnswerKind::OtherBatch),
    ];
    for (fault, why) in cases {
        let records = phone(3);
        let server = Server::jangkau();
        server.then(&[fault]);
        let ep = endpoint(EndpointKind::JangkauBatch, 50);
        let report = run(&records, &server, &ep, &mut Ctx::new());
        assert_eq!(report.failure, Some(Failure::NotAnAnswer { why }));
        assert_eq!(count(&records, RecordStatus::Sent), 0);
        assert_eq!(count(&records, RecordStatus::Final), 3);
        let report = run(&records, &server, &ep, &mut Ctx::new());
        assert_eq!(report.delivered, 3);
        assert_eq!(server.posted.borrow().len(), 3);
    }
}

#[test]
fn busy_servers_are_retried_later_and_retry_after_is_honoured() {
    let records = phone(2);
    let server = Server::jangkau();
    let ep = endpoint(EndpointKind::JangkauBatch, 50);
    server.then(&[Fault::Status(503, Some("120"))]);
    let ctx = &mut Ctx::new();
    let report = run(&records, &server, &ep, ctx);
    assert_eq!(report.failure, Some(Failure::Busy { status: 503 }));
    let state = block_on(load_state(records.store())).unwrap();
    assert_eq!(
        state.next_attempt_at,
        Some(ctx.now + Duration::seconds(120))
    );
    assert!(!state.may_try(ctx.now + Duration::seconds(119)));
    assert!(state.may_try(ctx.now + Duration::seconds(120)));

    // A 500 without a header: the backoff grows with each failure.
    server.then(&[Fault::Status(500, None), Fault::Status(500, None)]);
    run(&records, &server, &ep, ctx);
    let second = block_on(load_state(records.store())).unwrap();
    run(&records, &server, &ep, ctx);
    let third = block_on(load_state(records.store())).unwrap();
    assert_eq!((second.failures, third.failures), (2, 3));
    assert!(third.next_attempt_at.unwrap() > second.next_attempt_at.unwrap());
    assert_eq!(count(&records, RecordStatus::Sent), 0);
    // Success clears it all.
    assert_eq!(run(&records, &server, &ep, ctx).delivered, 2);
    assert_eq!(
        block_on(load_state(records.store())).unwrap(),
        SyncState::default()
    );
    let history = block_on(load_history(records.store())).unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(history[3].failure, Some(Failure::Busy { status: 503 }));
}

#[test]
fn credentials_refused_stop_until_the_user_acts() {
    for status in [401, 403] {
        let records = phone(2);
        let server = Server::jangkau();
        server.then(&[Fault::Status(status, None)]);
        let ctx = &mut Ctx::new();
        let report = run(
            &records,
            &server,
            &endpoint(EndpointKind::JangkauBatch, 50),
            ctx,
        );
        assert_eq!(report.failure, Some(Failure::Credentials { status }));
        let state = block_on(load_state(records.store())).unwrap();
        assert!(
            !state.may_try(ctx.now + Duration::days(1)),
            "no automatic retry"
        );
        assert_eq!(state.next_attempt_at, None);
        assert_eq!(count(&records, RecordStatus::Sent), 0);
    }
    // A wrong address (404) stops the same way.
    let state = SyncState::default().failed(Failure::Refused { status: 404 }, t0(), None, 0.5);
    assert!(!state.may_try(t0() + Duration::days(1)));
    // Offline waits for the network, not for a timer.
    let state = SyncState::default().failed(Failure::Offline, t0(), None, 0.5);
    assert!(state.may_try(t0()));
}

#[test]
fn too_large_batches_are_split_and_a_single_oversize_record_is_set_aside() {
    let records = phone(5);
    let server = Server {
        max_records: Some(2),
        ..Server::jangkau()
    };
    let report = run(
        &records,
        &server,
        &endpoint(EndpointKind::JangkauBatch, 5),
        &mut Ctx::new(),
    );
    assert_eq!(report.failure, None);
    assert_eq!(report.delivered, 5);
    assert_eq!(server.stored_ids(), all_ids(5));
    assert_eq!(server.posted.borrow().len(), 5);
    // Each split half got its own id.
    let ids = server.batch_ids();
    let unique: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());

    let records = phone(2);
    let server = Server {
        max_records: Some(0),
        ..Server::jangkau()
    };
    let report = run(
        &records,
        &server,
        &endpoint(EndpointKind::JangkauBatch, 5),
        &mut Ctx::new(),
    );
    assert_eq!(report.held, 2);
    assert_eq!(count(&records, RecordStatus::Held), 2);
    let held = block_on(held_reasons(&records)).unwrap();
    assert!(held.values().all(|h| h.kind == HeldKind::TooLarge));
}

#[test]
fn rejected_and_conflicting_records_are_set_aside_with_the_reason_not_retried() {
    let records = phone(3);
    let rejected = uuid::Uuid::from_u128(2).to_string();
    let server = Server {
        refuse: BTreeMap::from([(rejected.clone(), "visit_date: in the future".to_owned())]),
        ..Server::jangkau()
    };
    // Record 3 is already on the server with different content.
    let conflicting = uuid::Uuid::from_u128(3).to_string();
    server
        .stored
        .borrow_mut()
        .insert(conflicting.clone(), "0".repeat(64));
    let ep = endpoint(EndpointKind::JangkauBatch, 50);
    let report = run(&records, &server, &ep, &mut Ctx::new());
    assert_eq!((report.delivered, report.held), (1, 2));
    assert_eq!(status_of(&records, 2), RecordStatus::Held);
    assert_eq!(status_of(&records, 3), RecordStatus::Held);
    let held = block_on(held_reasons(&records)).unwrap();
    assert_eq!(held[&rejected].kind, HeldKind::Rejected);
    assert_eq!(held[&rejected].reason, "visit_date: in the future");
    assert_eq!(held[&conflicting].kind, HeldKind::Conflict);
    // The server's copy is not overwritten, and nothing is retried blindly.
    assert_eq!(server.stored.borrow()[&conflicting], "0".repeat(64));
    let posted = server.posted.borrow().len();
    assert_eq!(run(&records, &server, &ep, &mut Ctx::new()).requests, 0);
    assert_eq!(server.posted.borrow().len(), posted);

    // The user asks again (the server was fixed): it goes back in the queue.
    assert!(block_on(release_held(&records, &rejected)).unwrap());
    let fixed = Server::jangkau();
    let report = run(&records, &fixed, &ep, &mut Ctx::new());
    assert_eq!(report.delivered, 1);
    assert_eq!(status_of(&records, 2), RecordStatus::Sent);
    assert!(!block_on(held_reasons(&records))
        .unwrap()
        .contains_key(&rejected));
}

#[test]
fn an_answer_that_leaves_records_out_does_not_mark_them() {
    let records = phone(3);
    let server = Server::jangkau();
    server.then(&[Fault::OmitFirst]);
    let ep = endpoint(EndpointKind::JangkauBatch, 50);
    let report = run(&records, &server, &ep, &mut Ctx::new());
    assert_eq!(report.delivered, 2);
    assert_eq!(
        report.failure,
        Some(Failure::NotAnAnswer {
            why: NotAnswerKind::Unconfirmed
        })
    );
    assert_eq!(status_of(&records, 1), RecordStatus::Final);
    server.answers.borrow_mut().clear();
    let report = run(&records, &server, &ep, &mut Ctx::new());
    assert_eq!((report.delivered, report.duplicates), (1, 1));
    assert_eq!(server.stored_ids(), all_ids(3));
}

#[test]
fn couchdb_conflicts_on_our_own_copy_count_as_delivered() {
    let records = phone(3);
    let server = Server::couch();
    server.then(&[Fault::DropAfterStore]);
    let ep = endpoint(EndpointKind::CouchDb, 50);
    let lost = run(&records, &server, &ep, &mut Ctx::new());
    assert_eq!(lost.failure, Some(Failure::Unreachable));
    assert_eq!(server.stored_ids(), all_ids(3));
    // Resent: CouchDB says conflict; the look-up finds our fingerprint.
    let report = run(&records, &server, &ep, &mut Ctx::new());
    assert_eq!(report.failure, None);
    assert_eq!((report.delivered, report.duplicates), (3, 3));
    assert!(server
        .requests
        .borrow()
        .iter()
        .any(|r| r.url.ends_with("_all_docs?include_docs=true")));
    assert_eq!(count(&records, RecordStatus::Sent), 3);

    // A different document under the same id is a conflict, shown, kept.
    let records = phone(1);
    let server = Server::couch();
    server
        .stored
        .borrow_mut()
        .insert(uuid::Uuid::from_u128(1).to_string(), "f".repeat(64));
    let report = run(&records, &server, &ep, &mut Ctx::new());
    assert_eq!(report.held, 1);
    assert_eq!(status_of(&records, 1), RecordStatus::Held);
    // Refused by a validation function: rejected with its reason.
    let records = phone(1);
    let server = Server {
        refuse: BTreeMap::from([(
            uuid::Uuid::from_u128(1).to_string(),
            "site required".to_owned(),
        )]),
        ..Server::couch()
    };
    run(&records, &server, &ep, &mut Ctx::new());
    let held = block_on(held_reasons(&records)).unwrap();
    assert_eq!(held.values().next().unwrap().reason, "site required");
}

#[test]
fn stopping_mid_run_leaves_the_rest_queued() {
    let records = phone(6);
    let server = Server::jangkau();
    let ep = endpoint(EndpointKind::JangkauBatch, 2);
    let report = run(
        &records,
        &server,
        &ep,
        &mut Ctx {
            budget: Some(2),
            ..Ctx::new()
        },
    );
    assert!(report.interrupted);
    assert_eq!(report.delivered, 4);
    assert_eq!(count(&records, RecordStatus::Final), 2);
    assert_eq!(run(&records, &server, &ep, &mut Ctx::new()).delivered, 2);
    assert_eq!(server.posted.borrow().len(), 6);
}

#[test]
fn offline_is_told_apart_and_keeps_the_batch() {
    let records = phone(2);
    let server = Server::jangkau();
    server.then(&[Fault::Offline]);
    let ep = endpoint(EndpointKind::JangkauBatch, 50);
    let report = run(&records, &server, &ep, &mut Ctx::new());
    assert_eq!(report.failure, Some(Failure::Offline));
    assert_eq!(block_on(load_outbox(&records)).unwrap().len(), 1);
    assert!(server.stored_ids().is_empty());
    assert_eq!(run(&records, &server, &ep, &mut Ctx::new()).delivered, 2);
}

#[test]
fn a_damaged_record_is_set_aside_and_the_rest_still_go() {
    let records = phone(3);
    let id = uuid::Uuid::from_u128(2).to_string();
    let mut stored: StoredRecord = block_on(records.store().get(&id)).unwrap().unwrap();
    stored.sealed = b"{not json".to_vec();
    records.store().put_raw(stored);
    let server = Server::jangkau();
    let report = run(
        &records,
        &server,
        &endpoint(EndpointKind::JangkauBatch, 50),
        &mut Ctx::new(),
    );
    assert_eq!((report.delivered, report.held), (2, 1));
    assert_eq!(status_of(&records, 2), RecordStatus::Held);
    assert!(
        block_on(records.store().get(&id)).unwrap().is_some(),
        "kept, not deleted"
    );
}

#[test]
fn status_codes_are_classified() {
    assert_eq!(classify_status(200), StatusClass::Answer);
    assert_eq!(classify_status(201), StatusClass::Answer);
    assert_eq!(classify_status(413), StatusClass::TooLarge);
    assert_eq!(
        classify_status(401),
        StatusClass::Failed(Failure::Credentials { status: 401 })
    );
    for s in [408, 429, 500, 502, 503, 504] {
        assert_eq!(
            classify_status(s),
            StatusClass::Failed(Failure::Busy { status: s })
        );
    }
    for s in [400, 404, 405, 422, 409] {
        assert_eq!(
            classify_status(s),
            StatusClass::Failed(Failure::Refused { status: s })
        );
    }
}

#[test]
fn backoff_grows_caps_and_jitters() {
    assert_eq!(backoff(1, 0.0), Duration::milliseconds(2_500));
    assert_eq!(backoff(1, 1.0), Duration::milliseconds(5_000));
    assert_eq!(backoff(2, 1.0), Duration::milliseconds(10_000));
    assert_eq!(backoff(40, 1.0), Duration::milliseconds(BACKOFF_CAP_MS));
    assert_eq!(backoff(40, 0.0), Duration::milliseconds(BACKOFF_CAP_MS / 2));
    assert!(backoff(3, 0.3) < backoff(3, 0.9));
}

#[test]
fn retry_after_reads_seconds_and_dates() {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 7, 28, 0).unwrap();
    assert_eq!(retry_after("30", now), Some(Duration::seconds(30)));
    assert_eq!(retry_after(" 0 ", now), Some(Duration::zero()));
    assert_eq!(
        retry_after("Mon, 23 Nov 2026 07:30:00 GMT", now),
        Some(Duration::seconds(120))
    );
    assert_eq!(
        retry_after("Mon, 23 Nov 2026 07:00:00 GMT", now),
        Some(Duration::zero())
    );
    assert_eq!(retry_after("99999999", now), Some(Duration::hours(6)));
    // Issue 12: a number too large for a duration panicked, on every send.
    assert_eq!(
        retry_after("9300000000000000", now),
        Some(Duration::hours(6))
    );
    assert_eq!(
        retry_after(&i64::MAX.to_string(), now),
        Some(Duration::hours(6))
    );
    assert_eq!(
        retry_after("-9300000000000000", now),
        Some(Duration::zero())
    );
    assert_eq!(
        retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now),
        Some(Duration::hours(6))
    );
    assert_eq!(retry_after("soon", now), None);
}

#[test]
fn addresses_are_checked() {
    let ok = |t: &str| Url::parse(t).unwrap();
    assert_eq!(
        ok("https://Data.Example.org/api/").origin(),
        "https://data.example.org"
    );
    assert_eq!(
        ok("https://data.example.org:443/x").normalised(),
        "https://data.example.org/x"
    );
    assert_eq!(
        ok("http://127.0.0.1:5984/jangkau").origin(),
        "http://127.0.0.1:5984"
    );
    assert_eq!(
        ok("http://localhost:8080").normalised(),
        "http://localhost:8080"
    );
    assert_eq!(ok("http://[::1]:9000/x").origin(), "http://[::1]:9000");
    assert_eq!(ok("  https://x.org  ").normalised(), "https://x.org");
    let err = |t: &str| Url::parse(t).unwrap_err();
    assert_eq!(err(""), EndpointError::Empty);
    assert_eq!(err("data.example.org"), EndpointError::NoScheme);
    assert_eq!(err("http://data.example.org"), EndpointError::NotHttps);
    assert_eq!(err("http://192.168.1.5:8080"), EndpointError::NotHttps);
    assert_eq!(err("ftp://x.org"), EndpointError::NotHttps);
    assert_eq!(
        err("https://user:pw@x.org"),
        EndpointError::CredentialsInUrl
    );
    assert_eq!(err("https://x.org/a b"), EndpointError::BadUrl);
    assert_eq!(err("https://x.org:99999"), EndpointError::BadUrl);
    assert_eq!(err("https://x..org"), EndpointError::BadUrl);
    assert_eq!(err("https:///path"), EndpointError::BadUrl);
    assert_eq!(err("https://x.org/#frag"), EndpointError::BadUrl);
}

#[test]
fn the_settings_form_is_checked_before_saving() {
    let form = EndpointForm {
        url: "https://couch.example.org/jangkau".into(),
        kind: EndpointKind::CouchDb,
        user: "pendamping".into(),
        password: "rahasia".into(),
        ..Default::default()
    };
    let e = form.check().unwrap();
    assert_eq!(e.batch_size, 50);
    assert_eq!(
        e.credentials,
        Credentials::Basic {
            user: "pendamping".into(),
            password: "rahasia".into()
        }
    );
    assert_eq!(EndpointForm::from_endpoint(&e).check().unwrap(), e);
    let bad = |f: EndpointForm| f.check().unwrap_err();
    assert_eq!(
        bad(EndpointForm {
            password: String::new(),
            ..form.clone()
        }),
        EndpointError::PasswordMissing
    );
    assert_eq!(
        bad(EndpointForm {
            user: " ".into(),
            ..form.clone()
        }),
        EndpointError::UserMissing
    );
    assert_eq!(
        bad(EndpointForm {
            batch_size: "0".into(),
            ..form.clone()
        }),
        EndpointError::BatchSize
    );
    assert_eq!(
        bad(EndpointForm {
            batch_size: "501".into(),
            ..form.clone()
        }),
        EndpointError::BatchSize
    );
    assert_eq!(
        bad(EndpointForm {
            batch_size: "lima".into(),
            ..form.clone()
        }),
        EndpointError::BatchSize
    );
    assert_eq!(
        bad(EndpointForm {
            timeout_seconds: Some(1),
            ..form.clone()
        }),
        EndpointError::Timeout
    );
    let token = EndpointForm {
        url: "https://x.org/batches".into(),
        token: " abc ".into(),
        ..Default::default()
    };
    assert_eq!(
        token.check().unwrap().credentials,
        Credentials::Bearer {
            token: "abc".into()
        }
    );
    // Issue 12: a token the browser cannot put in a header was saved, then
    // every send failed as if the server refused this app (CORS).
    for unusable in ["tökén", "abc def", "abc\u{200b}", "✓✓✓", "ab\u{7f}"] {
        assert_eq!(
            bad(EndpointForm {
                token: unusable.into(),
                ..token.clone()
            }),
            EndpointError::BadToken,
            "{unusable:?}"
        );
    }
    // A CouchDB login is base64-encoded UTF-8: any letters work there.
    assert!(EndpointForm {
        user: "pendampíng".into(),
        password: "kata sandi ✓".into(),
        ..form.clone()
    }
    .check()
    .is_ok());

    let defaults = DeploymentDefaults::parse(
        r#"{"endpoint_url":"https://x.org/b","endpoint_kind":"couch_db","batch_size":20}"#,
    )
    .unwrap();
    let e = defaults.endpoint().unwrap().unwrap();
    assert_eq!(
        (e.kind, e.batch_size, e.credentials),
        (EndpointKind::CouchDb, 20, Credentials::None)
    );
    assert!(DeploymentDefaults::parse("{}")
        .unwrap()
        .endpoint()
        .unwrap()
        .is_none());
    assert!(
        DeploymentDefaults::parse(r#"{"endpoint_url":"http://x.org"}"#)
            .unwrap()
            .endpoint()
            .is_err()
    );
    assert!(DeploymentDefaults::parse("<html>").is_err());
}

#[test]
fn the_builds_connect_policy_is_read_like_a_browser() {
    let page = "https://app.example.org";
    let url = |t: &str| Url::parse(t).unwrap();
    let policy = [
        "'self'",
        "https://data.example.org",
        "http://127.0.0.1:*",
        "https://*.dinsos.example",
    ];
    assert!(connect_allowed(
        &policy,
        page,
        &url("https://data.example.org/b")
    ));
    assert!(connect_allowed(
        &policy,
        page,
        &url("https://app.example.org/api")
    ));
    assert!(connect_allowed(
        &policy,
        page,
        &url("http://127.0.0.1:5984/db")
    ));
    assert!(connect_allowed(
        &policy,
        page,
        &url("https://kediri.dinsos.example/b")
    ));
    assert!(!connect_allowed(
        &policy,
        page,
        &url("https://data.example.org:8443/b")
    ));
    assert!(!connect_allowed(
        &policy,
        page,
        &url("https://evil.example.com")
    ));
    assert!(!connect_allowed(
        &["'self'"],
        page,
        &url("https://data.example.org")
    ));
    assert!(connect_allowed(
        &["'self'", "https:"],
        page,
        &url("https://any.example")
    ));
}

fn outbox_for<'a>(
    records: &'a Svc,
    server: &'a Server,
    ep: &'a Endpoint,
    sender: &'a Sender,
) -> Outbox<'a, MemoryStore, IdentityCipher, Server, PlainPreparer> {
    Outbox {
        records,
        transport: server,
        preparer: &PlainPreparer,
        endpoint: ep,
        sender,
    }
}

#[test]
fn batches_prepared_offline_are_sent_later_under_the_same_ids() {
    let records = phone(5);
    let server = Server::jangkau();
    let ep = endpoint(EndpointKind::JangkauBatch, 2);
    let sender = sender();
    let outbox = outbox_for(&records, &server, &ep, &sender);
    let prepared = block_on(outbox.prepare(&mut Ctx::new(), 500)).unwrap();
    assert_eq!(
        prepared.iter().map(|b| b.entries.len()).collect::<Vec<_>>(),
        [2, 2, 1]
    );
    assert!(
        server.requests.borrow().is_empty(),
        "nothing sent while preparing"
    );
    // Preparing again adds nothing: every final record is in a batch.
    let again = block_on(outbox.prepare(&mut Ctx::new(), 500)).unwrap();
    assert_eq!(again, prepared);
    // A cap leaves the rest for later.
    let capped = phone(5);
    let few =
        block_on(outbox_for(&capped, &server, &ep, &sender).prepare(&mut Ctx::new(), 3)).unwrap();
    assert_eq!(few.iter().map(|b| b.entries.len()).sum::<usize>(), 3);

    let report = block_on(outbox.run(&mut Ctx::new())).unwrap();
    assert_eq!(report.delivered, 5);
    let ids: Vec<String> = prepared.iter().map(|b| b.batch_id.clone()).collect();
    assert_eq!(server.batch_ids(), ids);
}

// Issue 15: with a programme key, records finished offline were prepared
// for the worker one per batch whatever the batch size.
#[test]
fn records_finished_one_by_one_offline_share_batches_of_the_set_size() {
    let records = phone(1);
    let server = Server::jangkau();
    let ep = endpoint(EndpointKind::JangkauBatch, 3);
    let sender = sender();
    let outbox = outbox_for(&records, &server, &ep, &sender);
    let mut ctx = Ctx::new();
    let sizes = |o: &[PendingBatch]| o.iter().map(|b| b.entries.len()).collect::<Vec<_>>();
    let first = block_on(outbox.prepare(&mut ctx, 500)).unwrap();
    assert_eq!(sizes(&first), [1]);
    // The worker delivers that first batch, and the page is killed before
    // it marks the record sent: the phone still holds it as waiting.
    let sent_early = batch_request(&ep, &sender, &first[0], t0());
    server.store_batch(&serde_json::from_slice(sent_early.body.as_ref().unwrap()).unwrap());

    // Six more finished one at a time, each prepared as it is finished.
    for i in 2..=7 {
        let mut r = support::site_visit(i, t0() + Duration::minutes(i as i64), "KDR-CERME");
        r.status = RecordStatus::Final;
        block_on(records.save(&r)).unwrap();
        block_on(outbox.prepare(&mut ctx, 500)).unwrap();
    }
    let prepared = block_on(load_outbox(&records)).unwrap();
    assert_eq!(sizes(&prepared), [3, 3, 1], "batches of the set size");
    // An id never comes back with other records: a batch opened up to take
    // more goes out under a new id.
    let ids: Vec<&str> = prepared.iter().map(|b| b.batch_id.as_str()).collect();
    assert!(
        !ids.contains(&first[0].batch_id.as_str()),
        "the opened batch kept its id"
    );
    assert!(ids
        .iter()
        .all(|id| ids.iter().filter(|x| *x == id).count() == 1));

    let report = block_on(outbox.run(&mut Ctx::new())).unwrap();
    assert_eq!(report.delivered, 7);
    assert_eq!(
        report.duplicates, 1,
        "the early one is a duplicate, not stored twice"
    );
    assert_eq!(server.stored_ids().len(), 7);
    assert_eq!(
        server.batch_ids().len(),
        3,
        "three requests for seven records"
    );
    assert_eq!(count(&records, RecordStatus::Sent), 7);
}

#[test]
fn records_deleted_after_withdrawal_leave_the_outbox_unsent() {
    let records = phone(3);
    let server = Server::jangkau();
    let ep = endpoint(EndpointKind::JangkauBatch, 50);
    let sender = sender();
    let outbox = outbox_for(&records, &server, &ep, &sender);
    block_on(outbox.prepare(&mut Ctx::new(), 500)).unwrap();
    block_on(records.store().set_meta(META_RELAY, "{\"stale\":true}")).unwrap();
    let gone = uuid::Uuid::from_u128(2).to_string();
    block_on(records.store().delete(&gone)).unwrap();
    assert_eq!(
        block_on(prune_outbox(&records, || "b-new".into())).unwrap(),
        1
    );
    assert_eq!(
        block_on(records.store().get_meta(META_RELAY))
            .unwrap()
            .as_deref(),
        Some("")
    );
    block_on(outbox.run(&mut Ctx::new())).unwrap();
    assert!(!server.posted.borrow().contains(&gone));
    assert_eq!(server.stored_ids().len(), 2);
}

#[test]
fn only_batches_encrypted_to_the_programme_may_wait_for_the_service_worker() {
    let records = phone(2);
    let sender = sender();
    let load = |n: u128| {
        block_on(records.load(uuid::Uuid::from_u128(n)))
            .unwrap()
            .unwrap()
    };
    let sealed = |n: u128| {
        Entry::encrypted(
            &load(n),
            json!({"jangkau_envelope": 1, "alg": "ECDH-ES-P256+HKDF-SHA256+A256GCM", "ct": "…"}),
            "a".repeat(64),
        )
    };
    let encrypted = vec![PendingBatch {
        batch_id: "b-1".into(),
        entries: vec![sealed(1), sealed(2)],
    }];
    let jangkau = endpoint(EndpointKind::JangkauBatch, 50);
    let relay = relay(&jangkau, &sender, &encrypted, t0(), false).expect("allowed");
    assert_eq!(relay.url, jangkau.url);
    assert_eq!(relay.batches.len(), 1);
    let body: Value = serde_json::from_str(&relay.batches[0].body).unwrap();
    assert_eq!(body["batch_id"], "b-1");
    assert!(body["records"][0].get("answers").is_none());
    assert!(relay.batches[0]
        .headers
        .contains(&("Idempotency-Key".to_owned(), "b-1".to_owned())));
    // Plain records, a CouchDB password, or nothing to send: no relay.
    let plain = vec![PendingBatch {
        batch_id: "b-2".into(),
        entries: vec![block_on(PlainPreparer.prepare(&load(1))).unwrap()],
    }];
    assert!(relay_fn(&jangkau, &sender, &plain).is_none());
    assert!(relay_fn(&endpoint(EndpointKind::CouchDb, 50), &sender, &encrypted).is_none());
    let basic = Endpoint {
        credentials: Credentials::Basic {
            user: "u".into(),
            password: "p".into(),
        },
        ..jangkau.clone()
    };
    assert!(relay_fn(&basic, &sender, &encrypted).is_none());
    assert!(relay_fn(&jangkau, &sender, &[]).is_none());
}

fn relay_fn(
    ep: &Endpoint,
    sender: &Sender,
    outbox: &[PendingBatch],
) -> Option<jangkau::sync::wire::Relay> {
    relay(ep, sender, outbox, t0(), false)
}

/// Issue 18: her records stayed on the phone after the server confirmed the
/// withdrawal whenever the run that delivered it went on to fail (or the
/// page closed before the app's follow-up step ran): deleting them hung on
/// the rest of the run.
#[test]
fn a_confirmed_withdrawal_deletes_her_records_even_if_the_rest_of_the_run_fails() {
    use jangkau::model::participant_code::ParticipantCode;
    let records = Records::new(MemoryStore::new(), IdentityCipher);
    let code = ParticipantCode::from_random([3, 1, 4, 1, 5, 9]);
    // Her record, sent on an earlier visit.
    let mut hers = support::finished(1, "needs_assessment", &code, "KDR-TARIK", t0(), vec![]);
    hers.status = RecordStatus::Sent;
    block_on(records.save(&hers)).unwrap();
    let message = uuid::Uuid::from_u128(50);
    let done = block_on(records.withdraw(&code, message, t0() + Duration::minutes(1))).unwrap();
    assert_eq!(done.message, Some(message));
    // Someone else's record, finished after the withdrawal: the next batch.
    let mut later = support::site_visit(2, t0() + Duration::minutes(2), "KDR-CERME");
    later.status = RecordStatus::Final;
    block_on(records.save(&later)).unwrap();

    let server = Server::jangkau();
    // The withdrawal's batch is answered; the next one meets a failing server.
    server.then(&[Fault::Answer, Fault::Status(500, None)]);
    let ep = endpoint(EndpointKind::JangkauBatch, 1);
    let sender = sender();
    let outbox = outbox_for(&records, &server, &ep, &sender);
    let report = block_on(outbox.run(&mut Ctx::new())).unwrap();
    assert_eq!(report.delivered, 1, "the withdrawal");
    assert!(report.failure.is_some(), "the next batch failed");
    assert!(server.stored_ids().contains(&message.to_string()));
    assert_eq!(
        block_on(records.load(hers.id)).unwrap(),
        None,
        "her sent record left the phone once the server confirmed"
    );
    assert_eq!(
        block_on(records.load(message)).unwrap(),
        None,
        "and the message"
    );
    assert!(block_on(records.load(later.id)).unwrap().is_some());
}

#[test]
fn the_scripted_server_fails_a_resend_that_carries_other_bytes() {
    // "Same bytes on every retry" is checked by the server, so the check
    // itself must be able to fail.
    let server = Server::jangkau();
    let body = |sent_at: &str, site: &str| {
        format!(
            r#"{{"schema":"jangkau.batch/1","batch_id":"b-1","sent_at":"{sent_at}","records":[{{"record_id":"r","payload_sha256":"{site}"}}]}}"#
        )
    };
    let request = |b: String| HttpRequest {
        method: "POST",
        url: "https://data.example.org/b".into(),
        headers: Vec::new(),
        body: Some(b.into_bytes()),
        gzip: false,
        timeout_ms: 1000,
    };
    block_on(server.send(&request(body("2026-11-23T09:00:00Z", "a")))).unwrap();
    // A later sent_at alone is fine.
    block_on(server.send(&request(body("2026-11-23T09:05:00Z", "a")))).unwrap();
    let other = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        block_on(server.send(&request(body("2026-11-23T09:06:00Z", "b")))).unwrap();
    }));
    assert!(other.is_err(), "a resend with other content was accepted");
}

/// Issue 12: an outbox batch that lost a record (deleted after a
/// withdrawal) was sent again under its old id with other bytes — a server
/// that stored the first attempt would take it for the same batch.
#[test]
fn a_batch_that_loses_a_record_goes_out_under_a_new_id() {
    let records = phone(3);
    let server = Server::jangkau();
    let ep = endpoint(EndpointKind::JangkauBatch, 50);
    let sender = sender();
    let outbox = outbox_for(&records, &server, &ep, &sender);
    // Stored by the server, the answer lost: the batch stays in the outbox.
    server.then(&[Fault::DropAfterStore]);
    let report = block_on(outbox.run(&mut Ctx::new())).unwrap();
    assert_eq!(report.delivered, 0);
    let first = block_on(load_outbox(&records)).unwrap()[0].batch_id.clone();
    block_on(
        records
            .store()
            .delete(&uuid::Uuid::from_u128(2).to_string()),
    )
    .unwrap();
    let report = block_on(outbox.run(&mut Ctx::new())).unwrap();
    assert_eq!(report.delivered, 2);
    let ids = server.batch_ids();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], first);
    assert_ne!(ids[1], first, "other bytes under the same batch id");
}

#[test]
fn batches_the_worker_already_delivered_leave_the_outbox() {
    let records = phone(2);
    let server = Server::jangkau();
    let ep = endpoint(EndpointKind::JangkauBatch, 1);
    let sender = sender();
    let outbox = outbox_for(&records, &server, &ep, &sender);
    block_on(outbox.prepare(&mut Ctx::new(), 500)).unwrap();
    assert_eq!(block_on(load_outbox(&records)).unwrap().len(), 2);
    // The worker confirmed the first record while the app was closed.
    let one = uuid::Uuid::from_u128(1).to_string();
    block_on(records.set_status(&one, RecordStatus::Final, RecordStatus::Sent)).unwrap();
    block_on(outbox.run(&mut Ctx::new())).unwrap();
    assert!(!server.posted.borrow().contains(&one), "sent again");
    assert_eq!(
        server.stored_ids(),
        vec![uuid::Uuid::from_u128(2).to_string()]
    );
}

/// Issue 12: a record written by a newer build was set aside as "damaged"
/// by a send run and rewritten through this build's shape, dropping what
/// the newer build had added.
#[test]
fn a_record_from_a_newer_build_is_left_as_it_is_and_reported() {
    let records = phone(2);
    let id = uuid::Uuid::from_u128(1).to_string();
    let mut newer = block_on(records.store().get(&id)).unwrap().unwrap();
    newer.shape = jangkau::storage::RECORD_SHAPE + 1;
    newer.sealed = b"sealed the newer way".to_vec();
    records.store().put_raw(newer.clone());
    let server = Server::jangkau();
    let ep = endpoint(EndpointKind::JangkauBatch, 50);
    let sender = sender();
    let report =
        block_on(outbox_for(&records, &server, &ep, &sender).run(&mut Ctx::new())).unwrap();
    assert_eq!(report.delivered, 1);
    assert_eq!(report.held, 0, "set aside as damaged");
    assert_eq!(report.newer, 1);
    assert_eq!(
        block_on(records.store().get(&id)).unwrap().unwrap(),
        newer,
        "rewritten by this build"
    );
    assert!(block_on(held_reasons(&records)).unwrap().is_empty());
    // Nor does any status change rewrite it.
    assert!(block_on(records.set_status(&id, RecordStatus::Final, RecordStatus::Held)).is_err());
    assert_eq!(
        block_on(records.store().set_statuses(
            std::slice::from_ref(&id),
            RecordStatus::Final,
            RecordStatus::Sent
        ))
        .unwrap(),
        0
    );
    assert_eq!(block_on(records.store().get(&id)).unwrap().unwrap(), newer);
}

/// Issue 12: an answer naming none of the batch's records got the message
/// for a Wi-Fi login page; it has its own reason now, and nothing is marked.
#[test]
fn an_answer_naming_none_of_the_batch_has_its_own_reason() {
    let records = phone(2);
    let server = Server::jangkau();
    server.then(&[Fault::NamesOthers]);
    let ep = endpoint(EndpointKind::JangkauBatch, 50);
    let report = run(&records, &server, &ep, &mut Ctx::new());
    assert_eq!(report.delivered, 0);
    assert_eq!(
        report.failure,
        Some(Failure::NotAnAnswer {
            why: NotAnswerKind::Unconfirmed
        })
    );
    assert_eq!(count(&records, RecordStatus::Final), 2);
}

/// Issue 12: a redirect to another origin was followed and its "created"
/// marked the records sent. The transport never follows one; a 3xx, or a
/// redirect the transport reports, stops sending until the user checks the
/// address.
#[test]
fn a_redirect_is_refused_and_waits_for_the_user() {
    for fault in [
        Fault::Redirect,
        Fault::Status(307, None),
        Fault::Status(301, None),
    ] {
        let records = phone(2);
        let server = Server::jangkau();
        server.then(std::slice::from_ref(&fault));
        let ep = endpoint(EndpointKind::JangkauBatch, 50);
        let report = run(&records, &server, &ep, &mut Ctx::new());
        assert_eq!(report.failure, Some(Failure::Redirected), "{fault:?}");
        assert_eq!(count(&records, RecordStatus::Final), 2);
        let state = block_on(load_state(records.store())).unwrap();
        assert!(
            !state.may_try(t0() + Duration::days(1)),
            "retried by itself"
        );
    }
    assert_eq!(
        classify_status(308),
        StatusClass::Failed(Failure::Redirected)
    );
}

/// The content codings of each batch request, in order: `true` for gzip.
fn gzipped(server: &Server) -> Vec<bool> {
    server
        .requests
        .borrow()
        .iter()
        .map(|r| {
            let header = r
                .headers
                .iter()
                .any(|(k, v)| k == "Content-Encoding" && v == "gzip");
            assert_eq!(header, r.gzip, "the header says what the transport does");
            r.gzip
        })
        .collect()
}

#[test]
fn a_server_that_announces_gzip_gets_gzip_bodies_from_its_next_answer_on() {
    let records = phone(7);
    let server = Server::jangkau();
    server.gzip.set(true);
    let ep = endpoint(EndpointKind::JangkauBatch, 3);
    let report = run(&records, &server, &ep, &mut Ctx::new());
    assert_eq!((report.delivered, report.failure), (7, None));
    // Nothing known before the first answer: that batch goes plain.
    assert_eq!(gzipped(&server), [false, true, true]);
    assert_eq!(server.stored_ids(), all_ids(7));
    // Remembered across runs, for this address only.
    assert!(block_on(load_gzip(&records, &ep.url)).unwrap());
    assert!(!block_on(load_gzip(&records, "https://other.example.org/b")).unwrap());
    // CouchDB bodies stay plain whatever it says.
    let couch_records = phone(4);
    let couch = Server::couch();
    couch.gzip.set(true);
    let report = run(
        &couch_records,
        &couch,
        &endpoint(EndpointKind::CouchDb, 2),
        &mut Ctx::new(),
    );
    assert_eq!(report.delivered, 4);
    assert_eq!(gzipped(&couch), [false, false]);
}

#[test]
fn a_server_that_stops_taking_gzip_gets_the_same_batch_again_plain() {
    let records = phone(4);
    let server = Server::jangkau();
    let ep = endpoint(EndpointKind::JangkauBatch, 2);
    block_on(save_gzip(&records, &ep.url, true)).unwrap();
    // An upgrade on the server turned it off: 415 to the gzip body.
    let report = run(&records, &server, &ep, &mut Ctx::new());
    assert_eq!((report.delivered, report.failure), (4, None));
    assert_eq!(gzipped(&server), [true, false, false]);
    let ids = server.batch_ids();
    assert_eq!(ids[0], ids[1], "the refused batch goes again under its id");
    assert!(!block_on(load_gzip(&records, &ep.url)).unwrap());
}

#[test]
fn the_accept_encoding_answer_header_is_read_as_rfc_7694_says() {
    for (header, gzip) in [
        (Some("gzip"), true),
        (Some("GZIP"), true),
        (Some("br, gzip;q=0.8"), true),
        (Some("identity, x-gzip"), true),
        (Some("gzip;q=0"), false),
        (Some("gzip; q=0.0, br"), false),
        (Some("identity"), false),
        (Some("gzipped"), false),
        (Some(""), false),
        (None, false),
    ] {
        assert_eq!(accepts_gzip(header), gzip, "{header:?}");
    }
}

#[test]
fn relay_batches_for_a_gzip_server_say_so_and_keep_their_json() {
    let records = phone(2);
    let load = |n: u128| {
        block_on(records.load(uuid::Uuid::from_u128(n)))
            .unwrap()
            .unwrap()
    };
    let sealed =
        |n: u128| Entry::encrypted(&load(n), json!({"jangkau_envelope": 2}), "a".repeat(64));
    let outbox = vec![PendingBatch {
        batch_id: "b-1".into(),
        entries: vec![sealed(1), sealed(2)],
    }];
    let ep = endpoint(EndpointKind::JangkauBatch, 50);
    let plain = relay(&ep, &sender(), &outbox, t0(), false).unwrap();
    let gzip = relay(&ep, &sender(), &outbox, t0(), true).unwrap();
    assert!(!plain.batches[0].gzip && gzip.batches[0].gzip);
    let encoding = ("Content-Encoding".to_owned(), "gzip".to_owned());
    assert!(!plain.batches[0].headers.contains(&encoding));
    assert!(gzip.batches[0].headers.contains(&encoding));
    // The worker compresses; the stored body is the same JSON either way.
    assert_eq!(plain.batches[0].body, gzip.batches[0].body);
}

/// Counts the entries it prepares.
#[derive(Default)]
struct CountingPreparer {
    calls: std::cell::Cell<u32>,
}

impl Preparer for CountingPreparer {
    async fn prepare(&self, record: &Record) -> Result<Entry, CryptoError> {
        self.calls.set(self.calls.get() + 1);
        PlainPreparer.prepare(record).await
    }
}

/// The scripted server behind a link that takes a moment: each answer
/// comes after one turn of the executor, and notes how many entries the
/// phone had prepared by then.
struct SlowLink<'a> {
    server: &'a Server,
    preparer: &'a CountingPreparer,
    prepared_at_answer: RefCell<Vec<u32>>,
}

impl Transport for SlowLink<'_> {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut turned = false;
        std::future::poll_fn(|cx| {
            if turned {
                std::task::Poll::Ready(())
            } else {
                turned = true;
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }
        })
        .await;
        self.prepared_at_answer
            .borrow_mut()
            .push(self.preparer.calls.get());
        self.server.send(request).await
    }
}

/// Issue 15: the next batch is read and prepared while the current one is
/// in flight, not after its answer (before, each answer found only its own
/// batch prepared).
#[test]
fn the_next_batch_is_prepared_while_the_current_one_is_in_flight() {
    let records = phone(7);
    let server = Server::jangkau();
    let preparer = CountingPreparer::default();
    let link = SlowLink {
        server: &server,
        preparer: &preparer,
        prepared_at_answer: RefCell::default(),
    };
    let ep = endpoint(EndpointKind::JangkauBatch, 3);
    let sender = sender();
    let outbox = Outbox {
        records: &records,
        transport: &link,
        preparer: &preparer,
        endpoint: &ep,
        sender: &sender,
    };
    let report = block_on(outbox.run(&mut Ctx::new())).unwrap();
    assert_eq!((report.delivered, report.failure), (7, None));
    assert_eq!(*link.prepared_at_answer.borrow(), [6, 7, 7]);
    // Each record prepared once, each stored once, in batches of three.
    assert_eq!(preparer.calls.get(), 7);
    assert_eq!(server.posted.borrow().len(), 7);
    assert_eq!(server.batch_ids().len(), 3);
    assert!(block_on(load_outbox(&records)).unwrap().is_empty());
}

/// A stop mid-run drops the batch prepared ahead: its records stay final
/// and go, once, in the next run.
#[test]
fn a_batch_prepared_ahead_is_dropped_on_a_stop_and_sent_next_time() {
    let records = phone(7);
    let server = Server::jangkau();
    server.then(&[Fault::Answer, Fault::Status(503, None)]);
    let ep = endpoint(EndpointKind::JangkauBatch, 3);
    let first = run(&records, &server, &ep, &mut Ctx::new());
    assert_eq!(first.delivered, 3);
    assert!(first.failure.is_some());
    // Only the batch that was sent is kept; the one prepared behind it was not.
    let kept = block_on(load_outbox(&records)).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(count(&records, RecordStatus::Final), 4);
    let again = run(&records, &server, &ep, &mut Ctx::new());
    assert_eq!((again.delivered, again.failure), (4, None));
    assert_eq!(server.stored_ids(), all_ids(7));
    assert_eq!(server.posted.borrow().len(), 7);
}
