//! Sending as a plain-Rust service over the memory store, a scripted transport and a fake platform: the shipped server adopted once, damaged and refused settings reported, settings checks, and what unlocking finishes.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use jangkau::crypto::CryptoError;
use jangkau::model::record::{Record, RecordStatus};
use jangkau::service::sending::{Host, LoadProblem, Probe, Programme, SaveError, Sending};
use jangkau::service::Clock;
use jangkau::storage::memory::MemoryStore;
use jangkau::storage::{RecordStore, Records, StorageError};
use jangkau::sync::endpoint::{EndpointError, EndpointForm, EndpointKind};
use jangkau::sync::engine::{load_gzip, Preparer, Transport, TransportError, META_ENDPOINT};
use jangkau::sync::wire::{hex, Content, Entry, HttpRequest, HttpResponse};
use pollster::block_on;
use sha2::{Digest, Sha256};
use support::keys::NativeCipher;
use uuid::Uuid;

mod support;

struct FakeHost {
    online: bool,
    sources: Option<Vec<String>>,
}

impl Default for FakeHost {
    fn default() -> Self {
        FakeHost {
            online: true,
            sources: Some(vec!["'self'".into(), "https://data.example.org".into()]),
        }
    }
}

impl Host for FakeHost {
    fn online(&self) -> bool {
        self.online
    }
    fn connect_sources(&self) -> Option<Vec<String>> {
        self.sources.clone()
    }
    fn page_origin(&self) -> String {
        "https://app.example.org".into()
    }
    async fn reachable_without_cors(&self, _url: &str, _timeout_ms: u32) -> bool {
        false
    }
    async fn request_background_sync(&self) {}
}

struct PlainPreparer;

impl Preparer for PlainPreparer {
    async fn prepare(&self, record: &Record) -> Result<Entry, CryptoError> {
        let bytes = Content::of(record).to_bytes();
        Ok(Entry::plain(record, hex(&Sha256::digest(&bytes))))
    }
}

struct Plain;

impl Programme for Plain {
    type Preparer = PlainPreparer;
    async fn preparer(&self, _key: Option<&str>) -> Result<PlainPreparer, CryptoError> {
        Ok(PlainPreparer)
    }
}

/// Answers by URL; counts what was asked.
#[derive(Default)]
struct Script {
    answers: RefCell<BTreeMap<String, HttpResponse>>,
    asked: RefCell<Vec<String>>,
}

impl Script {
    fn serve(&self, url: &str, status: u16, body: &str) {
        self.answers.borrow_mut().insert(
            url.into(),
            HttpResponse {
                status,
                retry_after: None,
                accept_encoding: None,
                body: body.as_bytes().to_vec(),
            },
        );
    }
}

impl Transport for Script {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.asked.borrow_mut().push(request.url.clone());
        self.answers
            .borrow()
            .get(&request.url)
            .cloned()
            .ok_or(TransportError::Failed)
    }
}

struct FixedClock {
    next: Cell<u128>,
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
    }
    fn new_id(&self) -> Uuid {
        self.next.set(self.next.get() + 1);
        Uuid::from_u128(0xabc0 + self.next.get())
    }
    fn random(&self) -> f64 {
        0.5
    }
}

type Svc = Records<MemoryStore, NativeCipher>;

fn phone() -> Svc {
    Records::new(MemoryStore::new(), NativeCipher::random())
}

fn sending<'a>(
    records: &'a Svc,
    script: &'a Script,
    host: &'a FakeHost,
) -> Sending<'a, MemoryStore, NativeCipher, Script, FakeHost, Plain> {
    Sending {
        records,
        transport: script,
        host,
        programme: &Plain,
    }
}

const SHIPPED: &str = r#"{"endpoint_url": "https://data.example.org/jangkau/batches"}"#;

/// Issue 12: "Remove server" wrote an empty value that read back as none,
/// so the shipped config.json was adopted again at the next unlock.
#[test]
fn the_shipped_server_is_adopted_once_and_a_removal_stays_removed() {
    let (records, script, host) = (phone(), Script::default(), FakeHost::default());
    script.serve("config.json", 200, SHIPPED);
    let svc = sending(&records, &script, &host);
    let loaded = block_on(svc.load()).unwrap();
    assert_eq!(
        loaded.endpoint.map(|e| e.url),
        Some("https://data.example.org/jangkau/batches".to_owned())
    );
    assert_eq!(loaded.problem, None);
    block_on(svc.remove()).unwrap();
    let again = block_on(svc.load()).unwrap();
    assert_eq!(
        again.endpoint, None,
        "the shipped server came back after removal"
    );
    assert_eq!(again.problem, None);
}

/// Issue 12: a damaged stored endpoint was silently replaced by config.json.
#[test]
fn damaged_server_settings_are_reported_and_never_replaced_by_the_shipped_ones() {
    let (records, script, host) = (phone(), Script::default(), FakeHost::default());
    script.serve("config.json", 200, SHIPPED);
    block_on(records.store().set_meta(META_ENDPOINT, "aes-256-gcm:AAAA")).unwrap();
    let loaded = block_on(sending(&records, &script, &host).load()).unwrap();
    assert_eq!(loaded.endpoint, None);
    assert!(
        matches!(loaded.problem, Some(LoadProblem::Damaged(_))),
        "{:?}",
        loaded.problem
    );
    assert_eq!(
        block_on(records.store().get_meta(META_ENDPOINT))
            .unwrap()
            .as_deref(),
        Some("aes-256-gcm:AAAA"),
        "kept as it was"
    );
}

/// Issue 12: a broken config.json was ignored with no message.
#[test]
fn a_broken_config_json_is_reported() {
    let (records, script, host) = (phone(), Script::default(), FakeHost::default());
    script.serve("config.json", 200, "{ endpoint_url: nope");
    let loaded = block_on(sending(&records, &script, &host).load()).unwrap();
    assert_eq!(loaded.endpoint, None);
    assert!(
        matches!(
            loaded.problem,
            Some(LoadProblem::Defaults(EndpointError::BadDefaults(_)))
        ),
        "{:?}",
        loaded.problem
    );
    // A deployment without config.json (404) is no problem at all.
    let (records, script) = (phone(), Script::default());
    script.serve("config.json", 404, "not found");
    assert_eq!(
        block_on(sending(&records, &script, &host).load())
            .unwrap()
            .problem,
        None
    );
}

/// Issue 12: a config.json naming an origin the build does not allow was
/// adopted, and every send then failed as "unreachable".
#[test]
fn a_shipped_server_this_build_may_not_reach_is_refused_with_its_reason() {
    let (records, script) = (phone(), Script::default());
    let host = FakeHost {
        sources: Some(vec!["'self'".into()]),
        ..FakeHost::default()
    };
    script.serve("config.json", 200, SHIPPED);
    let loaded = block_on(sending(&records, &script, &host).load()).unwrap();
    assert_eq!(loaded.endpoint, None);
    assert_eq!(
        loaded.problem,
        Some(LoadProblem::Defaults(EndpointError::NotAllowedByBuild {
            origin: "https://data.example.org".into()
        }))
    );
    assert_eq!(block_on(records.sealed_meta(META_ENDPOINT)).unwrap(), None);
}

#[test]
fn saved_settings_are_checked_against_the_build_and_read_back() {
    let (records, script, host) = (phone(), Script::default(), FakeHost::default());
    let svc = sending(&records, &script, &host);
    let form = |url: &str| EndpointForm {
        url: url.into(),
        kind: EndpointKind::JangkauBatch,
        token: "t0ken".into(),
        batch_size: "20".into(),
        ..EndpointForm::default()
    };
    assert_eq!(
        block_on(svc.save(&form("https://elsewhere.example.net/b"))),
        Err(SaveError::Invalid(EndpointError::NotAllowedByBuild {
            origin: "https://elsewhere.example.net".into()
        }))
    );
    let saved = block_on(svc.save(&form("https://data.example.org/jangkau"))).unwrap();
    assert_eq!(saved.batch_size, 20);
    assert_eq!(block_on(svc.load()).unwrap().endpoint, Some(saved));
    assert!(
        script.asked.borrow().is_empty(),
        "config.json read while a server is set"
    );
}

/// Issue 18: a withdrawal the service worker delivered while the app was
/// closed must leave the phone at the next unlock, with no send needed.
#[test]
fn unlocking_finishes_a_withdrawal_the_worker_delivered() {
    use jangkau::model::participant_code::ParticipantCode;
    let (records, script, host) = (phone(), Script::default(), FakeHost::default());
    let code = ParticipantCode::from_random([1, 4, 1, 4, 2, 1]);
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    let mut hers = support::finished(1, "needs_assessment", &code, "KDR-TARIK", at, vec![]);
    hers.status = RecordStatus::Sent;
    block_on(records.save(&hers)).unwrap();
    block_on(records.withdraw(&code, Uuid::from_u128(9), at)).unwrap();
    // The worker marked it sent (public/sw.js writes the status in clear).
    block_on(records.store().set_statuses(
        &[Uuid::from_u128(9).to_string()],
        RecordStatus::Final,
        RecordStatus::Sent,
    ))
    .unwrap();
    block_on(sending(&records, &script, &host).load()).unwrap();
    assert_eq!(
        records.store().len(),
        0,
        "her records are still on the phone"
    );
}

#[test]
fn the_device_id_is_made_once() {
    let (records, script, host) = (phone(), Script::default(), FakeHost::default());
    let clock = FixedClock { next: Cell::new(0) };
    let svc = sending(&records, &script, &host);
    let first = block_on(svc.sender(&clock)).unwrap();
    assert_eq!(block_on(svc.sender(&clock)).unwrap(), first);
    assert_eq!(first.device_id, Uuid::from_u128(0xabc1).to_string());
}

#[test]
fn a_full_disk_while_saving_settings_is_a_storage_error() {
    let (records, script, host) = (phone(), Script::default(), FakeHost::default());
    records.store().full.set(true);
    let result = block_on(sending(&records, &script, &host).save(&EndpointForm {
        url: "https://data.example.org/jangkau".into(),
        ..EndpointForm::default()
    }));
    assert_eq!(result, Err(SaveError::Storage(StorageError::QuotaExceeded)));
}

/// Issue 15: a Jangkau endpoint announces gzip in its answer to "Test
/// connection"; the phone remembers it for that address.
#[test]
fn test_connection_learns_whether_the_server_takes_gzip() {
    let (records, script, host) = (phone(), Script::default(), FakeHost::default());
    let clock = FixedClock { next: Cell::new(0) };
    let url = "https://data.example.org/jangkau/batches";
    let probe_id = format!("probe-{}", Uuid::from_u128(0xabc2));
    let answer = |gzip: Option<&str>| HttpResponse {
        status: 200,
        retry_after: None,
        accept_encoding: gzip.map(str::to_owned),
        body: format!(r#"{{"batch_id":"{probe_id}","results":[]}}"#).into_bytes(),
    };
    script
        .answers
        .borrow_mut()
        .insert(url.into(), answer(Some("gzip")));
    let svc = sending(&records, &script, &host);
    let form = EndpointForm {
        url: url.into(),
        kind: EndpointKind::JangkauBatch,
        token: "t0ken".into(),
        batch_size: "50".into(),
        ..EndpointForm::default()
    };
    assert_eq!(block_on(svc.probe(&form, &clock)), Probe::Ok);
    assert!(block_on(load_gzip(&records, url)).unwrap());
    // The server turned it off: the next test says so (the device id is
    // made, so the probe's id is the clock's second again).
    clock.next.set(1);
    script.answers.borrow_mut().insert(url.into(), answer(None));
    assert_eq!(block_on(svc.probe(&form, &clock)), Probe::Ok);
    assert!(!block_on(load_gzip(&records, url)).unwrap());
}
