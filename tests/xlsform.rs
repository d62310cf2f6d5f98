//! XLSForm import: each supported feature and each kind of refusal, from workbooks the tests write themselves.
#![cfg(not(target_arch = "wasm32"))]

mod workbook;

use chrono::NaiveDate;
use jangkau::model::answer::{AnswerValue, Answers};
use jangkau::model::form::{FormDef, QuestionType};
use jangkau::model::language::Language;
use jangkau::xlsform::{convert, read, Conversion, Problem};
use workbook::{form, xlsx};

const SETTINGS: &[&[&str]] = &[
    &["form_id", "version", "form_title", "default_language"],
    &[
        "kunjungan",
        "#n:2026120201",
        "Kunjungan",
        "Bahasa Indonesia (id)",
    ],
];

fn import(bytes: &[u8]) -> Result<Conversion, Vec<Problem>> {
    let book = read::workbook(bytes).map_err(|e| jangkau::xlsform::unreadable(&e))?;
    convert(&book)
}

fn ok(bytes: &[u8]) -> Conversion {
    match import(bytes) {
        Ok(c) => c,
        Err(p) => panic!("refused: {:#?}", texts(&p, Language::English)),
    }
}

fn refused(bytes: &[u8]) -> Vec<String> {
    match import(bytes) {
        Ok(c) => panic!("converted: {:#?}", c.form),
        Err(p) => texts(&p, Language::English),
    }
}

fn texts(problems: &[Problem], language: Language) -> Vec<String> {
    problems.iter().map(|p| p.text(language)).collect()
}

fn notes(c: &Conversion) -> Vec<String> {
    c.notes.iter().map(|n| n.text(Language::English)).collect()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
}

#[test]
fn a_plain_form_becomes_exactly_this_json() {
    let c = ok(&form(
        &[
            &[
                "type",
                "name",
                "label::Bahasa Indonesia (id)",
                "label::English (en)",
                "hint::Bahasa Indonesia (id)",
                "hint::English (en)",
                "required",
            ],
            &[
                "text",
                "nickname",
                "Nama panggilan",
                "Nickname",
                "Boleh samaran",
                "A made-up one is fine",
                "yes",
            ],
            &["integer", "children", "Jumlah anak", "Children", "", "", ""],
            &["decimal", "income", "Penghasilan", "Income", "", "", "no"],
            &["date", "visit", "Tanggal", "Date", "", "", "true()"],
            &["note", "thanks", "Terima kasih", "Thank you", "", "", ""],
            &[
                "select_one wants",
                "wants",
                "Ingin alih profesi?",
                "Wants to change?",
                "",
                "",
                "yes",
            ],
            &[
                "select_multiple training",
                "training",
                "Pelatihan",
                "Training",
                "",
                "",
                "",
            ],
        ],
        &[
            &[
                "list_name",
                "name",
                "label::Bahasa Indonesia (id)",
                "label::English (en)",
            ],
            &["wants", "ya", "Ya", "Yes"],
            &["wants", "belum", "Belum", "Not yet"],
            &["training", "#n:1", "Menjahit", "Sewing"],
            &["training", "#n:2", "Salon", "Salon"],
        ],
        SETTINGS,
    ));
    let expected = FormDef::parse(
        r#"{"id": "kunjungan", "version": 2026120201, "title": {"id": "Kunjungan", "en": "Kunjungan"},
            "sections": [{"id": "main", "title": {"id": "Kunjungan", "en": "Kunjungan"}, "questions": [
              {"id": "nickname", "type": "text", "label": {"id": "Nama panggilan", "en": "Nickname"},
               "hint": {"id": "Boleh samaran", "en": "A made-up one is fine"}, "required": true},
              {"id": "children", "type": "integer", "label": {"id": "Jumlah anak", "en": "Children"}},
              {"id": "income", "type": "decimal", "label": {"id": "Penghasilan", "en": "Income"}},
              {"id": "visit", "type": "date", "label": {"id": "Tanggal", "en": "Date"}, "required": true},
              {"id": "thanks", "type": "note", "label": {"id": "Terima kasih", "en": "Thank you"}},
              {"id": "wants", "type": "single_choice", "label": {"id": "Ingin alih profesi?", "en": "Wants to change?"}, "required": true,
               "choices": [{"code": "ya", "label": {"id": "Ya", "en": "Yes"}}, {"code": "belum", "label": {"id": "Belum", "en": "Not yet"}}]},
              {"id": "training", "type": "multiple_choice", "label": {"id": "Pelatihan", "en": "Training"},
               "choices": [{"code": "1", "label": {"id": "Menjahit", "en": "Sewing"}}, {"code": "2", "label": {"id": "Salon", "en": "Salon"}}]}
            ]}]}"#,
    )
    .unwrap();
    assert_eq!(c.form, expected);
    // The form_title had no language column: the default language's, shown in both.
    assert!(c.notes.is_empty(), "{:?}", notes(&c));
}

#[test]
fn languages_plain_named_and_unknown() {
    let c = ok(&form(
        &[
            &[
                "type",
                "name",
                "label::Indonesian",
                "label::English",
                "label::Français (fr)",
            ],
            &["text", "a", "Nama", "Name", "Nom"],
        ],
        &[&["list_name", "name", "label"]],
        SETTINGS,
    ));
    let q = c.form.question("a").unwrap();
    assert_eq!((q.label.id.as_str(), q.label.en.as_str()), ("Nama", "Name"));
    assert!(
        notes(&c)
            .iter()
            .any(|n| n.contains("\"Français (fr)\" is ignored")),
        "{:?}",
        notes(&c)
    );

    let one = ok(&form(
        &[&["type", "name", "label"], &["text", "a", "Nama"]],
        &[&["list_name", "name", "label"]],
        &[&["form_id", "version"], &["f", "#n:1"]],
    ));
    assert_eq!(one.form.question("a").unwrap().label.en, "Nama");
    assert!(
        notes(&one)
            .iter()
            .any(|n| n.contains("one") || n.contains("only")),
        "{:?}",
        notes(&one)
    );
}

#[test]
fn groups_become_screens_and_repeats_repeat_groups() {
    let c = ok(&form(
        &[
            &["type", "name", "label", "relevant", "repeat_count"],
            &["integer", "houses", "Houses", "", ""],
            &["begin group", "household", "Household", "${houses} > 0", ""],
            &["text", "head", "Head", "", ""],
            &["begin group", "inner", "Inner", "${head} != ''", ""],
            &["integer", "adults", "Adults", "", ""],
            &["end group", "", "", "", ""],
            &["begin repeat", "house", "House", "", "${houses}"],
            &["integer", "rooms", "Rooms", ". > 0", ""],
            &["end repeat", "", "", "", ""],
            &["text", "after", "After", "", ""],
            &["end group", "", "", "", ""],
            &["text", "last", "Last", "", ""],
        ],
        &[&["list_name", "name", "label"]],
        SETTINGS,
    ));
    let ids: Vec<&str> = c.form.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["main", "household", "house", "household_1", "main_2"]
    );
    let household = &c.form.sections[1];
    assert_eq!(
        household.relevant.as_ref().unwrap().source(),
        "${houses} > 0"
    );
    assert_eq!(household.title.en, "Household");
    // The nested group joins the screen; its condition joins its questions'.
    assert_eq!(
        c.form
            .question("adults")
            .unwrap()
            .relevant
            .as_ref()
            .unwrap()
            .source(),
        "${head} != ''"
    );
    let house = &c.form.sections[2];
    let repeat = house.repeat.as_ref().unwrap();
    assert_eq!(repeat.count.as_ref().unwrap().source(), "${houses}");
    assert_eq!(repeat.item_label.en, "House");
    assert_eq!(house.relevant.as_ref().unwrap().source(), "${houses} > 0");
    // The rest of the group after the repeat keeps the group's condition.
    assert_eq!(
        c.form.sections[3].relevant.as_ref().unwrap().source(),
        "${houses} > 0"
    );
    assert!(c.form.sections[4].relevant.is_none());
    assert!(notes(&c)
        .iter()
        .any(|n| n.contains("\"inner\" inside another group")));
}

#[test]
fn expressions_calculations_filters_and_renamed_names() {
    let c = ok(&form(
        &[
            &[
                "type",
                "name",
                "label::Bahasa Indonesia (id)",
                "label::English (en)",
                "constraint",
                "constraint_message::Bahasa Indonesia (id)",
                "constraint_message::English (en)",
                "calculation",
                "choice_filter",
                "relevant",
                "read_only",
            ],
            &[
                "date",
                "Born-Date",
                "Tanggal lahir",
                "Born",
                ". < today()",
                "Harus sebelum hari ini",
                "Must be before today",
                "",
                "",
                "",
                "",
            ],
            &[
                "calculate",
                "age",
                "",
                "",
                "",
                "",
                "",
                "int((today() - ${Born-Date}) div 365.25)",
                "",
                "",
                "",
            ],
            &[
                "select_one province",
                "province",
                "Provinsi",
                "Province",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            ],
            &[
                "select_one city",
                "city",
                "Kota",
                "City",
                "",
                "",
                "",
                "",
                "province = ${province}",
                "${age} >= 18",
                "",
            ],
            &[
                "text",
                "greeting",
                "Umur ${age}",
                "Age ${age}",
                "",
                "",
                "",
                "concat('umur ', ${age})",
                "",
                "",
                "yes",
            ],
        ],
        &[
            &["list_name", "name", "label", "province"],
            &["province", "jatim", "Jawa Timur", ""],
            &["province", "jabar", "Jawa Barat", ""],
            &["city", "sby", "Surabaya", "jatim"],
            &["city", "bdg", "Bandung", "jabar"],
        ],
        SETTINGS,
    ));
    let f = &c.form;
    assert!(notes(&c)
        .iter()
        .any(|n| n.contains("\"Born-Date\" becomes \"born_date\"")));
    let age = f.question("age").unwrap();
    assert_eq!(age.kind, QuestionType::Calculate);
    assert_eq!(
        age.calculation.as_ref().unwrap().source(),
        "int((today() - ${born_date}) div 365.25)"
    );
    let born = f.question("born_date").unwrap();
    assert_eq!(born.message.as_ref().unwrap().id, "Harus sebelum hari ini");
    let mut a = Answers::default();
    a.values.insert(
        "born_date".into(),
        AnswerValue::Date(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()),
    );
    a.values
        .insert("province".into(), AnswerValue::Choice("jabar".into()));
    let city = f.question("city").unwrap();
    assert!(f.question_visible(city, &a, None, today()));
    let offered: Vec<&str> = f
        .offered_choices(city, &a, None, today())
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(offered, vec!["bdg"]);
    let greeting = f.question("greeting").unwrap();
    assert!(greeting.read_only);
    assert_eq!(
        f.fill_text(&greeting.label.en, &a, None, today(), Language::English),
        "Age 26"
    );
    assert_eq!(
        f.computed_answer(greeting, &a, None, today()),
        Some(AnswerValue::Text("umur 26".into()))
    );
}

#[test]
fn yes_no_lists_ranges_metadata_and_defaults() {
    let c = ok(&form(
        &[
            &[
                "type",
                "name",
                "label",
                "parameters",
                "default",
                "appearance",
            ],
            &["start", "start", "", "", "", ""],
            &["deviceid", "device", "", "", "", ""],
            &["today", "day", "", "", "", ""],
            &["select_one yes_no", "has_ktp", "KTP?", "", "", "horizontal"],
            &["range", "mood", "Mood", "start=1 end=5 step=1", "", ""],
            &[
                "range",
                "percent",
                "Percent",
                "start=0 end=100 step=5",
                "",
                "",
            ],
            &["date", "next", "Next", "", "today()", ""],
            &["integer", "n", "N", "", "#n:0", ""],
            &["text", "story", "Story", "", "", "multiline"],
            &["geopoint", "where", "Where", "", "", ""],
        ],
        &[
            &["list_name", "name", "label"],
            &["yes_no", "yes", "Ya"],
            &["yes_no", "no", "Tidak"],
        ],
        SETTINGS,
    ));
    let f = &c.form;
    assert!(f.question("start").is_none() && f.question("device").is_none());
    assert_eq!(
        f.question("day")
            .unwrap()
            .calculation
            .as_ref()
            .unwrap()
            .source(),
        "today()"
    );
    assert_eq!(f.question("has_ktp").unwrap().kind, QuestionType::YesNo);
    let mood = f.question("mood").unwrap();
    assert_eq!(
        (mood.kind, mood.min, mood.max),
        (QuestionType::Scale, Some(1.0), Some(5.0))
    );
    let percent = f.question("percent").unwrap();
    assert_eq!(
        (percent.kind, percent.max),
        (QuestionType::Integer, Some(100.0))
    );
    assert!(f.question("next").unwrap().default.is_some());
    assert_eq!(f.question("story").unwrap().kind, QuestionType::LongText);
    assert_eq!(f.question("where").unwrap().kind, QuestionType::Gps);
    let n = notes(&c);
    for words in [
        "\"start\" is ignored",
        "\"deviceid\" is ignored",
        "appearance \"horizontal\"",
        "not a 0–10 scale",
        "defaults are used for dates only",
        "site's location",
    ] {
        assert!(
            n.iter().any(|x| x.contains(words)),
            "{words:?} not in {n:#?}"
        );
    }
    // A yes/no answer reads as `yes` in expressions, as in XLSForm.
    let mut a = Answers::default();
    a.values.insert("has_ktp".into(), AnswerValue::Bool(true));
    let e = jangkau::model::expr::Expr::parse("${has_ktp} = 'yes'").unwrap();
    assert!(e.holds(&jangkau::model::fill::FormScope::new(
        f,
        &a,
        None,
        today().into()
    )));
}

#[test]
fn every_problem_is_listed_at_once_with_its_place() {
    let found = refused(&form(
        &[
            &["type", "name", "label", "relevant", "required"],
            &["image", "photo", "Photo", "", ""],
            &["select_one_from_file sites.csv", "site", "Site", "", ""],
            &["select_one missing", "m", "M", "", ""],
            &["text", "dup", "A", "", ""],
            &["text", "dup", "B", "", ""],
            &["text", "b", "B", "${dup} = ", ""],
            &["text", "c", "C", "${nobody} = 'x'", ""],
            &["text", "d", "", "", ""],
            &["text", "e", "E", "", "${b} = 'x'"],
            &["end group", "", "", "", ""],
            &["frobnicate", "f", "F", "", ""],
            &["begin repeat", "r", "R", "", ""],
            &["begin repeat", "r2", "R2", "", ""],
            &["text", "g", "G", "", ""],
            &["end repeat", "", "", "", ""],
            &["end repeat", "", "", "", ""],
            &["begin group", "open", "Open", "", ""],
            &["text", "h", "H", "", ""],
        ],
        &[
            &["list_name", "name", "label"],
            &["l", "a", "A"],
            &["l", "a", "A again"],
        ],
        &[&["form_id", "version"], &["f", "v1.2"]],
    ));
    let expected = [
        "choices, row 3, column name: the choice \"a\" appears twice in one list",
        "settings, row 2, column version: the version \"v1.2\" must be a whole number",
        "survey, row 2, column type: type \"image\" is not supported by Jangkau — change or remove this row",
        "survey, row 3, column type: type \"select_one_from_file\" is not supported",
        "survey, row 4, column type: the choice list \"missing\" is not on the choices sheet",
        "survey, row 6, column name: the name \"dup\" is used more than once",
        "survey, row 7, column relevant: the expression cannot be read: expression error at character 9",
        "survey, row 8, column relevant: refers to ${nobody}, which is not in the form",
        "survey, row 9, column label: this question has no label",
        "survey, row 10, column required: \"${b} = 'x'\" cannot be used in required",
        "survey, row 11, column type: end group without begin group",
        "survey, row 12, column type: \"frobnicate\" is not a known question type",
        "survey, row 14, column type: a repeat inside a repeat is not supported",
        "survey, row 18, column type: this begin group is never closed with end group",
    ];
    for e in expected {
        assert!(
            found.iter().any(|f| f.starts_with(e)),
            "missing {e:?} in {found:#?}"
        );
    }
    // The same list in Indonesian.
    let book = read::workbook(&form(
        &[&["type", "name", "label"], &["image", "photo", "Foto"]],
        &[&["list_name", "name", "label"]],
        SETTINGS,
    ))
    .unwrap();
    let id = texts(&convert(&book).unwrap_err(), Language::Indonesian);
    assert_eq!(id, vec!["survey, baris 2, kolom type: type \"image\" tidak didukung Jangkau — ubah atau hapus baris ini"]);
}

#[test]
fn calculation_cycles_are_refused_with_names_and_rows() {
    let found = refused(&form(
        &[
            &["type", "name", "label", "calculation"],
            &["calculate", "a", "", "${b} + 1"],
            &["calculate", "b", "", "${a} * 2"],
            &["select_one l", "c", "C", "'x'"],
        ],
        &[&["list_name", "name", "label"], &["l", "x", "X"]],
        SETTINGS,
    ));
    assert!(
        found.iter().any(|f| f.contains("cycle: a → b → a")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("survey, row 4, column calculation: form check:")),
        "{found:#?}"
    );
}

#[test]
fn files_that_are_not_forms_are_refused_without_panicking() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty file", Vec::new()),
        ("text", b"type,name,label\ntext,a,A\n".to_vec()),
        (
            "an old .xls header with nothing behind it",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0],
        ),
        ("a zip that is not a workbook", zip_of_nothing()),
        ("no survey sheet", xlsx(&[("Sheet1", &[&["a"]])])),
        ("an empty survey sheet", xlsx(&[("survey", &[])])),
        (
            "a survey without name column",
            xlsx(&[("survey", &[&["type", "label"], &["text", "A"]])]),
        ),
    ];
    for (what, bytes) in cases {
        let problems = import(&bytes).expect_err(what);
        assert!(!problems.is_empty(), "{what}");
        let text = problems[0].text(Language::Indonesian);
        assert!(!text.is_empty(), "{what}");
    }
}

fn zip_of_nothing() -> Vec<u8> {
    // The smallest valid zip: an end-of-central-directory record only.
    let mut z = vec![0x50, 0x4B, 0x05, 0x06];
    z.extend([0u8; 18]);
    z
}

#[test]
fn formulas_numbers_and_dates_read_as_typed() {
    let c = ok(&form(
        &[
            &["type", "name", "label", "default", "constraint"],
            &[
                "date",
                "visit",
                "#f:=\"Visit\"|Visit",
                "#d:2026-01-05",
                "#f:=\". > 0\"|. > 0",
            ],
        ],
        &[&["list_name", "name", "label"]],
        &[&["form_id", "version"], &["f", "#f:=1+1|2"]],
    ));
    let q = c.form.question("visit").unwrap();
    assert_eq!(q.label.en, "Visit");
    assert_eq!(c.form.version, 2);
    assert_eq!(
        q.default,
        Some(jangkau::model::form::DateBound::Fixed(
            NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
        ))
    );
    assert_eq!(q.constraint.as_ref().unwrap().source(), ". > 0");
}

#[test]
fn ten_thousand_rows_convert() {
    let rows: Vec<Vec<String>> =
        std::iter::once(vec!["type".into(), "name".into(), "label".into()])
            .chain((0..10_000).map(|i| vec!["integer".into(), format!("q{i}"), format!("Q {i}")]))
            .collect();
    let refs: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let slices: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
    let c = ok(&form(&slices, &[&["list_name", "name", "label"]], SETTINGS));
    assert_eq!(c.form.questions().count(), 10_000);
}

/// Answers drawn at random (a fixed seed) for every question of a form.
fn random_answers(form: &FormDef, seed: u64) -> Answers {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n.max(1)
    };
    let mut a = Answers::default();
    for (_, q) in form.questions() {
        if next(4) == 0 {
            continue; // unanswered
        }
        let value = match q.kind {
            QuestionType::SingleChoice => AnswerValue::Choice(
                q.choices[next(q.choices.len() as u64) as usize]
                    .code
                    .clone(),
            ),
            QuestionType::MultipleChoice => AnswerValue::Choices(
                q.choices
                    .iter()
                    .filter(|_| next(2) == 0)
                    .map(|c| c.code.clone())
                    .collect(),
            ),
            QuestionType::YesNo => AnswerValue::Bool(next(2) == 0),
            QuestionType::Scale => AnswerValue::Scale(1 + next(5) as u8),
            QuestionType::Integer => AnswerValue::Integer(next(12) as i64 - 1),
            QuestionType::Decimal => AnswerValue::Decimal(next(1000) as f64 * 1000.0),
            QuestionType::Date => {
                AnswerValue::Date(today() - chrono::Duration::days(next(60) as i64 - 30))
            }
            QuestionType::Text | QuestionType::LongText => {
                AnswerValue::Text(["", "ISI", "x"][next(3) as usize].into())
            }
            _ => continue,
        };
        if value != AnswerValue::Text(String::new()) && value != AnswerValue::Choices(vec![]) {
            a.values.insert(q.id.clone(), value);
        }
    }
    a
}

/// Same questions in the same order and types, same choices, and on 300
/// random answer sets the same sections and questions shown and the same
/// questions refused.
fn assert_behaves_like(original: &FormDef, converted: &FormDef) {
    let shape = |f: &FormDef| -> Vec<(String, QuestionType, Vec<String>, bool)> {
        f.questions()
            .map(|(_, q)| {
                (
                    q.id.clone(),
                    q.kind,
                    q.choices.iter().map(|c| c.code.clone()).collect(),
                    q.required,
                )
            })
            .collect()
    };
    assert_eq!(shape(original), shape(converted), "{}", original.id);
    assert_eq!(
        (original.id.as_str(), original.version + 1, original.kind),
        (converted.id.as_str(), converted.version, converted.kind)
    );
    assert_eq!(original.consent_id(), converted.consent_id());
    for seed in 0..300 {
        let a = random_answers(original, seed);
        for (s1, s2) in original.sections.iter().zip(&converted.sections) {
            assert_eq!(
                original.section_visible(s1, &a, today()),
                converted.section_visible(s2, &a, today()),
                "{} section {} seed {seed}",
                original.id,
                s1.id
            );
            for (q1, q2) in s1.questions.iter().zip(&s2.questions) {
                assert_eq!(
                    original.question_visible(q1, &a, None, today()),
                    converted.question_visible(q2, &a, None, today()),
                    "{} question {} seed {seed}: {a:?}",
                    original.id,
                    q1.id
                );
            }
        }
        let refused = |f: &FormDef| -> Vec<String> {
            let mut v: Vec<String> = f
                .validate(&a, today())
                .into_iter()
                .map(|e| format!("{:?}/{}", e.item, e.question))
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            refused(original),
            refused(converted),
            "{} seed {seed}",
            original.id
        );
    }
}

#[test]
fn built_in_forms_written_out_convert_back_to_forms_that_behave_the_same() {
    for original in jangkau::model::builtin::forms() {
        let book = jangkau::xlsform::export::workbook(&original);
        let c = convert(&book)
            .unwrap_or_else(|p| panic!("{}: {:#?}", original.id, texts(&p, Language::English)));
        assert_behaves_like(&original, &c.form);
    }
}

#[test]
fn the_shipped_xlsform_copies_of_the_built_in_forms_behave_like_them() {
    for original in jangkau::model::builtin::forms() {
        let path = format!(
            "{}/forms/xlsform/{}.xlsx",
            env!("CARGO_MANIFEST_DIR"),
            original.id
        );
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_behaves_like(&original, &ok(&bytes).form);
    }
}

#[test]
fn every_condition_written_as_an_expression_holds_on_the_same_answers() {
    let f = FormDef::parse(
        r#"{"id": "c", "version": 1, "title": {"id": "C", "en": "C"}, "sections": [{"id": "s", "title": {"id": "S", "en": "S"}, "questions": [
            {"id": "n", "type": "integer", "label": {"id": "N", "en": "N"}},
            {"id": "d", "type": "decimal", "label": {"id": "D", "en": "D"}},
            {"id": "m", "type": "multiple_choice", "label": {"id": "M", "en": "M"}, "choices": [{"code": "a", "label": {"id": "A", "en": "A"}}, {"code": "b", "label": {"id": "B", "en": "B"}}]},
            {"id": "o", "type": "single_choice", "label": {"id": "O", "en": "O"}, "choices": [{"code": "a", "label": {"id": "A", "en": "A"}}, {"code": "b", "label": {"id": "B", "en": "B"}}]},
            {"id": "y", "type": "yes_no", "label": {"id": "Y", "en": "Y"}},
            {"id": "t", "type": "text", "label": {"id": "T", "en": "T"}}
        ]}]}"#,
    )
    .unwrap();
    let conditions = [
        r#"{"question": "n", "at_least": 3}"#,
        r#"{"question": "n", "at_most": 3}"#,
        r#"{"question": "n", "equals": 3}"#,
        r#"{"question": "d", "at_least": 2500.5}"#,
        r#"{"question": "m", "includes": "b"}"#,
        r#"{"question": "o", "equals": "a"}"#,
        r#"{"question": "y", "equals": true}"#,
        r#"{"question": "y", "equals": false}"#,
        r#"{"question": "t", "equals": "x"}"#,
        r#"{"question": "t", "answered": true}"#,
        r#"{"question": "m", "answered": false}"#,
        r#"{"not": {"question": "o", "equals": "b"}}"#,
        r#"{"all": [{"question": "y", "equals": true}, {"any": [{"question": "n", "at_least": 5}, {"question": "m", "includes": "a"}]}]}"#,
    ];
    for json in conditions {
        let c: jangkau::model::condition::Condition = serde_json::from_str(json).unwrap();
        let source = jangkau::xlsform::export::condition_expr(&c);
        let e = jangkau::model::expr::Expr::parse(&source)
            .unwrap_or_else(|err| panic!("{source}: {err}"));
        for seed in 0..200 {
            let a = random_answers(&f, seed);
            let scope = jangkau::model::fill::FormScope::new(&f, &a, None, today().into());
            assert_eq!(
                c.holds(&|q| a.values.get(q)),
                e.holds(&scope),
                "{json} as {source} on {a:?}"
            );
        }
    }
}

#[test]
fn the_apps_report_holds_the_form_file_or_every_problem_in_both_languages() {
    use jangkau::xlsform::{import as import_file, Opened, Report};
    let book = form(
        &[
            &["type", "name", "label::English (en)", "label::Indonesian"],
            &["integer", "age", "Age", "Umur"],
        ],
        &[],
        SETTINGS,
    );
    let report = import_file(&book);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // Through JSON, as the importer part hands it to the app.
    let report: Report = serde_json::from_str(&serde_json::to_string(&report).unwrap()).unwrap();
    match report.open() {
        Opened::Form { form, json, notes } => {
            assert_eq!(form, ok(&book).form);
            assert_eq!(FormDef::parse(&json).unwrap(), form);
            assert!(json.ends_with("}\n"));
            assert_eq!(notes.len(), ok(&book).notes.len());
        }
        other => panic!("not a form: {other:?}"),
    }

    let broken = import_file(b"PK\x03\x04 not really a zip");
    assert!(broken.form.is_none());
    assert_eq!(broken.problems.len(), 1);
    let p = &broken.problems[0];
    assert_ne!(p.id, p.en, "each problem in Indonesian and in English");
    match broken.open() {
        Opened::Refused(problems) => assert_eq!(problems.len(), 1),
        other => panic!("not refused: {other:?}"),
    }
    // A report that is neither (an importer that did not finish) says so.
    let empty: Report = serde_json::from_str("{}").unwrap();
    assert_eq!(empty.open(), Opened::Broken);
}

/// The two workbooks the end-to-end import test (tests/e2e/xlsform.test.mjs)
/// picks in the browser.
fn e2e_fixtures() -> [(&'static str, Vec<u8>); 2] {
    let settings: &[&[&str]] = &[
        &[
            "form_id",
            "version",
            "form_title::Bahasa Indonesia (id)",
            "form_title::English (en)",
        ],
        &[
            "pendampingan_karaoke",
            "#n:2026120301",
            "Pendampingan karaoke",
            "Karaoke companionship",
        ],
    ];
    let good = form(
        &[
            &[
                "type",
                "name",
                "label::Bahasa Indonesia (id)",
                "label::English (en)",
                "required",
                "relevant",
                "constraint",
                "constraint_message::Bahasa Indonesia (id)",
                "constraint_message::English (en)",
                "role",
            ],
            &[
                "text",
                "site_code",
                "Kode lokasi",
                "Site code",
                "yes",
                "",
                "",
                "",
                "",
                "site",
            ],
            &[
                "integer",
                "umur",
                "Umur",
                "Age",
                "yes",
                "",
                ". >= 15 and . <= 80",
                "Umur harus antara 15 dan 80 tahun",
                "Age must be between 15 and 80",
                "",
            ],
            &[
                "select_one yn",
                "ingin_pelatihan",
                "Ingin ikut pelatihan?",
                "Wants training?",
                "yes",
                "",
                "",
                "",
                "",
                "",
            ],
            &[
                "begin group",
                "pelatihan",
                "Pelatihan",
                "Training",
                "",
                "${ingin_pelatihan} = 'yes'",
                "",
                "",
                "",
                "",
            ],
            &[
                "select_multiple skills",
                "keahlian",
                "Keahlian yang diminati",
                "Skills wanted",
                "yes",
                "",
                "",
                "",
                "",
                "",
            ],
            &["end group", "", "", "", "", "", "", "", "", ""],
            &[
                "begin group",
                "penutup",
                "Penutup",
                "Closing",
                "",
                "",
                "",
                "",
                "",
                "",
            ],
            &[
                "text",
                "catatan",
                "Catatan untuk ${site_code}",
                "Note for ${site_code}",
                "",
                "",
                "",
                "",
                "",
                "",
            ],
            &["end group", "", "", "", "", "", "", "", "", ""],
        ],
        &[
            &[
                "list_name",
                "name",
                "label::Bahasa Indonesia (id)",
                "label::English (en)",
            ],
            &["yn", "yes", "Ya", "Yes"],
            &["yn", "no", "Tidak", "No"],
            &["skills", "jahit", "Menjahit", "Sewing"],
            &["skills", "masak", "Memasak", "Cooking"],
        ],
        settings,
    );
    let bad = form(
        &[
            &["type", "name", "label", "relevant"],
            &["text", "nama", "Nama", ""],
            &["image", "foto", "Foto", ""],
            &["select_one tidak_ada", "pilihan", "Pilihan", ""],
            &["integer", "nama", "Lagi", "${nama} >>> 3"],
            &["end group", "", "", ""],
        ],
        &[],
        settings,
    );
    [("pendampingan.xlsx", good), ("ditolak.xlsx", bad)]
}

/// Checks the committed copies against what the builder writes (as
/// forms, not bytes: the writer stamps the time); with
/// JANGKAU_WRITE_FIXTURES=1 it writes them instead.
#[test]
fn the_end_to_end_workbooks_are_the_ones_built_here() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/fixtures");
    for (name, bytes) in e2e_fixtures() {
        let path = dir.join(name);
        if std::env::var_os("JANGKAU_WRITE_FIXTURES").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        }
        let committed = std::fs::read(&path).unwrap();
        assert_eq!(
            import(&committed),
            import(&bytes),
            "{name} is stale: JANGKAU_WRITE_FIXTURES=1 cargo test --test xlsform"
        );
    }
    let good = ok(&std::fs::read(dir.join("pendampingan.xlsx")).unwrap());
    assert_eq!(
        (good.form.id.as_str(), good.form.version),
        ("pendampingan_karaoke", 2026120301)
    );
    let ids: Vec<&str> = good.form.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    let refused = refused(&std::fs::read(dir.join("ditolak.xlsx")).unwrap());
    assert!(refused.len() >= 4, "{refused:#?}");
}
