//! The form registry as reactive state: opened at unlock before any page shows, the programme's index checked at unlock and on request, files taken in, dropped at lock.

use std::rc::Rc;

use leptos::prelude::*;

use crate::crypto::web::WebDigest;
use crate::model::consent::ConsentText;
use crate::model::form::{FormDef, FormKind};
use crate::model::registry::{Outcome, Registry};
use crate::platform::http::{self, FetchTransport};
use crate::report::FormKinds;
use crate::service::forms::{FormsError, FormsService, FormsSettings, Reach};
use crate::state::AppRecords;
use crate::storage::StorageError;

/// What the last check or file brought.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// Each entry with what happened to it.
    Taken(Vec<Outcome>),
    Failed(FormsError),
}

impl Delivery {
    /// Whether the programme must change something: a refused entry or an
    /// unusable index, not a network that is simply not there.
    pub fn needs_attention(&self) -> bool {
        match self {
            Delivery::Taken(outcomes) => outcomes.iter().any(|o| o.result.is_err()),
            Delivery::Failed(e) => !matches!(
                e,
                FormsError::Offline | FormsError::Timeout | FormsError::Unreachable
            ),
        }
    }
}

#[derive(Clone, Copy)]
pub struct FormsContext {
    /// The registry while unlocked (`None` when locked: the titles say what
    /// the app is for).
    registry: RwSignal<Option<Rc<Registry>>, LocalStorage>,
    pub settings: RwSignal<FormsSettings>,
    /// The last delivery, for Settings → Forms (and home, when it failed).
    pub last: RwSignal<Option<Delivery>>,
    /// A check or a file is being taken: one at a time, so neither stores
    /// a registry that misses what the other took.
    pub checking: RwSignal<bool>,
    /// The stored registry could not be opened: the built-in forms are
    /// used and nothing is stored over what is there.
    pub damaged: RwSignal<Option<StorageError>>,
}

impl FormsContext {
    pub fn expect_context() -> Self {
        expect_context::<Self>()
    }

    /// Reads the registry (tracked); an empty one while locked (no page
    /// shows then: the registry opens before the pages do).
    pub fn with<T>(self, f: impl FnOnce(&Registry) -> T) -> T {
        match self.registry.get() {
            Some(r) => f(&r),
            None => f(&Registry::default()),
        }
    }

    /// The form a record names, at its own version.
    pub fn form(self, id: &str, version: u32) -> Option<Rc<FormDef>> {
        self.registry.get_untracked()?.form(id, version)
    }

    /// The consent statement `form` asks for, at its current version (untracked).
    pub fn consent_for(self, form: &FormDef) -> Option<Rc<ConsentText>> {
        self.registry.get_untracked()?.consent_for(form)
    }

    /// The current form of a kind, if the programme offers one.
    pub fn current_of_kind(self, kind: FormKind) -> Option<Rc<FormDef>> {
        self.with(|r| r.current_of_kind(kind))
    }

    /// What each form id is for, for the reports (tracked).
    pub fn kinds(self) -> FormKinds {
        self.with(|r| FormKinds::of(r.all_forms().iter().map(|f| &**f)))
    }

    /// Every form version held (for export, import and reports).
    pub fn all_forms(self) -> Vec<Rc<FormDef>> {
        self.with(Registry::all_forms)
    }

    /// Opens the registry with the records, before pages show, and keeps
    /// it only if `current()` still says these records are open once it is
    /// read (the app may have locked, or opened another profile, meanwhile).
    /// Returns whether it was kept.
    pub async fn open(self, records: &AppRecords, current: impl Fn() -> bool) -> bool {
        let service = FormsService { records };
        let opened = service.open().await;
        if !current() {
            return false;
        }
        match opened {
            Ok(opened) => {
                self.damaged.set(None);
                self.settings.set(opened.settings);
                self.registry.set(Some(Rc::new(opened.registry)));
            }
            Err(e) => {
                self.damaged.set(Some(e));
                self.registry.set(Some(Rc::new(Registry::built_in())));
            }
        }
        true
    }

    /// At unlock: the deployment's address once, then the index if there
    /// is one and the phone has signal. Runs in the background.
    pub fn check_at_unlock(self, records: Rc<AppRecords>) {
        leptos::task::spawn_local(async move {
            let service = FormsService { records: &records };
            // Storage failing here shows on the next explicit check.
            if let Ok(settings) = service.adopt_defaults(&FetchTransport).await {
                self.settings.try_set(settings.clone());
                if settings.url.is_some() && crate::platform::is_online() {
                    self.run_check(&records).await;
                }
            }
        });
    }

    /// "Check for new forms".
    pub fn check_now(self, records: Rc<AppRecords>) {
        leptos::task::spawn_local(async move { self.run_check(&records).await });
    }

    async fn run_check(self, records: &AppRecords) {
        if let Some(e) = self.damaged.get_untracked() {
            self.last.set(Some(Delivery::Failed(e.into())));
            return;
        }
        if self.checking.get_untracked() {
            return;
        }
        let Some(current) = self.registry.get_untracked() else {
            return;
        };
        self.checking.set(true);
        self.last.set(None);
        let service = FormsService { records };
        let sources = http::connect_sources();
        let origin = http::page_origin();
        let reach = Reach {
            transport: &FetchTransport,
            digest: &WebDigest,
            sources: sources.as_deref(),
            page_origin: &origin,
        };
        let result = service.check(&current, &reach, js_sys::Date::now()).await;
        self.checking.try_set(false);
        self.finish(result);
        if let Ok(settings) = service.settings().await {
            self.settings.try_set(settings);
        }
    }

    /// A file picked on the phone.
    pub async fn take_file(self, records: &AppRecords, bytes: &[u8]) {
        let Some(current) = self.registry.get_untracked() else {
            return;
        };
        if let Some(e) = self.damaged.get_untracked() {
            self.last.set(Some(Delivery::Failed(e.into())));
            return;
        }
        // The page offers no file while a check runs; one picked just as
        // a check starts waits for the user to pick it again.
        if self.checking.get_untracked() {
            return;
        }
        self.checking.set(true);
        self.last.set(None);
        let result = FormsService { records }.take_file(&current, bytes).await;
        self.checking.try_set(false);
        self.finish(result);
    }

    fn finish(self, result: Result<(Registry, Vec<Outcome>), FormsError>) {
        match result {
            Ok((next, outcomes)) => {
                // Locked meanwhile: the registry stays dropped (it is stored).
                if self.registry.get_untracked().is_some() {
                    self.registry.try_set(Some(Rc::new(next)));
                }
                self.last.try_set(Some(Delivery::Taken(outcomes)));
            }
            Err(e) => {
                self.last.try_set(Some(Delivery::Failed(e)));
            }
        }
    }

    /// Sets or removes the forms address.
    ///
    /// # Errors
    /// When the address is not usable or storage fails; nothing changes.
    pub async fn set_address(
        self,
        records: &AppRecords,
        text: Option<String>,
    ) -> Result<(), FormsError> {
        let settings = FormsService { records }
            .set_address(text.as_deref())
            .await?;
        self.settings.set(settings);
        Ok(())
    }

    /// At lock: the forms leave memory with the records.
    pub fn clear(self) {
        self.registry.set(None);
        self.last.set(None);
        self.settings.set(FormsSettings::default());
    }
}

pub fn provide_forms_context() -> FormsContext {
    let ctx = FormsContext {
        registry: RwSignal::new_local(None),
        settings: RwSignal::new(FormsSettings::default()),
        last: RwSignal::new(None),
        checking: RwSignal::new(false),
        damaged: RwSignal::new(None),
    };
    provide_context(ctx);
    ctx
}
