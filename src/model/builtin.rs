//! The forms and consent statement that ship with Jangkau (forms/*.json), parsed and checked.

use super::consent::ConsentText;
use super::form::{FormDef, FormError, FormKind};

const SITE_VISIT: &str = include_str!("../../forms/site_visit.json");
const NEEDS_ASSESSMENT: &str = include_str!("../../forms/needs_assessment.json");
const FOLLOW_UP: &str = include_str!("../../forms/follow_up.json");
const CONSENT: &str = include_str!("../../forms/consent.json");

/// The kinds with a built-in form, in the order home offers them: the work
/// usually starts at a site, then meets people, then comes back.
pub const KINDS: [FormKind; 3] = [
    FormKind::SiteVisit,
    FormKind::NeedsAssessment,
    FormKind::FollowUp,
];

/// The built-in form of a kind; `Other` has none (it reads as the site visit).
///
/// # Errors
/// Only if a shipped definition is broken — which the tests rule out; the
/// registry then simply lacks it.
pub fn form(kind: FormKind) -> Result<FormDef, FormError> {
    FormDef::parse(match kind {
        FormKind::SiteVisit | FormKind::Other => SITE_VISIT,
        FormKind::NeedsAssessment => NEEDS_ASSESSMENT,
        FormKind::FollowUp => FOLLOW_UP,
    })
}

/// Every built-in form that parses (all of them: the tests say so).
pub fn forms() -> Vec<FormDef> {
    KINDS.into_iter().filter_map(|k| form(k).ok()).collect()
}

/// The consent statement in force.
///
/// # Errors
/// If the shipped statement is malformed (ruled out by the tests).
pub fn consent_text() -> Result<ConsentText, serde_json::Error> {
    serde_json::from_str(CONSENT)
}
