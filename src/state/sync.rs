//! Sending, as reactive state: the endpoint while unlocked, when to send (unlock, signal back, new records, timers, a tap), progress, held records and history — the decisions are the sending service's.

use std::rc::Rc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::ev;
use leptos::prelude::*;

use crate::crypto::web::WebProgramme;
use crate::platform::clock::BrowserClock;
use crate::platform::http::{BrowserHost, FetchTransport, SYNC_TAG};
use crate::platform::{self};
use crate::service::sending::{should_send, HeldView, LoadProblem, Probe, SaveError, Sending};
use crate::service::Clock;
use crate::state::records::AppStore;
use crate::state::{AppRecords, Gate, RecordsContext, StatusContext};
use crate::storage::StorageError;
use crate::sync::endpoint::{Endpoint, EndpointForm};
use crate::sync::engine::{Progress, RunContext, SyncError};
use crate::sync::policy::{HistoryEntry, SyncState};
use crate::sync::wire::Sender;

/// The Web Lock held while sending (the service worker takes it too).
const SEND_LOCK: &str = SYNC_TAG;

/// How often the app checks whether a retry is due.
const TICK: Duration = Duration::from_secs(5);

/// What the send page shows right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Idle,
    Sending(Progress),
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
    /// Why the stored or shipped settings were not used at unlock.
    pub problem: RwSignal<Option<LoadProblem>>,
    running: StoredValue<bool>,
    records: RecordsContext,
    status: StatusContext,
}

type AppSending<'a> = Sending<
    'a,
    AppStore,
    crate::crypto::web::AesGcmCipher,
    FetchTransport,
    BrowserHost,
    WebProgramme,
>;

fn service(records: &AppRecords) -> AppSending<'_> {
    Sending {
        records,
        transport: &FetchTransport,
        host: &BrowserHost,
        programme: &WebProgramme,
    }
}

struct AppRun {
    records: RecordsContext,
    phase: RwSignal<Phase>,
}

impl RunContext for AppRun {
    fn now(&self) -> DateTime<Utc> {
        BrowserClock.now()
    }
    fn new_batch_id(&mut self) -> String {
        BrowserClock.new_id().to_string()
    }
    fn jitter(&mut self) -> f64 {
        BrowserClock.random()
    }
    /// Stops between batches once the app locks.
    fn keep_going(&self) -> bool {
        self.records.gate.get_untracked() == Gate::Open
    }
    fn progress(&mut self, progress: Progress) {
        self.phase.try_set(Phase::Sending(progress));
    }
}

/// This install's id and the build, for batches and exports.
///
/// # Errors
/// When the store cannot be read or written.
pub(crate) async fn sender(records: &AppRecords) -> Result<Sender, StorageError> {
    service(records).sender(&BrowserClock).await
}

impl SyncContext {
    pub fn expect_context() -> Self {
        expect_context::<Self>()
    }

    fn unlocked(self) -> Option<Rc<AppRecords>> {
        if self.records.gate.get_untracked() != Gate::Open {
            return None;
        }
        self.records.records()
    }

    /// After unlocking: the endpoint, the remembered state, then an attempt
    /// if one is due.
    async fn load(self) {
        let Some(records) = self.unlocked() else {
            return;
        };
        match service(&records).load().await {
            Ok(loaded) => {
                self.endpoint.try_set(loaded.endpoint);
                self.problem.try_set(loaded.problem);
            }
            Err(e) => {
                self.local_error.try_set(Some(e));
            }
        }
        self.reload(&records).await;
        self.auto();
        self.prepare_for_worker();
    }

    async fn reload(self, records: &AppRecords) {
        match service(records).overview().await {
            Ok(overview) => {
                self.state.try_set(overview.state);
                self.history.try_set(overview.history);
                self.held.try_set(overview.held);
            }
            Err(e) => {
                self.local_error.try_set(Some(e.into()));
            }
        }
    }

    /// Sends if there is something to send and nothing says wait.
    pub fn auto(self) {
        if self.running.get_value() {
            return;
        }
        let endpoint = self.endpoint.get_untracked();
        if should_send(
            platform::is_online(),
            endpoint.as_ref(),
            self.status.0.get_untracked().waiting_to_send,
            &self.state.get_untracked(),
            BrowserClock.now(),
        ) {
            self.send();
        }
    }

    /// The user's tap: sends now, whatever the timers say.
    pub fn send(self) {
        self.start(true);
    }

    /// Offline, with records waiting: makes their batches now, so the
    /// service worker can send them when signal returns even if the app
    /// has been closed by then (only where `wire::relay` allows).
    fn prepare_for_worker(self) {
        let (Some(records), Some(endpoint)) = (self.unlocked(), self.endpoint.get_untracked())
        else {
            return;
        };
        if service(&records).may_prepare(&endpoint) {
            self.start(false);
        }
    }

    fn start(self, send: bool) {
        if self.running.get_value() {
            return;
        }
        let (Some(records), Some(endpoint)) = (self.unlocked(), self.endpoint.get_untracked())
        else {
            return;
        };
        self.running.set_value(true);
        if send {
            self.local_error.set(None);
        }
        let ctx = self;
        leptos::task::spawn_local(async move {
            let mut run = AppRun {
                records: ctx.records,
                phase: ctx.phase,
            };
            // One sender across tabs: two tabs building batches at once
            // would each seal a record for the programme differently, and
            // the second copy would look like a conflict to the server.
            let sending = service(&records);
            let mut result = platform::locks::if_available(SEND_LOCK, || {
                sending.run(&endpoint, &mut run, &BrowserClock, send)
            })
            .await;
            // `None`: another tab or the service worker (woken by the
            // signal that woke this tab) is sending these records now.
            // This tab waits for it and runs after it — what it confirmed
            // leaves the outbox, anything left goes now — so the screen
            // shows them sent when they are, not at the next tick.
            if result.is_none() && send {
                platform::locks::released(SEND_LOCK).await;
                if ctx.unlocked().is_some() {
                    result = platform::locks::if_available(SEND_LOCK, || {
                        sending.run(&endpoint, &mut run, &BrowserClock, send)
                    })
                    .await;
                }
            }
            if let Some(Err(e)) = result {
                ctx.local_error.try_set(Some(e));
            }
            if send {
                ctx.reload(&records).await;
                ctx.records.refresh_status();
                ctx.phase.try_set(Phase::Idle);
            }
            ctx.running.set_value(false);
        });
    }

    /// Checks and stores new settings; a credentials stop is lifted.
    ///
    /// # Errors
    /// The reason nothing was stored.
    pub async fn save(self, form: EndpointForm) -> Result<(), SaveError> {
        let records = self.unlocked().ok_or(SaveError::Storage(
            crate::crypto::CryptoError::Locked.into(),
        ))?;
        let endpoint = service(&records).save(&form).await?;
        self.problem.set(None);
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
        let records = self.unlocked().ok_or(SaveError::Storage(
            crate::crypto::CryptoError::Locked.into(),
        ))?;
        service(&records).remove().await?;
        self.problem.set(None);
        self.endpoint.set(None);
        Ok(())
    }

    /// "Test connection": what happens when the app talks to this server.
    pub async fn probe(self, form: EndpointForm) -> Probe {
        let Some(records) = self.unlocked() else {
            return Probe::Unreachable;
        };
        service(&records).probe(&form, &BrowserClock).await
    }

    /// After consent was withdrawn: records deleted from the phone leave the
    /// outbox and the worker's relay before anything can send them.
    pub fn after_withdrawal(self) {
        let Some(records) = self.unlocked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match service(&records).after_withdrawal(&BrowserClock).await {
                Ok(_) => self.prepare_for_worker(),
                Err(e) => {
                    self.local_error.try_set(Some(e.into()));
                }
            }
        });
    }

    /// Puts a held record back in the queue (the user's decision).
    pub fn release(self, id: String) {
        let Some(records) = self.unlocked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match service(&records).release(&id).await {
                Ok(_) => {
                    self.reload(&records).await;
                    self.records.refresh_status();
                    self.auto();
                }
                Err(e) => {
                    self.local_error.try_set(Some(e.into()));
                }
            }
        });
    }
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
        problem: RwSignal::new(None),
        running: StoredValue::new(false),
        records,
        status,
    };
    provide_context(ctx);
    ctx
}

impl SyncContext {
    /// What makes records go out while unlocked: the endpoint and state
    /// loaded (then an attempt, if due), new finished records, signal
    /// coming back, and a timer for retries. Started by the unlocked
    /// pages; everything it starts stops when they unmount (at lock), and
    /// the credentials leave memory then.
    pub fn drive(self) {
        leptos::task::spawn_local(self.load());
        // New finished records, or a count refreshed after sending.
        let status = self.status;
        Effect::new(move |previous: Option<u32>| {
            let waiting = status.0.get().waiting_to_send;
            if previous.is_some_and(|p| waiting > p) {
                self.auto();
                self.prepare_for_worker();
            }
            waiting
        });
        // Signal back: try at once, whatever the backoff said about "offline".
        let online = window_event_listener(ev::online, move |_| self.auto());
        let tick = set_interval_with_handle(move || self.auto(), TICK);
        on_cleanup(move || {
            online.remove();
            // Without a handle there is no timer to stop.
            if let Ok(tick) = tick {
                tick.clear();
            }
            self.endpoint.try_set(None);
            self.held.try_set(Vec::new());
            self.local_error.try_set(None);
            self.problem.try_set(None);
        });
    }
}
