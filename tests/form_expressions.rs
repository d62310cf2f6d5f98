//! Forms with expressions: relevance, constraints, calculations, choice filters, repeat counts and labels that insert answers, and the checks that refuse broken ones.

use chrono::{NaiveDate, TimeZone, Utc};
use jangkau::model::answer::{AnswerError, AnswerValue, Answers};
use jangkau::model::form::{FormDef, FormError};
use jangkau::model::language::Language;
use jangkau::model::record::{Record, RecordError};
use uuid::Uuid;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
}

fn form(questions: &str, extra_sections: &str) -> Result<FormDef, FormError> {
    FormDef::parse(&format!(
        r#"{{"id": "t", "version": 1, "title": {{"id": "T", "en": "T"}},
            "sections": [{{"id": "main", "title": {{"id": "U", "en": "M"}}, "questions": [{questions}]}}{extra_sections}]}}"#
    ))
}

fn q(id: &str, kind: &str, more: &str) -> String {
    format!(r#"{{"id": "{id}", "type": "{kind}", "label": {{"id": "{id}", "en": "{id}"}}{more}}}"#)
}

fn choices(codes: &[&str]) -> String {
    let list: Vec<String> = codes
        .iter()
        .map(|c| format!(r#"{{"code": "{c}", "label": {{"id": "{c}", "en": "{c}"}}}}"#))
        .collect();
    format!(r#", "choices": [{}]"#, list.join(","))
}

fn answers(pairs: &[(&str, AnswerValue)]) -> Answers {
    let mut a = Answers::default();
    for (k, v) in pairs {
        a.values.insert((*k).into(), v.clone());
    }
    a
}

fn problems(result: Result<FormDef, FormError>) -> Vec<String> {
    result
        .expect_err("the form should be refused")
        .problems()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn relevance_shows_and_hides_questions_and_sections() {
    let f = form(
        &[
            q("age", "integer", ""),
            q(
                "why",
                "text",
                r#", "relevant": "${age} >= 18 and ${age} < 60""#,
            ),
        ]
        .join(","),
        r#", {"id": "adult", "title": {"id": "D", "en": "D"}, "relevant": "${age} >= 18",
             "questions": [{"id": "job", "type": "text", "label": {"id": "J", "en": "J"}}]}"#,
    )
    .unwrap();
    let why = f.question("why").unwrap();
    let shown = |age: i64| {
        f.question_visible(
            why,
            &answers(&[("age", AnswerValue::Integer(age))]),
            None,
            today(),
        )
    };
    assert!(shown(30));
    assert!(!shown(12));
    assert!(!shown(70));
    assert!(!f.question_visible(why, &Answers::default(), None, today()));
    let adult = &f.sections[1];
    assert!(f.section_visible(
        adult,
        &answers(&[("age", AnswerValue::Integer(20))]),
        today()
    ));
    assert!(!f.section_visible(
        adult,
        &answers(&[("age", AnswerValue::Integer(2))]),
        today()
    ));
    // A hidden question's answer does not reach the final record.
    let kept = f.visible_answers(
        &answers(&[
            ("age", AnswerValue::Integer(12)),
            ("why", AnswerValue::Text("x".into())),
        ]),
        today(),
    );
    assert!(!kept.values.contains_key("why"));
}

#[test]
fn constraints_check_the_answer_with_the_forms_message() {
    let f = form(
        &[
            q("visit", "date", r#", "constraint": ". <= today()", "message": {"id": "Tidak boleh di masa depan", "en": "Not in the future"}"#),
            q("children", "integer", r#", "required": true, "required_message": {"id": "Isi jumlah anak", "en": "Give the number"}, "constraint": ". >= 0 and . <= ${household}""#),
            q("household", "integer", ""),
        ]
        .join(","),
        "",
    )
    .unwrap();
    let errors = |a: Answers| -> Vec<(String, AnswerError)> {
        f.validate(&a, today())
            .into_iter()
            .map(|e| (e.question, e.error))
            .collect()
    };
    let tomorrow = today().succ_opt().unwrap();
    assert_eq!(
        errors(answers(&[
            ("visit", AnswerValue::Date(tomorrow)),
            ("children", AnswerValue::Integer(5)),
            ("household", AnswerValue::Integer(3)),
        ])),
        vec![
            ("visit".into(), AnswerError::Constraint),
            ("children".into(), AnswerError::Constraint)
        ]
    );
    assert_eq!(
        errors(answers(&[
            ("visit", AnswerValue::Date(today())),
            ("children", AnswerValue::Integer(2)),
            ("household", AnswerValue::Integer(3)),
        ])),
        vec![]
    );
    assert_eq!(
        errors(Answers::default()),
        vec![("children".into(), AnswerError::Required)]
    );
    assert_eq!(
        f.question("children")
            .unwrap()
            .required_message
            .as_ref()
            .unwrap()
            .en,
        "Give the number"
    );
}

#[test]
fn calculations_are_worked_out_and_kept_at_finish() {
    let f = form(
        &[
            q("born", "date", ""),
            q(
                "age",
                "calculate",
                r#", "calculation": "int((today() - ${born}) div 365.25)""#,
            ),
            q(
                "adult",
                "calculate",
                r#", "calculation": "if(${age} >= 18, 'yes', 'no')""#,
            ),
            q("note", "text", r#", "relevant": "${adult} = 'yes'""#),
            q(
                "shown_age",
                "integer",
                r#", "calculation": "${age}", "read_only": true"#,
            ),
        ]
        .join(","),
        "",
    )
    .unwrap();
    let born = answers(&[(
        "born",
        AnswerValue::Date(NaiveDate::from_ymd_opt(2000, 6, 1).unwrap()),
    )]);
    let age = f.question("age").unwrap();
    assert_eq!(
        f.computed_answer(age, &born, None, today()),
        Some(AnswerValue::Text("26".into()))
    );
    assert!(f.question_visible(f.question("note").unwrap(), &born, None, today()));
    // A calculate question applies but is never shown as a question.
    assert!(!f.question_visible(age, &born, None, today()));

    let now = Utc.with_ymd_and_hms(2026, 12, 2, 3, 0, 0).unwrap();
    let mut r = Record::new_draft(Uuid::from_u128(1), &f, None, now).unwrap();
    r.answers = born;
    r.finalize(&f, today(), now).unwrap();
    assert_eq!(
        r.answers.values.get("age"),
        Some(&AnswerValue::Text("26".into()))
    );
    assert_eq!(
        r.answers.values.get("adult"),
        Some(&AnswerValue::Text("yes".into()))
    );
    assert_eq!(
        r.answers.values.get("shown_age"),
        Some(&AnswerValue::Integer(26))
    );
    // Nothing to work from: the calculation is empty and not kept.
    let mut empty = Record::new_draft(Uuid::from_u128(2), &f, None, now).unwrap();
    empty.finalize(&f, today(), now).unwrap();
    assert!(!empty.answers.values.contains_key("age"));
}

#[test]
fn choice_filters_offer_matching_choices() {
    let filtered = r#", "choices": [
        {"code": "surabaya", "label": {"id": "Surabaya", "en": "Surabaya"}, "filter": {"province": "jatim"}},
        {"code": "malang", "label": {"id": "Malang", "en": "Malang"}, "filter": {"province": "jatim"}},
        {"code": "bandung", "label": {"id": "Bandung", "en": "Bandung"}, "filter": {"province": "jabar"}}
    ], "choice_filter": "province = ${province}""#;
    let f = form(
        &[
            q("province", "single_choice", &choices(&["jatim", "jabar"])),
            q("city", "single_choice", filtered),
        ]
        .join(","),
        "",
    )
    .unwrap();
    let city = f.question("city").unwrap();
    let offered = |p: &str| -> Vec<String> {
        f.offered_choices(
            city,
            &answers(&[("province", AnswerValue::Choice(p.into()))]),
            None,
            today(),
        )
        .into_iter()
        .map(|c| c.code.clone())
        .collect()
    };
    assert_eq!(offered("jatim"), vec!["surabaya", "malang"]);
    assert_eq!(offered("jabar"), vec!["bandung"]);
    let wrong = form(
        &[
            q("province", "single_choice", &choices(&["jatim"])),
            q(
                "city",
                "single_choice",
                &format!(
                    "{}, \"choice_filter\": \"region = ${{province}}\"",
                    choices(&["x"])
                ),
            ),
        ]
        .join(","),
        "",
    );
    assert!(problems(wrong)
        .iter()
        .any(|p| p.contains("choice_filter") && p.contains("\"region\", which no choice has")));
}

#[test]
fn repeat_counts_come_from_answers() {
    let f = form(
        &q("houses", "integer", ""),
        r#", {"id": "house", "title": {"id": "R", "en": "H"},
             "repeat": {"max": 20, "item_label": {"id": "Rumah", "en": "House"}, "count": "${houses}"},
             "questions": [{"id": "rooms", "type": "integer", "label": {"id": "Kamar ${houses}", "en": "Rooms"}}]}"#,
    )
    .unwrap();
    let mut a = answers(&[("houses", AnswerValue::Integer(2))]);
    assert_eq!(f.required_items(&f.sections[1], &a, today()), Some(2));
    let problems: Vec<AnswerError> = f
        .validate_section(&f.sections[1], &a, today())
        .into_iter()
        .map(|e| e.error)
        .collect();
    assert_eq!(problems, vec![AnswerError::ItemCount { count: 2 }]);
    a.repeats
        .insert("house".into(), vec![Default::default(), Default::default()]);
    assert!(f.validate_section(&f.sections[1], &a, today()).is_empty());
}

#[test]
fn labels_insert_earlier_answers() {
    let f = form(
        &[
            q("name", "text", ""),
            r#"{"id": "how", "type": "text", "label": {"id": "Bagaimana kabar ${name}?", "en": "How is ${name}?"}}"#.into(),
        ]
        .join(","),
        "",
    )
    .unwrap();
    let a = answers(&[("name", AnswerValue::Text("Sri".into()))]);
    let label = &f.question("how").unwrap().label;
    assert_eq!(
        f.fill_text(&label.id, &a, None, today(), Language::Indonesian),
        "Bagaimana kabar Sri?"
    );
    assert_eq!(
        f.fill_text(
            &label.en,
            &Answers::default(),
            None,
            today(),
            Language::English
        ),
        "How is ?"
    );
}

#[test]
fn broken_expressions_are_refused_with_where_and_why() {
    let bad_syntax = form(&q("a", "text", r#", "relevant": "${b} = ""#), "");
    let message = problems(bad_syntax).join("\n");
    assert!(
        message.contains("relevant") && message.contains("character 8"),
        "{message}"
    );

    let found = problems(form(
        &[
            q("a", "text", r#", "relevant": "${zzz} = 'x'""#),
            q("b", "calculate", r#", "calculation": "${c} + 1""#),
            q("c", "calculate", r#", "calculation": "${b} * 2""#),
            q("d", "calculate", ""),
            q(
                "e",
                "single_choice",
                &format!("{}, \"calculation\": \"'x'\"", choices(&["x"])),
            ),
            q("f", "note", r#", "constraint": ". > 1""#),
            q("g", "text", r#", "relevant": "${rooms} > 1""#),
        ]
        .join(","),
        r#", {"id": "house", "title": {"id": "R", "en": "H"},
             "repeat": {"max": 3, "item_label": {"id": "R", "en": "H"}},
             "questions": [{"id": "rooms", "type": "integer", "label": {"id": "K", "en": "R"}}]}"#,
    ));
    let expect = [
        "sections[0].questions[0].relevant: refers to unknown question \"zzz\"",
        "sections: calculations depend on each other in a cycle: b → c → b",
        "sections[0].questions[3].calculation: a calculate question needs a calculation",
        "sections[0].questions[4].calculation: calculation does not apply to a single_choice question",
        "sections[0].questions[5].constraint: constraint does not apply to a note question",
        "sections[0].questions[6].relevant: refers to \"rooms\", which is inside a repeat group",
    ];
    for e in expect {
        assert!(found.iter().any(|f| f == e), "missing {e:?} in {found:#?}");
    }
}

#[test]
fn a_finish_refused_by_a_constraint_keeps_the_draft() {
    let f = form(&q("n", "integer", r#", "constraint": ". mod 2 = 0""#), "").unwrap();
    let now = Utc.with_ymd_and_hms(2026, 12, 2, 3, 0, 0).unwrap();
    let mut r = Record::new_draft(Uuid::from_u128(3), &f, None, now).unwrap();
    r.answers = answers(&[("n", AnswerValue::Integer(3))]);
    let before = r.clone();
    assert!(matches!(
        r.finalize(&f, today(), now),
        Err(RecordError::Invalid(_))
    ));
    assert_eq!(r, before);
}

#[test]
fn paging_passes_sections_the_answers_hide() {
    let f = form(
        &q("age", "integer", ""),
        r#", {"id": "adult", "title": {"id": "D", "en": "D"}, "relevant": "${age} >= 18",
             "questions": [{"id": "job", "type": "text", "label": {"id": "J", "en": "J"}}]},
           {"id": "end", "title": {"id": "E", "en": "E"},
             "questions": [{"id": "note", "type": "text", "label": {"id": "N", "en": "N"}}]}"#,
    )
    .unwrap();
    let child = answers(&[("age", AnswerValue::Integer(9))]);
    let adult = answers(&[("age", AnswerValue::Integer(30))]);
    assert_eq!(f.section_after(0, &child, today()), Some(2));
    assert_eq!(f.section_after(0, &adult, today()), Some(1));
    assert_eq!(f.section_before(2, &child, today()), Some(0));
    assert_eq!(f.section_before(2, &adult, today()), Some(1));
    assert_eq!(f.section_after(2, &adult, today()), None);
    assert_eq!(f.section_before(0, &adult, today()), None);
    // Past the end (a stale index) finds the last shown section, never panics.
    assert_eq!(f.section_before(99, &child, today()), Some(2));
    assert_eq!(f.section_after(99, &child, today()), None);
}

#[test]
fn a_trial_record_asks_no_consent_and_takes_date_defaults() {
    let f = FormDef::parse(
        r#"{"id": "t", "version": 3, "title": {"id": "T", "en": "T"}, "requires_consent": true,
            "sections": [{"id": "main", "title": {"id": "U", "en": "M"}, "questions": [
              {"id": "visit", "type": "date", "label": {"id": "V", "en": "V"}, "default": "today"}]}]}"#,
    )
    .unwrap();
    let now = Utc.with_ymd_and_hms(2026, 12, 2, 3, 0, 0).unwrap();
    assert!(
        jangkau::model::record::Record::new_draft(uuid::Uuid::nil(), &f, None, now).is_err(),
        "a stored draft of this form needs consent"
    );
    let mut r = jangkau::model::record::Record::trial(uuid::Uuid::nil(), &f, now, today());
    assert_eq!((r.form_id.as_str(), r.form_version), ("t", 3));
    assert_eq!(
        r.answers.values.get("visit"),
        Some(&AnswerValue::Date(today()))
    );
    // Answers can be given to it as to any draft.
    r.set_answer(&f, "visit", None, now).unwrap();
    assert!(r.answers.values.is_empty());
}
