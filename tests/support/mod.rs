//! Test helpers shared by the native, browser and benchmark test files.

use chrono::{DateTime, Utc};
use jangkau::model::answer::AnswerValue;
use jangkau::model::builtin;
use jangkau::model::record::Record;
use jangkau::model::record_kind::RecordKind;
use uuid::Uuid;

/// A site-visit draft with its required answers filled, id `n`, made at `at`.
pub fn site_visit(n: u128, at: DateTime<Utc>, site: &str) -> Record {
    let form = builtin::form(RecordKind::SiteVisit).unwrap();
    let mut r = Record::new_draft(Uuid::from_u128(n), &form, None, at).unwrap();
    r.set_answer(&form, "site_code", Some(AnswerValue::Text(site.into())), at)
        .unwrap();
    r.set_answer(
        &form,
        "visit_date",
        Some(AnswerValue::Date(at.date_naive())),
        at,
    )
    .unwrap();
    r.set_answer(
        &form,
        "site_active",
        Some(AnswerValue::Choice("active".into())),
        at,
    )
    .unwrap();
    r
}
