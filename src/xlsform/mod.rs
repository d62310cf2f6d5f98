//! XLSForm import: a workbook's `survey`, `choices` and `settings` sheets become a checked Jangkau form, or every reason they cannot, by sheet, row and column.
//!
//! Plain Rust over sheets of text ([`Workbook`]); reading the file itself
//! is [`read`] (calamine). What is supported, and how versions map, is in
//! docs/forms.md ("XLSForm").

pub mod export;
mod messages;
#[cfg(any(not(target_arch = "wasm32"), feature = "xlsx"))]
pub mod read;
mod survey;
mod table;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::expr::Expr;
use crate::model::form::{Choice, FormDef, FormKind, FormProblem};
use crate::model::language::Language;
use crate::model::text::Text;

pub use messages::{Note, Place, Problem, Refusal, Warning};
use table::{language_of, Row, Table};
pub use table::{Sheet, Workbook};

/// More rows than this in one sheet are refused (a real form has hundreds).
pub const MAX_ROWS: usize = 20_000;
/// A repeat group without `repeat_count` holds at most this many items.
pub const DEFAULT_REPEAT_MAX: u32 = 50;

/// A workbook that became a form, with what the import changed or left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversion {
    pub form: FormDef,
    pub notes: Vec<Note>,
}

/// Converts a workbook.
///
/// # Errors
/// Every problem found, each with its place, when the form cannot be made.
pub fn convert(book: &Workbook) -> Result<Conversion, Vec<Problem>> {
    let mut c = Converter::default();
    let form = c.run(book);
    c.problems.sort_by(|a, b| a.place.cmp(&b.place));
    c.problems.dedup();
    match form {
        Some(form) if c.problems.is_empty() => Ok(Conversion {
            form,
            notes: c.notes,
        }),
        _ => Err(c.problems),
    }
}

/// What an import hands back, in both languages: the form file's text
/// (pretty JSON, as `jangkau-forms convert` writes it) or the problems, and
/// the notes. The app's importer part returns it as JSON; the app reads it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Report {
    pub form: Option<String>,
    pub notes: Vec<Text>,
    pub problems: Vec<Text>,
}

/// What the app makes of a report it was handed.
#[derive(Debug, Clone, PartialEq)]
pub enum Opened {
    /// A form, checked again as the phone checks any form file.
    Form {
        form: FormDef,
        json: String,
        notes: Vec<Text>,
    },
    /// Every reason the workbook cannot be a form.
    Refused(Vec<Text>),
    /// Neither a form nor a reason: the importer did not finish.
    Broken,
}

impl Report {
    pub fn open(self) -> Opened {
        match self.form {
            Some(json) => match FormDef::parse(&json) {
                Ok(form) => Opened::Form {
                    form,
                    json,
                    notes: self.notes,
                },
                // Not expected (the importer checks the same way), but a
                // form the phone would refuse is never offered.
                Err(e) => Opened::Refused(
                    e.problems()
                        .iter()
                        .map(|p| Text {
                            id: p.to_string(),
                            en: p.to_string(),
                        })
                        .collect(),
                ),
            },
            None if self.problems.is_empty() => Opened::Broken,
            None => Opened::Refused(self.problems),
        }
    }
}

/// Reads and converts a workbook file.
#[cfg(any(not(target_arch = "wasm32"), feature = "xlsx"))]
pub fn import(bytes: &[u8]) -> Report {
    let both = |text: &dyn Fn(Language) -> String| Text {
        id: text(Language::Indonesian),
        en: text(Language::English),
    };
    let refused = |problems: Vec<Problem>| Report {
        form: None,
        notes: Vec::new(),
        problems: problems.iter().map(|p| both(&|l| p.text(l))).collect(),
    };
    let book = match read::workbook(bytes) {
        Ok(book) => book,
        Err(why) => return refused(unreadable(&why)),
    };
    match convert(&book) {
        Ok(c) => match serde_json::to_string_pretty(&c.form) {
            Ok(json) => Report {
                form: Some(json + "\n"),
                notes: c.notes.iter().map(|n| both(&|l| n.text(l))).collect(),
                problems: Vec::new(),
            },
            // A checked form always serialises; said as a problem all the same.
            Err(e) => refused(unreadable(&e.to_string())),
        },
        Err(problems) => refused(problems),
    }
}

/// A refusal for a file that could not be read at all.
pub fn unreadable(why: &str) -> Vec<Problem> {
    vec![Problem {
        place: Place::sheet("(file)"),
        refusal: Refusal::NotAWorkbook(why.to_owned()),
    }]
}

#[derive(Default)]
pub(crate) struct Converter {
    pub problems: Vec<Problem>,
    pub notes: Vec<Note>,
    default_language: Option<Language>,
    /// Which interface languages any text was given in.
    seen: BTreeSet<&'static str>,
    ignored_languages: BTreeSet<String>,
    /// XLSForm names → Jangkau ids, for every question and group.
    pub names: BTreeMap<String, String>,
    pub lists: BTreeMap<String, Vec<(usize, Choice)>>,
    pub title: Option<Text>,
    /// Where each JSON path of the form came from, for the form checks' problems.
    pub origins: BTreeMap<String, Place>,
}

impl Converter {
    pub fn refuse(&mut self, place: Place, refusal: Refusal) {
        self.problems.push(Problem { place, refusal });
    }

    pub fn warn(&mut self, place: Place, warning: Warning) {
        if !self.notes.iter().any(|n| n.warning == warning) {
            self.notes.push(Note { place, warning });
        }
    }

    fn run(&mut self, book: &Workbook) -> Option<FormDef> {
        for sheet in &book.sheets {
            if sheet.rows.len() > MAX_ROWS {
                self.refuse(Place::sheet(&sheet.name), Refusal::TooManyRows(MAX_ROWS));
                return None;
            }
        }
        let Some(survey) = book.sheet("survey") else {
            self.refuse(Place::sheet("survey"), Refusal::MissingSheet("survey"));
            return None;
        };
        let settings = book.sheet("settings").map(Table::new);
        let (id, version, mut head) = self.settings(settings.as_ref());
        if let Some(choices) = book.sheet("choices") {
            self.choices(&Table::new(choices));
        }
        let survey = Table::new(survey);
        let mut missing = false;
        for column in ["type", "name"] {
            if !survey.has(column) {
                self.refuse(Place::sheet(survey.name()), Refusal::MissingColumn(column));
                missing = true;
            }
        }
        if missing {
            return None;
        }
        let title = self.title.clone().unwrap_or_else(|| Text {
            id: id.clone(),
            en: id.clone(),
        });
        head.title = title.clone();
        let sections = self.survey(&survey, &title);
        if self.problems.is_empty() && sections.iter().all(|s| s.questions.is_empty()) {
            self.refuse(Place::sheet(survey.name()), Refusal::NoQuestions);
        }
        self.language_notes();
        let form = FormDef {
            id,
            version,
            sections,
            ..head
        };
        // What the form checks still find (a calculation on a choice, a
        // role that does not fit…), placed where it came from. Only on a
        // form that converted cleanly: a half-built one would repeat the
        // problems already listed.
        if !self.problems.is_empty() {
            return None;
        }
        for p in form.check() {
            let place = self.origin(&p);
            self.refuse(place, Refusal::Form(p.to_string()));
        }
        Some(form)
    }

    fn origin(&self, p: &FormProblem) -> Place {
        let mut path = p.path.as_str();
        loop {
            if let Some(place) = self.origins.get(path) {
                return place.clone();
            }
            match path.rfind(['.', '[']) {
                Some(i) => path = &path[..i],
                None => return Place::sheet("survey"),
            }
        }
    }

    fn language_notes(&mut self) {
        let place = Place::sheet("survey");
        match (self.seen.contains("id"), self.seen.contains("en")) {
            (true, false) => self.warn(place, Warning::OneLanguage(Language::Indonesian)),
            (false, true) => self.warn(place, Warning::OneLanguage(Language::English)),
            (false, false) if self.seen.contains("unnamed") => {
                self.warn(place, Warning::NoLanguage)
            }
            _ => {}
        }
        for l in std::mem::take(&mut self.ignored_languages) {
            self.warn(Place::sheet("survey"), Warning::IgnoredLanguage(l));
        }
    }

    /// A text column in both languages: `label::Bahasa Indonesia (id)` and
    /// `label::English (en)`; a plain `label` is the default language's (or
    /// both when none is set); one language alone serves both.
    pub fn text(&mut self, row: &Row<'_>, base: &str) -> Option<Text> {
        let (mut id, mut en) = (None, None);
        for (language, value) in row.texts(base) {
            let target = match language {
                None => self.default_language,
                Some(l) => match language_of(l) {
                    Some(lang) => Some(lang),
                    None => {
                        self.ignored_languages.insert(l.to_owned());
                        continue;
                    }
                },
            };
            match target {
                Some(Language::Indonesian) => id = id.or(Some(value.to_owned())),
                Some(Language::English) => en = en.or(Some(value.to_owned())),
                None => {
                    self.seen.insert("unnamed");
                    id = id.or(Some(value.to_owned()));
                    en = en.or(Some(value.to_owned()));
                    continue;
                }
            }
        }
        match (id, en) {
            (None, None) => None,
            (Some(id), Some(en)) => {
                if row.texts(base).iter().any(|(l, _)| l.is_some()) {
                    self.seen.insert("id");
                    self.seen.insert("en");
                }
                Some(Text { id, en })
            }
            (Some(id), None) => {
                self.seen.insert("id");
                Some(Text { en: id.clone(), id })
            }
            (None, Some(en)) => {
                self.seen.insert("en");
                Some(Text { id: en.clone(), en })
            }
        }
    }

    /// A name as a Jangkau id: lower case, `-` and `.` as `_`.
    pub fn id_for(&mut self, name: &str, place: &Place) -> Option<String> {
        let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !valid {
            self.refuse(place.clone(), Refusal::BadName(name.to_owned()));
            return None;
        }
        let mut id: String = name
            .chars()
            .map(|c| match c {
                '-' | '.' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        if id.starts_with('_') {
            id.insert(0, 'q');
        }
        if id.len() > 64 {
            self.refuse(place.clone(), Refusal::BadName(name.to_owned()));
            return None;
        }
        if id != name {
            self.notes.push(Note {
                place: place.clone(),
                warning: Warning::Renamed {
                    from: name.to_owned(),
                    to: id.clone(),
                },
            });
        }
        Some(id)
    }

    /// Reads an expression, checks its `${name}`s, and writes them as the
    /// form's ids.
    pub fn expr(&mut self, source: &str, place: &Place) -> Option<Expr> {
        let parsed = match Expr::parse(source) {
            Ok(e) => e,
            Err(e) => {
                self.refuse(place.clone(), Refusal::BadExpression(e.to_string()));
                return None;
            }
        };
        let mut ok = true;
        for name in parsed.references() {
            if !self.names.contains_key(name) {
                self.refuse(place.clone(), Refusal::UnknownName(name.to_owned()));
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        let rewritten = self.rewrite(source);
        Expr::parse(&rewritten)
            .map_err(|e| self.refuse(place.clone(), Refusal::BadExpression(e.to_string())))
            .ok()
    }

    /// `${name}` → `${id}` throughout a text (labels and expressions).
    pub fn rewrite(&self, text: &str) -> String {
        crate::model::expr::fill_label(text, &|name| {
            format!("${{{}}}", self.names.get(name).map_or(name, String::as_str))
        })
    }

    /// Label references must name questions too.
    pub fn label_names(&mut self, text: &Text, place: &Place) -> Text {
        for t in [&text.id, &text.en] {
            for name in crate::model::expr::label_references(t) {
                if !self.names.contains_key(name) {
                    self.refuse(place.clone(), Refusal::UnknownName(name.to_owned()));
                }
            }
        }
        Text {
            id: self.rewrite(&text.id),
            en: self.rewrite(&text.en),
        }
    }

    fn settings(&mut self, table: Option<&Table<'_>>) -> (String, u32, FormDef) {
        let mut head = FormDef {
            id: String::new(),
            version: 1,
            title: Text {
                id: String::new(),
                en: String::new(),
            },
            description: None,
            kind: FormKind::Other,
            requires_consent: false,
            consent: None,
            sections: Vec::new(),
        };
        let Some(table) = table else {
            self.warn(Place::sheet("settings"), Warning::NoVersion);
            return ("xlsform".into(), 1, head);
        };
        let Some(row) = table.rows().next() else {
            self.warn(Place::sheet("settings"), Warning::NoVersion);
            return ("xlsform".into(), 1, head);
        };
        let n = row.number;
        if let Some(lang) = row.get("default_language") {
            self.default_language = language_of(lang);
        }
        let mut id = "xlsform".to_owned();
        if let Some(name) = row.get("form_id") {
            let place = Place::cell("settings", n, "form_id");
            if let Some(i) = self.id_for(name, &place) {
                id = i;
            }
        }
        self.title = self.text(&row, "form_title");
        head.description = self.text(&row, "description");
        match row.get("version") {
            None => self.warn(Place::sheet("settings"), Warning::NoVersion),
            Some(v) => match v.trim().parse::<u32>() {
                Ok(version) if version > 0 => head.version = version,
                _ => self.refuse(
                    Place::cell("settings", n, "version"),
                    Refusal::BadVersion(v.to_owned()),
                ),
            },
        }
        if let Some(kind) = row.get("kind") {
            match serde_json::from_value::<FormKind>(serde_json::Value::String(kind.into())) {
                Ok(k) => head.kind = k,
                Err(_) => self.refuse(
                    Place::cell("settings", n, "kind"),
                    Refusal::Unsupported(format!("kind \"{kind}\"")),
                ),
            }
        }
        if let Some(consent) = row.get("consent") {
            head.requires_consent = true;
            if consent != "yes" && consent != crate::model::form::DEFAULT_CONSENT {
                head.consent = Some(consent.to_owned());
            }
        }
        let known = [
            "form_id",
            "version",
            "form_title",
            "default_language",
            "description",
            "kind",
            "consent",
        ];
        for (column, _) in row.cells() {
            if !known.contains(&column.base.as_str()) {
                let c = column.raw.clone();
                self.warn(
                    Place::cell("settings", n, &c),
                    Warning::IgnoredSetting(c.clone()),
                );
            }
        }
        (id, head.version, head)
    }

    fn choices(&mut self, table: &Table<'_>) {
        let sheet = table.name().to_owned();
        // An empty choices sheet (a form with no select questions) is no
        // problem; a select naming a list still finds it missing.
        if table.rows().next().is_none() {
            return;
        }
        if !table.has("list_name") || !table.has("name") {
            for column in ["list_name", "name"] {
                if !table.has(column) {
                    self.refuse(Place::sheet(&sheet), Refusal::MissingColumn(column));
                }
            }
            return;
        }
        let fixed = ["list_name", "name", "label"];
        for row in table.rows() {
            let n = row.number;
            let (Some(list), Some(code)) = (row.get("list_name"), row.get("name")) else {
                if row.get("list_name").is_some() {
                    self.refuse(Place::cell(&sheet, n, "name"), Refusal::MissingName);
                }
                continue;
            };
            let label = match self.text(&row, "label") {
                Some(l) => l,
                None => {
                    self.refuse(Place::cell(&sheet, n, "label"), Refusal::NoLabel);
                    continue;
                }
            };
            let mut filter = BTreeMap::new();
            for (column, value) in row.cells() {
                if fixed.contains(&column.base.as_str()) {
                    continue;
                }
                if column.language.is_some() || is_media(&column.base) {
                    let c = column.raw.clone();
                    self.warn(
                        Place::cell(&sheet, n, &c),
                        Warning::IgnoredColumn(c.clone()),
                    );
                    continue;
                }
                filter.insert(column.base.clone(), value.to_owned());
            }
            let entry = self.lists.entry(list.to_owned()).or_default();
            if entry.iter().any(|(_, c)| c.code == code) {
                self.problems.push(Problem {
                    place: Place::cell(&sheet, n, "name"),
                    refusal: Refusal::DuplicateChoice(code.to_owned()),
                });
                continue;
            }
            entry.push((
                n,
                Choice {
                    code: code.to_owned(),
                    label,
                    filter,
                },
            ));
        }
    }
}

/// Columns for pictures and sound, which Jangkau does not show.
pub(crate) fn is_media(base: &str) -> bool {
    matches!(
        base,
        "image" | "audio" | "video" | "big-image" | "big_image"
    ) || base.starts_with("media")
}
