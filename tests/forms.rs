//! Form definitions, answers and records: the built-in forms, broken definitions, bad input, skip logic, consent and record life.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jangkau::model::answer::{clean_text, parse_input, AnswerError, AnswerValue, GeoPoint};
use jangkau::model::builtin;
use jangkau::model::consent::{gate, Consent, ConsentError, Purpose};
use jangkau::model::form::FormKind;
use jangkau::model::form::{FormDef, FormError, QuestionType};
use jangkau::model::language::Language;
use jangkau::model::participant_code::ParticipantCode;
use jangkau::model::record::{Record, RecordError, RecordStatus};
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap()
}

fn today() -> NaiveDate {
    now().date_naive()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

// ---------- built-in forms ----------

#[test]
fn every_built_in_form_parses_and_checks_clean() {
    for kind in builtin::KINDS {
        let form = builtin::form(kind).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(form.kind, kind, "{}", form.id);
        assert!(form.version >= 1);
    }
    let consent = builtin::consent_text().unwrap();
    let purposes: BTreeSet<_> = consent.purposes.iter().map(|p| p.purpose).collect();
    assert_eq!(purposes, Purpose::ALL.into_iter().collect());
    assert!(consent.text.blank_languages().is_empty());
    assert_eq!(consent.check(), Vec::<String>::new());
}

fn choice_codes(form: &FormDef, question: &str) -> Vec<String> {
    form.question(question)
        .unwrap_or_else(|| panic!("{} has no question {question}", form.id))
        .choices
        .iter()
        .map(|c| c.code.clone())
        .collect()
}

#[test]
fn built_in_forms_ask_what_the_field_work_needs() {
    let site = builtin::form(FormKind::SiteVisit).unwrap();
    for q in [
        "site_code",
        "visit_date",
        "location",
        "rooms_count",
        "women_resident",
        "women_non_resident",
        "owners_met",
    ] {
        assert!(site.question(q).is_some(), "site visit lacks {q}");
    }
    assert!(choice_codes(&site, "needs_heard").contains(&"food_cart".to_owned()));
    assert!(
        site.sections.iter().any(|s| s.repeat.is_some()),
        "houses repeat group"
    );
    assert_eq!(
        site.site_question().map(|q| q.id.as_str()),
        Some("site_code")
    );

    let assess = builtin::form(FormKind::NeedsAssessment).unwrap();
    assert!(assess.requires_consent);
    for q in [
        "participant_code",
        "has_ktp",
        "has_bpjs",
        "has_savings_book",
        "work_setting",
        "work_status",
        "wants_change",
        "capital_needed",
        "family_support",
        "referrals_needed",
        "risk_of_returning",
        "next_visit",
    ] {
        assert!(assess.question(q).is_some(), "assessment lacks {q}");
    }
    let training = choice_codes(&assess, "training_wanted");
    for t in [
        "catering", "trading", "salon", "sewing", "crafts", "digital",
    ] {
        assert!(training.contains(&t.to_owned()), "training lacks {t}");
    }
    for aspect in [
        "psychological",
        "social",
        "emotional",
        "financial",
        "spiritual",
    ] {
        let q = assess.question(&format!("wb_{aspect}")).unwrap();
        assert_eq!(q.kind, QuestionType::Scale);
        assert_eq!(q.scale_range(), (1.0, 5.0));
    }
    assert_eq!(
        choice_codes(&assess, "referrals_needed"),
        ["health", "counselling", "legal_aid", "shelter", "none"]
    );

    let follow = builtin::form(FormKind::FollowUp).unwrap();
    assert!(choice_codes(&follow, "contact_kind").contains(&"capital_disbursement".to_owned()));
    assert_eq!(
        choice_codes(&follow, "business_state"),
        ["running", "growing", "struggling", "stopped"]
    );
    assert!(follow.participant_question().is_some());
}

#[test]
fn built_in_wording_is_respectful() {
    // DOMAIN.md: never moralising terms.
    for file in ["site_visit", "needs_assessment", "follow_up", "consent"] {
        let text =
            std::fs::read_to_string(format!("{}/forms/{file}.json", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .to_lowercase();
        for word in ["maksiat", "susila", "pelacur", "psk", "prostitute", "whore"] {
            assert!(!text.contains(word), "{file}.json uses {word:?}");
        }
    }
}

// ---------- broken definitions ----------

fn problems(json: &str) -> Vec<String> {
    match FormDef::parse(json) {
        Ok(_) => panic!("accepted a broken form"),
        Err(e) => e.problems().iter().map(ToString::to_string).collect(),
    }
}

const GOOD: &str = r#"{
  "id": "mini", "version": 1, "title": {"id": "Mini", "en": "Mini"},
  "sections": [{"id": "s", "title": {"id": "S", "en": "S"}, "questions": [
    {"id": "a", "type": "yes_no", "label": {"id": "A", "en": "A"}},
    {"id": "b", "type": "text", "label": {"id": "B", "en": "B"}, "show_if": {"question": "a", "equals": true}}
  ]}]
}"#;

#[test]
fn a_good_small_form_parses() {
    let form = FormDef::parse(GOOD).unwrap();
    assert_eq!(form.questions().count(), 2);
}

#[test]
fn syntax_errors_name_the_path() {
    let err = FormDef::parse(&GOOD.replace(r#""type": "text""#, r#""type": "essay""#)).unwrap_err();
    let FormError::Syntax(p) = &err else {
        panic!("{err}")
    };
    assert_eq!(p.path, "sections[0].questions[1].type");
    let err = FormDef::parse(&GOOD.replace(
        r#""label": {"id": "A", "en": "A"}"#,
        r#""label": {"id": "A", "en": "A"}, "requried": true"#,
    ))
    .unwrap_err();
    assert!(err.to_string().contains("requried"), "{err}");
    assert!(matches!(
        FormDef::parse("not json"),
        Err(FormError::Syntax(_))
    ));
    assert!(matches!(FormDef::parse(""), Err(FormError::Syntax(_))));
    assert!(
        matches!(
            FormDef::parse(&"[".repeat(10_000)),
            Err(FormError::Syntax(_))
        ),
        "deep nesting is an error, not a crash"
    );
}

#[test]
fn every_semantic_problem_is_reported_with_its_path() {
    let broken = r#"{
      "id": "Bad Id", "version": 0, "title": {"id": "", "en": "T"},
      "sections": [
        {"id": "s", "title": {"id": "S", "en": "S"}, "show_if": {"question": "a", "equals": true}, "questions": [
          {"id": "a", "type": "yes_no", "label": {"id": "A", "en": "A"}, "show_if": {"question": "a", "answered": true}},
          {"id": "a", "type": "single_choice", "label": {"id": "A", "en": "A"}, "choices": []},
          {"id": "c", "type": "text", "label": {"id": "C", "en": "C"}, "show_if": {"question": "zzz", "equals": "x"}},
          {"id": "d", "type": "text", "label": {"id": "D", "en": "D"}, "show_if": {"question": "e", "equals": "x"}},
          {"id": "e", "type": "integer", "label": {"id": "E", "en": "E"}, "min": 5, "max": 1, "choices": [{"code": "x", "label": {"id": "X", "en": "X"}}]},
          {"id": "f", "type": "multiple_choice", "label": {"id": "F", "en": "F"},
           "choices": [{"code": "x", "label": {"id": "X", "en": "X"}}, {"code": "x", "label": {"id": "Y", "en": "Y"}}]},
          {"id": "g", "type": "text", "label": {"id": "G", "en": "G"}, "show_if": {"question": "f", "includes": "nope"}},
          {"id": "h", "type": "text", "label": {"id": "H", "en": "H"}, "show_if": {"question": "a", "equals": true, "at_least": 1}},
          {"id": "i", "type": "note", "label": {"id": "I", "en": "I"}, "required": true}
        ]}
      ]
    }"#;
    let found = problems(broken);
    let expect = [
        "id: \"Bad Id\" is not a valid id",
        "version: must be 1 or more",
        "title.id: text is empty",
        "sections[0].show_if: refers to \"a\", which comes later",
        "sections[0].questions[0].show_if: refers to its own question \"a\" (a cycle)",
        "sections[0].questions[1].choices: choice list is empty",
        "sections[0].questions[1].id: duplicate question id \"a\"",
        "sections[0].questions[2].show_if: refers to unknown question \"zzz\"",
        "sections[0].questions[3].show_if: refers to \"e\", which comes later",
        "sections[0].questions[4]: min is greater than max",
        "sections[0].questions[4].choices: choices does not apply to a integer question",
        "sections[0].questions[5].choices[1].code: duplicate choice \"x\"",
        "sections[0].questions[6].show_if: \"nope\" is not a choice of \"f\"",
        "sections[0].questions[7].show_if: a test needs exactly one of",
        "sections[0].questions[8].required: a note question takes no answer",
    ];
    for e in expect {
        assert!(
            found.iter().any(|f| f.starts_with(e)),
            "missing problem {e:?} in {found:#?}"
        );
    }
}

#[test]
fn a_two_question_cycle_is_rejected() {
    let cycle = r#"{
      "id": "cyc", "version": 1, "title": {"id": "T", "en": "T"},
      "sections": [{"id": "s", "title": {"id": "S", "en": "S"}, "questions": [
        {"id": "a", "type": "yes_no", "label": {"id": "A", "en": "A"}, "show_if": {"question": "b", "equals": true}},
        {"id": "b", "type": "yes_no", "label": {"id": "B", "en": "B"}, "show_if": {"question": "a", "equals": true}}
      ]}]
    }"#;
    let found = problems(cycle);
    assert!(
        found
            .iter()
            .any(|p| p.contains("comes later") && p.contains("cycles")),
        "{found:?}"
    );
}

#[test]
fn repeat_groups_are_checked() {
    let json = r#"{
      "id": "rep", "version": 1, "title": {"id": "T", "en": "T"},
      "sections": [
        {"id": "houses", "title": {"id": "R", "en": "H"}, "repeat": {"min": 3, "max": 2, "item_label": {"id": "R", "en": "H"}},
         "questions": [{"id": "rooms", "type": "integer", "label": {"id": "K", "en": "R"}}]},
        {"id": "after", "title": {"id": "S", "en": "S"}, "questions": [
          {"id": "x", "type": "text", "label": {"id": "X", "en": "X"}, "show_if": {"question": "rooms", "at_least": 1}}
        ]}
      ]
    }"#;
    let found = problems(json);
    assert!(
        found.iter().any(|p| p.starts_with("sections[0].repeat")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|p| p.contains("inside a repeat group")),
        "{found:?}"
    );
}

// ---------- answers and bad input ----------

fn question(form: &FormDef, id: &str) -> jangkau::model::form::Question {
    form.question(id).unwrap().clone()
}

#[test]
fn typed_input_becomes_values_or_clear_errors() {
    let site = builtin::form(FormKind::SiteVisit).unwrap();
    let rooms = question(&site, "rooms_count");
    assert_eq!(
        parse_input(&rooms, " 12 "),
        Ok(Some(AnswerValue::Integer(12)))
    );
    assert_eq!(
        parse_input(&rooms, "1.200"),
        Ok(Some(AnswerValue::Integer(1200))),
        "Indonesian thousands separator"
    );
    assert_eq!(parse_input(&rooms, ""), Ok(None));
    assert_eq!(parse_input(&rooms, "abc"), Err(AnswerError::NotANumber));
    assert_eq!(parse_input(&rooms, "2,5"), Err(AnswerError::NotAnInteger));
    assert_eq!(
        parse_input(&rooms, "2.5"),
        Err(AnswerError::NotAnInteger),
        "never read as 25"
    );
    assert_eq!(
        parse_input(&rooms, "12.500.000"),
        Ok(Some(AnswerValue::Integer(12_500_000)))
    );
    assert_eq!(
        parse_input(&rooms, "1 200"),
        Ok(Some(AnswerValue::Integer(1200)))
    );
    assert_eq!(
        parse_input(&rooms, "-4"),
        Ok(Some(AnswerValue::Integer(-4)))
    );
    assert_eq!(parse_input(&rooms, "1.20"), Err(AnswerError::NotAnInteger));
    assert_eq!(parse_input(&rooms, "1..200"), Err(AnswerError::NotANumber));
    assert_eq!(
        parse_input(&rooms, "99999999999999999999999"),
        Err(AnswerError::NotAnInteger)
    );

    let date = question(&site, "visit_date");
    assert_eq!(
        parse_input(&date, "2026-11-20"),
        Ok(Some(AnswerValue::Date(
            NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
        )))
    );
    assert_eq!(
        parse_input(&date, "2026-02-30"),
        Err(AnswerError::ImpossibleDate)
    );
    assert_eq!(
        parse_input(&date, "kemarin"),
        Err(AnswerError::ImpossibleDate)
    );

    let code = question(
        &builtin::form(FormKind::FollowUp).unwrap(),
        "participant_code",
    );
    let good = ParticipantCode::from_random([3, 1, 4, 1, 5, 9]).to_string();
    assert_eq!(
        parse_input(&code, &good.to_lowercase()),
        Ok(Some(AnswerValue::Code(good)))
    );
    assert_eq!(parse_input(&code, "ABCD-EFG"), Err(AnswerError::BadCode));
}

#[test]
fn decimals_accept_a_comma_and_refuse_non_numbers() {
    let form = FormDef::parse(r#"{"id": "d", "version": 1, "title": {"id": "D", "en": "D"}, "sections": [{"id": "s", "title": {"id": "S", "en": "S"},
        "questions": [{"id": "w", "type": "decimal", "label": {"id": "W", "en": "W"}, "min": 0, "max": 10}]}]}"#).unwrap();
    let w = question(&form, "w");
    assert_eq!(parse_input(&w, "2,5"), Ok(Some(AnswerValue::Decimal(2.5))));
    for bad in ["NaN", "inf", "1e400", "-infinity", "x"] {
        assert_eq!(parse_input(&w, bad), Err(AnswerError::NotANumber), "{bad}");
    }
    assert_eq!(
        jangkau::model::answer::check(&w, &AnswerValue::Decimal(11.0), today()),
        Err(AnswerError::AboveMax { max: 10.0 })
    );
}

#[test]
fn huge_pastes_control_characters_html_and_emoji() {
    let site = builtin::form(FormKind::SiteVisit).unwrap();
    let notes = question(&site, "notes");
    let megabyte = "x".repeat(1 << 20);
    assert_eq!(
        parse_input(&notes, &megabyte),
        Err(AnswerError::TooLong { max: 4000 })
    );

    let cleaned = parse_input(&notes, "baris\u{0}satu\r\nbaris\u{7}dua\t!").unwrap();
    assert_eq!(
        cleaned,
        Some(AnswerValue::Text("barissatu\nbarisdua !".into()))
    );
    let single = question(&site, "team");
    assert_eq!(
        parse_input(&single, "a\nb").unwrap(),
        Some(AnswerValue::Text("ab".into()))
    );

    // Markup is kept as text (the UI renders it inert), emoji survive.
    let html = "<script>alert(1)</script> <b>hai</b> 🙂";
    assert_eq!(
        parse_input(&single, html).unwrap(),
        Some(AnswerValue::Text(html.into()))
    );
    // Invisible formatting characters go with the control characters.
    assert_eq!(clean_text("  \u{200B}ok\u{1b}[0m  ", false), "ok[0m");
}

#[test]
fn constraints_use_today_passed_in() {
    let site = builtin::form(FormKind::SiteVisit).unwrap();
    let date = question(&site, "visit_date");
    let tomorrow = today().succ_opt().unwrap();
    assert_eq!(
        jangkau::model::answer::check(&date, &AnswerValue::Date(tomorrow), today()),
        Err(AnswerError::DateTooLate { max: today() })
    );
    assert!(
        date.message.is_some(),
        "the form's own message replaces the built-in one"
    );
    let gps = question(&site, "location");
    let bad = AnswerValue::Gps(GeoPoint {
        lat: 91.0,
        lon: 0.0,
        accuracy_m: 5.0,
    });
    assert_eq!(
        jangkau::model::answer::check(&gps, &bad, today()),
        Err(AnswerError::BadLocation)
    );
}

// ---------- consent ----------

fn consent(purposes: &[Purpose]) -> Consent {
    let text = builtin::consent_text().unwrap();
    Consent::record(
        &text,
        Language::Indonesian,
        purposes.iter().copied().collect(),
        "Pendamping R.",
        now(),
    )
    .unwrap()
}

#[test]
fn no_consent_no_assessment() {
    let assess = builtin::form(FormKind::NeedsAssessment).unwrap();
    assert_eq!(
        Record::new_draft(id(1), &assess, None, now()).unwrap_err(),
        RecordError::Consent(ConsentError::Missing)
    );
    assert_eq!(
        gate(&assess, Some(&consent(&[Purpose::Referral]))),
        Err(ConsentError::AssessmentNotAgreed)
    );
    let mut given = consent(&[Purpose::Assessment, Purpose::FollowUpContact]);
    assert!(Record::new_draft(id(2), &assess, Some(given.clone()), now()).is_ok());
    given.withdraw(now());
    assert_eq!(gate(&assess, Some(&given)), Err(ConsentError::Withdrawn));
    assert!(!given.allows(Purpose::FollowUpContact));
    // The site visit needs no individual consent.
    assert!(Record::new_draft(
        id(3),
        &builtin::form(FormKind::SiteVisit).unwrap(),
        None,
        now()
    )
    .is_ok());
}

#[test]
fn consent_needs_who_asked() {
    let text = builtin::consent_text().unwrap();
    let all: BTreeSet<_> = Purpose::ALL.into_iter().collect();
    assert_eq!(
        Consent::record(&text, Language::English, all.clone(), " \u{0} ", now()),
        Err(ConsentError::AskedByMissing)
    );
    assert!(matches!(
        Consent::record(&text, Language::English, all, &"x".repeat(101), now()),
        Err(ConsentError::AskedByTooLong { .. })
    ));
}

// ---------- records ----------

fn filled_site_visit() -> (FormDef, Record) {
    let form = builtin::form(FormKind::SiteVisit).unwrap();
    let mut r = Record::new_draft(id(10), &form, None, now()).unwrap();
    r.set_answer(
        &form,
        "site_code",
        Some(AnswerValue::Text("KDR-CERME".into())),
        now(),
    )
    .unwrap();
    r.set_answer(&form, "visit_date", Some(AnswerValue::Date(today())), now())
        .unwrap();
    r.set_answer(
        &form,
        "site_active",
        Some(AnswerValue::Choice("partly".into())),
        now(),
    )
    .unwrap();
    (form, r)
}

#[test]
fn a_draft_is_finalised_only_when_valid() {
    let form = builtin::form(FormKind::SiteVisit).unwrap();
    let mut r = Record::new_draft(id(10), &form, None, now()).unwrap();
    let Err(RecordError::Invalid(errors)) = r.finalize(&form, today(), now()) else {
        panic!("finalised an empty record")
    };
    let missing: BTreeSet<_> = errors.iter().map(|e| e.question.as_str()).collect();
    assert_eq!(
        missing,
        BTreeSet::from(["site_code", "visit_date", "site_active"])
    );
    assert!(errors.iter().all(|e| e.error == AnswerError::Required));
    assert_eq!(r.status, RecordStatus::Draft);

    let (form, mut r) = filled_site_visit();
    r.set_answer(&form, "rooms_count", Some(AnswerValue::Integer(-3)), now())
        .unwrap();
    let Err(RecordError::Invalid(errors)) = r.finalize(&form, today(), now()) else {
        panic!()
    };
    assert_eq!(errors[0].error, AnswerError::BelowMin { min: 0.0 });
    assert_eq!(
        r.answers.values.get("rooms_count"),
        Some(&AnswerValue::Integer(-3)),
        "nothing typed is lost"
    );

    r.set_answer(&form, "rooms_count", Some(AnswerValue::Integer(12)), now())
        .unwrap();
    r.finalize(&form, today(), now()).unwrap();
    assert_eq!(r.status, RecordStatus::Final);
    assert_eq!(r.site.as_deref(), Some("KDR-CERME"));
}

#[test]
fn wrong_types_and_unknown_questions_are_refused() {
    let (form, mut r) = filled_site_visit();
    assert_eq!(
        r.set_answer(
            &form,
            "rooms_count",
            Some(AnswerValue::Text("dua".into())),
            now()
        ),
        Err(RecordError::Answer(AnswerError::WrongType))
    );
    assert_eq!(
        r.set_answer(&form, "no_such", Some(AnswerValue::Bool(true)), now()),
        Err(RecordError::UnknownQuestion("no_such".into()))
    );
    let other = builtin::form(FormKind::FollowUp).unwrap();
    assert!(matches!(
        r.set_answer(&other, "visit_date", None, now()),
        Err(RecordError::WrongForm { .. })
    ));
}

#[test]
fn final_records_are_read_only_and_revisions_supersede() {
    let (form, mut r) = filled_site_visit();
    r.finalize(&form, today(), now()).unwrap();
    assert_eq!(
        r.set_answer(&form, "rooms_count", Some(AnswerValue::Integer(1)), now()),
        Err(RecordError::ReadOnly(RecordStatus::Final))
    );
    let later = now() + chrono::Duration::hours(2);
    let mut v2 = r.revise(id(11), later).unwrap();
    assert_eq!(v2.supersedes, Some(r.id));
    assert_eq!(v2.status, RecordStatus::Draft);
    assert_eq!(v2.answers, r.answers);
    v2.set_answer(&form, "rooms_count", Some(AnswerValue::Integer(7)), later)
        .unwrap();
    assert_eq!(
        r.answers.values.get("rooms_count"),
        None,
        "the original is untouched"
    );
    assert!(
        v2.revise(id(12), later).is_err(),
        "a draft is edited in place"
    );

    assert_eq!(v2.mark_sent(later), Err(RecordError::NotFinal));
    r.mark_sent(later).unwrap();
    assert_eq!(r.status, RecordStatus::Sent);
    assert!(!r.deletable());
}

/// Answers every required question of the assessment but the companion's
/// last one (`risk_of_returning`).
fn answer_all_but_the_last_required(form: &FormDef, r: &mut Record, code: &ParticipantCode) {
    let mut set = |q: &str, v: AnswerValue| r.set_answer(form, q, Some(v), now()).unwrap();
    set("participant_code", AnswerValue::Code(code.to_string()));
    set("age_band", AnswerValue::Choice("age_25_34".into()));
    for q in ["has_ktp", "has_bpjs", "has_savings_book"] {
        set(q, AnswerValue::Bool(true));
    }
    set("work_status", AnswerValue::Choice("transitioning".into()));
    set("wants_change", AnswerValue::Choice("yes".into()));
    for a in [
        "psychological",
        "social",
        "emotional",
        "financial",
        "spiritual",
    ] {
        set(&format!("wb_{a}"), AnswerValue::Scale(3));
    }
}

#[test]
fn finalising_drops_answers_to_questions_that_no_longer_apply() {
    let text = builtin::consent_text().unwrap();
    let form = builtin::form(FormKind::NeedsAssessment).unwrap();
    let consent = Consent::record(
        &text,
        Language::Indonesian,
        Purpose::ALL.into_iter().collect(),
        "R",
        now(),
    )
    .unwrap();
    let mut r = Record::new_draft(id(20), &form, Some(consent), now()).unwrap();
    let code = ParticipantCode::from_random([7, 7, 7, 7, 7, 8]);
    answer_all_but_the_last_required(&form, &mut r, &code);
    let set =
        |r: &mut Record, q: &str, v: AnswerValue| r.set_answer(&form, q, Some(v), now()).unwrap();
    set(
        &mut r,
        "training_wanted",
        AnswerValue::Choices(vec!["catering".into()]),
    );
    set(
        &mut r,
        "risk_of_returning",
        AnswerValue::Choice("medium".into()),
    );
    // She changes her mind: the training question no longer applies.
    set(&mut r, "wants_change", AnswerValue::Choice("no".into()));
    assert!(
        r.answers.values.contains_key("training_wanted"),
        "the draft keeps it in case she changes back"
    );
    r.finalize(&form, today(), now()).unwrap();
    assert!(!r.answers.values.contains_key("training_wanted"));
    assert_eq!(r.participant_code, Some(code));
}

#[test]
fn what_is_left_names_the_first_section_still_needing_an_answer() {
    let form = builtin::form(FormKind::NeedsAssessment).unwrap();
    let section = |id: &str| form.sections.iter().position(|s| s.id == id);
    let mut r =
        Record::new_draft(id(21), &form, Some(consent(&[Purpose::Assessment])), now()).unwrap();
    let empty = form.remaining(&r.answers, today());
    assert_eq!(empty.first_section, Some(0));
    assert_eq!(empty.count, form.validate(&r.answers, today()).len());
    assert!(empty.count > 10, "every required answer is missing");

    let code = ParticipantCode::from_random([1, 2, 3, 4, 5, 6]);
    answer_all_but_the_last_required(&form, &mut r, &code);
    let set = |r: &mut Record, q: &str, v: AnswerValue| {
        r.set_answer(&form, q, Some(v), now()).unwrap();
    };
    // Only the companion's judgement is left: the optional support
    // section before it can be skipped.
    let left = form.remaining(&r.answers, today());
    assert_eq!(left.count, 1);
    assert_eq!(left.first_section, section("companion"));
    assert!(section("support").unwrap() < section("companion").unwrap());

    // A refused answer counts too, in its own section.
    set(&mut r, "dependants", AnswerValue::Integer(-1));
    let left = form.remaining(&r.answers, today());
    assert_eq!(
        (left.count, left.first_section),
        (2, section("participant"))
    );

    set(&mut r, "dependants", AnswerValue::Integer(2));
    set(
        &mut r,
        "risk_of_returning",
        AnswerValue::Choice("low".into()),
    );
    assert_eq!(form.remaining(&r.answers, today()), Default::default());
    r.finalize(&form, today(), now()).unwrap();
}

#[test]
fn withdrawal_marks_for_deletion() {
    let text = builtin::consent_text().unwrap();
    let form = builtin::form(FormKind::NeedsAssessment).unwrap();
    let consent = Consent::record(
        &text,
        Language::Indonesian,
        [Purpose::Assessment].into(),
        "R",
        now(),
    )
    .unwrap();
    let mut r = Record::new_draft(id(30), &form, Some(consent), now()).unwrap();
    r.withdraw_consent(now());
    assert!(r.marked_for_deletion);
    assert!(r.consent.as_ref().unwrap().is_withdrawn());
    assert!(r.deletable());
    assert!(matches!(
        r.finalize(&form, today(), now()),
        Err(RecordError::Consent(ConsentError::Withdrawn))
    ));
}

#[test]
fn records_round_trip_through_json() {
    let (form, mut r) = filled_site_visit();
    let mut houses = std::collections::BTreeMap::new();
    houses.insert("house_label".to_owned(), AnswerValue::Text("No. 3".into()));
    r.answers.repeats.insert("houses".into(), vec![houses]);
    r.finalize(&form, today(), now()).unwrap();
    let json = serde_json::to_string(&r).unwrap();
    let back: Record = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
}

#[test]
fn repeat_items_are_added_answered_checked_and_removed() {
    let (form, mut r) = filled_site_visit();
    let first = r.add_item(&form, "houses", now()).unwrap();
    let second = r.add_item(&form, "houses", now()).unwrap();
    assert_eq!((first, second), (0, 1));
    r.set_item_answer(
        &form,
        "houses",
        1,
        "house_rooms",
        Some(AnswerValue::Integer(4)),
        now(),
    )
    .unwrap();
    assert_eq!(
        r.set_item_answer(
            &form,
            "houses",
            5,
            "house_rooms",
            Some(AnswerValue::Integer(4)),
            now()
        ),
        Err(RecordError::NoSuchItem(5))
    );
    assert_eq!(
        r.add_item(&form, "visit", now()),
        Err(RecordError::NotARepeat("visit".into()))
    );
    // Both items lack the required house marker.
    let Err(RecordError::Invalid(errors)) = r.clone().finalize(&form, today(), now()) else {
        panic!()
    };
    assert_eq!(
        errors
            .iter()
            .filter(|e| e.question == "house_label")
            .map(|e| e.item)
            .collect::<Vec<_>>(),
        vec![Some(0), Some(1)]
    );
    r.remove_item("houses", 0, now()).unwrap();
    r.set_item_answer(
        &form,
        "houses",
        0,
        "house_label",
        Some(AnswerValue::Text("No. 7".into())),
        now(),
    )
    .unwrap();
    r.finalize(&form, today(), now()).unwrap();
    let houses = &r.answers.repeats["houses"];
    assert_eq!(houses.len(), 1);
    assert_eq!(
        houses[0].get("house_rooms"),
        Some(&AnswerValue::Integer(4)),
        "the second item moved up intact"
    );
}

#[test]
fn a_repeat_group_cannot_grow_past_its_max() {
    let (form, mut r) = filled_site_visit();
    for _ in 0..50 {
        r.add_item(&form, "houses", now()).unwrap();
    }
    assert_eq!(
        r.add_item(&form, "houses", now()),
        Err(RecordError::GroupFull(50))
    );
}

#[test]
fn patterns_are_checked_when_parsing_and_when_answering() {
    let form = |pattern: &str, kind: &str| {
        format!(
            r#"{{"id": "p", "version": 1, "title": {{"id": "P", "en": "P"}}, "sections": [{{"id": "s", "title": {{"id": "S", "en": "S"}},
            "questions": [{{"id": "phone", "type": "{kind}", "label": {{"id": "HP", "en": "Phone"}}, "pattern": {pattern},
            "message": {{"id": "Nomor HP diawali 08.", "en": "Phone numbers start with 08."}}}}]}}]}}"#
        )
    };
    let ok = FormDef::parse(&form(r#""08[0-9]{8,11}""#, "text")).unwrap();
    let phone = question(&ok, "phone");
    let check =
        |s: &str| jangkau::model::answer::check(&phone, &AnswerValue::Text(s.into()), today());
    assert_eq!(check("081234567890"), Ok(()));
    assert_eq!(check("0812"), Err(AnswerError::PatternMismatch));
    assert_eq!(
        check("x081234567890"),
        Err(AnswerError::PatternMismatch),
        "anchored at the start"
    );
    assert_eq!(
        check("081234567890x"),
        Err(AnswerError::PatternMismatch),
        "anchored at the end"
    );
    assert!(
        AnswerError::PatternMismatch.is_constraint(),
        "the form's own message is shown"
    );

    let bad = problems(&form(r#""08[0-9""#, "text"));
    assert!(
        bad.iter()
            .any(|p| p.starts_with("sections[0].questions[0].pattern: not a valid pattern")),
        "{bad:?}"
    );
    let misplaced = problems(&form(r#""[0-9]+""#, "integer"));
    assert!(
        misplaced
            .iter()
            .any(|p| p.contains("pattern does not apply")),
        "{misplaced:?}"
    );
}

/// Issue 12: a right-to-left override or a zero-width character in a site
/// code made one site look like another ("KDR\u{202E}-01" showed as
/// "KDR10-") and split the site reports.
#[test]
fn site_codes_are_normalised_and_lookalikes_refused() {
    let site = builtin::form(FormKind::SiteVisit).unwrap();
    let code = question(&site, "site_code");
    let text = |s: &str| Ok(Some(AnswerValue::Text(s.into())));
    assert_eq!(parse_input(&code, "KDR\u{202E}-01"), text("KDR-01"));
    assert_eq!(parse_input(&code, "kdr-\u{200B}cerme"), text("KDR-CERME"));
    assert_eq!(parse_input(&code, " kdr  cerme "), text("KDR CERME"));
    // Letters that only look Latin, and dashes that only look like "-".
    for lookalike in ["КDR-CERME", "KDR–CERME", "KDR·CERME", "KDR-CËRME"] {
        assert_eq!(
            parse_input(&code, lookalike),
            Err(AnswerError::BadSiteCode),
            "{lookalike}"
        );
    }
    // Stored as typed by an older build, or in an imported file: refused
    // by the same check the finished record must pass.
    let check =
        |s: &str| jangkau::model::answer::check(&code, &AnswerValue::Text(s.into()), today());
    assert_eq!(check("KDR-CERME"), Ok(()));
    assert_eq!(check("KDR\u{202E}-01"), Err(AnswerError::BadSiteCode));
    assert_eq!(check("kdr-cerme"), Err(AnswerError::BadSiteCode));
    // Free text keeps its letters, but loses the invisible controls.
    let notes = question(&site, "notes");
    assert_eq!(
        parse_input(&notes, "Ibu \u{202E}Wulan\u{200B} ✓"),
        text("Ibu Wulan ✓")
    );
}

/// Issue 16: a finished record's page flattened repeat groups by question,
/// so one could not tell which house had 5 rooms.
#[test]
fn answers_are_grouped_by_section_and_by_repeat_item() {
    let form = builtin::form(FormKind::SiteVisit).unwrap();
    let mut r =
        jangkau::model::record::Record::new_draft(uuid::Uuid::from_u128(1), &form, None, now())
            .unwrap();
    r.set_answer(
        &form,
        "site_code",
        Some(AnswerValue::Text("KDR-A".into())),
        now(),
    )
    .unwrap();
    for (rooms, label) in [(5, "No. 1"), (3, "No. 2")] {
        let n = r.add_item(&form, "houses", now()).unwrap();
        r.set_item_answer(
            &form,
            "houses",
            n,
            "house_label",
            Some(AnswerValue::Text(label.into())),
            now(),
        )
        .unwrap();
        r.set_item_answer(
            &form,
            "houses",
            n,
            "house_rooms",
            Some(AnswerValue::Integer(rooms)),
            now(),
        )
        .unwrap();
    }
    let groups = form.answer_groups(&r.answers);
    let shape: Vec<(String, Option<usize>, Vec<String>)> = groups
        .iter()
        .map(|g| {
            (
                g.section.id.clone(),
                g.item,
                g.answers.iter().map(|(q, _)| q.id.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            ("visit".into(), None, vec!["site_code".into()]),
            (
                "houses".into(),
                Some(0),
                vec!["house_label".into(), "house_rooms".into()]
            ),
            (
                "houses".into(),
                Some(1),
                vec!["house_label".into(), "house_rooms".into()]
            ),
        ]
    );
    assert_eq!(groups[1].answers[1].1, &AnswerValue::Integer(5));
    assert_eq!(groups[2].answers[1].1, &AnswerValue::Integer(3));
}

#[test]
fn roles_fit_their_question_type_appear_once_and_stay_out_of_repeat_groups() {
    let found = problems(
        r#"{
      "id": "roles", "version": 1, "title": {"id": "R", "en": "R"},
      "sections": [
        {"id": "s", "title": {"id": "S", "en": "S"}, "questions": [
          {"id": "mau", "type": "text", "role": "wants_change", "label": {"id": "A", "en": "A"}},
          {"id": "nilai", "type": "scale", "role": "wb_social", "label": {"id": "B", "en": "B"}},
          {"id": "nilai2", "type": "scale", "role": "wb_social", "label": {"id": "C", "en": "C"}}
        ]},
        {"id": "items", "title": {"id": "I", "en": "I"}, "repeat": {"max": 3, "item_label": {"id": "x", "en": "x"}},
         "questions": [
          {"id": "dana", "type": "integer", "role": "capital_needed", "label": {"id": "D", "en": "D"}}
        ]}
      ]}"#,
    );
    let has = |needle: &str| found.iter().any(|p| p.contains(needle));
    assert!(
        has("sections[0].questions[0].role: a text question cannot have the role \"wants_change\""),
        "{found:?}"
    );
    assert!(
        has("sections[0].questions[2].role: only one question may have the role \"wb_social\""),
        "{found:?}"
    );
    assert!(
        has("sections[1].questions[0].role: a question with a role cannot be in a repeat group"),
        "{found:?}"
    );
    assert_eq!(found.len(), 3, "{found:?}");
}
