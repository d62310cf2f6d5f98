//! Informed consent: what was asked, what was agreed, by whom and when — and the gate it puts on assessments.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::answer::clean_text;
use super::form::{FormDef, DEFAULT_CONSENT};
use super::language::Language;
use super::text::Text;

/// What a participant can agree to, each separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Recording her needs assessment.
    Assessment,
    /// Being contacted again for follow-up visits.
    FollowUpContact,
    /// Being referred to other services (health, counselling, legal aid, shelter).
    Referral,
}

impl Purpose {
    pub const ALL: [Purpose; 3] = [
        Purpose::Assessment,
        Purpose::FollowUpContact,
        Purpose::Referral,
    ];
}

/// The consent statement read to the participant, versioned: a record keeps
/// the version it was given under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentText {
    /// Which statement this is; a form names it (`consent` in the form).
    #[serde(default = "default_consent_id")]
    pub id: String,
    pub version: u32,
    pub title: Text,
    pub text: Text,
    pub purposes: Vec<PurposeText>,
}

fn default_consent_id() -> String {
    DEFAULT_CONSENT.to_owned()
}

impl ConsentText {
    /// Every problem in a statement: a usable id and version, both
    /// languages everywhere, the assessment among the purposes (a form that
    /// requires consent cannot start without it).
    pub fn check(&self) -> Vec<String> {
        let mut out = Vec::new();
        let id_ok = self.id.len() <= 64
            && self.id.starts_with(|c: char| c.is_ascii_lowercase())
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !id_ok {
            out.push(format!("id: {:?} is not a valid id (a–z, 0–9, _)", self.id));
        }
        if self.version == 0 {
            out.push("version: must be 1 or more".into());
        }
        let texts = [("title", &self.title), ("text", &self.text)];
        for (path, text) in texts
            .into_iter()
            .chain(self.purposes.iter().map(|p| ("purposes.label", &p.label)))
        {
            for lang in text.blank_languages() {
                out.push(format!("{path}: the {lang} text is empty"));
            }
        }
        if !self
            .purposes
            .iter()
            .any(|p| p.purpose == Purpose::Assessment)
        {
            out.push("purposes: the assessment must be one of them".into());
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurposeText {
    pub purpose: Purpose,
    pub label: Text,
}

/// A captured consent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consent {
    /// The statement read, when it is not the default one ([`DEFAULT_CONSENT`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_id: Option<String>,
    pub text_version: u32,
    /// The language the statement was read in.
    pub language: Language,
    pub purposes: BTreeSet<Purpose>,
    /// The companion or volunteer who asked (name or initials, as the programme decides).
    pub asked_by: String,
    pub given_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConsentError {
    #[error("this form needs the participant's consent first")]
    Missing,
    #[error("consent to the assessment was not given")]
    AssessmentNotAgreed,
    #[error("consent was withdrawn")]
    Withdrawn,
    #[error("say who asked for consent")]
    AskedByMissing,
    #[error("at most {max} characters")]
    AskedByTooLong { max: usize },
}

const MAX_ASKED_BY: usize = 100;

impl Consent {
    /// Records a consent as given now.
    ///
    /// # Errors
    /// [`ConsentError::AskedByMissing`] or `AskedByTooLong` for a bad name.
    pub fn record(
        text: &ConsentText,
        language: Language,
        purposes: BTreeSet<Purpose>,
        asked_by: &str,
        now: DateTime<Utc>,
    ) -> Result<Consent, ConsentError> {
        let asked_by = clean_text(asked_by, false);
        if asked_by.is_empty() {
            return Err(ConsentError::AskedByMissing);
        }
        if asked_by.chars().count() > MAX_ASKED_BY {
            return Err(ConsentError::AskedByTooLong { max: MAX_ASKED_BY });
        }
        Ok(Consent {
            text_id: (text.id != DEFAULT_CONSENT).then(|| text.id.clone()),
            text_version: text.version,
            language,
            purposes,
            asked_by,
            given_at: now,
            withdrawn_at: None,
        })
    }

    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn_at.is_some()
    }

    /// Whether this consent currently covers `purpose`.
    pub fn allows(&self, purpose: Purpose) -> bool {
        !self.is_withdrawn() && self.purposes.contains(&purpose)
    }

    /// Marks the consent withdrawn; the first withdrawal time is kept.
    pub fn withdraw(&mut self, now: DateTime<Utc>) {
        self.withdrawn_at.get_or_insert(now);
    }
}

/// No consent, no form: a form that requires consent may only start (and
/// only be finalised) while a consent covering the assessment is in force.
///
/// # Errors
/// The [`ConsentError`] that explains what is missing.
pub fn gate(form: &FormDef, consent: Option<&Consent>) -> Result<(), ConsentError> {
    if !form.requires_consent {
        return Ok(());
    }
    let consent = consent.ok_or(ConsentError::Missing)?;
    if consent.is_withdrawn() {
        return Err(ConsentError::Withdrawn);
    }
    if !consent.purposes.contains(&Purpose::Assessment) {
        return Err(ConsentError::AssessmentNotAgreed);
    }
    Ok(())
}
