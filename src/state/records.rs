//! The record storage the app runs on, as reactive state: opened at start, unlocked and locked through the vault, written through the one writer; the programme key and the counts it feeds.

use std::rc::Rc;

use leptos::prelude::*;

use crate::crypto::secret::SecretKind;
use crate::crypto::web::{self, AesGcmCipher, ProgrammeKey, WebKeys};
use crate::crypto::CryptoError;
use crate::model::participant_code::ParticipantCode;
use crate::model::profile::Profile;
use crate::model::record::Record;
use crate::platform::clock::{BrowserClock, LocalSpawn};
use crate::platform::{self, storage_manager};
use crate::service::phone::{Phone, ProfileError, Removed};
use crate::service::sending::META_PROGRAMME_KEY;
use crate::service::vault::{Start, Vault};
use crate::service::writer::Writer;
use crate::service::Clock;
use crate::state::StatusContext;
use crate::state::{FormsContext, ReportsContext};
use crate::storage::idb::{IdbDatabases, IdbStore};
use crate::storage::{RecordStore, Records, StorageError, Withdrawal};

pub type AppStore = Rc<IdbStore>;
pub type AppRecords = Records<AppStore, AesGcmCipher>;
pub type AppWriter = Writer<AppStore, AesGcmCipher>;
type AppVault = Vault<AppStore, WebKeys>;
type AppPhone = Phone<IdbDatabases, WebKeys>;

/// The record service and its one writer, while unlocked.
#[derive(Clone)]
pub struct Unlocked {
    pub records: Rc<AppRecords>,
    pub writer: Rc<AppWriter>,
    /// Which opening of records this is, counted from the app's start:
    /// the pages behind the lock are built anew for each one (handing the
    /// phone over locks one profile and opens another in the same moment).
    pub opening: u32,
}

#[derive(Clone)]
pub enum StorageState {
    Opening,
    /// No PIN yet (first run, or the first run after an update that added
    /// it): `unsent` records are already on the phone.
    NeedsSetup {
        unsent: u32,
    },
    Locked,
    Ready(Unlocked),
    /// IndexedDB cannot be used, or the stored key is damaged: the app shows
    /// why instead of pages.
    Unavailable(StorageError),
}

/// Which screen the app shows, derived from [`StorageState`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Gate {
    Opening,
    Setup,
    Locked,
    Open,
    Unavailable,
}

/// Storage state plus whether the browser promised to keep the data.
#[derive(Clone, Copy)]
pub struct RecordsContext {
    pub state: RwSignal<StorageState, LocalStorage>,
    pub gate: Memo<Gate>,
    /// [`Unlocked::opening`] while unlocked.
    pub opening: Memo<Option<u32>>,
    /// How many times records were opened.
    openings: StoredValue<u32>,
    pub persisted: RwSignal<Option<bool>>,
    /// Whether persistent storage was asked for in this session.
    persist_asked: StoredValue<bool>,
    /// When (ms since 1970) the next unlock attempt is allowed.
    pub unlock_not_before: RwSignal<f64>,
    /// The open database and its key, kept while locked (they hold
    /// nothing readable without the PIN).
    vault: StoredValue<Option<Rc<AppVault>>, LocalStorage>,
    /// The phone's profiles and shared settings.
    phone: StoredValue<Option<Rc<AppPhone>>, LocalStorage>,
    /// The volunteers on this phone, as the lock screen lists them.
    pub profiles: RwSignal<Vec<Profile>>,
    /// The profile whose PIN the lock screen asks for, or that is unlocked;
    /// `None` while several are listed and nobody has chosen.
    pub profile: RwSignal<Option<Profile>>,
    /// A profile was just removed: the lock screen says so once.
    pub removed: RwSignal<bool>,
    /// Captured when provided: contexts cannot be looked up from async tasks.
    status: StatusContext,
    reports: ReportsContext,
    forms: FormsContext,
}

fn not_open() -> StorageError {
    StorageError::Unavailable("not open".into())
}

fn locked() -> StorageError {
    StorageError::Crypto(CryptoError::Locked)
}

impl RecordsContext {
    pub fn expect_context() -> Self {
        expect_context::<Self>()
    }

    fn unlocked(self) -> Option<Unlocked> {
        match self.state.try_get_untracked()? {
            StorageState::Ready(unlocked) => Some(unlocked),
            _ => None,
        }
    }

    /// The record service, while unlocked.
    pub fn records(self) -> Option<Rc<AppRecords>> {
        self.unlocked().map(|u| u.records)
    }

    /// The one writer of records, while unlocked. A page keeps the one it
    /// was given: writes it queues as the app locks still finish.
    pub fn writer(self) -> Option<Rc<AppWriter>> {
        self.unlocked().map(|u| u.writer)
    }

    fn vault(self) -> Result<Rc<AppVault>, StorageError> {
        self.vault.get_value().ok_or_else(not_open)
    }

    fn phone(self) -> Result<Rc<AppPhone>, StorageError> {
        self.phone.get_value().ok_or_else(not_open)
    }

    fn chosen(self) -> Result<Profile, StorageError> {
        self.profile.get_untracked().ok_or_else(not_open)
    }

    /// The lock screen asks for this profile's PIN (or, if it has none yet,
    /// sets one). Does nothing while unlocked.
    ///
    /// # Errors
    /// When its database cannot be opened or its key file is damaged.
    pub async fn choose(self, profile: Profile) -> Result<(), StorageError> {
        if self.unlocked().is_some() {
            return Ok(());
        }
        if !self.still_listed(&profile).await? {
            return Ok(());
        }
        let vault = Rc::new(self.phone()?.vault(&profile).await?);
        let start = vault.start().await?;
        self.vault.set_value(Some(vault));
        self.unlock_not_before.set(0.0);
        self.profile.set(Some(profile));
        self.state.set(match start {
            Start::NeedsSetup { unsent } => StorageState::NeedsSetup { unsent },
            Start::Locked => StorageState::Locked,
        });
        Ok(())
    }

    /// Re-reads the directory into the list: another tab may have added or
    /// removed a profile, and a removed one must never be opened (its
    /// database would be made anew, and what she then wrote listed
    /// nowhere). If `profile` is gone, the lock screen lists the others.
    async fn still_listed(self, profile: &Profile) -> Result<bool, StorageError> {
        let listed: Vec<Profile> = self
            .phone()?
            .directory(|| BrowserClock.new_id().to_string())
            .await?
            .usable()
            .cloned()
            .collect();
        let still = listed.iter().any(|p| p.id == profile.id);
        self.profiles.set(listed);
        if !still {
            self.profile.set(None);
            self.vault.set_value(None);
            self.state.set(StorageState::Locked);
        }
        Ok(still)
    }

    /// Another tab removed profile `id`. If it is the one open or chosen
    /// here, the app starts again (its database is gone: nothing may be
    /// written to it); otherwise it leaves the list.
    fn removed_elsewhere(self, id: &str) {
        if self
            .profile
            .with_untracked(|p| p.as_ref().is_some_and(|p| p.id == id))
        {
            platform::service_worker::reload();
        } else {
            self.profiles.update(|list| list.retain(|p| p.id != id));
        }
    }

    /// Locks and goes back to the list of profiles, for the next volunteer.
    pub fn switch(self) {
        self.lock();
        self.unchoose();
    }

    /// Back to the list of profiles (the lock screen's "not me").
    pub fn unchoose(self) {
        if self.unlocked().is_none() && self.profiles.with_untracked(|p| p.len() > 1) {
            self.profile.set(None);
            self.vault.set_value(None);
            self.state.set(StorageState::Locked);
        }
    }

    /// Adds a volunteer from the unlocked profile, then locks this one and
    /// opens the new one (the phone is handed over).
    ///
    /// # Errors
    /// `Name` for a short name that cannot be used, or a storage failure;
    /// the current profile stays unlocked then.
    pub async fn add_volunteer(
        self,
        name: String,
        secret: String,
        kind: SecretKind,
    ) -> Result<(), ProfileError> {
        let from = self.records().ok_or_else(locked)?;
        let phone = self.phone()?;
        let id = BrowserClock.new_id().to_string();
        let (profile, records) = phone.add(&from, &name, &secret, kind, id).await?;
        let vault = Rc::new(phone.vault(&profile).await?);
        self.lock();
        self.vault.set_value(Some(vault));
        self.profiles.update(|p| p.push(profile.clone()));
        self.profile.set(Some(profile));
        self.opened(records);
        Ok(())
    }

    /// A new short name for the unlocked profile.
    ///
    /// # Errors
    /// `Name`, `Crypto(Locked)` while locked, or a storage failure; the old
    /// name stays then.
    pub async fn rename(self, name: String) -> Result<(), ProfileError> {
        let records = self.records().ok_or_else(locked)?;
        let renamed = self.phone()?.rename(&records, &name).await?;
        self.profiles.update(|list| {
            for p in list.iter_mut().filter(|p| p.id == renamed.id) {
                p.clone_from(&renamed);
            }
        });
        self.profile.set(Some(renamed));
        Ok(())
    }

    /// Records of the unlocked profile that never reached the server.
    ///
    /// # Errors
    /// `Crypto(Locked)` while locked, or a storage failure.
    pub async fn unsent(self) -> Result<u32, StorageError> {
        let records = self.records().ok_or_else(locked)?;
        crate::storage::unsent(records.store()).await
    }

    /// Removes the unlocked profile and every byte it kept; refused while
    /// any of its records is unsent. Then the lock screen lists the others,
    /// or, after the last, the phone starts as new.
    ///
    /// # Errors
    /// `Unsent` (nothing changes), or a storage failure.
    pub async fn remove_profile(self) -> Result<Removed, ProfileError> {
        let unlocked = self.unlocked().ok_or_else(locked)?;
        let profile = self.chosen()?;
        // Writes still queued would land after the database is gone.
        unlocked.writer.flush().await;
        // Other tabs hear it while the database still exists: one with her
        // open starts again and finishes the removal itself if need be.
        let removed = self
            .phone()?
            .remove(&profile, &unlocked.records, || {
                platform::profiles_channel::announce_removed(&profile.id);
            })
            .await?;
        self.lock();
        self.vault.set_value(None);
        self.profile.set(None);
        self.removed.set(true);
        drop(unlocked);
        match removed {
            Removed::Last => platform::service_worker::reload(),
            Removed::Profile => {
                let left: Vec<Profile> = self
                    .profiles
                    .get_untracked()
                    .into_iter()
                    .filter(|p| p.id != profile.id)
                    .collect();
                if let [only] = left.as_slice() {
                    // One left: its PIN is asked at once, as on a phone
                    // that never had more.
                    let only = only.clone();
                    self.profiles.set(left);
                    if let Err(e) = self.choose(only).await {
                        self.state.set(StorageState::Unavailable(e));
                    }
                } else {
                    self.profiles.set(left);
                }
            }
        }
        Ok(removed)
    }

    /// Re-reads the counts behind the status strip.
    pub fn refresh_status(self) {
        let Some(records) = self.records() else {
            return;
        };
        let status = self.status;
        leptos::task::spawn_local(async move {
            // On failure the strip keeps its last counts: the next change
            // reads them again, and a failing store shows on the page that
            // tried to write.
            if let Ok(summary) = records.summary().await {
                status.0.set(summary);
            }
        });
    }

    /// Writes a record through the writer (a new draft, the first draft of
    /// an edit, a finished record); the returned future waits for it, then
    /// the reports and counts follow. The record is queued at once, before
    /// the future is first polled. The first save also asks the browser to
    /// keep the app's data (persistent storage), so it is not evicted while
    /// unsent.
    ///
    /// # Errors
    /// The [`StorageError`]; the caller keeps its in-memory copy.
    pub fn save(
        self,
        record: &Record,
    ) -> impl std::future::Future<Output = Result<(), StorageError>> + 'static {
        let written = self.writer().map(|w| w.save(record.clone()));
        let record = record.clone();
        async move {
            written.ok_or_else(locked)?.await?;
            self.reports.saved(&record);
            self.refresh_status();
            // Asked once per session: some browsers prompt the user.
            if self.persisted.get_untracked() != Some(true) && !self.persist_asked.get_value() {
                self.persist_asked.set_value(true);
                let granted = storage_manager::request_persistence().await;
                self.persisted.try_set(granted);
            }
            Ok(())
        }
    }

    /// Deletes a draft through the writer; the counts follow.
    ///
    /// # Errors
    /// `NotDeletable` for a finished record, or a storage failure.
    pub async fn delete(self, id: uuid::Uuid) -> Result<(), StorageError> {
        let writer = self.writer().ok_or_else(locked)?;
        writer.delete(id).await?;
        self.refresh_status();
        Ok(())
    }

    /// First run: sets the PIN or passphrase and opens the records.
    ///
    /// # Errors
    /// When WebCrypto or storage fails; nothing is sealed then.
    pub async fn set_up(self, secret: String, kind: SecretKind) -> Result<(), StorageError> {
        let vault = self.vault()?;
        let profile = self.chosen()?;
        match self
            .phone()?
            .set_up(&vault, &profile, &secret, kind)
            .await?
        {
            Some(records) => self.opened(records),
            // Another tab set a PIN meanwhile: unlock with that one.
            None => self.state.set(StorageState::Locked),
        }
        Ok(())
    }

    /// Unlocks with the PIN or passphrase, at `now_ms` (ms since 1970).
    ///
    /// # Errors
    /// `Crypto(WrongSecret)` (and the wait grows), `Crypto(Locked)` while a
    /// wait is running, `Crypto(BadKeyFile)`, or a storage failure.
    pub async fn unlock(self, secret: String, now_ms: f64) -> Result<(), StorageError> {
        let vault = self.vault()?;
        let profile = self.chosen()?;
        if !self.still_listed(&profile).await? {
            return Err(not_open());
        }
        match self
            .phone()?
            .unlock(&vault, &profile, &secret, now_ms)
            .await
        {
            Ok(records) => {
                self.unlock_not_before.set(0.0);
                self.opened(records);
                Ok(())
            }
            Err(e) => {
                self.load_throttle(now_ms).await;
                Err(e)
            }
        }
    }

    /// Shows a wait still running from wrong attempts (before a reload too).
    pub async fn load_throttle(self, now_ms: f64) {
        let Ok(vault) = self.vault() else { return };
        // No wait, or the count cannot be read: then the next attempt
        // reads it again (and fails the same way, visibly).
        if let Ok(wait) = vault.wait_ms(now_ms).await {
            if wait > 0.0 {
                self.unlock_not_before.try_set(now_ms + wait);
            }
        }
    }

    /// The records are open: the pages behind the lock mount, and start
    /// what runs while unlocked ([`crate::state::while_unlocked`]).
    fn opened(self, records: AppRecords) {
        self.removed.set(false);
        let records = Rc::new(records);
        let writer = Writer::new(Rc::clone(&records), Rc::new(LocalSpawn));
        self.openings.update_value(|n| *n = n.wrapping_add(1));
        self.state.set(StorageState::Ready(Unlocked {
            records,
            writer,
            opening: self.openings.get_value(),
        }));
        self.refresh_status();
    }

    /// A new PIN or passphrase; the old one is required.
    ///
    /// # Errors
    /// `Crypto(WrongSecret)` when `old` is wrong, or a storage failure.
    pub async fn change_secret(
        self,
        old: String,
        new: String,
        kind: SecretKind,
    ) -> Result<(), StorageError> {
        self.vault()?.change_secret(&old, &new, kind).await
    }

    /// The programme key, if one is set.
    ///
    /// # Errors
    /// When storage fails or the stored key no longer imports.
    pub async fn programme_key(self) -> Result<Option<ProgrammeKey>, StorageError> {
        let records = self.records().ok_or_else(locked)?;
        match records
            .shared()
            .store()
            .get_meta(META_PROGRAMME_KEY)
            .await?
        {
            Some(text) if !text.is_empty() => Ok(Some(web::import_programme_key(&text).await?)),
            _ => Ok(None),
        }
    }

    /// Checks and stores a pasted programme key; `None` removes it.
    ///
    /// # Errors
    /// `Crypto(BadKey)` when it is not a public P-256 key; nothing is stored then.
    pub async fn set_programme_key(
        self,
        text: Option<String>,
    ) -> Result<Option<ProgrammeKey>, StorageError> {
        let records = self.records().ok_or_else(locked)?;
        let key = match &text {
            Some(t) => Some(web::import_programme_key(t).await?),
            None => None,
        };
        records
            .shared()
            .store()
            .set_meta(META_PROGRAMME_KEY, text.as_deref().unwrap_or(""))
            .await?;
        Ok(key)
    }

    /// The name last given as "asked by" on a consent, to offer again.
    ///
    /// # Errors
    /// `Crypto(Locked)` while locked, or a storage failure.
    pub async fn last_asked_by(self) -> Result<Option<String>, StorageError> {
        self.records().ok_or_else(locked)?.last_asked_by().await
    }

    /// Keeps the name given as "asked by" for the next consent.
    ///
    /// # Errors
    /// `Crypto(Locked)` while locked, or a storage failure.
    pub async fn remember_asked_by(self, name: String) -> Result<(), StorageError> {
        self.records()
            .ok_or_else(locked)?
            .remember_asked_by(&name)
            .await
    }

    /// Consent withdrawn: her records are marked or deleted (through the
    /// writer, so no queued snapshot brings one back), a withdrawal is
    /// queued for the server when some were sent, and the reports and
    /// counts follow.
    ///
    /// # Errors
    /// `Crypto(Locked)` while locked, or a storage failure.
    pub async fn withdraw(self, code: &ParticipantCode) -> Result<Withdrawal, StorageError> {
        let unlocked = self.unlocked().ok_or_else(locked)?;
        let clock = BrowserClock;
        let done = unlocked
            .writer
            .withdraw(code, clock.new_id(), clock.now())
            .await?;
        self.reports.reload(unlocked.records);
        self.refresh_status();
        Ok(done)
    }

    /// Stores records from another phone's export; the reports and counts
    /// follow. `progress` hears how many are stored. These records are new
    /// to this phone (merged by id), so no page holds them and they need
    /// not queue behind the writer.
    ///
    /// # Errors
    /// `Crypto(Locked)` while locked, or a storage failure (records stored
    /// before it stay).
    pub async fn import(
        self,
        add: &[Record],
        progress: impl FnMut(usize),
    ) -> Result<u32, StorageError> {
        let records = self.records().ok_or_else(locked)?;
        let result = records.import(add, progress).await;
        self.reports.reload(records);
        self.refresh_status();
        result
    }

    /// Which kind of secret unlocks this phone (for the keyboard).
    ///
    /// # Errors
    /// When the key file cannot be read.
    pub async fn secret_kind(self) -> Result<SecretKind, StorageError> {
        self.vault()?.secret_kind().await
    }

    /// Locks: the opened records leave memory and pages unmount; each
    /// writes what it holds through the writer it was given, which keeps
    /// the key until those writes are done, then drops it. Does nothing
    /// unless unlocked.
    pub fn lock(self) {
        if self.unlocked().is_none() {
            return;
        }
        self.reports.clear();
        self.state.set(StorageState::Locked);
        // After the pages are gone, so none of them reads the forms leaving.
        self.forms.clear();
    }
}

pub fn provide_records_context() -> RecordsContext {
    let state = RwSignal::new_local(StorageState::Opening);
    let ctx = RecordsContext {
        state,
        gate: Memo::new(move |_| match &*state.read() {
            StorageState::Opening => Gate::Opening,
            StorageState::NeedsSetup { .. } => Gate::Setup,
            StorageState::Locked => Gate::Locked,
            StorageState::Ready(_) => Gate::Open,
            StorageState::Unavailable(_) => Gate::Unavailable,
        }),
        opening: Memo::new(move |_| match &*state.read() {
            StorageState::Ready(unlocked) => Some(unlocked.opening),
            _ => None,
        }),
        openings: StoredValue::new(0),
        persisted: RwSignal::new(None),
        persist_asked: StoredValue::new(false),
        unlock_not_before: RwSignal::new(0.0),
        vault: StoredValue::new_local(None),
        phone: StoredValue::new_local(None),
        profiles: RwSignal::new(Vec::new()),
        profile: RwSignal::new(None),
        removed: RwSignal::new(false),
        status: StatusContext::expect_context(),
        reports: ReportsContext::expect_context(),
        forms: FormsContext::expect_context(),
    };
    provide_context(ctx);
    platform::profiles_channel::on_removed(move |id| ctx.removed_elsewhere(&id));
    leptos::task::spawn_local(async move {
        if let Err(e) = open(ctx).await {
            ctx.state.set(StorageState::Unavailable(e));
        }
        ctx.persisted.set(storage_manager::persisted().await);
    });
    ctx
}

async fn open(ctx: RecordsContext) -> Result<(), StorageError> {
    // Without WebCrypto nothing could be kept safely: say so before a PIN
    // is asked for that could never be used.
    if !platform::is_secure_context() {
        return Err(CryptoError::InsecureContext.into());
    }
    let phone = Rc::new(Phone::open(IdbDatabases::default(), WebKeys).await?);
    let directory = phone
        .directory(|| BrowserClock.new_id().to_string())
        .await?;
    let profiles: Vec<Profile> = directory.usable().cloned().collect();
    ctx.phone.set_value(Some(phone));
    ctx.profiles.set(profiles.clone());
    match profiles.as_slice() {
        // One volunteer: her PIN is asked at once, as before profiles.
        [only] => ctx.choose(only.clone()).await,
        // Several (or none left after a removal cut short): the lock
        // screen lists them.
        _ => {
            ctx.state.set(StorageState::Locked);
            Ok(())
        }
    }
}
