//! CSV files for a programme's spreadsheet: one per form (and per repeat group), stable column names, answer codes, and a codebook of labels.

use std::collections::BTreeSet;

use crate::model::answer::AnswerValue;
use crate::model::consent::Purpose;
use crate::model::form::{FormDef, QuestionType};
use crate::model::record::Record;

/// A file to hand over: its name and bytes (UTF-8 with a byte-order mark,
/// so spreadsheet programs read Indonesian text right; CRLF line ends).
#[derive(Debug, Clone, PartialEq)]
pub struct CsvFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The columns every form's file starts with.
pub const RECORD_COLUMNS: [&str; 15] = [
    "record_id",
    "supersedes",
    "form_id",
    "form_version",
    "status",
    "created_at",
    "updated_at",
    "site",
    "participant_code",
    "consent_version",
    "consent_purposes",
    "consent_asked_by",
    "consent_given_at",
    "collector_id",
    "collector_name",
];

/// A cell as written. Text from people is neutralised: a spreadsheet must
/// never run what someone typed as a formula.
fn text(value: &str) -> String {
    let guarded = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    };
    quote(&guarded)
}

/// A cell this code made (numbers, codes, dates): quoted only if needed.
fn quote(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

fn row(cells: &[String]) -> String {
    let mut line = cells.join(",");
    line.push_str("\r\n");
    line
}

fn file(name: String, header: &[String], rows: Vec<Vec<String>>) -> CsvFile {
    let mut out = String::from("\u{feff}");
    out.push_str(&row(header));
    for r in rows {
        out.push_str(&row(&r));
    }
    CsvFile {
        name,
        bytes: out.into_bytes(),
    }
}

fn purpose_code(p: Purpose) -> &'static str {
    match p {
        Purpose::Assessment => "assessment",
        Purpose::FollowUpContact => "follow_up_contact",
        Purpose::Referral => "referral",
    }
}

/// A question's answer in the cells its columns take (three for a GPS
/// point: latitude, longitude, accuracy; one otherwise).
fn cells(kind: Option<QuestionType>, value: Option<&AnswerValue>) -> Vec<String> {
    let width = if kind == Some(QuestionType::Gps) {
        3
    } else {
        1
    };
    let Some(value) = value else {
        return vec![String::new(); width];
    };
    match value {
        AnswerValue::Text(s) | AnswerValue::Code(s) => vec![text(s)],
        AnswerValue::Choice(c) => vec![text(c)],
        AnswerValue::Choices(cs) => vec![text(&cs.join(" "))],
        AnswerValue::Integer(n) => vec![n.to_string()],
        AnswerValue::Decimal(n) => vec![n.to_string()],
        AnswerValue::Scale(n) => vec![n.to_string()],
        AnswerValue::Bool(b) => vec![if *b { "yes" } else { "no" }.to_owned()],
        AnswerValue::Date(d) => vec![d.to_string()],
        AnswerValue::Gps(p) => vec![
            p.lat.to_string(),
            p.lon.to_string(),
            p.accuracy_m.to_string(),
        ],
    }
}

fn column_names(id: &str, kind: Option<QuestionType>) -> Vec<String> {
    if kind == Some(QuestionType::Gps) {
        vec![
            format!("{id}_lat"),
            format!("{id}_lon"),
            format!("{id}_accuracy_m"),
        ]
    } else {
        vec![id.to_owned()]
    }
}

/// Question ids in the form's order, newest version first, then questions
/// only older versions ask (notes take no answer), then any answer the
/// records hold that no version held here asks — nothing is ever dropped.
/// `versions` are one form's versions, newest last.
fn questions<'a>(
    versions: &[&FormDef],
    section: Option<&str>,
    answers: impl Iterator<Item = &'a String>,
) -> Vec<(String, Option<QuestionType>)> {
    let mut out: Vec<(String, Option<QuestionType>)> = Vec::new();
    let mut known: BTreeSet<String> = BTreeSet::new();
    for form in versions.iter().rev() {
        let asked = form
            .sections
            .iter()
            .filter(|s| match section {
                Some(id) => s.id == id,
                None => s.repeat.is_none(),
            })
            .flat_map(|s| &s.questions)
            .filter(|q| q.kind != QuestionType::Note);
        for q in asked {
            if known.insert(q.id.clone()) {
                out.push((q.id.clone(), Some(q.kind)));
            }
        }
    }
    let extra: BTreeSet<&String> = answers.filter(|id| !known.contains(*id)).collect();
    out.extend(extra.into_iter().map(|id| (id.clone(), None)));
    out
}

fn record_cells(r: &Record) -> Vec<String> {
    let consent = r.consent.as_ref();
    vec![
        r.id.to_string(),
        r.supersedes.map(|s| s.to_string()).unwrap_or_default(),
        quote(&r.form_id),
        r.form_version.to_string(),
        r.status.code().to_owned(),
        r.created_at.to_rfc3339(),
        r.updated_at.to_rfc3339(),
        r.site.as_deref().map(text).unwrap_or_default(),
        r.participant_code
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_default(),
        consent
            .map(|c| c.text_version.to_string())
            .unwrap_or_default(),
        consent
            .map(|c| {
                c.purposes
                    .iter()
                    .map(|p| purpose_code(*p))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default(),
        consent.map(|c| text(&c.asked_by)).unwrap_or_default(),
        consent.map(|c| c.given_at.to_rfc3339()).unwrap_or_default(),
        r.collector
            .as_ref()
            .map(|c| text(&c.id))
            .unwrap_or_default(),
        r.collector
            .as_ref()
            .map(|c| text(&c.name))
            .unwrap_or_default(),
    ]
}

/// The files for one form over all its `versions` (newest last):
/// `{form_id}.csv` with a row per record and a column per question any
/// version asks (`form_version` says which one each row used), and
/// `{form_id}__{section}.csv` per repeat group with a row per item (joined
/// to its record by `record_id`). `records` must all be of this form.
pub fn form_files(versions: &[&FormDef], records: &[&Record]) -> Vec<CsvFile> {
    let Some(form) = versions.last() else {
        return Vec::new();
    };
    let columns = questions(
        versions,
        None,
        records.iter().flat_map(|r| r.answers.values.keys()),
    );
    let mut header: Vec<String> = RECORD_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    header.extend(
        columns
            .iter()
            .flat_map(|(id, kind)| column_names(id, *kind)),
    );
    let rows = records
        .iter()
        .map(|r| {
            let mut cells_of = record_cells(r);
            for (id, kind) in &columns {
                cells_of.extend(cells(*kind, r.answers.values.get(id)));
            }
            cells_of
        })
        .collect();
    let mut files = vec![file(format!("{}.csv", form.id), &header, rows)];
    let mut repeats: Vec<&crate::model::form::Section> = Vec::new();
    for section in versions
        .iter()
        .rev()
        .flat_map(|f| &f.sections)
        .filter(|s| s.repeat.is_some())
    {
        if !repeats.iter().any(|r| r.id == section.id) {
            repeats.push(section);
        }
    }
    for section in repeats {
        let items = || {
            records.iter().flat_map(|r| {
                r.answers
                    .repeats
                    .get(&section.id)
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .map(move |(i, item)| (r, i, item))
            })
        };
        let columns = questions(
            versions,
            Some(&section.id),
            items().flat_map(|(_, _, item)| item.keys()),
        );
        let mut header = vec!["record_id".to_owned(), "item".to_owned()];
        header.extend(
            columns
                .iter()
                .flat_map(|(id, kind)| column_names(id, *kind)),
        );
        let rows = items()
            .map(|(r, i, item)| {
                let mut row = vec![r.id.to_string(), (i + 1).to_string()];
                for (id, kind) in &columns {
                    row.extend(cells(*kind, item.get(id)));
                }
                row
            })
            .collect();
        files.push(file(
            format!("{}__{}.csv", form.id, section.id),
            &header,
            rows,
        ));
    }
    files
}

/// `codebook.csv`: every column of every form's files with its question in
/// both languages, then one row per answer code with its labels — once per
/// version given, so the `form_version` column says which versions have
/// each column.
pub fn codebook(forms: &[&FormDef]) -> CsvFile {
    let header: Vec<String> = [
        "form_id",
        "form_version",
        "file",
        "column",
        "type",
        "code",
        "label_id",
        "label_en",
    ]
    .iter()
    .map(|c| (*c).to_owned())
    .collect();
    let mut rows = Vec::new();
    for form in forms {
        for section in &form.sections {
            let file_name = match section.repeat {
                Some(_) => format!("{}__{}.csv", form.id, section.id),
                None => format!("{}.csv", form.id),
            };
            for q in section
                .questions
                .iter()
                .filter(|q| q.kind != QuestionType::Note)
            {
                let base = |column: String, code: &str, id: &str, en: &str| {
                    vec![
                        quote(&form.id),
                        form.version.to_string(),
                        quote(&file_name),
                        quote(&column),
                        quote(q.kind.name()),
                        text(code),
                        text(id),
                        text(en),
                    ]
                };
                for column in column_names(&q.id, Some(q.kind)) {
                    rows.push(base(column, "", &q.label.id, &q.label.en));
                }
                for c in &q.choices {
                    rows.push(base(q.id.clone(), &c.code, &c.label.id, &c.label.en));
                }
                if q.kind == QuestionType::YesNo {
                    rows.push(base(q.id.clone(), "yes", "Ya", "Yes"));
                    rows.push(base(q.id.clone(), "no", "Tidak", "No"));
                }
            }
        }
    }
    file("codebook.csv".to_owned(), &header, rows)
}
