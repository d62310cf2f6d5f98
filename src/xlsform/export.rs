//! A Jangkau form written out as XLSForm sheets, so a programme can start its own spreadsheet from any form (the built-in ones first).

use crate::model::condition::{Condition, Op, Test};
use crate::model::form::{DateBound, FormDef, FormKind, Question, QuestionType};
use crate::model::text::Text;

use super::table::{Sheet, Workbook};

const ID: &str = "Bahasa Indonesia (id)";
const EN: &str = "English (en)";

const SURVEY: [&str; 21] = [
    "type",
    "name",
    "label::Bahasa Indonesia (id)",
    "label::English (en)",
    "hint::Bahasa Indonesia (id)",
    "hint::English (en)",
    "required",
    "required_message::Bahasa Indonesia (id)",
    "required_message::English (en)",
    "relevant",
    "constraint",
    "constraint_message::Bahasa Indonesia (id)",
    "constraint_message::English (en)",
    "calculation",
    "choice_filter",
    "appearance",
    "parameters",
    "default",
    "read_only",
    "repeat_count",
    "role",
];

fn quote(s: &str) -> String {
    if s.contains('\'') {
        format!("\"{s}\"")
    } else {
        format!("'{s}'")
    }
}

/// A structured condition as an expression that holds on the same answers.
pub fn condition_expr(c: &Condition) -> String {
    match c {
        Condition::All(cs) => join(cs, " and "),
        Condition::Any(cs) => join(cs, " or "),
        Condition::Not(c) => format!("not({})", condition_expr(c)),
        Condition::Test(t) => test_expr(t),
    }
}

fn join(cs: &[Condition], op: &str) -> String {
    let parts: Vec<String> = cs
        .iter()
        .map(|c| format!("({})", condition_expr(c)))
        .collect();
    if parts.is_empty() {
        "true()".into()
    } else {
        parts.join(op)
    }
}

fn test_expr(t: &Test) -> String {
    let q = format!("${{{}}}", t.question);
    match t.op() {
        Some(Op::Equals(serde_json::Value::Bool(b))) => {
            format!("{q} = {}", if *b { "'yes'" } else { "'no'" })
        }
        Some(Op::Equals(serde_json::Value::String(s))) => format!("{q} = {}", quote(s)),
        Some(Op::Equals(v)) => format!("{q} = {v}"),
        Some(Op::Includes(code)) => format!("selected({q}, {})", quote(code)),
        Some(Op::AtLeast(n)) => format!("{q} >= {n}"),
        Some(Op::AtMost(n)) => format!("{q} <= {n}"),
        Some(Op::Answered(true)) => format!("{q} != ''"),
        Some(Op::Answered(false)) => format!("{q} = ''"),
        None => "false()".into(),
    }
}

fn date_expr(b: DateBound) -> String {
    match b {
        DateBound::Today(_) => "today()".into(),
        DateBound::Fixed(d) => format!("date('{d}')"),
    }
}

/// A question's own bounds (min, max, lengths, pattern, dates) as one constraint.
fn constraint(q: &Question) -> Option<String> {
    let mut parts = Vec::new();
    let value = if q.kind == QuestionType::MultipleChoice {
        "count-selected(.)".to_owned()
    } else {
        ".".to_owned()
    };
    if q.kind != QuestionType::Scale {
        if let Some(min) = q.min {
            parts.push(format!("{value} >= {min}"));
        }
        if let Some(max) = q.max {
            parts.push(format!("{value} <= {max}"));
        }
    }
    if let Some(min) = q.min_length {
        parts.push(format!("string-length(.) >= {min}"));
    }
    if let Some(max) = q.max_length {
        parts.push(format!("string-length(.) <= {max}"));
    }
    if let Some(p) = &q.pattern {
        parts.push(format!("regex(., {})", quote(&format!("^(?:{p})$"))));
    }
    if let Some(b) = q.min_date {
        parts.push(format!(". >= {}", date_expr(b)));
    }
    if let Some(b) = q.max_date {
        parts.push(format!(". <= {}", date_expr(b)));
    }
    if let Some(c) = &q.constraint {
        parts.push(format!("({})", c.source()));
    }
    (!parts.is_empty()).then(|| parts.join(" and "))
}

fn both(text: Option<&Text>) -> [String; 2] {
    text.map_or([String::new(), String::new()], |t| {
        [t.id.clone(), t.en.clone()]
    })
}

fn relevance(show_if: Option<&Condition>, relevant: Option<&crate::model::expr::Expr>) -> String {
    match (
        show_if.map(condition_expr),
        relevant.map(|e| e.source().to_owned()),
    ) {
        (Some(a), Some(b)) => format!("({a}) and ({b})"),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => String::new(),
    }
}

/// The form as `survey`, `choices` and `settings` sheets, as its next version.
pub fn workbook(form: &FormDef) -> Workbook {
    let mut survey: Vec<Vec<String>> = vec![SURVEY.iter().map(|s| (*s).to_owned()).collect()];
    let mut choices: Vec<Vec<String>> = Vec::new();
    let filter_columns: Vec<String> = {
        let mut cols: Vec<String> = form
            .questions()
            .flat_map(|(_, q)| q.choices.iter().flat_map(|c| c.filter.keys().cloned()))
            .collect();
        cols.sort();
        cols.dedup();
        cols
    };
    let mut yes_no = false;
    let row = |cells: &[(&str, String)]| -> Vec<String> {
        SURVEY
            .iter()
            .map(|col| {
                cells
                    .iter()
                    .find(|(c, _)| c == col)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect()
    };
    for section in &form.sections {
        let [tid, ten] = both(Some(&section.title));
        let rel = relevance(section.show_if.as_ref(), section.relevant.as_ref());
        let (begin, end) = if section.repeat.is_some() {
            ("begin repeat", "end repeat")
        } else {
            ("begin group", "end group")
        };
        let count = section
            .repeat
            .as_ref()
            .and_then(|r| r.count.as_ref().map(|c| c.source().to_owned()))
            .unwrap_or_default();
        // XLSForm names are one namespace; Jangkau's screens have their own.
        let name = if form.question(&section.id).is_some() {
            format!("{}_section", section.id)
        } else {
            section.id.clone()
        };
        survey.push(row(&[
            ("type", begin.into()),
            ("name", name),
            ("label::Bahasa Indonesia (id)", tid),
            ("label::English (en)", ten),
            ("relevant", rel),
            ("repeat_count", count),
        ]));
        for q in &section.questions {
            let (kind, appearance, parameters) = match q.kind {
                QuestionType::Text => ("text".to_owned(), "", String::new()),
                QuestionType::LongText => ("text".to_owned(), "multiline", String::new()),
                QuestionType::Integer => ("integer".to_owned(), "", String::new()),
                QuestionType::Decimal => ("decimal".to_owned(), "", String::new()),
                QuestionType::SingleChoice => (format!("select_one {}", q.id), "", String::new()),
                QuestionType::MultipleChoice => {
                    (format!("select_multiple {}", q.id), "", String::new())
                }
                QuestionType::Date => ("date".to_owned(), "", String::new()),
                QuestionType::YesNo => {
                    yes_no = true;
                    ("select_one yes_no".to_owned(), "", String::new())
                }
                QuestionType::Scale => {
                    let (lo, hi) = q.scale_range();
                    (
                        "range".to_owned(),
                        "",
                        format!("start={lo} end={hi} step=1"),
                    )
                }
                QuestionType::Gps => ("geopoint".to_owned(), "", String::new()),
                QuestionType::ParticipantCode => ("participant_code".to_owned(), "", String::new()),
                QuestionType::Note => ("note".to_owned(), "", String::new()),
                QuestionType::Calculate => ("calculate".to_owned(), "", String::new()),
            };
            let [lid, len] = both(Some(&q.label));
            let [hid, hen] = both(q.hint.as_ref());
            let [rid, ren] = both(q.required_message.as_ref());
            let c = constraint(q);
            let [mid, men] = both(q.message.as_ref().filter(|_| c.is_some()));
            let role = q
                .role
                .map(|r| r.json_name().trim_matches('"').to_owned())
                .unwrap_or_default();
            survey.push(row(&[
                ("type", kind),
                ("name", q.id.clone()),
                ("label::Bahasa Indonesia (id)", lid),
                ("label::English (en)", len),
                ("hint::Bahasa Indonesia (id)", hid),
                ("hint::English (en)", hen),
                (
                    "required",
                    if q.required {
                        "yes".into()
                    } else {
                        String::new()
                    },
                ),
                ("required_message::Bahasa Indonesia (id)", rid),
                ("required_message::English (en)", ren),
                (
                    "relevant",
                    relevance(q.show_if.as_ref(), q.relevant.as_ref()),
                ),
                ("constraint", c.unwrap_or_default()),
                ("constraint_message::Bahasa Indonesia (id)", mid),
                ("constraint_message::English (en)", men),
                (
                    "calculation",
                    q.calculation
                        .as_ref()
                        .map(|e| e.source().to_owned())
                        .unwrap_or_default(),
                ),
                (
                    "choice_filter",
                    q.choice_filter
                        .as_ref()
                        .map(|e| e.source().to_owned())
                        .unwrap_or_default(),
                ),
                ("appearance", appearance.into()),
                ("parameters", parameters),
                ("default", q.default.map(date_default).unwrap_or_default()),
                (
                    "read_only",
                    if q.read_only {
                        "yes".into()
                    } else {
                        String::new()
                    },
                ),
                ("role", role),
            ]));
            for choice in &q.choices {
                let mut r = vec![
                    q.id.clone(),
                    choice.code.clone(),
                    choice.label.id.clone(),
                    choice.label.en.clone(),
                ];
                r.extend(
                    filter_columns
                        .iter()
                        .map(|c| choice.filter.get(c).cloned().unwrap_or_default()),
                );
                choices.push(r);
            }
        }
        survey.push(row(&[("type", end.into())]));
    }
    if yes_no {
        choices.push(vec![
            "yes_no".into(),
            "yes".into(),
            "Ya".into(),
            "Yes".into(),
        ]);
        choices.push(vec![
            "yes_no".into(),
            "no".into(),
            "Tidak".into(),
            "No".into(),
        ]);
    }
    let mut header = vec![
        "list_name".to_owned(),
        "name".into(),
        format!("label::{ID}"),
        format!("label::{EN}"),
    ];
    header.extend(filter_columns);
    choices.insert(0, header);
    let kind = match form.kind {
        FormKind::Other => String::new(),
        k => serde_json::to_string(&k)
            .unwrap_or_default()
            .trim_matches('"')
            .to_owned(),
    };
    let consent = form.consent_id().map(str::to_owned).unwrap_or_default();
    let [did, den] = both(form.description.as_ref());
    let settings = vec![
        vec![
            "form_id".to_owned(),
            "version".into(),
            format!("form_title::{ID}"),
            format!("form_title::{EN}"),
            format!("description::{ID}"),
            format!("description::{EN}"),
            "default_language".into(),
            "kind".into(),
            "consent".into(),
        ],
        vec![
            form.id.clone(),
            // The spreadsheet is the form's next version: written out, some
            // of it reads differently (bounds become a constraint), and a
            // phone holding this version refuses the same number with other
            // questions.
            form.version.saturating_add(1).to_string(),
            form.title.id.clone(),
            form.title.en.clone(),
            did,
            den,
            ID.into(),
            kind,
            consent,
        ],
    ];
    Workbook {
        sheets: vec![
            Sheet {
                name: "survey".into(),
                rows: survey,
            },
            Sheet {
                name: "choices".into(),
                rows: choices,
            },
            Sheet {
                name: "settings".into(),
                rows: settings,
            },
        ],
    }
}

fn date_default(b: DateBound) -> String {
    match b {
        DateBound::Today(_) => "today()".into(),
        DateBound::Fixed(d) => d.to_string(),
    }
}
