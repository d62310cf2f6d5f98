//! The volunteers who share one phone: the directory of profiles, adding one, opening one's records beside the settings all share, and removing one with every byte it kept.
//!
//! Each profile has a database of its own (its key file, records, drafts,
//! queues and send history), so one profile's PIN can never open another's
//! records and removing one is deleting its database. What the profiles
//! share — the server, the forms, the programme key — lives in the phone's
//! own database, sealed under a shared key that each profile keeps sealed
//! under its own data key (docs/security.md, "Shared phones").

use thiserror::Error;

use super::forms::{META_FORMS, META_FORMS_SETTINGS};
use super::sending::META_PROGRAMME_KEY;
use super::vault::{Start, Vault};
use crate::crypto::secret::SecretKind;
use crate::crypto::{CryptoError, KeyMaker};
use crate::model::profile::{Directory, NameError, Profile, FIRST_DB};
use crate::storage::{unsent, RecordStore, Records, StorageError};
use crate::sync::engine::{META_DEVICE_ID, META_ENDPOINT};

/// The phone's own database: the directory and the shared settings.
pub const PHONE_DB: &str = "jangkau-phone";
/// Phone meta (clear): the [`Directory`] as JSON.
pub const META_PROFILES: &str = "profiles";
/// Profile meta (sealed under the profile's data key): the shared key.
pub const META_SHARED_KEY: &str = "shared_key";
/// Phone meta (sealed under the shared key): written once the shared key
/// exists and the first profile's settings have moved in; a profile's
/// shared key that does not open it is not this phone's.
pub const META_SHARED_CHECK: &str = "shared_check";
/// Sealed settings that moved from the first profile's database to the
/// phone's at the upgrade that brought profiles.
const MOVED_SEALED: [&str; 3] = [META_ENDPOINT, META_FORMS, META_FORMS_SETTINGS];
/// Settings in clear that moved the same way (not secret, and needed
/// before anything is unlocked or by every profile alike).
const MOVED_CLEAR: [&str; 2] = [META_PROGRAMME_KEY, META_DEVICE_ID];

/// Opens and deletes the databases the profiles live in: IndexedDB in the
/// browser, memory in tests.
#[allow(async_fn_in_trait)]
pub trait Databases {
    type Store: RecordStore + Clone;

    /// Opens (creating if needed) the database `name`.
    ///
    /// # Errors
    /// When it cannot be opened.
    async fn open(&self, name: &str) -> Result<Self::Store, StorageError>;

    /// Closes this app's connection to `store`, so deleting it need not
    /// wait for it.
    fn close(&self, store: &Self::Store);

    /// Deletes the database `name` and everything in it.
    ///
    /// # Errors
    /// When the browser refuses.
    async fn delete(&self, name: &str) -> Result<(), StorageError>;
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ProfileError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Name(#[from] NameError),
    /// Removing would lose records (drafts, finished, withdrawals) that
    /// never reached the server.
    #[error("{unsent} record(s) of this profile were never sent")]
    Unsent { unsent: u32 },
    #[error("this profile is no longer on the phone")]
    Unknown,
}

/// A profile's records after unlocking or set-up: `None` when another tab
/// set a PIN for it meanwhile (then it is unlocked with that one).
pub type Opened<S, C> = Option<Records<S, C>>;

/// What removing a profile did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removed {
    /// Other profiles remain.
    Profile,
    /// It was the last: the shared settings went too (nobody could open
    /// them any more) and the phone is as new.
    Last,
}

/// The profiles of one phone over its databases and the key maker.
pub struct Phone<D: Databases, K> {
    dbs: D,
    keys: K,
    store: D::Store,
}

impl<D: Databases, K: KeyMaker + Clone> Phone<D, K> {
    /// Opens the phone's own database.
    ///
    /// # Errors
    /// When it cannot be opened.
    pub async fn open(dbs: D, keys: K) -> Result<Self, StorageError> {
        let store = dbs.open(PHONE_DB).await?;
        Ok(Phone { dbs, keys, store })
    }

    /// The profiles on this phone. The first start of a build with profiles
    /// lists the single user of the build before as the first profile,
    /// over the database she always had (nothing moves); a removal cut
    /// short is finished first. `new_id` names that first profile.
    ///
    /// # Errors
    /// When the phone's database cannot be read or written, or a cut-short
    /// removal cannot be finished.
    pub async fn directory(
        &self,
        new_id: impl FnOnce() -> String,
    ) -> Result<Directory, StorageError> {
        let mut directory = self.current().await?;
        let cut_short: Vec<Profile> = directory
            .profiles
            .iter()
            .filter(|p| p.removing)
            .cloned()
            .collect();
        for profile in cut_short {
            self.dbs.delete(&profile.db).await?;
            directory.profiles.retain(|p| p.id != profile.id);
            self.save(&directory).await?;
        }
        if directory.profiles.is_empty() {
            // A new phone, one from before profiles, or one whose last
            // profile's removal was cut short: nobody can open what is
            // shared any more.
            self.forget_shared().await?;
            directory.profiles.push(Profile {
                id: new_id(),
                name: String::new(),
                db: FIRST_DB.to_owned(),
                removing: false,
            });
            self.save(&directory).await?;
        }
        Ok(directory)
    }

    /// Clears the shared settings and their check, so the next profile to
    /// open makes a new shared key.
    async fn forget_shared(&self) -> Result<(), StorageError> {
        for key in MOVED_SEALED
            .iter()
            .chain(MOVED_CLEAR.iter())
            .chain([&META_SHARED_CHECK])
        {
            if self.store.get_meta(key).await?.is_some() {
                self.store.set_meta(key, "").await?;
            }
        }
        Ok(())
    }

    async fn save(&self, directory: &Directory) -> Result<(), StorageError> {
        self.store
            .set_meta(META_PROFILES, &directory.to_json())
            .await
    }

    async fn current(&self) -> Result<Directory, StorageError> {
        match self.store.get_meta(META_PROFILES).await? {
            Some(text) if !text.is_empty() => Directory::parse(&text)
                .map_err(|e| StorageError::Corrupt(format!("{META_PROFILES}: {e}"))),
            _ => Ok(Directory::default()),
        }
    }

    /// The key of one profile: whether it needs set-up, its unlock waits.
    ///
    /// # Errors
    /// When its database cannot be opened.
    pub async fn vault(&self, profile: &Profile) -> Result<Vault<D::Store, K>, StorageError> {
        Ok(Vault::new(
            self.dbs.open(&profile.db).await?,
            self.keys.clone(),
        ))
    }

    /// Sets the PIN of a profile that has none (the first run, or the
    /// first after the update that added PINs) and opens its records.
    ///
    /// # Errors
    /// When WebCrypto or storage fails; nothing is sealed then.
    pub async fn set_up(
        &self,
        vault: &Vault<D::Store, K>,
        profile: &Profile,
        secret: &str,
        kind: SecretKind,
    ) -> Result<Opened<D::Store, K::Cipher>, StorageError> {
        match vault.set_up(secret, kind).await? {
            Some(records) => Ok(Some(self.attach(profile, records).await?)),
            None => Ok(None),
        }
    }

    /// Unlocks one profile with its PIN at `now_ms` (its own wrong-attempt
    /// waits: another volunteer's mistakes never lock her out).
    ///
    /// # Errors
    /// As [`Vault::unlock`].
    pub async fn unlock(
        &self,
        vault: &Vault<D::Store, K>,
        profile: &Profile,
        secret: &str,
        now_ms: f64,
    ) -> Result<Records<D::Store, K::Cipher>, StorageError> {
        let records = vault.unlock(secret, now_ms).await?;
        self.attach(profile, records).await
    }

    /// A profile's records beside the shared settings. The first profile
    /// to open on a phone makes the shared key and moves its own server,
    /// forms and programme key into the shared store (copied, then cleared:
    /// an interruption repeats the copy, never loses it).
    async fn attach(
        &self,
        profile: &Profile,
        records: Records<D::Store, K::Cipher>,
    ) -> Result<Records<D::Store, K::Cipher>, StorageError> {
        let mut made = self
            .store
            .get_meta(META_SHARED_CHECK)
            .await?
            .is_some_and(|t| !t.is_empty());
        let own = records.sealed_meta(META_SHARED_KEY).await?;
        if own.is_none() && made && self.current().await?.usable().count() == 1 {
            // The only profile lost its copy (its database was cleared
            // behind the app's back): nobody can open the shared settings,
            // so they start again rather than lock her out.
            self.forget_shared().await?;
            made = false;
        }
        let shared = match own {
            Some(raw) => Records::new(self.store.clone(), self.keys.shared_cipher(&raw).await?),
            None if made => {
                return Err(StorageError::Corrupt(
                    "this profile has no key to the shared settings".into(),
                ))
            }
            None => {
                let (raw, cipher) = self.keys.new_shared().await?;
                records.put_sealed_meta(META_SHARED_KEY, &raw).await?;
                Records::new(self.store.clone(), cipher)
            }
        };
        if made {
            // Proves the key is this phone's before anything is sealed
            // with it: `Tampered` otherwise.
            shared.sealed_meta(META_SHARED_CHECK).await?;
        } else {
            move_settings(&records, &shared).await?;
            shared.put_sealed_meta(META_SHARED_CHECK, b"1").await?;
        }
        // The moved copies leave the profile's database once the shared
        // store holds them (again here if a start was cut short).
        for key in MOVED_SEALED.iter().chain(MOVED_CLEAR.iter()) {
            if records
                .store()
                .get_meta(key)
                .await?
                .is_some_and(|t| !t.is_empty())
            {
                records.store().set_meta(key, "").await?;
            }
        }
        Ok(records.for_profile(profile.collector(), shared))
    }

    /// Adds a volunteer, from a profile that is unlocked (so only someone
    /// already trusted with this phone can give a newcomer the server and
    /// forms), and opens the new profile's records.
    ///
    /// # Errors
    /// `Name` for a short name that cannot be used, or a storage or
    /// WebCrypto failure (the directory is written last, so a failed add
    /// lists nothing).
    pub async fn add(
        &self,
        from: &Records<D::Store, K::Cipher>,
        name: &str,
        secret: &str,
        kind: SecretKind,
        id: String,
    ) -> Result<(Profile, Records<D::Store, K::Cipher>), ProfileError> {
        let mut directory = self.current().await?;
        let name = directory.check_name(name, None)?;
        let raw = from
            .sealed_meta(META_SHARED_KEY)
            .await?
            .ok_or(StorageError::Crypto(CryptoError::Locked))?;
        let profile = Profile {
            db: Profile::db_for(&id),
            id,
            name,
            removing: false,
        };
        let vault = self.vault(&profile).await?;
        let records = match vault.start().await? {
            Start::NeedsSetup { .. } => vault
                .set_up(secret, kind)
                .await?
                .ok_or(StorageError::Other("profile set up twice".into()))?,
            Start::Locked => return Err(StorageError::Other("profile id in use".into()).into()),
        };
        records.put_sealed_meta(META_SHARED_KEY, &raw).await?;
        directory.profiles.push(profile.clone());
        self.save(&directory).await?;
        let records = self.attach(&profile, records).await?;
        Ok((profile, records))
    }

    /// A new short name for the profile `records` belong to; records saved
    /// from now on carry it. Records made before keep the name they were
    /// made under; the id, which the programme maps to a person, never
    /// changes.
    ///
    /// # Errors
    /// `Name`, `Unknown`, or a storage failure.
    pub async fn rename(
        &self,
        records: &Records<D::Store, K::Cipher>,
        name: &str,
    ) -> Result<Profile, ProfileError> {
        let id = records.owner().ok_or(ProfileError::Unknown)?.id;
        let mut directory = self.current().await?;
        let name = directory.check_name(name, Some(&id))?;
        let profile = directory
            .profiles
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or(ProfileError::Unknown)?;
        profile.name = name;
        let renamed = profile.clone();
        self.save(&directory).await?;
        records.rename_owner(&renamed.name);
        Ok(renamed)
    }

    /// Removes an unlocked profile from the phone: refused while any of its
    /// records never reached the server; otherwise its entry is marked,
    /// `marked` is called (to tell the app's other tabs before anything is
    /// gone), its database — key, records, drafts, queues, history — is
    /// deleted, then its entry. The last profile takes the shared settings
    /// with it.
    ///
    /// # Errors
    /// `Unsent` (nothing is touched), `Unknown`, or a storage failure (a
    /// removal cut short is finished at the next start).
    pub async fn remove(
        &self,
        profile: &Profile,
        records: &Records<D::Store, K::Cipher>,
        marked: impl FnOnce(),
    ) -> Result<Removed, ProfileError> {
        let unsent = unsent(records.store()).await?;
        if unsent > 0 {
            return Err(ProfileError::Unsent { unsent });
        }
        let mut directory = self.current().await?;
        let entry = directory
            .profiles
            .iter_mut()
            .find(|p| p.id == profile.id)
            .ok_or(ProfileError::Unknown)?;
        entry.removing = true;
        self.save(&directory).await?;
        marked();
        self.dbs.close(records.store());
        self.dbs.delete(&profile.db).await?;
        directory.profiles.retain(|p| p.id != profile.id);
        if directory.profiles.is_empty() {
            self.dbs.close(&self.store);
            self.dbs.delete(PHONE_DB).await?;
            return Ok(Removed::Last);
        }
        self.save(&directory).await?;
        Ok(Removed::Profile)
    }
}

/// Copies the first profile's server, forms, programme key and device id
/// into the shared store. A value already removed by the user (empty) stays removed.
async fn move_settings<S: RecordStore, C: crate::crypto::Cipher>(
    from: &Records<S, C>,
    to: &Records<S, C>,
) -> Result<(), StorageError> {
    for key in MOVED_SEALED {
        match from.store().get_meta(key).await? {
            None => {}
            Some(text) if text.is_empty() => to.store().set_meta(key, "").await?,
            Some(_) => {
                if let Some(plain) = from.sealed_meta(key).await? {
                    to.put_sealed_meta(key, &plain).await?;
                }
            }
        }
    }
    for key in MOVED_CLEAR {
        if let Some(value) = from.store().get_meta(key).await? {
            to.store().set_meta(key, &value).await?;
        }
    }
    Ok(())
}
