//! The three kinds of record an outreach team makes, and their URL slugs.

use serde::{Deserialize, Serialize};

/// What a record is about. Each kind gets a built-in form (see DOMAIN.md):
/// one site visit per site per visit, one needs assessment per participant
/// (after consent), and any number of follow-up visits per participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RecordKind {
    SiteVisit,
    NeedsAssessment,
    FollowUp,
}

impl RecordKind {
    /// In the order the home screen offers them: the work usually starts at
    /// a site, then meets people, then comes back.
    pub const ALL: [RecordKind; 3] = [
        RecordKind::SiteVisit,
        RecordKind::NeedsAssessment,
        RecordKind::FollowUp,
    ];

    /// The path segment for this kind. Slugs name the kind of form only —
    /// never a person or a site — because URLs end up in history and logs.
    pub fn slug(self) -> &'static str {
        match self {
            RecordKind::SiteVisit => "site-visit",
            RecordKind::NeedsAssessment => "needs-assessment",
            RecordKind::FollowUp => "follow-up",
        }
    }

    /// The id of the built-in form for this kind (forms/*.json).
    pub fn form_id(self) -> &'static str {
        match self {
            RecordKind::SiteVisit => "site_visit",
            RecordKind::NeedsAssessment => "needs_assessment",
            RecordKind::FollowUp => "follow_up",
        }
    }

    /// The kind a slug names, if any.
    pub fn from_slug(slug: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.slug() == slug)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip_and_are_distinct() {
        for kind in RecordKind::ALL {
            assert_eq!(RecordKind::from_slug(kind.slug()), Some(kind));
        }
        let mut slugs: Vec<_> = RecordKind::ALL.iter().map(|k| k.slug()).collect();
        slugs.dedup();
        assert_eq!(slugs.len(), 3);
    }

    #[test]
    fn unknown_slug_is_none() {
        assert_eq!(RecordKind::from_slug("site-visit/"), None);
        assert_eq!(RecordKind::from_slug(""), None);
        assert_eq!(RecordKind::from_slug("SITE-VISIT"), None);
    }
}
