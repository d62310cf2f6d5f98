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

/// The benchmarks' record n of many: a site visit at minute n of 2026, at
/// one of 40 sites, with a number and a paragraph of notes.
#[allow(dead_code)] // used by the benchmarks only
pub fn bench_site_visit(n: u128) -> Record {
    use chrono::{Duration, TimeZone};
    let form = builtin::form(RecordKind::SiteVisit).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(n as i64);
    let mut r = site_visit(n + 1, at, &format!("SITE-{}", n % 40));
    r.set_answer(&form, "rooms_count", Some(AnswerValue::Integer(12)), at)
        .unwrap();
    r.set_answer(
        &form,
        "notes",
        Some(AnswerValue::Text("Catatan kunjungan ".repeat(12))),
        at,
    )
    .unwrap();
    r
}
