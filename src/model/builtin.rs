//! The forms and consent statement that ship with Jangkau (forms/*.json), parsed and checked.

use super::consent::ConsentText;
use super::form::{FormDef, FormError};
use super::record_kind::RecordKind;

const SITE_VISIT: &str = include_str!("../../forms/site_visit.json");
const NEEDS_ASSESSMENT: &str = include_str!("../../forms/needs_assessment.json");
const FOLLOW_UP: &str = include_str!("../../forms/follow_up.json");
const CONSENT: &str = include_str!("../../forms/consent.json");

/// The built-in form for a kind of record.
///
/// # Errors
/// Only if a shipped definition is broken — which the tests rule out; the
/// UI still shows the error rather than panicking.
pub fn form(kind: RecordKind) -> Result<FormDef, FormError> {
    FormDef::parse(match kind {
        RecordKind::SiteVisit => SITE_VISIT,
        RecordKind::NeedsAssessment => NEEDS_ASSESSMENT,
        RecordKind::FollowUp => FOLLOW_UP,
    })
}

/// Every built-in form that parses (all of them: the tests say so).
pub fn forms() -> Vec<FormDef> {
    RecordKind::ALL
        .into_iter()
        .filter_map(|k| form(k).ok())
        .collect()
}

/// The kind a built-in form id belongs to.
pub fn kind_of(form_id: &str) -> Option<RecordKind> {
    RecordKind::ALL.into_iter().find(|k| k.form_id() == form_id)
}

/// The consent statement in force.
///
/// # Errors
/// If the shipped statement is malformed (ruled out by the tests).
pub fn consent_text() -> Result<ConsentText, serde_json::Error> {
    serde_json::from_str(CONSENT)
}
