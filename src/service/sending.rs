//! Sending as a service: the endpoint (and the deployment's shipped default), settings saved, removed and tested, each run of the outbox with what it confirmed, and the service worker's relay.

use thiserror::Error;

use super::Clock;
use crate::crypto::{Cipher, CryptoError};
use crate::model::record::RecordStatus;
use crate::storage::{RecordStore, Records, StorageError};
use crate::sync::endpoint::{
    connect_allowed, DeploymentDefaults, Endpoint, EndpointError, EndpointForm, EndpointKind, Url,
};
use crate::sync::engine::{
    self, held_reasons, load_history, load_state, HeldReason, Outbox, Preparer, RunContext,
    SyncError, Transport, TransportError, META_DEVICE_ID, META_ENDPOINT, META_RELAY,
    META_SYNC_STATE,
};
use crate::sync::policy::{classify_status, Failure, HistoryEntry, StatusClass, SyncState};
use crate::sync::wire::{self, Sender};

/// Meta key: the programme's public key as pasted (PEM or JWK); empty when removed.
pub const META_PROGRAMME_KEY: &str = "programme_key";
/// At most this many records are prepared for the worker at a time.
pub const RELAY_MAX_RECORDS: u32 = 500;
/// Where a deployment ships its defaults, beside the app.
pub const DEFAULTS_URL: &str = "config.json";

/// What sending needs from the platform besides the transport.
#[allow(async_fn_in_trait)]
pub trait Host {
    /// The browser's online flag (a hint: a captive portal is "online").
    fn online(&self) -> bool;
    /// The `connect-src` sources of the page's security policy; `None`
    /// when the page has none (a development server).
    fn connect_sources(&self) -> Option<Vec<String>>;
    /// `https://host[:port]` of the app itself.
    fn page_origin(&self) -> String;
    /// Whether `url` answers a request made without CORS (so a failed
    /// request with CORS means the server refuses this app).
    async fn reachable_without_cors(&self, url: &str, timeout_ms: u32) -> bool;
    /// Asks the browser to wake the service worker when signal returns.
    async fn request_background_sync(&self);
}

/// Turns the stored programme key into a [`Preparer`]: entries encrypted
/// to it, or plain ones when there is none.
#[allow(async_fn_in_trait)]
pub trait Programme {
    type Preparer: Preparer;
    /// # Errors
    /// When the stored key no longer imports.
    async fn preparer(&self, key: Option<&str>) -> Result<Self::Preparer, CryptoError>;
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
    /// The server redirects elsewhere: the address is not the endpoint.
    Redirected,
}

/// Why settings were not saved.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SaveError {
    #[error(transparent)]
    Invalid(#[from] EndpointError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Why the endpoint could not be loaded or adopted: shown in Settings and
/// on the send page until the user acts.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LoadProblem {
    /// The stored settings do not open: they must be entered again.
    #[error("the stored server settings are damaged: {0}")]
    Damaged(StorageError),
    /// The deployment's `config.json` cannot be used.
    #[error("the shipped settings cannot be used: {0}")]
    Defaults(EndpointError),
}

/// The endpoint after unlocking, and what stood in its way.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Loaded {
    pub endpoint: Option<Endpoint>,
    pub problem: Option<LoadProblem>,
}

impl Loaded {
    fn problem(problem: LoadProblem) -> Loaded {
        Loaded {
            endpoint: None,
            problem: Some(problem),
        }
    }
}

/// What the send page shows besides the endpoint.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Overview {
    pub state: SyncState,
    pub history: Vec<HistoryEntry>,
    pub held: Vec<HeldView>,
}

/// Sending over a record service, a transport and the platform.
pub struct Sending<'a, S, C, T, H, P> {
    pub records: &'a Records<S, C>,
    pub transport: &'a T,
    pub host: &'a H,
    pub programme: &'a P,
}

impl<S: RecordStore, C: Cipher, T: Transport, H: Host, P: Programme> Sending<'_, S, C, T, H, P> {
    /// This install's random id (made at first need, shared by the
    /// phone's profiles) and the build.
    ///
    /// # Errors
    /// When the store cannot be read or written.
    pub async fn sender(&self, clock: &impl Clock) -> Result<Sender, StorageError> {
        // One per install, whichever volunteer sends: with the phone's
        // shared settings.
        let store = self.records.shared().store();
        let device_id = match store.get_meta(META_DEVICE_ID).await? {
            Some(id) => id,
            None => {
                let id = clock.new_id().to_string();
                store.set_meta(META_DEVICE_ID, &id).await?;
                id
            }
        };
        Ok(Sender {
            device_id,
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
        })
    }

    /// After unlocking: what the server confirmed while the app was closed
    /// leaves the phone, then the endpoint — the stored one, or, if none
    /// was ever stored, the deployment's default, checked like a typed one
    /// and adopted (kept sealed, so it works offline from then on). A
    /// removed endpoint stays removed; damaged settings are reported and
    /// kept, never replaced.
    ///
    /// # Errors
    /// When storage fails.
    pub async fn load(&self) -> Result<Loaded, SyncError> {
        self.records.finish_withdrawals().await?;
        // Absent: never set (the shipped default may be adopted). Empty:
        // removed by the user.
        match self
            .records
            .shared()
            .store()
            .get_meta(META_ENDPOINT)
            .await?
        {
            Some(text) if text.is_empty() => Ok(Loaded::default()),
            Some(_) => Ok(match self.stored_endpoint().await {
                Ok(endpoint) => Loaded {
                    endpoint: Some(endpoint),
                    problem: None,
                },
                Err(e) => Loaded {
                    endpoint: None,
                    problem: Some(LoadProblem::Damaged(e)),
                },
            }),
            None => self.adopt_defaults().await,
        }
    }

    async fn stored_endpoint(&self) -> Result<Endpoint, StorageError> {
        let bytes = self
            .records
            .shared()
            .sealed_meta(META_ENDPOINT)
            .await?
            .ok_or_else(|| StorageError::Corrupt("endpoint".into()))?;
        serde_json::from_slice(&bytes).map_err(|e| StorageError::Corrupt(format!("endpoint: {e}")))
    }

    /// Reads `config.json` beside the app, if the deployment shipped one,
    /// and adopts the endpoint it names when that passes every check.
    async fn adopt_defaults(&self) -> Result<Loaded, SyncError> {
        // Relative: resolved against <base>, so sub-path deployments work.
        let request = wire::HttpRequest::get(DEFAULTS_URL.into(), 5_000);
        // Same origin, cached by the service worker: no answer means the
        // phone has never had it (offline at the first start); the next
        // unlock asks again. Any status but 200 means none was shipped.
        let response = match self.transport.send(&request).await {
            Ok(r) if r.status == 200 => r,
            _ => return Ok(Loaded::default()),
        };
        let shipped = std::str::from_utf8(&response.body)
            .map_err(|e| EndpointError::BadDefaults(e.to_string()))
            .and_then(DeploymentDefaults::parse)
            .and_then(|d| d.endpoint());
        let endpoint = match shipped {
            Ok(Some(endpoint)) => endpoint,
            Ok(None) => return Ok(Loaded::default()),
            Err(e) => return Ok(Loaded::problem(LoadProblem::Defaults(e))),
        };
        if let Err(e) = self.allowed(&endpoint) {
            return Ok(Loaded::problem(LoadProblem::Defaults(e)));
        }
        self.store_endpoint(&endpoint).await?;
        Ok(Loaded {
            endpoint: Some(endpoint),
            problem: None,
        })
    }

    /// The remembered state, history and held records.
    ///
    /// # Errors
    /// When the store cannot be read or the held list opened.
    pub async fn overview(&self) -> Result<Overview, StorageError> {
        let store = self.records.store();
        Ok(Overview {
            state: load_state(store).await?,
            history: load_history(store).await?,
            held: self.held_list().await?,
        })
    }

    async fn held_list(&self) -> Result<Vec<HeldView>, StorageError> {
        let reasons = held_reasons(self.records).await?;
        let store = self.records.store();
        let ids = store.oldest_ids(RecordStatus::Held, 500).await?;
        let mut out = Vec::new();
        for (id, stored) in ids.iter().zip(store.get_many(&ids).await?) {
            if let Some(stored) = stored {
                out.push(HeldView {
                    reason: reasons.get(id).cloned(),
                    id: id.clone(),
                    form_id: stored.form_id,
                    site: stored.site,
                });
            }
        }
        Ok(out)
    }

    /// The form's checks, plus this build's connect policy.
    ///
    /// # Errors
    /// The first problem found.
    pub fn checked(&self, form: &EndpointForm) -> Result<Endpoint, EndpointError> {
        let endpoint = form.check()?;
        self.allowed(&endpoint)?;
        Ok(endpoint)
    }

    fn allowed(&self, endpoint: &Endpoint) -> Result<(), EndpointError> {
        if let Some(sources) = self.host.connect_sources() {
            let url = Url::parse(&endpoint.url)?;
            let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
            if !connect_allowed(&sources, &self.host.page_origin(), &url) {
                return Err(EndpointError::NotAllowedByBuild {
                    origin: url.origin(),
                });
            }
        }
        Ok(())
    }

    /// Checks and stores new settings; a stop waiting for the user (401,
    /// a refusal) is lifted, since new settings deserve a fresh attempt.
    ///
    /// # Errors
    /// The [`EndpointError`] (nothing stored), or a storage failure.
    pub async fn save(&self, form: &EndpointForm) -> Result<Endpoint, SaveError> {
        let endpoint = self.checked(form)?;
        self.store_endpoint(&endpoint).await?;
        self.records.store().set_meta(META_SYNC_STATE, "{}").await?;
        Ok(endpoint)
    }

    /// Forgets the endpoint: records wait on the phone.
    ///
    /// # Errors
    /// When storage fails.
    pub async fn remove(&self) -> Result<(), SaveError> {
        self.records
            .shared()
            .store()
            .set_meta(META_ENDPOINT, "")
            .await?;
        Ok(())
    }

    async fn store_endpoint(&self, endpoint: &Endpoint) -> Result<(), StorageError> {
        let json = serde_json::to_vec(endpoint).map_err(|e| StorageError::Other(e.to_string()))?;
        self.records
            .shared()
            .put_sealed_meta(META_ENDPOINT, &json)
            .await
    }

    /// "Test connection": what happens when the app talks to this server.
    pub async fn probe(&self, form: &EndpointForm, clock: &impl Clock) -> Probe {
        let endpoint = match self.checked(form) {
            Ok(e) => e,
            Err(e) => return Probe::Invalid(e),
        };
        let Ok(sender) = self.sender(clock).await else {
            return Probe::Unreachable;
        };
        let id = format!("probe-{}", clock.new_id());
        let request = wire::probe_request(&endpoint, &sender, &id);
        match self.transport.send(&request).await {
            Err(TransportError::Offline) => Probe::Offline,
            Err(TransportError::Timeout) => Probe::Timeout,
            Err(TransportError::Redirected) => Probe::Redirected,
            Err(TransportError::TooLarge) => Probe::NotAnAnswer,
            Err(TransportError::Failed) => {
                if self
                    .host
                    .reachable_without_cors(&endpoint.url, request.timeout_ms)
                    .await
                {
                    Probe::CorsRefused
                } else {
                    Probe::Unreachable
                }
            }
            Ok(response) => match classify_status(response.status) {
                StatusClass::Answer
                    if wire::probe_answer_ok(endpoint.kind, &id, &response.body) =>
                {
                    let gzip = endpoint.kind == EndpointKind::JangkauBatch
                        && wire::accepts_gzip(response.accept_encoding.as_deref());
                    // Safe to leave unsaved: the first batch then goes
                    // plain, and its answer says it again.
                    let _ = engine::save_gzip(self.records, &endpoint.url, gzip).await;
                    Probe::Ok
                }
                StatusClass::Answer => Probe::NotAnAnswer,
                StatusClass::Failed(Failure::Credentials { status }) => Probe::Credentials(status),
                StatusClass::Failed(Failure::Redirected) => Probe::Redirected,
                StatusClass::TooLarge => Probe::Status(413),
                StatusClass::Failed(_) => Probe::Status(response.status),
            },
        }
    }

    /// Sends (`send`), or only prepares batches for the service worker,
    /// then mirrors the outbox into the relay where that is allowed.
    ///
    /// # Errors
    /// When the phone's own storage or encryption fails.
    pub async fn run<X: RunContext>(
        &self,
        endpoint: &Endpoint,
        ctx: &mut X,
        clock: &impl Clock,
        send: bool,
    ) -> Result<(), SyncError> {
        let key = self
            .records
            .shared()
            .store()
            .get_meta(META_PROGRAMME_KEY)
            .await?;
        let key = key.as_deref().filter(|k| !k.is_empty());
        let encrypted = key.is_some();
        let preparer = self.programme.preparer(key).await?;
        let sender = self.sender(clock).await?;
        let outbox = Outbox {
            records: self.records,
            transport: self.transport,
            preparer: &preparer,
            endpoint,
            sender: &sender,
        };
        if send {
            outbox.run(ctx).await?;
        } else if encrypted && endpoint.kind == EndpointKind::JangkauBatch {
            outbox.prepare(ctx, RELAY_MAX_RECORDS).await?;
        }
        // A withdrawal the server (or the worker) confirmed: her records go.
        self.records.finish_withdrawals().await?;
        let pending = engine::load_outbox(self.records).await?;
        let gzip = engine::load_gzip(self.records, &endpoint.url).await?;
        match wire::relay(endpoint, &sender, &pending, ctx.now(), gzip) {
            Some(relay) => {
                let json = serde_json::to_string(&relay)
                    .map_err(|e| StorageError::Other(e.to_string()))?;
                self.records.store().set_meta(META_RELAY, &json).await?;
                self.host.request_background_sync().await;
            }
            None => self.records.store().set_meta(META_RELAY, "").await?,
        }
        Ok(())
    }

    /// Whether batches may be prepared for the worker now: offline, with a
    /// Jangkau endpoint (the worker speaks only that protocol).
    pub fn may_prepare(&self, endpoint: &Endpoint) -> bool {
        !self.host.online() && endpoint.kind == EndpointKind::JangkauBatch
    }

    /// Puts a held record back in the queue (the user's decision).
    ///
    /// # Errors
    /// When the store cannot be written.
    pub async fn release(&self, id: &str) -> Result<bool, StorageError> {
        engine::release_held(self.records, id).await
    }

    /// After consent was withdrawn: records deleted from the phone leave
    /// the outbox and the worker's relay before anything can send them.
    ///
    /// # Errors
    /// When storage fails.
    pub async fn after_withdrawal(&self, clock: &impl Clock) -> Result<u32, StorageError> {
        engine::prune_outbox(self.records, || clock.new_id().to_string()).await
    }
}

/// Whether an automatic attempt (not a tap) should start now.
pub fn should_send(
    online: bool,
    endpoint: Option<&Endpoint>,
    waiting: u32,
    state: &SyncState,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    online && endpoint.is_some() && waiting > 0 && state.may_try(now)
}
