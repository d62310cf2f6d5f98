//! Sending, as app state: the endpoint while unlocked, when to send (unlock, signal back, new records, timers, a tap), progress, held records and history.

use std::rc::Rc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::ev;
use leptos::prelude::*;

use crate::crypto::web::{self, ProgrammeKey};
use crate::crypto::CryptoError;
use crate::model::record::{Record, RecordStatus};
use crate::platform::{self, http, service_worker};
use crate::state::{AppRecords, Gate, RecordsContext, StatusContext};
use crate::storage::{RecordStore, StorageError};
use crate::sync::endpoint::{
    connect_allowed, DeploymentDefaults, Endpoint, EndpointError, EndpointForm, EndpointKind, Url,
};
use crate::sync::engine::{
    self, held_reasons, load_history, load_state, HeldReason, Outbox, Preparer, Progress,
    RunContext, SyncError, Transport, TransportError, META_DEVICE_ID, META_ENDPOINT, META_RELAY,
    META_SYNC_STATE,
};
use crate::sync::policy::{classify_status, Failure, HistoryEntry, StatusClass, SyncState};
use crate::sync::wire::{self, hex, Content, Entry, Sender};

/// The Web Lock held while sending (the service worker takes it too).
const SEND_LOCK: &str = "jangkau-send";
/// The Background Sync tag public/sw.js answers.
const SYNC_TAG: &str = "jangkau-send";
/// At most this many records are prepared for the worker at a time.
const RELAY_MAX_RECORDS: u32 = 500;

/// How often the app checks whether a retry is due.
const TICK: Duration = Duration::from_secs(5);

/// Builds batch entries in the browser: encrypted to the programme key
/// when one is set, fingerprinted with WebCrypto's SHA-256.
struct WebPreparer {
    programme: Option<ProgrammeKey>,
}

impl Preparer for WebPreparer {
    async fn prepare(&self, record: &Record) -> Result<Entry, CryptoError> {
        let content = Content::of(record).to_bytes();
        match &self.programme {
            Some(key) => {
                let envelope = web::seal_for_programme(key, &content).await?;
                let json = envelope.to_json();
                let value =
                    serde_json::from_str(&json).map_err(|e| CryptoError::Failed(e.to_string()))?;
                Ok(Entry::encrypted(
                    record,
                    value,
                    hex(&web::sha256(json.as_bytes()).await?),
                ))
            }
            None => Ok(Entry::plain(record, hex(&web::sha256(&content).await?))),
        }
    }
}

/// What the send page shows right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Idle,
    Sending(Progress),
}

/// A held record as the send page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldView {
    pub id: String,
    pub form_id: String,
    pub site: Option<String>,
    pub reason: Option<HeldReason>,
}

/// What "Test connection" found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    Ok,
    Invalid(EndpointError),
    Offline,
    Timeout,
    /// The server answers, but not to this app: CORS is not set up for it.
    CorsRefused,
    Unreachable,
    Credentials(u16),
    Status(u16),
    /// A 2xx that is not this kind of server's answer (a login page?).
    NotAnAnswer,
}

#[derive(Clone, Copy)]
pub struct SyncContext {
    pub endpoint: RwSignal<Option<Endpoint>>,
    pub phase: RwSignal<Phase>,
    pub state: RwSignal<SyncState>,
    pub history: RwSignal<Vec<HistoryEntry>>,
    pub held: RwSignal<Vec<HeldView>>,
    /// A problem on the phone itself (storage, encryption) in the last run.
    pub local_error: RwSignal<Option<SyncError>>,
    running: StoredValue<bool>,
    records: RecordsContext,
    status: StatusContext,
}

struct AppRun {
    records: RecordsContext,
    phase: RwSignal<Phase>,
}

impl RunContext for AppRun {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn new_batch_id(&mut self) -> String {
        uuid::Uuid::new_v4().to_string()
    }
    fn jitter(&mut self) -> f64 {
        js_sys::Math::random()
    }
    /// Stops between batches once the app locks.
    fn keep_going(&self) -> bool {
        self.records.gate.get_untracked() == Gate::Open
    }
    fn progress(&mut self, progress: Progress) {
        self.phase.try_set(Phase::Sending(progress));
    }
}

async fn device_id(records: &AppRecords) -> Result<String, StorageError> {
    let store = records.store();
    if let Some(id) = store.get_meta(META_DEVICE_ID).await? {
        return Ok(id);
    }
    let id = uuid::Uuid::new_v4().to_string();
    store.set_meta(META_DEVICE_ID, &id).await?;
    Ok(id)
}

pub(crate) async fn sender(records: &AppRecords) -> Result<Sender, StorageError> {
    Ok(Sender {
        device_id: device_id(records).await?,
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// Reads `config.json` beside the app, if the deployment shipped one.
async fn deployment_defaults() -> Option<DeploymentDefaults> {
    let request = wire::HttpRequest {
        method: "GET",
        // Relative: resolved against <base>, so sub-path deployments work.
        url: "config.json".into(),
        headers: Vec::new(),
        body: None,
        timeout_ms: 5_000,
    };
    // Same origin: works offline when the service worker cached it.
    let response = http::FetchTransport.send(&request).await.ok()?;
    if response.status != 200 {
        return None;
    }
    DeploymentDefaults::parse(std::str::from_utf8(&response.body).ok()?).ok()
}

impl SyncContext {
    pub fn expect_context() -> Self {
        expect_context::<Self>()
    }

    fn service(self) -> Option<Rc<AppRecords>> {
        if self.records.gate.get_untracked() != Gate::Open {
            return None;
        }
        self.records.records()
    }

    /// After unlocking: the endpoint (or the deployment's default), the
    /// remembered state, then an attempt if one is due.
    async fn load(self) {
        let Some(records) = self.service() else {
            return;
        };
        // The service worker may have delivered a withdrawal while the app
        // was closed: what the server confirmed leaves the phone now.
        if let Err(e) = records.finish_withdrawals().await {
            self.local_error.try_set(Some(e.into()));
        }
        let mut endpoint = records
            .sealed_meta(META_ENDPOINT)
            .await
            .ok()
            .flatten()
            .and_then(|bytes| serde_json::from_slice::<Endpoint>(&bytes).ok());
        if endpoint.is_none() {
            if let Some(Ok(Some(shipped))) = deployment_defaults().await.map(|d| d.endpoint()) {
                // Adopted and kept sealed, so it works offline from then on.
                if store_endpoint(&records, &shipped).await.is_ok() {
                    endpoint = Some(shipped);
                }
            }
        }
        self.endpoint.try_set(endpoint);
        self.reload(&records).await;
        self.auto();
        self.prepare_for_worker();
    }

    async fn reload(self, records: &AppRecords) {
        if let Ok(state) = load_state(records.store()).await {
            self.state.try_set(state);
        }
        if let Ok(history) = load_history(records.store()).await {
            self.history.try_set(history);
        }
        self.held
            .try_set(held_list(records).await.unwrap_or_default());
    }

    /// Sends if there is something to send and nothing says wait.
    pub fn auto(self) {
        if self.running.get_value() || !platform::is_online() {
            return;
        }
        if self.endpoint.get_untracked().is_none() {
            return;
        }
        if self.status.0.get_untracked().waiting_to_send == 0 {
            return;
        }
        if !self.state.get_untracked().may_try(Utc::now()) {
            return;
        }
        self.send();
    }

    /// The user's tap: sends now, whatever the timers say.
    pub fn send(self) {
        if self.running.get_value() {
            return;
        }
        let (Some(records), Some(endpoint)) = (self.service(), self.endpoint.get_untracked())
        else {
            return;
        };
        self.running.set_value(true);
        self.local_error.set(None);
        let ctx = self;
        leptos::task::spawn_local(async move {
            // One sender across tabs: two tabs building batches at once
            // would each seal a record for the programme differently, and
            // the second copy would look like a conflict to the server.
            let result =
                platform::locks::if_available(SEND_LOCK, || ctx.run(&records, &endpoint, true))
                    .await;
            if let Some(Err(e)) = result {
                ctx.local_error.try_set(Some(e));
            }
            ctx.reload(&records).await;
            ctx.records.refresh_status();
            ctx.phase.try_set(Phase::Idle);
            ctx.running.set_value(false);
        });
    }

    /// Sends (`send`), or only prepares batches for the service worker,
    /// then mirrors the outbox into the relay where that is allowed.
    async fn run(
        self,
        records: &AppRecords,
        endpoint: &Endpoint,
        send: bool,
    ) -> Result<(), SyncError> {
        let programme = self.records.programme_key().await?;
        let encrypted = programme.is_some();
        let preparer = WebPreparer { programme };
        let sender = sender(records).await?;
        let outbox = Outbox {
            records,
            transport: &http::FetchTransport,
            preparer: &preparer,
            endpoint,
            sender: &sender,
        };
        let mut run = AppRun {
            records: self.records,
            phase: self.phase,
        };
        if send {
            outbox.run(&mut run).await?;
        } else if encrypted && endpoint.kind == EndpointKind::JangkauBatch {
            outbox.prepare(&mut run, RELAY_MAX_RECORDS).await?;
        }
        // A withdrawal the server (or the worker) confirmed: her records go.
        records.finish_withdrawals().await?;
        let pending = engine::load_outbox(records).await?;
        let relay = wire::relay(endpoint, &sender, &pending, Utc::now());
        let store = records.store();
        match relay {
            Some(relay) => {
                let json = serde_json::to_string(&relay)
                    .map_err(|e| StorageError::Other(e.to_string()))?;
                store.set_meta(META_RELAY, &json).await?;
                service_worker::request_background_sync(SYNC_TAG).await;
            }
            None => store.set_meta(META_RELAY, "").await?,
        }
        Ok(())
    }

    /// Offline, with records waiting: makes their batches now, so the
    /// service worker can send them when signal returns even if the app
    /// has been closed by then (only where [`wire::relay`] allows).
    fn prepare_for_worker(self) {
        if self.running.get_value() || platform::is_online() {
            return;
        }
        let (Some(records), Some(endpoint)) = (self.service(), self.endpoint.get_untracked())
        else {
            return;
        };
        if endpoint.kind != EndpointKind::JangkauBatch {
            return;
        }
        self.running.set_value(true);
        let ctx = self;
        leptos::task::spawn_local(async move {
            let result =
                platform::locks::if_available(SEND_LOCK, || ctx.run(&records, &endpoint, false))
                    .await;
            if let Some(Err(e)) = result {
                ctx.local_error.try_set(Some(e));
            }
            ctx.running.set_value(false);
        });
    }

    /// Checks and stores new settings; a credentials stop is lifted.
    ///
    /// # Errors
    /// The [`EndpointError`] (nothing stored), or a storage failure.
    pub async fn save(self, form: EndpointForm) -> Result<(), SaveError> {
        let endpoint = checked(&form)?;
        let records = self.service().ok_or(SaveError::Locked)?;
        store_endpoint(&records, &endpoint).await?;
        // New settings deserve a fresh attempt.
        records
            .store()
            .set_meta(META_SYNC_STATE, "{}")
            .await
            .map_err(SaveError::Storage)?;
        self.state.set(SyncState::default());
        self.endpoint.set(Some(endpoint));
        self.auto();
        Ok(())
    }

    /// Forgets the endpoint: records wait on the phone.
    ///
    /// # Errors
    /// When storage fails.
    pub async fn remove(self) -> Result<(), SaveError> {
        let records = self.service().ok_or(SaveError::Locked)?;
        records
            .store()
            .set_meta(META_ENDPOINT, "")
            .await
            .map_err(SaveError::Storage)?;
        self.endpoint.set(None);
        Ok(())
    }

    /// "Test connection": what happens when the app talks to this server.
    pub async fn probe(self, form: EndpointForm) -> Probe {
        let endpoint = match checked(&form) {
            Ok(e) => e,
            Err(SaveError::Invalid(e)) => return Probe::Invalid(e),
            Err(_) => return Probe::Unreachable,
        };
        let Some(records) = self.service() else {
            return Probe::Unreachable;
        };
        let Ok(sender) = sender(&records).await else {
            return Probe::Unreachable;
        };
        let id = format!("probe-{}", uuid::Uuid::new_v4());
        let request = wire::probe_request(&endpoint, &sender, &id);
        match http::FetchTransport.send(&request).await {
            Err(TransportError::Offline) => Probe::Offline,
            Err(TransportError::Timeout) => Probe::Timeout,
            Err(TransportError::Failed) => {
                if http::reachable_without_cors(&endpoint.url, request.timeout_ms).await {
                    Probe::CorsRefused
                } else {
                    Probe::Unreachable
                }
            }
            Ok(response) => match classify_status(response.status) {
                StatusClass::Answer
                    if wire::probe_answer_ok(endpoint.kind, &id, &response.body) =>
                {
                    Probe::Ok
                }
                StatusClass::Answer => Probe::NotAnAnswer,
                StatusClass::Failed(Failure::Credentials { status }) => Probe::Credentials(status),
                StatusClass::TooLarge => Probe::Status(413),
                StatusClass::Failed(_) => Probe::Status(response.status),
            },
        }
    }

    /// After consent was withdrawn: records deleted from the phone leave the
    /// outbox and the worker's relay before anything can send them.
    pub fn after_withdrawal(self) {
        let (Some(records), endpoint) = (self.service(), self.endpoint.get_untracked()) else {
            return;
        };
        leptos::task::spawn_local(async move {
            if engine::prune_outbox(&records).await.is_ok() && endpoint.is_some() {
                self.prepare_for_worker();
            }
        });
    }

    /// Puts a held record back in the queue (the user's decision).
    pub fn release(self, id: String) {
        let Some(records) = self.service() else {
            return;
        };
        leptos::task::spawn_local(async move {
            if engine::release_held(&records, &id).await.is_ok() {
                self.reload(&records).await;
                self.records.refresh_status();
                self.auto();
            }
        });
    }
}

/// Why settings were not saved.
#[derive(Debug, Clone, PartialEq)]
pub enum SaveError {
    Invalid(EndpointError),
    Locked,
    Storage(StorageError),
}

impl From<StorageError> for SaveError {
    fn from(e: StorageError) -> Self {
        SaveError::Storage(e)
    }
}

/// The form's checks, plus this build's connect policy.
fn checked(form: &EndpointForm) -> Result<Endpoint, SaveError> {
    let endpoint = form.check().map_err(SaveError::Invalid)?;
    if let Some(sources) = http::connect_sources() {
        let url = Url::parse(&endpoint.url).map_err(SaveError::Invalid)?;
        let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
        if !connect_allowed(&sources, &http::page_origin(), &url) {
            return Err(SaveError::Invalid(EndpointError::NotAllowedByBuild {
                origin: url.origin(),
            }));
        }
    }
    Ok(endpoint)
}

async fn store_endpoint(records: &AppRecords, endpoint: &Endpoint) -> Result<(), StorageError> {
    let json = serde_json::to_vec(endpoint).map_err(|e| StorageError::Other(e.to_string()))?;
    records.put_sealed_meta(META_ENDPOINT, &json).await
}

async fn held_list(records: &AppRecords) -> Result<Vec<HeldView>, StorageError> {
    let reasons = held_reasons(records).await?;
    let ids = records.store().oldest_ids(RecordStatus::Held, 500).await?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(stored) = records.store().get(&id).await? {
            out.push(HeldView {
                reason: reasons.get(&id).cloned(),
                id,
                form_id: stored.form_id,
                site: stored.site,
            });
        }
    }
    Ok(out)
}

pub fn provide_sync_context() -> SyncContext {
    let records = RecordsContext::expect_context();
    let status = StatusContext::expect_context();
    let ctx = SyncContext {
        endpoint: RwSignal::new(None),
        phase: RwSignal::new(Phase::Idle),
        state: RwSignal::new(SyncState::default()),
        history: RwSignal::new(Vec::new()),
        held: RwSignal::new(Vec::new()),
        local_error: RwSignal::new(None),
        running: StoredValue::new(false),
        records,
        status,
    };
    provide_context(ctx);
    // Unlocked: load and maybe send. Locked: forget the credentials.
    Effect::new(move |_| {
        if records.gate.get() == Gate::Open {
            leptos::task::spawn_local(ctx.load());
        } else {
            ctx.endpoint.set(None);
            ctx.held.set(Vec::new());
            ctx.local_error.set(None);
        }
    });
    // New finished records, or a count refreshed after sending.
    Effect::new(move |previous: Option<u32>| {
        let waiting = status.0.get().waiting_to_send;
        if previous.is_some_and(|p| waiting > p) {
            ctx.auto();
            ctx.prepare_for_worker();
        }
        waiting
    });
    // Signal back: try at once, whatever the backoff said about "offline".
    let _ = window_event_listener(ev::online, move |_| ctx.auto());
    let _ = set_interval_with_handle(move || ctx.auto(), TICK);
    ctx
}
