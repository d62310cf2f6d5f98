//! What goes over the wire: the `jangkau.batch/1` body, CouchDB documents, and reading each kind of server's answer.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::endpoint::{Credentials, Endpoint, EndpointKind};
use crate::model::answer::Answers;
use crate::model::consent::Consent;
use crate::model::participant_code::ParticipantCode;
use crate::model::profile::Collector;
use crate::model::record::Record;

pub const SCHEMA: &str = "jangkau.batch/1";
/// No answer (a batch's results, a CouchDB look-up, config.json) is longer
/// than this; reading stops there, so a server that never ends its answer
/// cannot fill the phone's memory.
pub const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;
/// CouchDB documents carry this `type`, so a shared database can hold others.
pub const COUCH_TYPE: &str = "jangkau.record";

/// The part of a record that identifies a person: sent as it is, or
/// encrypted to the programme key as one envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Content {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_code: Option<ParticipantCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Consent>,
    pub answers: Answers,
}

impl Content {
    pub fn of(record: &Record) -> Content {
        Content {
            participant_code: record.participant_code.clone(),
            consent: record.consent.clone(),
            answers: record.answers.clone(),
        }
    }

    /// The bytes that are fingerprinted (plain) or encrypted (programme
    /// key). Maps are ordered, so the same record always gives the same bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("record content always serialises")
    }
}

/// One record in a batch. Built once, when the batch is made, and kept (sealed)
/// until the server confirms it, so every resend carries the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub record_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    pub form_id: String,
    pub form_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_code: Option<ParticipantCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Consent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<Answers>,
    /// The [`Content`] encrypted to the programme key (docs/envelope.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<Value>,
    /// SHA-256 (hex) of the content bytes (plain) or of the envelope's JSON
    /// (encrypted): equal on every resend of this record, different when
    /// the content differs. Receivers compare it; they need not recompute it.
    pub payload_sha256: String,
    /// The profile that made the record (docs/endpoint.md, `collector`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collector: Option<Collector>,
}

impl Entry {
    fn frame(record: &Record, payload_sha256: String) -> Entry {
        Entry {
            record_id: record.id.to_string(),
            supersedes: record.supersedes.map(|s| s.to_string()),
            form_id: record.form_id.clone(),
            form_version: record.form_version,
            site: record.site.clone(),
            created_at: record.created_at,
            updated_at: record.updated_at,
            participant_code: None,
            consent: None,
            answers: None,
            encrypted: None,
            payload_sha256,
            collector: record.collector.clone(),
        }
    }

    /// A record sent as it is; `sha256_hex` of `Content::of(record).to_bytes()`.
    pub fn plain(record: &Record, sha256_hex: String) -> Entry {
        Entry {
            participant_code: record.participant_code.clone(),
            consent: record.consent.clone(),
            answers: Some(record.answers.clone()),
            ..Entry::frame(record, sha256_hex)
        }
    }

    /// A record whose content is encrypted to the programme; `sha256_hex` of
    /// the envelope's JSON bytes.
    pub fn encrypted(record: &Record, envelope: Value, sha256_hex: String) -> Entry {
        Entry {
            encrypted: Some(envelope),
            ..Entry::frame(record, sha256_hex)
        }
    }
}

/// A batch waiting to be confirmed: its id is the idempotency key, kept
/// across every retry, reload and restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingBatch {
    pub batch_id: String,
    pub entries: Vec<Entry>,
}

#[derive(Serialize)]
struct Body<'a> {
    schema: &'static str,
    batch_id: &'a str,
    device_id: &'a str,
    app_version: &'a str,
    sent_at: DateTime<Utc>,
    records: &'a [Entry],
}

/// An HTTP request, independent of any browser API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// The body as the protocol defines it (JSON), before any compression.
    pub body: Option<Vec<u8>>,
    /// Whether the transport sends `body` gzip-compressed; the
    /// `Content-Encoding: gzip` header is already in `headers`
    /// ([`HttpRequest::gzipped`]).
    pub gzip: bool,
    pub timeout_ms: u32,
}

impl HttpRequest {
    /// A GET of `url` with no headers.
    pub fn get(url: String, timeout_ms: u32) -> HttpRequest {
        HttpRequest {
            method: "GET",
            url,
            headers: Vec::new(),
            body: None,
            gzip: false,
            timeout_ms,
        }
    }

    /// The same request with its body sent gzip-compressed, for a server
    /// that announced it accepts that ([`accepts_gzip`]).
    #[must_use]
    pub fn gzipped(mut self) -> HttpRequest {
        if !self.gzip && self.body.is_some() {
            self.headers
                .push(("Content-Encoding".to_owned(), "gzip".to_owned()));
            self.gzip = true;
        }
        self
    }
}

/// What came back. `retry_after` and `accept_encoding` are the headers'
/// text, if any (the second is how a server announces the codings it
/// accepts in requests, RFC 7694).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    pub status: u16,
    pub retry_after: Option<String>,
    pub accept_encoding: Option<String>,
    pub body: Vec<u8>,
}

/// Whether an `Accept-Encoding` answer header lists `gzip` (not with
/// `q=0`, which refuses it).
pub fn accepts_gzip(header: Option<&str>) -> bool {
    header.is_some_and(|text| {
        text.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip"))
                && !refused
        })
    })
}

/// Who is sending: fixed for the phone and the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub device_id: String,
    pub app_version: String,
}

fn authorization(credentials: &Credentials) -> Option<String> {
    match credentials {
        Credentials::None => None,
        Credentials::Bearer { token } => Some(format!("Bearer {token}")),
        Credentials::Basic { user, password } => Some(format!(
            "Basic {}",
            STANDARD.encode(format!("{user}:{password}"))
        )),
    }
}

fn base_headers(endpoint: &Endpoint) -> Vec<(String, String)> {
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Accept".to_owned(), "application/json".to_owned()),
    ];
    if let Some(auth) = authorization(&endpoint.credentials) {
        headers.push(("Authorization".to_owned(), auth));
    }
    headers
}

/// `{url}/{path}` without doubling the slash.
fn join(url: &str, path: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut joined = format!("{}/{path}", base.trim_end_matches('/'));
    if let Some(q) = query {
        joined.push('?');
        joined.push_str(q);
    }
    joined
}

/// A `jangkau.batch/1` body: what the endpoint receives, and what a JSON
/// export file holds.
pub fn batch_body(batch: &PendingBatch, sender: &Sender, now: DateTime<Utc>) -> Vec<u8> {
    let body = Body {
        schema: SCHEMA,
        batch_id: &batch.batch_id,
        device_id: &sender.device_id,
        app_version: &sender.app_version,
        sent_at: now,
        records: &batch.entries,
    };
    serde_json::to_vec(&body).expect("a batch always serialises")
}

/// The request that delivers `batch` to `endpoint`.
pub fn batch_request(
    endpoint: &Endpoint,
    sender: &Sender,
    batch: &PendingBatch,
    now: DateTime<Utc>,
) -> HttpRequest {
    let timeout_ms = endpoint.timeout_seconds * 1000;
    match endpoint.kind {
        EndpointKind::JangkauBatch => {
            let mut headers = base_headers(endpoint);
            headers.push(("Idempotency-Key".to_owned(), batch.batch_id.clone()));
            HttpRequest {
                method: "POST",
                url: endpoint.url.clone(),
                headers,
                body: Some(batch_body(batch, sender, now)),
                gzip: false,
                timeout_ms,
            }
        }
        EndpointKind::CouchDb => {
            let docs: Vec<Value> = batch
                .entries
                .iter()
                .map(|e| couch_doc(e, sender, &batch.batch_id))
                .collect();
            HttpRequest {
                method: "POST",
                url: join(&endpoint.url, "_bulk_docs"),
                headers: base_headers(endpoint),
                body: Some(
                    serde_json::to_vec(&serde_json::json!({ "docs": docs }))
                        .expect("documents always serialise"),
                ),
                gzip: false,
                timeout_ms,
            }
        }
    }
}

/// A CouchDB document for one record: `_id` is the record id, so a second
/// copy can never be stored beside the first.
pub fn couch_doc(entry: &Entry, sender: &Sender, batch_id: &str) -> Value {
    let mut doc = serde_json::to_value(entry).expect("an entry always serialises");
    let map = doc.as_object_mut().expect("an entry is an object");
    let id = map.remove("record_id").unwrap_or(Value::Null);
    map.insert("_id".into(), id);
    map.insert("type".into(), COUCH_TYPE.into());
    map.insert("schema".into(), SCHEMA.into());
    map.insert("device_id".into(), sender.device_id.clone().into());
    map.insert("app_version".into(), sender.app_version.clone().into());
    map.insert("batch_id".into(), batch_id.into());
    doc
}

/// After CouchDB answered `conflict` for some ids: reads what it holds
/// under them, to tell a copy already delivered from a different record.
pub fn couch_lookup_request(endpoint: &Endpoint, ids: &[String]) -> HttpRequest {
    HttpRequest {
        method: "POST",
        url: join(&endpoint.url, "_all_docs?include_docs=true"),
        headers: base_headers(endpoint),
        body: Some(serde_json::to_vec(&serde_json::json!({ "keys": ids })).expect("ids serialise")),
        gzip: false,
        timeout_ms: endpoint.timeout_seconds * 1000,
    }
}

/// A probe for "Test connection": an empty batch (Jangkau), or the
/// database's info (CouchDB). Neither stores anything.
pub fn probe_request(endpoint: &Endpoint, sender: &Sender, batch_id: &str) -> HttpRequest {
    match endpoint.kind {
        EndpointKind::JangkauBatch => batch_request(
            endpoint,
            sender,
            &PendingBatch {
                batch_id: batch_id.to_owned(),
                entries: Vec::new(),
            },
            DateTime::<Utc>::UNIX_EPOCH,
        ),
        EndpointKind::CouchDb => HttpRequest {
            method: "GET",
            url: endpoint.url.clone(),
            headers: base_headers(endpoint),
            body: None,
            gzip: false,
            timeout_ms: endpoint.timeout_seconds * 1000,
        },
    }
}

/// What the server said about one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Stored now.
    Created,
    /// Already stored, with the same content: delivered before.
    Duplicate,
    /// The server holds different content under this id.
    Conflict(String),
    /// Refused, with the server's reason.
    Rejected(String),
    /// CouchDB said `conflict`: whether it is our copy needs a look-up.
    CheckStored,
    /// No usable answer for this record: it goes in a later batch.
    Unconfirmed,
}

impl Delivery {
    pub fn delivered(&self) -> bool {
        matches!(self, Delivery::Created | Delivery::Duplicate)
    }
}

/// Why a 2xx answer is not taken as confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAnAnswer {
    /// Not JSON at all: most often a Wi-Fi login page.
    NotJson,
    /// JSON, but not this protocol's answer.
    WrongShape,
    /// An answer to another batch.
    OtherBatch,
}

#[derive(Deserialize)]
struct JangkauAnswer {
    batch_id: String,
    results: Vec<JangkauResult>,
}

#[derive(Deserialize)]
struct JangkauResult {
    record_id: String,
    status: String,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct CouchResult {
    id: String,
    #[serde(default)]
    ok: Option<bool>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

/// Keeps a server's reason short and on one line before it is shown.
fn reason_text(reason: Option<String>, fallback: &str) -> String {
    let text = reason.unwrap_or_default();
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    if text.trim().is_empty() {
        fallback.to_owned()
    } else {
        text.trim().to_owned()
    }
}

/// Reads a 2xx body: one [`Delivery`] per entry of `batch`, in its order.
/// Records the answer does not mention are `Unconfirmed`, never assumed sent.
///
/// # Errors
/// [`NotAnAnswer`] when the body is not a valid answer to this batch.
pub fn read_answer(
    kind: EndpointKind,
    batch: &PendingBatch,
    body: &[u8],
) -> Result<Vec<Delivery>, NotAnAnswer> {
    let value: Value = serde_json::from_slice(body).map_err(|_| NotAnAnswer::NotJson)?;
    let mut by_id: BTreeMap<String, Delivery> = BTreeMap::new();
    match kind {
        EndpointKind::JangkauBatch => {
            let answer: JangkauAnswer =
                serde_json::from_value(value).map_err(|_| NotAnAnswer::WrongShape)?;
            if answer.batch_id != batch.batch_id {
                return Err(NotAnAnswer::OtherBatch);
            }
            for r in answer.results {
                let delivery = match r.status.as_str() {
                    "created" => Delivery::Created,
                    "duplicate" => Delivery::Duplicate,
                    "conflict" => {
                        Delivery::Conflict(reason_text(r.reason, "a different version is stored"))
                    }
                    "rejected" => Delivery::Rejected(reason_text(r.reason, "no reason given")),
                    _ => Delivery::Unconfirmed,
                };
                by_id.insert(r.record_id, delivery);
            }
        }
        EndpointKind::CouchDb => {
            let results: Vec<CouchResult> =
                serde_json::from_value(value).map_err(|_| NotAnAnswer::WrongShape)?;
            for r in results {
                let delivery = match (r.ok, r.error.as_deref()) {
                    (Some(true), _) => Delivery::Created,
                    (_, Some("conflict")) => Delivery::CheckStored,
                    (_, Some("forbidden" | "bad_request")) => {
                        Delivery::Rejected(reason_text(r.reason, "refused by the database"))
                    }
                    _ => Delivery::Unconfirmed,
                };
                by_id.insert(r.id, delivery);
            }
        }
    }
    Ok(batch
        .entries
        .iter()
        .map(|e| by_id.remove(&e.record_id).unwrap_or(Delivery::Unconfirmed))
        .collect())
}

/// Reads CouchDB's `_all_docs` answer: for each looked-up id, whether the
/// stored document carries `payload_sha256` equal to ours.
///
/// # Errors
/// [`NotAnAnswer`] when it is not an `_all_docs` answer.
pub fn read_lookup(body: &[u8], wanted: &[(String, String)]) -> Result<Vec<Delivery>, NotAnAnswer> {
    let value: Value = serde_json::from_slice(body).map_err(|_| NotAnAnswer::NotJson)?;
    let rows = value
        .get("rows")
        .and_then(Value::as_array)
        .ok_or(NotAnAnswer::WrongShape)?;
    let mut stored: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for row in rows {
        if let Some(id) = row.get("id").and_then(Value::as_str) {
            let sha = row
                .get("doc")
                .and_then(|d| d.get("payload_sha256"))
                .and_then(Value::as_str);
            stored.insert(id, sha);
        }
    }
    Ok(wanted
        .iter()
        .map(|(id, sha)| match stored.get(id.as_str()) {
            Some(Some(s)) if s == sha => Delivery::Duplicate,
            Some(_) => Delivery::Conflict("a different version is stored".into()),
            None => Delivery::Unconfirmed,
        })
        .collect())
}

/// Whether a probe's 2xx answer is what this kind of server says.
pub fn probe_answer_ok(kind: EndpointKind, probe_batch_id: &str, body: &[u8]) -> bool {
    match kind {
        EndpointKind::JangkauBatch => read_answer(
            kind,
            &PendingBatch {
                batch_id: probe_batch_id.to_owned(),
                entries: Vec::new(),
            },
            body,
        )
        .is_ok(),
        EndpointKind::CouchDb => serde_json::from_slice::<Value>(body)
            .ok()
            .is_some_and(|v| v.get("db_name").is_some()),
    }
}

/// Lower-case hex, for fingerprints.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Batches a service worker may send while the app is closed: ready-made
/// requests, stored in clear so the worker can read them without the PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relay {
    pub url: String,
    pub timeout_ms: u32,
    pub batches: Vec<RelayBatch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayBatch {
    pub batch_id: String,
    pub headers: Vec<(String, String)>,
    /// The JSON body, uncompressed.
    pub body: String,
    /// The worker gzips `body` before posting it (the headers already say
    /// `Content-Encoding: gzip`); on a 415 it posts it once more plain.
    #[serde(default)]
    pub gzip: bool,
}

/// The relay for `outbox`, or `None` when it must not exist: only a Jangkau
/// endpoint with a bearer token (or none) qualifies — a CouchDB password
/// usually reads the whole database — and only when every record's content
/// is encrypted to the programme key, so the stored requests say nothing
/// about anyone that the record list does not already show in clear.
///
/// `gzip`: the server announced it accepts gzip bodies.
pub fn relay(
    endpoint: &Endpoint,
    sender: &Sender,
    outbox: &[PendingBatch],
    now: DateTime<Utc>,
    gzip: bool,
) -> Option<Relay> {
    let eligible = endpoint.kind == EndpointKind::JangkauBatch
        && !matches!(endpoint.credentials, Credentials::Basic { .. })
        && !outbox.is_empty()
        && outbox.iter().flat_map(|b| &b.entries).all(|e| {
            e.encrypted.is_some()
                && e.answers.is_none()
                && e.participant_code.is_none()
                && e.consent.is_none()
        });
    if !eligible {
        return None;
    }
    let batches = outbox
        .iter()
        .map(|batch| {
            let mut request = batch_request(endpoint, sender, batch, now);
            if gzip {
                request = request.gzipped();
            }
            RelayBatch {
                batch_id: batch.batch_id.clone(),
                headers: request.headers,
                body: String::from_utf8(request.body.unwrap_or_default()).expect("JSON is UTF-8"),
                gzip: request.gzip,
            }
        })
        .collect();
    Some(Relay {
        url: endpoint.url.clone(),
        timeout_ms: endpoint.timeout_seconds * 1000,
        batches,
    })
}
