//! Every parser of what a server, a file or a person hands the phone, fed random and mangled input: none may panic (release builds abort on a panic, and the same bad answer would come back on every send).
#![cfg(not(target_arch = "wasm32"))]

use chrono::{TimeZone, Utc};
use jangkau::crypto::envelope::{self, Envelope};
use jangkau::crypto::keyfile::KeyFile;
use jangkau::crypto::{blob, IdentityCipher};
use jangkau::model::answer::{clean_text, parse_input, site_code};
use jangkau::model::builtin;
use jangkau::model::form::FormDef;
use jangkau::model::participant_code::ParticipantCode;
use jangkau::model::record::RecordStatus;
use jangkau::report::transfer::read_export;
use jangkau::storage::memory::MemoryStore;
use jangkau::storage::Records;
use jangkau::sync::endpoint::{
    connect_allowed, Credentials, DeploymentDefaults, Endpoint, EndpointForm, EndpointKind, Url,
};
use jangkau::sync::engine::{Outbox, Preparer, RunContext, Transport, TransportError};
use jangkau::sync::policy::retry_after;
use jangkau::sync::wire::{
    batch_body, probe_answer_ok, read_answer, read_lookup, Content, Entry, HttpRequest,
    HttpResponse, PendingBatch, Sender,
};
use pollster::block_on;
use std::cell::{Cell, RefCell};

mod support;

/// xorshift64*: reproducible, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens that break careless parsers: huge, negative and odd numbers,
/// JSON punctuation, control and invisible characters.
const NASTY: &[&str] = &[
    "9300000000000000",
    "-9223372036854775808",
    "18446744073709551616",
    "1e308",
    "-1e308",
    "NaN",
    "Infinity",
    "-0",
    "0.0000000000000000001",
    "null",
    "true",
    "[]",
    "{}",
    "\"",
    "\\",
    "\\u0000",
    "\\ud800",
    "\u{202E}",
    "\u{200B}",
    "\u{FEFF}",
    "\0",
    "\r\n",
    "💥",
    "ß",
    "İ",
    ":",
    "//",
    "@",
    "[::1]",
    "%00",
    "=====",
    "-----BEGIN PUBLIC KEY-----",
];

fn mangle(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                let end = (at + rng.below(16)).min(out.len());
                out.drain(at..end);
            }
            2 | 3 => {
                let token = NASTY[rng.below(NASTY.len())].as_bytes();
                out.splice(at..at, token.iter().copied());
            }
            4 => out.truncate(at),
            _ => {
                let b = (rng.next() & 0xff) as u8;
                out.insert(at.min(out.len()), b);
            }
        }
    }
    out
}

/// `n` inputs: random bytes, random text, and mangled copies of `seeds`.
fn inputs(seed: u64, n: usize, seeds: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|i| match i % 4 {
            0 => (0..rng.below(200))
                .map(|_| (rng.next() & 0xff) as u8)
                .collect(),
            1 => (0..rng.below(12))
                .flat_map(|_| NASTY[rng.below(NASTY.len())].bytes())
                .collect(),
            _ => {
                let base = &seeds[rng.below(seeds.len())];
                mangle(&mut rng, base)
            }
        })
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap()
}

fn endpoint(kind: EndpointKind) -> Endpoint {
    Endpoint {
        url: "https://data.example.org/b".into(),
        kind,
        credentials: Credentials::None,
        batch_size: 50,
        timeout_seconds: 30,
    }
}

fn batch() -> PendingBatch {
    let record = support::site_visit(1, at(), "KDR-A");
    PendingBatch {
        batch_id: "b-1".into(),
        entries: vec![Entry::plain(&record, "a".repeat(64))],
    }
}

#[test]
fn server_answers_and_headers() {
    let seeds = vec![
        br#"{"batch_id":"b-1","results":[{"record_id":"00000000-0000-0000-0000-000000000001","status":"created"}]}"#.to_vec(),
        br#"[{"id":"00000000-0000-0000-0000-000000000001","ok":true},{"id":"x","error":"conflict","reason":"r"}]"#.to_vec(),
        br#"{"rows":[{"id":"a","doc":{"payload_sha256":"b"}}]}"#.to_vec(),
        b"Mon, 23 Nov 2026 07:30:00 GMT".to_vec(),
        b"120".to_vec(),
        br#"{"db_name":"jangkau"}"#.to_vec(),
    ];
    let batch = batch();
    let wanted = vec![("a".to_owned(), "b".to_owned())];
    for input in inputs(1, 4000, &seeds) {
        let _ = read_answer(EndpointKind::JangkauBatch, &batch, &input);
        let _ = read_answer(EndpointKind::CouchDb, &batch, &input);
        let _ = read_lookup(&input, &wanted);
        let _ = probe_answer_ok(EndpointKind::JangkauBatch, "b-1", &input);
        let _ = probe_answer_ok(EndpointKind::CouchDb, "b-1", &input);
        if let Some(wait) = retry_after(&text(&input), at()) {
            assert!(wait >= chrono::Duration::zero() && wait <= chrono::Duration::hours(6));
        }
    }
}

#[test]
fn settings_addresses_and_config_files() {
    let seeds = vec![
        br#"{"endpoint_url":"https://data.example.org/b","endpoint_kind":"couch_db","batch_size":20,"timeout_seconds":30}"#.to_vec(),
        b"https://data.example.org:8443/jangkau/batches?x=1".to_vec(),
        b"http://[::1]:8080/b".to_vec(),
        b"https://*.example.org:*".to_vec(),
    ];
    let target = Url::parse("https://data.example.org/b").unwrap();
    for input in inputs(2, 4000, &seeds) {
        let t = text(&input);
        let _ = Url::parse(&t);
        if let Ok(d) = DeploymentDefaults::parse(&t) {
            let _ = d.endpoint();
        }
        let form = EndpointForm {
            url: t.clone(),
            kind: if input.len() % 2 == 0 {
                EndpointKind::JangkauBatch
            } else {
                EndpointKind::CouchDb
            },
            token: t.clone(),
            user: t.clone(),
            password: t.clone(),
            batch_size: t.clone(),
            timeout_seconds: None,
        };
        let _ = form.check();
        let sources: Vec<&str> = t.split_whitespace().collect();
        let _ = connect_allowed(&sources, "https://app.example.org", &target);
    }
}

#[test]
fn key_files_envelopes_keys_and_blobs() {
    let envelope = Envelope::new(2, &[1; 16], &[4; 65], &[2; 12], &[3; 40]).to_json();
    let seeds = vec![
        envelope.into_bytes(),
        br#"{"v":1,"kind":"pin","kdf":"PBKDF2-SHA-256","iterations":200000,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","iv":"AAAAAAAAAAAAAAAA","wrapped":"AAAA"}"#.to_vec(),
        b"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----".to_vec(),
        br#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#.to_vec(),
        vec![1; 40],
    ];
    for input in inputs(3, 4000, &seeds) {
        let t = text(&input);
        let _ = KeyFile::parse(&t);
        if let Ok(e) = Envelope::parse(&t) {
            let _ = e.open();
        }
        let _ = envelope::parse_public_key(&t);
        let _ = envelope::pem_body(&t, "PUBLIC KEY");
        let _ = blob::unframe(&input);
    }
}

#[test]
fn typed_answers_codes_and_form_files() {
    let forms = builtin::forms();
    let seeds: Vec<Vec<u8>> = vec![
        b"12".to_vec(),
        b"1.200.000".to_vec(),
        b"2,5".to_vec(),
        b"2026-11-20".to_vec(),
        b"KDR-CERME".to_vec(),
        b"ABCD-EFG".to_vec(),
        include_bytes!("../forms/site_visit.json").to_vec(),
    ];
    for input in inputs(4, 3000, &seeds) {
        let t = text(&input);
        let _ = ParticipantCode::parse(&t);
        let _ = site_code(&t);
        let _ = clean_text(&t, true);
        for form in &forms {
            for (_, q) in form.questions() {
                let _ = parse_input(q, &t);
            }
        }
        if input.len() > 500 {
            let _ = FormDef::parse(&t);
        }
    }
}

#[test]
fn import_files() {
    let mut record = support::completed(support::site_visit(1, at(), "KDR-A"));
    record.status = RecordStatus::Final;
    let bytes = Content::of(&record).to_bytes();
    let batch = PendingBatch {
        batch_id: "export-1".into(),
        entries: vec![Entry::plain(
            &record,
            "a".repeat(64) + &bytes.len().to_string(),
        )],
    };
    let sender = Sender {
        device_id: "d".into(),
        app_version: "t".into(),
    };
    let seeds = vec![batch_body(&batch, &sender, at())];
    let forms = builtin::forms();
    for input in inputs(5, 3000, &seeds) {
        let _ = read_export(&input, &forms, |_| false);
    }
}

/// Answers whatever the fuzzer says, for a whole sending run.
struct Chaos {
    bodies: RefCell<Vec<Vec<u8>>>,
    statuses: RefCell<Vec<u16>>,
    retry: RefCell<Vec<String>>,
}

impl Transport for Chaos {
    async fn send(&self, _request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let body = self.bodies.borrow_mut().pop().unwrap_or_default();
        let status = self.statuses.borrow_mut().pop().unwrap_or(200);
        Ok(HttpResponse {
            status,
            retry_after: self.retry.borrow_mut().pop(),
            accept_encoding: None,
            body,
        })
    }
}

struct Plain;

impl Preparer for Plain {
    async fn prepare(
        &self,
        record: &jangkau::model::record::Record,
    ) -> Result<Entry, jangkau::crypto::CryptoError> {
        Ok(Entry::plain(record, "a".repeat(64)))
    }
}

struct Ctx(Cell<u32>);

impl RunContext for Ctx {
    fn now(&self) -> chrono::DateTime<Utc> {
        at()
    }
    fn new_batch_id(&mut self) -> String {
        self.0.set(self.0.get() + 1);
        format!("b-{}", self.0.get())
    }
    fn jitter(&mut self) -> f64 {
        0.5
    }
}

#[test]
fn a_sending_run_against_a_server_that_answers_anything() {
    let seeds = vec![
        br#"{"batch_id":"b-1","results":[{"record_id":"00000000-0000-0000-0000-000000000001","status":"created"}]}"#.to_vec(),
        br#"[{"id":"00000000-0000-0000-0000-000000000001","error":"conflict"}]"#.to_vec(),
    ];
    let all = inputs(6, 600, &seeds);
    let mut rng = Rng(7);
    for (kind, chunk) in [EndpointKind::JangkauBatch, EndpointKind::CouchDb]
        .into_iter()
        .zip(all.chunks(300))
    {
        for answers in chunk.chunks(3) {
            let records = Records::new(MemoryStore::new(), IdentityCipher);
            for n in 1..=3 {
                let mut r = support::site_visit(n, at(), "KDR-A");
                r.status = RecordStatus::Final;
                block_on(records.save(&r)).unwrap();
            }
            let transport = Chaos {
                bodies: RefCell::new(answers.to_vec()),
                statuses: RefCell::new(
                    (0..3)
                        .map(|_| [200, 201, 207, 301, 413, 429, 503, 0, 999][rng.below(9)])
                        .collect(),
                ),
                retry: RefCell::new(answers.iter().map(|a| text(a)).collect()),
            };
            let ep = Endpoint {
                batch_size: 1 + rng.below(3) as u32,
                ..endpoint(kind)
            };
            let sender = Sender {
                device_id: "d".into(),
                app_version: "t".into(),
            };
            let outbox = Outbox {
                records: &records,
                transport: &transport,
                preparer: &Plain,
                endpoint: &ep,
                sender: &sender,
            };
            // Whatever the answers, the run ends, and no record is lost.
            let _ = block_on(outbox.run(&mut Ctx(Cell::new(0))));
            assert_eq!(records.store().len(), 3);
        }
    }
}

#[test]
fn forms_indexes_bundles_and_form_files() {
    use jangkau::model::registry::{read_file, Definition, Index, Part, Registry};
    let form = include_bytes!("../forms/follow_up.json").to_vec();
    let consent = include_bytes!("../forms/consent.json").to_vec();
    let index = br#"{"schema": "jangkau.forms/1", "forms": [{"id": "a", "version": 1, "url": "a.json", "sha256": "00"}], "consents": []}"#.to_vec();
    let bundle = format!(
        r#"{{"schema": "jangkau.forms/1", "forms": [{{"id": "follow_up", "version": 1, "definition": {}}}]}}"#,
        String::from_utf8_lossy(&form)
    )
    .into_bytes();
    let seeds = vec![form, consent, index, bundle];
    let mut registry = Registry::built_in();
    for input in inputs(11, 3000, &seeds) {
        let _ = Index::parse(&input);
        let _ = Definition::parse(Part::Form, &input);
        let _ = Definition::parse(Part::Consent, &input);
        if let Ok(jangkau::model::registry::FileContent::Bundle(index)) = read_file(&input) {
            let delivered = index
                .entries()
                .map(|(part, e)| {
                    let result = e
                        .definition
                        .as_ref()
                        .map(|d| serde_json::to_vec(d).unwrap())
                        .ok_or(jangkau::model::registry::EntryProblem::NoSource)
                        .and_then(|bytes| Definition::parse(part, &bytes))
                        .map(|d| (d, None));
                    (part, e.clone(), result)
                })
                .collect();
            registry.apply_file(delivered);
        }
    }
    // Whatever came in, every built-in version is still there.
    for f in builtin::forms() {
        assert!(registry.form(&f.id, f.version).is_some());
    }
    let (restored, _) = Registry::restore(registry.to_stored());
    assert_eq!(restored.all_forms().len(), registry.all_forms().len());
}
