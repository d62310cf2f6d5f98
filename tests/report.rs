//! Reports on fixed records: participant histories, the follow-up list, the site inventory, CSV files, and the JSON export read back and merged.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use jangkau::model::answer::AnswerValue::{
    self, Bool, Choice, Choices, Date, Integer, Scale, Text,
};
use jangkau::model::builtin;
use jangkau::model::consent::{Consent, Purpose};
use jangkau::model::form::{FormDef, FormKind, Role};
use jangkau::model::language::Language;
use jangkau::model::participant_code::ParticipantCode;
use jangkau::model::record::{Record, RecordStatus};
use jangkau::report::csv::{codebook, form_files, RECORD_COLUMNS};
use jangkau::report::history::{due, history, people, search};
use jangkau::report::inventory::{inventory, sites};
use jangkau::report::transfer::{
    merge, read_export, select, EntryProblem, ImportError, Selection, Versions,
};
use jangkau::report::{current, FormKinds, ASSESSMENT, FOLLOW_UP};
use jangkau::sync::wire::{batch_body, Content, Entry, PendingBatch, Sender};
use sha2::{Digest, Sha256};
use support::finished;
use uuid::Uuid;

fn wib() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap()
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn at(m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, 3, 0, 0).unwrap()
}

fn code(seed: u32) -> ParticipantCode {
    ParticipantCode::from_random([seed, 2, 3, 4, 5, 6])
}

fn consent(follow_up: bool) -> Consent {
    let mut purposes = vec![Purpose::Assessment];
    if follow_up {
        purposes.push(Purpose::FollowUpContact);
    }
    Consent::record(
        &builtin::consent_text().unwrap(),
        Language::Indonesian,
        purposes.into_iter().collect(),
        "Pendamping R",
        at(9, 30),
    )
    .unwrap()
}

fn wellbeing(scores: [u8; 5]) -> Vec<(&'static str, AnswerValue)> {
    Role::WELLBEING
        .iter()
        .zip(scores)
        .map(|(q, s)| (q.default_id(), Scale(s)))
        .collect()
}

fn with(
    mut base: Vec<(&'static str, AnswerValue)>,
    more: Vec<(&'static str, AnswerValue)>,
) -> Vec<(&'static str, AnswerValue)> {
    base.extend(more);
    base
}

fn strings(codes: &[&str]) -> AnswerValue {
    Choices(codes.iter().map(|c| (*c).to_owned()).collect())
}

/// Three women at two sites, plus a withdrawn one and a draft that must
/// not count; the first woman's follow-up was edited once.
fn fixture() -> Vec<Record> {
    let mut p1 = finished(
        1,
        ASSESSMENT,
        &code(1),
        "KDR-A",
        at(10, 1),
        with(
            wellbeing([2, 3, 2, 1, 4]),
            vec![
                ("resident", Bool(true)),
                ("wants_change", Choice("yes".into())),
                ("training_wanted", strings(&["catering", "sewing"])),
                ("capital_items", strings(&["food_cart"])),
                ("capital_needed", Integer(2_000_000)),
                ("has_ktp", Bool(false)),
                ("has_bpjs", Bool(true)),
                ("has_savings_book", Bool(false)),
                ("referrals_needed", strings(&["health", "counselling"])),
                ("risk_of_returning", Choice("high".into())),
                ("next_visit", Date(day(10, 20))),
            ],
        ),
    );
    p1.consent = Some(consent(true));
    let follow_up = |n, scores, state: &str| {
        finished(
            n,
            FOLLOW_UP,
            &code(1),
            "KDR-A",
            at(10, 21),
            with(
                wellbeing(scores),
                vec![
                    ("visit_date", Date(day(10, 20))),
                    ("contact_kind", Choice("home_visit".into())),
                    ("business_started", Bool(true)),
                    ("business_state", Choice(state.into())),
                    ("income_band", Choice("inc_lt_500k".into())),
                    ("risk_of_returning", Choice("medium".into())),
                    ("next_visit", Date(day(11, 25))),
                ],
            ),
        )
    };
    let old = follow_up(11, [5, 5, 5, 5, 5], "struggling");
    let mut edited = follow_up(12, [3, 3, 3, 2, 4], "running");
    edited.supersedes = Some(old.id);
    edited.updated_at = at(10, 22);
    let mut p2 = finished(
        2,
        ASSESSMENT,
        &code(2),
        "KDR-A",
        at(10, 2),
        with(
            wellbeing([4, 4, 4, 4, 4]),
            vec![
                ("resident", Bool(false)),
                ("wants_change", Choice("unsure".into())),
                ("training_wanted", strings(&["catering"])),
                ("capital_needed", Integer(1_000_000)),
                ("has_ktp", Bool(true)),
                ("has_bpjs", Bool(false)),
                ("has_savings_book", Bool(true)),
                ("referrals_needed", strings(&["none"])),
                ("risk_of_returning", Choice("low".into())),
                ("next_visit", Date(day(11, 10))),
            ],
        ),
    );
    p2.consent = Some(consent(true));
    let mut p3 = finished(
        3,
        ASSESSMENT,
        &code(3),
        "KDR-B",
        at(10, 3),
        with(
            wellbeing([1, 1, 1, 1, 1]),
            vec![
                ("wants_change", Choice("no".into())),
                ("risk_of_returning", Choice("high".into())),
                ("next_visit", Date(day(11, 24))),
            ],
        ),
    );
    p3.consent = Some(consent(false));
    let mut withdrawn = finished(
        4,
        ASSESSMENT,
        &code(4),
        "KDR-B",
        at(10, 4),
        with(
            wellbeing([5, 5, 5, 5, 5]),
            vec![
                ("wants_change", Choice("yes".into())),
                ("next_visit", Date(day(11, 20))),
            ],
        ),
    );
    withdrawn.marked_for_deletion = true;
    let mut draft = finished(
        5,
        ASSESSMENT,
        &code(5),
        "KDR-B",
        at(10, 5),
        wellbeing([5, 5, 5, 5, 5]),
    );
    draft.status = RecordStatus::Draft;
    let visit = support::site_visit(6, at(10, 1), "KDR-A");
    vec![p1, old, edited, p2, p3, withdrawn, draft, visit]
}

#[test]
fn only_the_newest_finished_version_of_each_record_counts() {
    let records = fixture();
    let ids: HashSet<u128> = current(&records).iter().map(|r| r.id.as_u128()).collect();
    assert!(!ids.contains(&11), "superseded by its edit");
    assert!(ids.contains(&12));
    assert!(!ids.contains(&4), "withdrawn");
    assert!(!ids.contains(&5), "draft");
    assert!(!ids.contains(&6), "a site visit draft is a draft too");

    // Two phones revised the same record: the newer change wins, once.
    let mut fork = records[2].clone();
    fork.id = Uuid::from_u128(13);
    fork.updated_at = at(10, 23);
    let mut all = records.clone();
    all.push(fork);
    let ids: Vec<u128> = current(&all)
        .iter()
        .map(|r| r.id.as_u128())
        .filter(|n| (11..=13).contains(n))
        .collect();
    assert_eq!(ids, vec![13]);
}

#[test]
fn the_people_list_and_who_is_due() {
    let records = fixture();
    let list = people(&records, &kinds(), wib());
    let codes: Vec<_> = list.iter().map(|p| p.code.clone()).collect();
    assert_eq!(
        codes.len(),
        3,
        "the withdrawn and the draft-only people are not listed"
    );
    assert!(!codes.contains(&code(4)) && !codes.contains(&code(5)));
    let p1 = list.iter().find(|p| p.code == code(1)).unwrap();
    assert_eq!(p1.last_visit, day(10, 20));
    assert_eq!(p1.next_visit, Some(day(11, 25)));
    assert_eq!(
        p1.anchor,
        Uuid::from_u128(12),
        "her newest record names her page"
    );
    assert_eq!(p1.records, 2);

    // On 23 November: the second woman is overdue, the first due in two
    // days; the third did not agree to be contacted again.
    let due_now: Vec<_> = due(&list, day(11, 23))
        .iter()
        .map(|p| p.code.clone())
        .collect();
    assert_eq!(due_now, vec![code(2), code(1)]);
    // A week earlier only the second is within seven days.
    let due_then: Vec<_> = due(&list, day(11, 3))
        .iter()
        .map(|p| p.code.clone())
        .collect();
    assert_eq!(due_then, vec![code(2)]);

    let typed = code(3).to_string().replace('-', "").to_lowercase();
    assert_eq!(search(&list, &typed[..4]).len(), 1);
    assert_eq!(search(&list, "kdr-a").len(), 2);
    assert_eq!(search(&list, "").len(), 3);
}

#[test]
fn a_history_follows_her_over_time() {
    let records = fixture();
    let h = history(&records, &kinds(), &code(1), wib()).unwrap();
    assert!(h
        .person
        .consent
        .as_ref()
        .unwrap()
        .purposes
        .contains(&Purpose::FollowUpContact));
    let a = h.assessment.as_ref().unwrap();
    assert_eq!(
        (a.day, a.wants_change.as_deref(), a.capital),
        (day(10, 1), Some("yes"), Some(2_000_000.0))
    );
    assert_eq!(a.training, vec!["catering", "sewing"]);
    let visits: Vec<_> = h
        .visits
        .iter()
        .map(|v| (v.form_id.as_str(), v.day, v.risk.as_deref()))
        .collect();
    assert_eq!(
        visits,
        vec![
            (ASSESSMENT, day(10, 1), Some("high")),
            (FOLLOW_UP, day(10, 20), Some("medium"))
        ]
    );
    assert_eq!(h.visits[1].contact.as_deref(), Some("home_visit"));
    let financial = h
        .wellbeing
        .iter()
        .find(|s| s.aspect == Role::WbFinancial)
        .unwrap();
    assert_eq!(
        financial.points,
        vec![(day(10, 1), 1.0), (day(10, 20), 2.0)],
        "the edit's scores, not the old version's"
    );
    assert_eq!(h.business.len(), 1);
    assert_eq!(h.business[0].state.as_deref(), Some("running"));
    assert_eq!(h.open_referrals, vec!["health", "counselling"]);
    assert_eq!(h.person.next_visit, Some(day(11, 25)));
    assert!(
        history(&records, &kinds(), &code(4), wib()).is_none(),
        "withdrawn: nothing to show"
    );
}

#[test]
fn an_assessment_made_before_seven_in_the_morning_is_dated_on_the_phones_calendar() {
    let early = Utc.with_ymd_and_hms(2026, 11, 2, 23, 30, 0).unwrap(); // 06:30 WIB on 3 November
    let r = finished(1, ASSESSMENT, &code(1), "KDR-A", early, vec![]);
    assert_eq!(jangkau::report::record_day(&r, wib()), day(11, 3));
}

#[test]
fn the_inventory_counts_each_woman_once() {
    let records = fixture();
    let form = builtin::form(FormKind::NeedsAssessment).unwrap();
    assert_eq!(sites(&records, &kinds()), vec!["KDR-A", "KDR-B"]);
    let all = inventory(&records, &kinds(), None, &form, wib());
    assert_eq!(all.assessed, 3);
    assert_eq!(
        (all.resident, all.non_resident, all.residence_unknown),
        (1, 1, 1)
    );
    assert_eq!(
        all.wants_change,
        vec![("yes".into(), 1), ("unsure".into(), 1), ("no".into(), 1)]
    );
    let training: Vec<(&str, u32)> = all.training.iter().map(|(c, n)| (c.as_str(), *n)).collect();
    assert_eq!(
        training,
        vec![
            ("catering", 2),
            ("trading", 0),
            ("salon", 0),
            ("sewing", 1),
            ("crafts", 0),
            ("digital", 0),
            ("other", 0)
        ]
    );
    assert_eq!((all.capital.needing, all.capital.with_amount), (2, 2));
    assert_eq!(
        (all.capital.total, all.capital.median),
        (3_000_000.0, Some(1_500_000.0))
    );
    assert_eq!((all.no_ktp, all.no_bpjs, all.no_savings_book), (1, 1, 1));
    let referrals: Vec<(&str, u32)> = all
        .referrals
        .iter()
        .map(|(c, n)| (c.as_str(), *n))
        .collect();
    assert_eq!(
        referrals,
        vec![
            ("health", 1),
            ("counselling", 1),
            ("legal_aid", 0),
            ("shelter", 0)
        ]
    );
    // Latest scores: her edited follow-up (3), the second woman (4), the third (1).
    let psychological = all.wellbeing[0];
    assert_eq!(psychological.0, Role::WbPsychological);
    assert!((psychological.1.unwrap() - 8.0 / 3.0).abs() < 1e-9);
    assert_eq!(
        all.at_risk, 1,
        "the first woman's risk fell to medium at her follow-up"
    );
    assert_eq!(
        all.risk,
        vec![("low".into(), 1), ("medium".into(), 1), ("high".into(), 1)]
    );

    let a = inventory(&records, &kinds(), Some("KDR-A"), &form, wib());
    assert_eq!((a.assessed, a.at_risk, a.capital.needing), (2, 0, 2));
    let b = inventory(&records, &kinds(), Some("KDR-B"), &form, wib());
    assert_eq!((b.assessed, b.at_risk, b.capital.median), (1, 1, None));
    assert_eq!(b.wellbeing[0].1, Some(1.0));
    let none = inventory(&records, &kinds(), Some("KDR-Z"), &form, wib());
    assert_eq!((none.assessed, none.wellbeing[0].1), (0, None));
}

/// A small RFC 4180 reader, to check what the files say.
fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark for spreadsheets");
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => assert_eq!(chars.next(), Some('\n'), "CRLF line ends"),
            (false, '\n') => panic!("a bare LF outside quotes"),
            (false, c) => cell.push(c),
        }
        if !quoted && c == '\r' {
            row.push(std::mem::take(&mut cell));
            rows.push(std::mem::take(&mut row));
        }
    }
    assert!(
        cell.is_empty() && row.is_empty(),
        "the file ends with a line end"
    );
    rows
}

#[test]
fn csv_columns_are_stable_and_typed_text_is_escaped_and_defused() {
    let form = builtin::form(FormKind::NeedsAssessment).unwrap();
    let tricky = [
        "=HYPERLINK(\"http://x\",\"klik\")",
        "+62 812",
        "-1+1",
        "@SUM(A1)",
        "koma, \"kutip\"\nbaris baru",
        "  spasi",
    ];
    let records: Vec<Record> = tricky
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut r = finished(
                i as u128 + 1,
                ASSESSMENT,
                &code(i as u32),
                "KDR-A",
                at(10, 1),
                vec![
                    ("notes", Text((*t).into())),
                    ("training_wanted", strings(&["catering", "digital"])),
                    ("capital_needed", Integer(-5)),
                    ("has_ktp", Bool(false)),
                    ("retired_question", Text("from an older version".into())),
                ],
            );
            r.consent = Some(consent(true));
            r
        })
        .collect();
    let refs: Vec<&Record> = records.iter().collect();
    let files = form_files(&[&form], &refs);
    assert_eq!(files.len(), 1, "the assessment has no repeat group");
    assert_eq!(files[0].name, "needs_assessment.csv");
    let rows = parse_csv(&files[0].bytes);
    let header = &rows[0];
    assert_eq!(&header[..RECORD_COLUMNS.len()], RECORD_COLUMNS.as_slice());
    let questions: Vec<&str> = form
        .questions()
        .map(|(_, q)| q)
        .filter(|q| q.kind != jangkau::model::form::QuestionType::Note)
        .map(|q| q.id.as_str())
        .collect();
    assert_eq!(
        &header[RECORD_COLUMNS.len()..header.len() - 1],
        questions.as_slice()
    );
    assert_eq!(
        header.last().unwrap(),
        "retired_question",
        "an older version's answer is kept"
    );
    assert_eq!(rows.len(), 1 + tricky.len());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (row, typed) in rows[1..].iter().zip(tricky) {
        assert_eq!(row.len(), header.len());
        let notes = &row[col("notes")];
        match typed.chars().next() {
            Some('=' | '+' | '-' | '@') => {
                assert_eq!(notes, &format!("'{typed}"), "a formula is shown, not run")
            }
            _ => assert_eq!(notes, typed),
        }
        assert_eq!(row[col("training_wanted")], "catering digital");
        assert_eq!(row[col("capital_needed")], "-5", "numbers stay numbers");
        assert_eq!(row[col("has_ktp")], "no");
        assert_eq!(row[col("consent_purposes")], "assessment follow_up_contact");
        assert_eq!(row[col("status")], "final");
    }

    let book = parse_csv(&codebook(&[&form]).bytes);
    assert!(book.iter().any(|r| r[3] == "training_wanted"
        && r[5] == "catering"
        && r[6] == "Tata boga / katering"));
    assert!(book
        .iter()
        .any(|r| r[3] == "has_ktp" && r[5] == "no" && r[7] == "No"));
    assert!(book
        .iter()
        .any(|r| r[3] == "notes" && r[5].is_empty() && r[2] == "needs_assessment.csv"));
}

#[test]
fn a_repeat_group_gets_its_own_file_and_gps_three_columns() {
    let form = builtin::form(FormKind::SiteVisit).unwrap();
    let mut r = support::site_visit(1, at(10, 1), "KDR-A");
    r.set_answer(
        &form,
        "location",
        Some(AnswerValue::Gps(jangkau::model::answer::GeoPoint {
            lat: -7.8,
            lon: 112.0,
            accuracy_m: 12.0,
        })),
        at(10, 1),
    )
    .unwrap();
    let i = r.add_item(&form, "houses", at(10, 1)).unwrap();
    r.set_item_answer(
        &form,
        "houses",
        i,
        "house_label",
        Some(Text("No. 3".into())),
        at(10, 1),
    )
    .unwrap();
    r.set_item_answer(
        &form,
        "houses",
        i,
        "house_rooms",
        Some(Integer(5)),
        at(10, 1),
    )
    .unwrap();
    let files = form_files(&[&form], &[&r]);
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["site_visit.csv", "site_visit__houses.csv"]);
    let main = parse_csv(&files[0].bytes);
    let lat = main[0].iter().position(|h| h == "location_lat").unwrap();
    assert_eq!(
        &main[0][lat..lat + 3],
        ["location_lat", "location_lon", "location_accuracy_m"]
    );
    assert_eq!(&main[1][lat..lat + 3], ["-7.8", "112", "12"]);
    assert!(!main[0].contains(&"house_label".to_owned()));
    let houses = parse_csv(&files[1].bytes);
    assert_eq!(
        &houses[0][..4],
        ["record_id", "item", "house_label", "house_rooms"]
    );
    assert_eq!(
        &houses[1][..4],
        [r.id.to_string(), "1".into(), "No. 3".into(), "5".into()]
    );
}

fn plain_entry(r: &Record) -> Entry {
    let bytes = Content::of(r).to_bytes();
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Entry::plain(r, hash)
}

fn export_file(records: &[Record]) -> Vec<u8> {
    let batch = PendingBatch {
        batch_id: "export-1".into(),
        entries: records.iter().map(plain_entry).collect(),
    };
    let sender = Sender {
        device_id: "phone-a".into(),
        app_version: "test".into(),
    };
    batch_body(&batch, &sender, at(11, 23))
}

/// The forms this phone knows, and no record of its own.
fn read(bytes: &[u8]) -> Result<jangkau::report::transfer::Incoming, ImportError> {
    read_export(bytes, &builtin::forms(), |_| false)
}

#[test]
fn an_export_reads_back_on_another_phone_and_merges_by_id() {
    let records: Vec<Record> = current(&fixture())
        .into_iter()
        .cloned()
        .map(support::completed)
        .collect();
    let file = export_file(&records);
    let body: serde_json::Value = serde_json::from_slice(&file).unwrap();
    assert_eq!(
        body["schema"], "jangkau.batch/1",
        "the endpoint's own format"
    );

    let incoming = read(&file).unwrap();
    assert!(incoming.refused.is_empty());
    assert_eq!(incoming.records.len(), records.len());
    for (back, sent) in incoming.records.iter().zip(&records) {
        assert_eq!(
            back.status,
            RecordStatus::Imported,
            "the other phone sends it, not this one"
        );
        let mut same = back.clone();
        same.status = sent.status;
        assert_eq!(&same, sent);
    }

    // The supervisor already holds the first two; the file lists one twice.
    let have: HashSet<Uuid> = records[..2].iter().map(|r| r.id).collect();
    let mut twice = incoming.records.clone();
    twice.push(incoming.records[3].clone());
    let plan = merge(&have, twice);
    assert_eq!(plan.already, 3);
    let added: Vec<Uuid> = plan.add.iter().map(|r| r.id).collect();
    assert_eq!(added, records[2..].iter().map(|r| r.id).collect::<Vec<_>>());

    // Merged with an older version already on this phone, the reports show
    // the newest one.
    let fixture = fixture();
    let old = fixture
        .iter()
        .find(|r| r.id.as_u128() == 11)
        .unwrap()
        .clone();
    let mut merged = vec![old];
    merged.extend(merge(&HashSet::from([Uuid::from_u128(11)]), incoming.records).add);
    let h = history(&merged, &kinds(), &code(1), wib()).unwrap();
    assert_eq!(h.business[0].state.as_deref(), Some("running"));
}

#[test]
fn bad_import_files_say_why_and_bad_records_do_not_cost_the_good_ones() {
    assert_eq!(read(b"not json"), Err(ImportError::NotAnExport));
    assert_eq!(
        read(br#"{"schema":"other/1","records":[]}"#),
        Err(ImportError::NotAnExport)
    );
    assert_eq!(
        read(br#"{"jangkau_envelope":1,"alg":"x"}"#),
        Err(ImportError::Encrypted)
    );

    let good = support::completed(finished(
        1,
        ASSESSMENT,
        &code(1),
        "KDR-A",
        at(10, 1),
        vec![],
    ));
    let mut file: serde_json::Value =
        serde_json::from_slice(&export_file(std::slice::from_ref(&good))).unwrap();
    let entries = file["records"].as_array_mut().unwrap();
    let mut sealed = entries[0].clone();
    sealed.as_object_mut().unwrap().remove("answers");
    sealed["encrypted"] = serde_json::json!({"jangkau_envelope": 1});
    let mut strange = entries[0].clone();
    strange["form_id"] = "tax_return".into();
    entries.push(sealed);
    entries.push(serde_json::json!({"record_id": 5}));
    entries.push(strange);
    let incoming = read(file.to_string().as_bytes()).unwrap();
    assert_eq!(
        incoming.records,
        vec![Record {
            status: RecordStatus::Imported,
            ..good
        }]
    );
    let problems: Vec<(usize, bool)> = incoming
        .refused
        .iter()
        .map(|(i, p)| (*i, matches!(p, EntryProblem::Malformed(_))))
        .collect();
    assert_eq!(problems, vec![(2, false), (3, true), (4, false)]);
    assert_eq!(incoming.refused[0].1, EntryProblem::Encrypted);
    assert_eq!(
        incoming.refused[2].1,
        EntryProblem::UnknownForm("tax_return".into())
    );
}

#[test]
fn money_is_written_the_indonesian_way() {
    use jangkau::report::rupiah;
    assert_eq!(rupiah(0.0), "Rp 0");
    assert_eq!(rupiah(999.0), "Rp 999");
    assert_eq!(rupiah(1_500_000.0), "Rp 1.500.000");
    assert_eq!(rupiah(12_345.6), "Rp 12.346");
    assert_eq!(rupiah(-2_000.0), "-Rp 2.000");
}

#[test]
fn an_export_takes_the_chosen_site_forms_and_days_and_never_a_withdrawn_record() {
    let mut records = fixture();
    let code1 = code(1);
    records.push(Record::withdrawal(
        Uuid::from_u128(50),
        code1,
        &[Uuid::from_u128(1)],
        at(11, 1),
    ));
    let all_forms = Selection {
        forms: [ASSESSMENT, FOLLOW_UP, "site_visit", "withdrawal"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        ..Default::default()
    };
    let ids = |sel: &Selection, v| -> Vec<u128> {
        let mut ids: Vec<u128> = select(&records, sel, v, wib())
            .iter()
            .map(|r| r.id.as_u128())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        ids(&all_forms, Versions::All),
        vec![1, 2, 3, 11, 12],
        "both versions, no draft, no withdrawn, no message"
    );
    assert_eq!(ids(&all_forms, Versions::Newest), vec![1, 2, 3, 12]);
    let site_a = Selection {
        site: Some("KDR-A".into()),
        ..all_forms.clone()
    };
    assert_eq!(ids(&site_a, Versions::Newest), vec![1, 2, 12]);
    let follow_ups = Selection {
        forms: [FOLLOW_UP.to_string()].into(),
        ..all_forms.clone()
    };
    assert_eq!(ids(&follow_ups, Versions::Newest), vec![12]);
    let october_first_two_days = Selection {
        from: Some(day(10, 1)),
        to: Some(day(10, 2)),
        ..all_forms.clone()
    };
    assert_eq!(ids(&october_first_two_days, Versions::Newest), vec![1, 2]);
    let follow_up_day = Selection {
        from: Some(day(10, 20)),
        to: Some(day(10, 20)),
        ..all_forms
    };
    assert_eq!(
        ids(&follow_up_day, Versions::Newest),
        vec![12],
        "dated by its visit date, not when it was typed"
    );
}

/// Issue 12: imports were not checked against the form — a scale of 255, a
/// capital of i64::MAX and a made-up choice code were stored and shown in
/// the site needs; a record claiming to replace one of this phone's own
/// replaced it in the reports; a UTF-8 byte-order mark was refused.
#[test]
fn imported_answers_are_checked_like_typed_ones_record_by_record() {
    let good = support::completed(finished(
        1,
        ASSESSMENT,
        &code(1),
        "KDR-A",
        at(10, 1),
        vec![("capital_needed", Integer(1_500_000))],
    ));
    let mut file: serde_json::Value =
        serde_json::from_slice(&export_file(std::slice::from_ref(&good))).unwrap();
    let entry = file["records"][0].clone();
    let variant = |n: u128, change: &dyn Fn(&mut serde_json::Value)| {
        let mut e = entry.clone();
        e["record_id"] = Uuid::from_u128(n).to_string().into();
        change(&mut e);
        e
    };
    let entries = file["records"].as_array_mut().unwrap();
    entries.push(variant(2, &|e| {
        e["answers"]["values"]["wb_social"] = serde_json::json!({"type": "scale", "value": 255});
    }));
    entries.push(variant(3, &|e| {
        e["answers"]["values"]["capital_needed"] =
            serde_json::json!({"type": "integer", "value": i64::MAX});
    }));
    entries.push(variant(4, &|e| {
        e["answers"]["values"]["work_status"] =
            serde_json::json!({"type": "choice", "value": "astronaut"});
    }));
    entries.push(variant(5, &|e| {
        e["supersedes"] = Uuid::from_u128(900).to_string().into();
    }));
    entries.push(variant(6, &|e| e["form_version"] = 7.into()));
    entries.push(variant(7, &|e| {
        e["answers"]["values"]["not_a_question"] =
            serde_json::json!({"type": "text", "value": "x"});
    }));
    // The clear site field is not trusted: it comes from the answers.
    entries.push(variant(8, &|e| e["site"] = "KDR-LAIN".into()));
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(file.to_string().as_bytes());
    let own = |id: &Uuid| *id == Uuid::from_u128(900);
    let incoming = read_export(&bytes, &builtin::forms(), own).unwrap();
    let taken: Vec<u128> = incoming.records.iter().map(|r| r.id.as_u128()).collect();
    assert_eq!(taken, vec![1, 8]);
    assert_eq!(incoming.records[1].site.as_deref(), Some("KDR-A"));
    let why: Vec<(usize, String)> = incoming
        .refused
        .iter()
        .map(|(i, p)| (*i, format!("{p:?}")))
        .collect();
    let expect = |i: usize, part: &str| {
        assert!(
            why.iter().any(|(n, p)| *n == i && p.contains(part)),
            "record {i}: {why:?}"
        );
    };
    expect(2, "wb_social");
    expect(2, "AboveMax");
    expect(3, "capital_needed");
    expect(4, "UnknownChoice");
    expect(5, "SupersedesOwn");
    expect(6, "NewerFormVersion");
    expect(7, "Malformed");
    assert_eq!(why.len(), 6);
}

/// What the built-in forms are for (their `kind`).
fn kinds() -> FormKinds {
    let forms = jangkau::model::builtin::forms();
    FormKinds::of(&forms)
}

#[test]
fn a_programmes_own_assessment_form_feeds_the_people_and_site_pages_by_its_kind() {
    // The records of fixture(), as if made with a programme's assessment
    // under another id (kind: needs_assessment).
    let mut own = builtin::form(FormKind::NeedsAssessment).unwrap();
    own.id = "karaoke_outreach".into();
    let records: Vec<_> = fixture()
        .into_iter()
        .map(|mut r| {
            if r.form_id == ASSESSMENT {
                r.form_id = own.id.clone();
            }
            r
        })
        .collect();
    let with_own = {
        let mut forms = builtin::forms();
        forms.push(own.clone());
        FormKinds::of(&forms)
    };
    assert_eq!(
        inventory(&records, &with_own, None, &own, wib()).assessed,
        3
    );
    assert_eq!(sites(&records, &with_own), vec!["KDR-A", "KDR-B"]);
    let h = history(&records, &with_own, &code(1), wib()).unwrap();
    assert!(h.assessment.is_some());
    // Without its form on the phone the id means nothing to the reports.
    assert_eq!(inventory(&records, &kinds(), None, &own, wib()).assessed, 0);
    assert!(history(&records, &kinds(), &code(1), wib())
        .unwrap()
        .assessment
        .is_none());
}

#[test]
fn the_csv_of_a_form_over_two_versions_has_every_question_and_the_codebook_says_which_version_asks_it(
) {
    let version = |v: u32, question: &str| -> FormDef {
        serde_json::from_value(serde_json::json!({
            "id": "karaoke_outreach", "version": v,
            "title": {"id": "Karaoke", "en": "Karaoke"},
            "sections": [{"id": "main", "title": {"id": "Utama", "en": "Main"}, "questions": [
                {"id": "skill", "type": "text", "label": {"id": "Keahlian", "en": "Skill"}},
                {"id": question, "type": "integer", "label": {"id": question, "en": question}}
            ]}]
        }))
        .unwrap()
    };
    let v1 = version(1, "hours_v1");
    let v2 = version(2, "children");
    let record = |n: u128, form: &FormDef, q: &str, value: i64| {
        let mut r = Record::new_draft(Uuid::from_u128(n), form, None, at(10, 1)).unwrap();
        r.set_answer(form, "skill", Some(Text("jahit".into())), at(10, 1))
            .unwrap();
        r.set_answer(form, q, Some(Integer(value)), at(10, 1))
            .unwrap();
        r.status = RecordStatus::Final;
        r
    };
    let a = record(1, &v1, "hours_v1", 6);
    let b = record(2, &v2, "children", 2);
    let files = form_files(&[&v1, &v2], &[&a, &b]);
    let rows = parse_csv(&files[0].bytes);
    let col = |name: &str| {
        rows[0]
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(rows[1][col("form_version")], "1");
    assert_eq!(rows[2][col("form_version")], "2");
    assert_eq!(rows[1][col("hours_v1")], "6");
    assert_eq!(rows[2][col("hours_v1")], "");
    assert_eq!(rows[2][col("children")], "2");
    assert_eq!(rows[1][col("children")], "");
    // The newest version's questions come first.
    assert!(col("children") < col("hours_v1"));

    let book = parse_csv(&codebook(&[&v1, &v2]).bytes);
    let versions_of = |column: &str| -> Vec<String> {
        book.iter()
            .filter(|r| r.get(3).map(String::as_str) == Some(column))
            .map(|r| r[1].clone())
            .collect()
    };
    assert_eq!(versions_of("skill"), ["1", "2"]);
    assert_eq!(versions_of("hours_v1"), ["1"]);
    assert_eq!(versions_of("children"), ["2"]);
}

#[test]
fn any_form_gets_a_summary_per_question_by_site_and_date() {
    use jangkau::report::summary::{summary, Filter, Tally};
    let form: FormDef = serde_json::from_value(serde_json::json!({
        "id": "street_outreach", "version": 1,
        "title": {"id": "Jalanan", "en": "Street"},
        "sections": [{"id": "main", "title": {"id": "Utama", "en": "Main"}, "questions": [
            {"id": "site_code", "type": "text", "role": "site", "label": {"id": "Lokasi", "en": "Site"}},
            {"id": "met_on", "type": "date", "label": {"id": "Tanggal", "en": "Date"}},
            {"id": "skill", "type": "single_choice", "label": {"id": "Keahlian", "en": "Skill"},
             "choices": [{"code": "sewing", "label": {"id": "Menjahit", "en": "Sewing"}},
                         {"code": "cooking", "label": {"id": "Memasak", "en": "Cooking"}},
                         {"code": "salon", "label": {"id": "Salon", "en": "Salon"}}]},
            {"id": "mood", "type": "scale", "label": {"id": "Suasana hati", "en": "Mood"}},
            {"id": "children", "type": "integer", "label": {"id": "Anak", "en": "Children"}},
            {"id": "has_phone", "type": "yes_no", "label": {"id": "Punya HP", "en": "Has a phone"}},
            {"id": "notes", "type": "long_text", "label": {"id": "Catatan", "en": "Notes"}}
        ]}]
    }))
    .unwrap();
    let make = |n: u128, site: &str, day: u32, skill: &str, mood: u8, children: Option<i64>| {
        let when = at(11, day);
        let mut r = Record::new_draft(Uuid::from_u128(n), &form, None, when).unwrap();
        r.set_answer(&form, "site_code", Some(Text(site.into())), when)
            .unwrap();
        r.set_answer(&form, "skill", Some(Choice(skill.into())), when)
            .unwrap();
        r.set_answer(&form, "mood", Some(Scale(mood)), when)
            .unwrap();
        if let Some(c) = children {
            r.set_answer(&form, "children", Some(Integer(c)), when)
                .unwrap();
        }
        r.set_answer(&form, "has_phone", Some(Bool(n.is_multiple_of(2))), when)
            .unwrap();
        r.set_answer(&form, "notes", Some(Text("rahasia".into())), when)
            .unwrap();
        r.status = RecordStatus::Final;
        r
    };
    let mut draft = make(9, "JLN-A", 3, "salon", 5, Some(9));
    draft.status = RecordStatus::Draft;
    let records = vec![
        make(1, "JLN-A", 1, "sewing", 4, Some(2)),
        make(2, "JLN-A", 2, "sewing", 2, Some(1)),
        make(3, "JLN-B", 5, "cooking", 4, None),
        draft,
    ];
    let all = summary(&records, &[&form], &Filter::default(), wib());
    assert_eq!(all.records, 3, "drafts never count");
    let tally = |s: &jangkau::report::summary::Summary, id: &str| {
        s.questions
            .iter()
            .find(|q| q.question.id == id)
            .unwrap()
            .tally
            .clone()
    };
    assert_eq!(
        tally(&all, "skill"),
        Tally::Counts(vec![
            ("sewing".into(), 2),
            ("cooking".into(), 1),
            ("salon".into(), 0)
        ])
    );
    assert_eq!(
        tally(&all, "mood"),
        Tally::Scale(vec![(1, 0), (2, 1), (3, 0), (4, 2), (5, 0)])
    );
    assert_eq!(
        tally(&all, "children"),
        Tally::Numbers {
            count: 2,
            sum: 3.0,
            median: Some(1.5)
        }
    );
    assert_eq!(
        tally(&all, "has_phone"),
        Tally::Counts(vec![("yes".into(), 1), ("no".into(), 2)])
    );
    // Free text is counted, never shown.
    assert_eq!(tally(&all, "notes"), Tally::Answered);
    assert_eq!(
        all.questions
            .iter()
            .find(|q| q.question.id == "notes")
            .unwrap()
            .answered,
        3
    );

    let site_a = summary(
        &records,
        &[&form],
        &Filter {
            site: Some("JLN-A".into()),
            ..Filter::default()
        },
        wib(),
    );
    assert_eq!(site_a.records, 2);
    let early = summary(
        &records,
        &[&form],
        &Filter {
            from: Some(day(11, 2)),
            to: Some(day(11, 4)),
            ..Filter::default()
        },
        wib(),
    );
    assert_eq!(early.records, 1);
    assert_eq!(
        tally(&early, "children"),
        Tally::Numbers {
            count: 1,
            sum: 1.0,
            median: Some(1.0)
        }
    );
}

#[test]
fn a_programme_form_with_its_own_question_ids_feeds_the_reports_through_roles() {
    // The built-in assessment with every question renamed, each carrying
    // the role its old id played.
    let builtin_form = builtin::form(FormKind::NeedsAssessment).unwrap();
    let mut own = builtin_form.clone();
    own.id = "opsi_assessment".into();
    let renamed = |id: &str| format!("opsi_{id}");
    for section in &mut own.sections {
        for q in &mut section.questions {
            let role = Role::WELLBEING
                .into_iter()
                .chain([
                    Role::WantsChange,
                    Role::TrainingWanted,
                    Role::CapitalNeeded,
                    Role::RiskOfReturning,
                ])
                .find(|r| r.default_id() == q.id);
            if let Some(role) = role {
                q.role = Some(role);
                q.id = renamed(&q.id);
            }
        }
    }
    // Renaming left the skip logic pointing at the old ids: only the
    // reports are under test here, so the form is not re-checked.
    let records: Vec<Record> = fixture()
        .into_iter()
        .map(|mut r| {
            if r.form_id == ASSESSMENT {
                r.form_id = own.id.clone();
                r.answers.values = std::mem::take(&mut r.answers.values)
                    .into_iter()
                    .map(|(k, v)| {
                        let moved = own.question(&renamed(&k)).is_some();
                        (if moved { renamed(&k) } else { k }, v)
                    })
                    .collect();
            }
            r
        })
        .collect();
    let mut forms = builtin::forms();
    forms.push(own.clone());
    let with_own = FormKinds::of(&forms);
    let theirs = inventory(&records, &with_own, None, &own, wib());
    let ours = inventory(&fixture(), &kinds(), None, &builtin_form, wib());
    assert_eq!(theirs.assessed, ours.assessed);
    assert_eq!(theirs.wants_change, ours.wants_change);
    assert_eq!(theirs.training, ours.training);
    assert_eq!(theirs.capital, ours.capital);
    let h = history(&records, &with_own, &code(1), wib()).unwrap();
    let ours = history(&fixture(), &kinds(), &code(1), wib()).unwrap();
    assert_eq!(
        h.assessment.as_ref().unwrap().wants_change,
        ours.assessment.as_ref().unwrap().wants_change
    );
    assert_eq!(
        h.assessment.unwrap().training,
        ours.assessment.unwrap().training
    );
}
