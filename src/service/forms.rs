//! The form registry as a service: opened sealed at unlock, the programme's forms index fetched and checked entry by entry, files from the phone taken in, and the forms address kept.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::crypto::{Cipher, CryptoError};
use crate::model::registry::{
    self, expected_hash, hex, resolve, Definition, EntryProblem, FileContent, Index, IndexEntry,
    IndexError, Outcome, Part, Registry, Stored,
};
use crate::storage::{RecordStore, Records, StorageError};
use crate::sync::endpoint::{connect_allowed, DeploymentDefaults, EndpointError, Url};
use crate::sync::engine::{Transport, TransportError};
use crate::sync::wire::HttpRequest;

use super::sending::DEFAULTS_URL;

/// Meta key of the registry ([`Stored`] as JSON), sealed: the list of forms
/// says what the app is for.
pub const META_FORMS: &str = "forms";
/// Meta key of the forms settings ([`FormsSettings`] as JSON), sealed: the
/// address names the programme.
pub const META_FORMS_SETTINGS: &str = "forms_settings";
/// How long one request for the index or a form may take.
const FETCH_TIMEOUT_MS: u32 = 20_000;

/// SHA-256, by WebCrypto in the browser and by RustCrypto natively.
#[allow(async_fn_in_trait)]
pub trait Digest {
    /// # Errors
    /// When the platform cannot hash.
    async fn sha256(&self, bytes: &[u8]) -> Result<Vec<u8>, CryptoError>;
}

/// Where the programme's forms index is, and when it was last read.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FormsSettings {
    /// `None`: no programme index; the phone uses what it holds.
    #[serde(default)]
    pub url: Option<String>,
    /// Whether the deployment's `config.json` was read for a `forms_url`
    /// (so a removed address is not brought back by it).
    #[serde(default)]
    pub defaults_read: bool,
    /// ms since 1970 of the last index read that reached the server.
    #[serde(default)]
    pub checked_at_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum FormsError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("no signal: the phone keeps the forms it has")]
    Offline,
    #[error("the forms server did not answer in time")]
    Timeout,
    #[error("the forms server could not be reached")]
    Unreachable,
    #[error("the forms server answered {0}")]
    Status(u16),
    #[error("the forms index cannot be used: {0}")]
    Index(#[from] IndexError),
    #[error("the forms address is not usable: {0}")]
    Address(EndpointError),
    #[error("this app's security policy does not allow connecting to {0}")]
    NotAllowed(String),
    #[error("no forms address is set")]
    NoAddress,
}

impl From<TransportError> for FormsError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Offline => FormsError::Offline,
            TransportError::Timeout => FormsError::Timeout,
            TransportError::TooLarge => FormsError::Index(IndexError::TooLarge),
            TransportError::Failed | TransportError::Redirected => FormsError::Unreachable,
        }
    }
}

/// The registry as opened at unlock.
#[derive(Debug, Clone)]
pub struct Opened {
    pub registry: Registry,
    pub settings: FormsSettings,
    /// Stored versions this build cannot read (kept, never dropped).
    pub unreadable: usize,
}

/// Checks a forms address: `https://…` (or `http://` on this device), or
/// a path on the app's own host (`forms/index.json`).
///
/// # Errors
/// The address problem.
pub fn check_address(text: &str) -> Result<String, EndpointError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(EndpointError::Empty);
    }
    if text.contains("://") {
        return Url::parse(text).map(|u| u.normalised());
    }
    if text.starts_with("//") || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(EndpointError::BadUrl);
    }
    Ok(text.to_owned())
}

/// Whether the page's security policy lets it fetch `url` (relative
/// addresses are the app's own host, always allowed).
fn allowed(url: &str, sources: Option<&[String]>, page_origin: &str) -> Result<(), FormsError> {
    if !url.contains("://") {
        return Ok(());
    }
    let parsed = Url::parse(url).map_err(FormsError::Address)?;
    match sources {
        None => Ok(()),
        Some(sources) => {
            let list: Vec<&str> = sources.iter().map(String::as_str).collect();
            if connect_allowed(&list, page_origin, &parsed) {
                Ok(())
            } else {
                Err(FormsError::NotAllowed(parsed.origin()))
            }
        }
    }
}

/// How the phone reaches a programme's forms: the transport, SHA-256, and
/// what the page's security policy allows (`sources`: its `connect-src`,
/// `None` without a policy).
pub struct Reach<'a, T, D> {
    pub transport: &'a T,
    pub digest: &'a D,
    pub sources: Option<&'a [String]>,
    pub page_origin: &'a str,
}

impl<T, D> Reach<'_, T, D> {
    fn allows(&self, url: &str) -> Result<(), FormsError> {
        allowed(url, self.sources, self.page_origin)
    }
}

/// The registry and its settings over a record service.
pub struct FormsService<'a, S, C> {
    pub records: &'a Records<S, C>,
}

impl<S: RecordStore, C: Cipher> FormsService<'_, S, C> {
    /// Opens the stored registry (or the built-in forms on a new phone).
    ///
    /// # Errors
    /// When storage fails or what is stored does not open; the caller then
    /// runs on the built-in forms and must not store over it.
    pub async fn open(&self) -> Result<Opened, StorageError> {
        let (registry, unreadable) = match self.records.shared().sealed_meta(META_FORMS).await? {
            None => (Registry::built_in(), 0),
            Some(bytes) => {
                let stored: Stored = serde_json::from_slice(&bytes)
                    .map_err(|e| StorageError::Corrupt(format!("forms: {e}")))?;
                Registry::restore(stored)
            }
        };
        Ok(Opened {
            registry,
            settings: self.settings().await?,
            unreadable,
        })
    }

    /// # Errors
    /// When storage fails or the stored settings do not open.
    pub async fn settings(&self) -> Result<FormsSettings, StorageError> {
        match self
            .records
            .shared()
            .sealed_meta(META_FORMS_SETTINGS)
            .await?
        {
            None => Ok(FormsSettings::default()),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| StorageError::Corrupt(format!("forms settings: {e}"))),
        }
    }

    /// # Errors
    /// When sealing or storing fails; the previous settings stay.
    pub async fn save_settings(&self, settings: &FormsSettings) -> Result<(), StorageError> {
        let json = serde_json::to_vec(settings).unwrap_or_default();
        self.records
            .shared()
            .put_sealed_meta(META_FORMS_SETTINGS, &json)
            .await
    }

    /// Stores the registry whole.
    ///
    /// # Errors
    /// When sealing or storing fails; the previous registry stays stored.
    pub async fn save(&self, registry: &Registry) -> Result<(), StorageError> {
        let json = serde_json::to_vec(&registry.to_stored()).unwrap_or_default();
        self.records
            .shared()
            .put_sealed_meta(META_FORMS, &json)
            .await
    }

    /// Sets (or with `None` removes) the programme's forms address.
    ///
    /// # Errors
    /// `Address` for an unusable address; nothing is stored then.
    pub async fn set_address(&self, text: Option<&str>) -> Result<FormsSettings, FormsError> {
        let url = text
            .map(check_address)
            .transpose()
            .map_err(FormsError::Address)?;
        let mut settings = self.settings().await?;
        settings.url = url;
        settings.defaults_read = true;
        settings.checked_at_ms = None;
        self.save_settings(&settings).await?;
        Ok(settings)
    }

    /// Adopts the deployment's `forms_url` (in `config.json`) once, when no
    /// address was ever set. Offline, it is asked again next time.
    ///
    /// # Errors
    /// When storage fails.
    pub async fn adopt_defaults<T: Transport>(
        &self,
        transport: &T,
    ) -> Result<FormsSettings, StorageError> {
        let mut settings = self.settings().await?;
        if settings.defaults_read || settings.url.is_some() {
            return Ok(settings);
        }
        let request = get(DEFAULTS_URL.into());
        let response = match transport.send(&request).await {
            Ok(r) => r,
            // No answer: try again at the next unlock.
            Err(_) => return Ok(settings),
        };
        if response.status == 200 {
            let url = std::str::from_utf8(&response.body)
                .ok()
                .and_then(|t| DeploymentDefaults::parse(t).ok())
                .and_then(|d| d.forms_url)
                .and_then(|u| check_address(&u).ok());
            settings.url = url;
        }
        settings.defaults_read = true;
        self.save_settings(&settings).await?;
        Ok(settings)
    }

    /// Reads the programme's index and takes every entry that checks; the
    /// registry is stored once, at the end. Entries already held are not
    /// fetched again.
    ///
    /// # Errors
    /// When the index itself cannot be read or used (nothing changes then),
    /// or storage fails.
    pub async fn check<T: Transport, D: Digest>(
        &self,
        registry: &Registry,
        reach: &Reach<'_, T, D>,
        now_ms: f64,
    ) -> Result<(Registry, Vec<Outcome>), FormsError> {
        let index_url = self.settings().await?.url.ok_or(FormsError::NoAddress)?;
        reach.allows(&index_url)?;
        let response = reach.transport.send(&get(index_url.clone())).await?;
        if response.status != 200 {
            return Err(FormsError::Status(response.status));
        }
        let index = Index::parse(&response.body)?;
        let mut delivered = Vec::new();
        for (part, entry) in index.entries() {
            let result = fetch_entry(registry, part, entry, &index_url, reach).await;
            delivered.push((part, entry.clone(), result));
        }
        let mut next = registry.clone();
        let outcomes = next.apply_index(delivered);
        if next != *registry {
            self.save(&next).await?;
        }
        // Read again: the address may have been changed meanwhile, and a
        // changed address is kept (and counts as never checked).
        let mut settings = self.settings().await?;
        if settings.url.as_deref() == Some(index_url.as_str()) {
            settings.checked_at_ms = Some(now_ms);
            self.save_settings(&settings).await?;
        }
        Ok((next, outcomes))
    }

    /// Takes a file picked on the phone: one form, one consent statement,
    /// or a bundle whose entries carry their definitions. Stored at once.
    ///
    /// # Errors
    /// When the file is none of these (nothing changes), or storage fails.
    pub async fn take_file(
        &self,
        registry: &Registry,
        bytes: &[u8],
    ) -> Result<(Registry, Vec<Outcome>), FormsError> {
        let delivered = match registry::read_file(bytes)? {
            FileContent::One(part, bytes) => {
                let result = Definition::parse(part, &bytes);
                let (id, version) = match &result {
                    Ok(d) => (d.id().to_owned(), d.version()),
                    Err(_) => id_and_version(&bytes),
                };
                let entry = IndexEntry {
                    id,
                    version,
                    url: None,
                    sha256: None,
                    definition: None,
                };
                vec![(part, entry, result.map(|d| (d, None)))]
            }
            FileContent::Bundle(index) => index
                .entries()
                .map(|(part, entry)| {
                    let result = match &entry.definition {
                        None => Err(EntryProblem::NoSource),
                        Some(def) => {
                            let bytes = serde_json::to_vec(def).unwrap_or_default();
                            Definition::parse(part, &bytes).map(|d| (d, None))
                        }
                    };
                    (part, entry.clone(), result)
                })
                .collect(),
        };
        let mut next = registry.clone();
        let outcomes = next.apply_file(delivered);
        if next != *registry {
            self.save(&next).await?;
        }
        Ok((next, outcomes))
    }
}

/// One index entry: what the phone holds, or the file fetched, hashed and
/// checked.
async fn fetch_entry<T: Transport, D: Digest>(
    registry: &Registry,
    part: Part,
    entry: &IndexEntry,
    index_url: &str,
    reach: &Reach<'_, T, D>,
) -> Result<(Definition, Option<String>), EntryProblem> {
    let expected = expected_hash(entry)?;
    if let Some(Some(held_hash)) = registry.held_hash(part, &entry.id, entry.version) {
        // Held from an index: not fetched again. A different hash
        // means the programme changed a published version. (Held
        // without a hash — built in, or from a file — it is fetched
        // and its content compared.)
        return match held_hash {
            h if h != expected => Err(EntryProblem::VersionTaken),
            _ => {
                let def = match part {
                    Part::Form => registry
                        .form(&entry.id, entry.version)
                        .map(Definition::Form),
                    Part::Consent => registry
                        .consent(&entry.id, entry.version)
                        .map(Definition::Consent),
                };
                def.map(|d| (d, Some(expected)))
                    .ok_or(EntryProblem::NoSource)
            }
        };
    }
    let url = entry.url.as_deref().ok_or(EntryProblem::NoSource)?;
    let url = resolve(index_url, url);
    reach
        .allows(&url)
        .map_err(|e| EntryProblem::Fetch(e.to_string()))?;
    let response = reach
        .transport
        .send(&get(url))
        .await
        .map_err(|e| EntryProblem::Fetch(FormsError::from(e).to_string()))?;
    if response.status != 200 {
        return Err(EntryProblem::Fetch(
            FormsError::Status(response.status).to_string(),
        ));
    }
    if response.body.len() > registry::MAX_FILE_BYTES {
        return Err(EntryProblem::TooLarge);
    }
    let got = reach
        .digest
        .sha256(&response.body)
        .await
        .map_err(|e| EntryProblem::Fetch(e.to_string()))?;
    if hex(&got) != expected {
        return Err(EntryProblem::HashMismatch);
    }
    Definition::parse(part, &response.body).map(|d| (d, Some(expected)))
}

/// The `id` and `version` a file that does not check still gives, to name
/// it in the message.
fn id_and_version(bytes: &[u8]) -> (String, u32) {
    let value: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
    let id = value
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or("?")
        .chars()
        .take(64)
        .collect();
    let version = value
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
        .unwrap_or(0);
    (id, version)
}

fn get(url: String) -> HttpRequest {
    HttpRequest::get(url, FETCH_TIMEOUT_MS)
}
