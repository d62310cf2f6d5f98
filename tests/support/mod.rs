//! Test helpers shared by the native, browser and benchmark test files.

use chrono::{DateTime, Utc};
use jangkau::model::answer::AnswerValue;
use jangkau::model::builtin;
use jangkau::model::form::FormKind;
use jangkau::model::record::Record;
use uuid::Uuid;

#[cfg(not(target_arch = "wasm32"))]
pub mod keys;

/// A site-visit draft with its required answers filled, id `n`, made at `at`.
pub fn site_visit(n: u128, at: DateTime<Utc>, site: &str) -> Record {
    let form = builtin::form(FormKind::SiteVisit).unwrap();
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
    let form = builtin::form(FormKind::SiteVisit).unwrap();
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

/// A finished record of `form_id` for participant `code` at `site`, made at
/// `at`, holding exactly `answers` (no form checks: reports must cope with
/// whatever is stored).
#[allow(dead_code)] // not every test file uses it
pub fn finished(
    n: u128,
    form_id: &str,
    code: &jangkau::model::participant_code::ParticipantCode,
    site: &str,
    at: DateTime<Utc>,
    answers: Vec<(&str, AnswerValue)>,
) -> Record {
    let mut values: std::collections::BTreeMap<String, AnswerValue> = answers
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    values.insert(
        "participant_code".into(),
        AnswerValue::Code(code.to_string()),
    );
    values.insert("site_code".into(), AnswerValue::Text(site.into()));
    Record {
        id: Uuid::from_u128(n),
        form_id: form_id.into(),
        form_version: 1,
        created_at: at,
        updated_at: at,
        status: jangkau::model::record::RecordStatus::Final,
        participant_code: Some(code.clone()),
        site: Some(site.into()),
        supersedes: None,
        consent: None,
        answers: jangkau::model::answer::Answers {
            values,
            repeats: Default::default(),
        },
        marked_for_deletion: false,
        collector: None,
    }
}

/// `record` made complete enough to be finished on a phone: every required
/// question it shows answered (the first choice, the lowest number, "no",
/// the day it was made), consent recorded where the form needs it, and
/// answers to questions it does not show dropped. What it already holds
/// stays. Panics if the record's form is not built in.
#[allow(dead_code)] // used by the report and import tests
pub fn completed(mut record: Record) -> Record {
    use jangkau::model::form::QuestionType as T;
    let form = builtin::forms()
        .into_iter()
        .find(|f| f.id == record.form_id)
        .expect("a built-in form");
    if form.requires_consent && record.consent.is_none() {
        let text = builtin::consent_text().unwrap();
        record.consent = Some(
            jangkau::model::consent::Consent::record(
                &text,
                jangkau::model::language::Language::Indonesian,
                [jangkau::model::consent::Purpose::Assessment].into(),
                "Pendamping Sari",
                record.created_at,
            )
            .unwrap(),
        );
    }
    let day = record.updated_at.date_naive();
    // Each pass may show questions the last one's answers opened.
    for _ in 0..5 {
        let answers = record.answers.clone();
        for section in form.sections.iter().filter(|s| s.repeat.is_none()) {
            if !form.section_visible(section, &answers, day) {
                continue;
            }
            for q in &section.questions {
                if !q.required
                    || record.answers.values.contains_key(&q.id)
                    || !form.question_visible(q, &answers, None, day)
                {
                    continue;
                }
                let value = match q.kind {
                    T::SingleChoice => AnswerValue::Choice(q.choices[0].code.clone()),
                    T::MultipleChoice => AnswerValue::Choices(vec![q.choices[0].code.clone()]),
                    T::YesNo => AnswerValue::Bool(false),
                    T::Scale => AnswerValue::Scale(q.scale_range().0 as u8),
                    T::Integer => AnswerValue::Integer(q.min.unwrap_or(0.0) as i64),
                    T::Decimal => AnswerValue::Decimal(q.min.unwrap_or(0.0)),
                    T::Date => AnswerValue::Date(day),
                    T::Text | T::LongText => AnswerValue::Text("ISI".into()),
                    _ => continue,
                };
                record.answers.values.insert(q.id.clone(), value);
            }
        }
    }
    record.answers = form.visible_answers(&record.answers, day);
    record.reindex(&form);
    record
}
