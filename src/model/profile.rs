//! The volunteers who share a phone: each one's profile (a random id, a short name, its own database) and the directory that lists them on the lock screen.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The database of the phone's first profile: the one every build before
/// profiles wrote to, so an upgraded phone's records stay where they are.
pub const FIRST_DB: &str = "jangkau";
/// The longest short name, in characters: initials or a nickname.
pub const MAX_NAME_CHARS: usize = 24;

/// Who made a record: sent with it and exported with it, so a programme can
/// map the random id to a person without the phone ever holding a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collector {
    pub id: String,
    /// The short name the volunteer chose; empty for the profile an
    /// upgraded phone made for its single user until she gives one.
    #[serde(default)]
    pub name: String,
}

/// One volunteer on this phone. Kept in clear in the phone's directory:
/// the lock screen lists them before anyone has unlocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// The IndexedDB database holding this profile's key, records and queues.
    pub db: String,
    /// Set while the profile is being removed: its database is deleted
    /// next, then the entry. A removal cut short is finished at the next
    /// start, so a half-removed profile is never offered.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removing: bool,
}

impl Profile {
    pub fn collector(&self) -> Collector {
        Collector {
            id: self.id.clone(),
            name: self.name.clone(),
        }
    }

    /// The database of a profile added later.
    pub fn db_for(id: &str) -> String {
        format!("{FIRST_DB}-profile-{id}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    #[error("a short name is needed")]
    Empty,
    #[error("a short name has at most {MAX_NAME_CHARS} characters")]
    TooLong,
    #[error("another profile on this phone has that name")]
    Taken,
}

/// The profiles on the phone, in the order they were added.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Directory {
    pub profiles: Vec<Profile>,
}

impl Directory {
    /// # Errors
    /// When `json` is not a directory.
    pub fn parse(json: &str) -> Result<Directory, serde_json::Error> {
        serde_json::from_str(json)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a directory always serialises")
    }

    /// The profiles that can be unlocked (not being removed).
    pub fn usable(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.iter().filter(|p| !p.removing)
    }

    pub fn get(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }

    /// `name` trimmed, if it can be a new short name for profile `own`
    /// (`None` for a new profile): not empty, not too long, and no other
    /// profile's (ignoring case), so nobody picks the wrong one.
    ///
    /// # Errors
    /// The [`NameError`] the screen shows.
    pub fn check_name(&self, name: &str, own: Option<&str>) -> Result<String, NameError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(NameError::Empty);
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(NameError::TooLong);
        }
        let lower = name.to_lowercase();
        if self
            .usable()
            .any(|p| Some(p.id.as_str()) != own && p.name.to_lowercase() == lower)
        {
            return Err(NameError::Taken);
        }
        Ok(name.to_owned())
    }
}
