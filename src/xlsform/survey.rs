//! The survey sheet: its rows become questions, its groups screens and its repeats repeat groups.

use crate::model::expr::Expr;
use crate::model::form::{DateBound, Question, QuestionType, Repeat, Role, Section, TodayWord};
use crate::model::text::Text;

use super::table::{Row, Table};
use super::{is_media, Converter, Place, Refusal, Warning, DEFAULT_REPEAT_MAX};

/// Question types Jangkau refuses, with what to say.
const UNSUPPORTED: [&str; 14] = [
    "image",
    "audio",
    "video",
    "file",
    "barcode",
    "geotrace",
    "geoshape",
    "trigger",
    "acknowledge",
    "xml-external",
    "csv-external",
    "background-audio",
    "hidden",
    "rank",
];

/// Metadata types: filled by the phone (`today`, `end`) or ignored.
const METADATA: [&str; 10] = [
    "start",
    "deviceid",
    "username",
    "phonenumber",
    "subscriberid",
    "simserial",
    "audit",
    "email",
    "uri:deviceid",
    "start-geopoint",
];

/// Survey columns Jangkau reads; any other is ignored with a warning.
const KNOWN: [&str; 17] = [
    "type",
    "name",
    "label",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "default",
    "read_only",
    "choice_filter",
    "appearance",
    "parameters",
    "repeat_count",
    "role",
];

enum Frame {
    Group {
        row: usize,
        relevant: Option<Expr>,
        /// It opened a screen of its own (a top-level group).
        screen: bool,
        id: String,
        title: Option<Text>,
    },
    Repeat {
        row: usize,
    },
}

struct Build {
    sections: Vec<Section>,
    current: Option<Section>,
    /// How many frames the current section's relevance already covers.
    covered: usize,
    stack: Vec<Frame>,
    implicit: usize,
}

impl Build {
    /// Ends the current screen; an empty one is dropped (an empty group
    /// or repeat is refused where it began, see `end`).
    fn close(&mut self) {
        if let Some(s) = self.current.take().filter(|s| !s.questions.is_empty()) {
            self.sections.push(s);
        }
    }

    fn section_id(&mut self, base: &str) -> String {
        let taken = |id: &str, b: &Build| {
            b.sections.iter().any(|s| s.id == id) || b.current.as_ref().is_some_and(|s| s.id == id)
        };
        if !taken(base, self) {
            return base.to_owned();
        }
        loop {
            self.implicit += 1;
            let id = format!("{base}_{}", self.implicit);
            if !taken(&id, self) {
                return id;
            }
        }
    }

    fn in_repeat(&self) -> bool {
        self.stack.iter().any(|f| matches!(f, Frame::Repeat { .. }))
    }

    /// The relevance of the open groups from depth `from` on, joined with `and`.
    fn relevance(&self, from: usize) -> Vec<&Expr> {
        self.stack
            .iter()
            .skip(from)
            .filter_map(|f| match f {
                Frame::Group { relevant, .. } => relevant.as_ref(),
                Frame::Repeat { .. } => None,
            })
            .collect()
    }
}

fn and(parts: &[&Expr]) -> Option<Expr> {
    match parts {
        [] => None,
        [one] => Some((*one).clone()),
        many => {
            let joined = many
                .iter()
                .map(|e| format!("({})", e.source()))
                .collect::<Vec<_>>()
                .join(" and ");
            Expr::parse(&joined).ok()
        }
    }
}

/// `begin group`, `begin_group`, `select_one list` → the words.
fn words(t: &str) -> Vec<String> {
    let t = t.trim();
    let lowered = t.to_lowercase();
    for (prefix, with) in [
        ("begin_group", "begin group"),
        ("end_group", "end group"),
        ("begin_repeat", "begin repeat"),
        ("end_repeat", "end repeat"),
    ] {
        if lowered == prefix {
            return with.split(' ').map(str::to_owned).collect();
        }
    }
    let mut parts: Vec<String> = t.split_whitespace().map(str::to_owned).collect();
    if let Some(first) = parts.first_mut() {
        *first = first.to_lowercase();
    }
    if parts.len() >= 2 && (parts[0] == "begin" || parts[0] == "end") {
        parts[1] = parts[1].to_lowercase();
    }
    parts
}

fn yes(value: Option<&str>) -> Result<bool, String> {
    match value.map(|v| v.trim().to_lowercase()) {
        None => Ok(false),
        Some(v) => match v.as_str() {
            "yes" | "true" | "true()" | "1" | "ya" => Ok(true),
            "no" | "false" | "false()" | "0" | "tidak" | "" => Ok(false),
            _ => Err(v),
        },
    }
}

impl Converter {
    /// First pass: every name, so expressions may read later questions.
    fn collect_names(&mut self, table: &Table<'_>) {
        let sheet = table.name().to_owned();
        for row in table.rows() {
            let Some(t) = row.get("type") else { continue };
            let w = words(t);
            if w.first().map(String::as_str) == Some("end") {
                continue;
            }
            let Some(name) = row.get("name") else {
                continue;
            };
            let place = Place::cell(&sheet, row.number, "name");
            if self.names.contains_key(name) {
                self.refuse(place, Refusal::DuplicateName(name.to_owned()));
                continue;
            }
            if let Some(id) = self.id_for(name, &place) {
                if self.names.values().any(|v| *v == id) {
                    self.refuse(place, Refusal::DuplicateName(id));
                    continue;
                }
                self.names.insert(name.to_owned(), id);
            }
        }
    }

    pub(super) fn survey(&mut self, table: &Table<'_>, title: &Text) -> Vec<Section> {
        self.collect_names(table);
        let sheet = table.name().to_owned();
        for column in &table.columns {
            let base = column.base.as_str();
            if !KNOWN.contains(&base) || is_media(base) {
                let raw = column.raw.clone();
                self.warn(
                    Place::cell(&sheet, 1, &raw),
                    Warning::IgnoredColumn(raw.clone()),
                );
            }
        }
        let mut b = Build {
            sections: Vec::new(),
            current: None,
            covered: 0,
            stack: Vec::new(),
            implicit: 0,
        };
        for row in table.rows() {
            self.row(&row, &sheet, &mut b, title);
        }
        for frame in std::mem::take(&mut b.stack) {
            let (row, kind) = match frame {
                Frame::Group { row, .. } => (row, "group"),
                Frame::Repeat { row } => (row, "repeat"),
            };
            self.refuse(
                Place::cell(&sheet, row, "type"),
                Refusal::Unclosed(kind.into()),
            );
        }
        b.close();
        b.sections
    }

    fn row(&mut self, row: &Row<'_>, sheet: &str, b: &mut Build, title: &Text) {
        let n = row.number;
        let Some(t) = row.get("type") else {
            if row.get("name").is_some() || row.get("label").is_some() {
                self.refuse(
                    Place::cell(sheet, n, "type"),
                    Refusal::MissingColumn("type"),
                );
            }
            return;
        };
        let w = words(t);
        let head = w.first().map(String::as_str).unwrap_or_default();
        match (head, w.get(1).map(String::as_str)) {
            ("begin", Some("group")) => return self.begin_group(row, sheet, b, title),
            ("begin", Some("repeat")) => return self.begin_repeat(row, sheet, b, title),
            ("end", Some(kind @ ("group" | "repeat"))) => return self.end(row, sheet, b, kind),
            _ => {}
        }
        let Some(q) = self.question(row, sheet, &w) else {
            return;
        };
        if b.current.is_none() {
            // Questions outside any screen-making group: a screen of their
            // own, or the rest of the group a repeat interrupted.
            let (base, section_title) = b
                .stack
                .iter()
                .find_map(|f| match f {
                    Frame::Group {
                        screen: true,
                        id,
                        title: t,
                        ..
                    } => Some((id.clone(), t.clone())),
                    _ => None,
                })
                .unwrap_or_else(|| ("main".to_owned(), None));
            let id = b.section_id(&base);
            let relevant = and(&b.relevance(0));
            b.current = Some(Section {
                id,
                title: section_title.unwrap_or_else(|| title.clone()),
                show_if: None,
                relevant,
                repeat: None,
                questions: Vec::new(),
            });
            b.covered = b.stack.len();
        }
        let mut q = q;
        let extra = b.relevance(b.covered);
        if !extra.is_empty() {
            let mut parts = extra;
            let own = q.relevant.take();
            if let Some(own) = &own {
                parts.push(own);
            }
            q.relevant = and(&parts);
        }
        let si = b.sections.len();
        if let Some(s) = b.current.as_mut() {
            let qi = s.questions.len();
            self.origins.insert(
                format!("sections[{si}].questions[{qi}]"),
                Place::row(sheet, n),
            );
            for (field, column) in [
                ("relevant", "relevant"),
                ("constraint", "constraint"),
                ("calculation", "calculation"),
                ("choice_filter", "choice_filter"),
                ("label", "label"),
                ("hint", "hint"),
                ("required", "required"),
                ("role", "role"),
                ("message", "constraint_message"),
                ("id", "name"),
                ("min", "parameters"),
                ("max", "parameters"),
            ] {
                self.origins.insert(
                    format!("sections[{si}].questions[{qi}].{field}"),
                    Place::cell(sheet, n, column),
                );
            }
            s.questions.push(q);
        }
    }

    fn begin_group(&mut self, row: &Row<'_>, sheet: &str, b: &mut Build, title: &Text) {
        let n = row.number;
        let relevant = row
            .get("relevant")
            .and_then(|r| self.expr(r, &Place::cell(sheet, n, "relevant")));
        let name = row.get("name").unwrap_or_default();
        let id = self
            .names
            .get(name)
            .cloned()
            .unwrap_or_else(|| "group".into());
        if name.is_empty() {
            self.refuse(Place::cell(sheet, n, "name"), Refusal::MissingName);
        }
        let label = self.text(row, "label");
        self.appearance(row, sheet, &["field-list"]);
        let screen = b.stack.is_empty();
        if screen {
            b.close();
            let sid = b.section_id(&id);
            let si = b.sections.len();
            self.origins
                .insert(format!("sections[{si}]"), Place::row(sheet, n));
            b.current = Some(Section {
                id: sid,
                title: label.clone().unwrap_or_else(|| title.clone()),
                show_if: None,
                relevant: relevant.clone(),
                repeat: None,
                questions: Vec::new(),
            });
        } else {
            self.warn(Place::row(sheet, n), Warning::NestedGroup(name.to_owned()));
        }
        b.stack.push(Frame::Group {
            row: n,
            relevant,
            screen,
            id,
            title: label,
        });
        if screen {
            b.covered = b.stack.len();
        }
    }

    fn begin_repeat(&mut self, row: &Row<'_>, sheet: &str, b: &mut Build, title: &Text) {
        let n = row.number;
        if b.in_repeat() {
            self.refuse(Place::cell(sheet, n, "type"), Refusal::RepeatInRepeat);
            b.stack.push(Frame::Repeat { row: n });
            return;
        }
        let own = row
            .get("relevant")
            .and_then(|r| self.expr(r, &Place::cell(sheet, n, "relevant")));
        let count = row
            .get("repeat_count")
            .and_then(|r| self.expr(r, &Place::cell(sheet, n, "repeat_count")));
        let name = row.get("name").unwrap_or_default();
        if name.is_empty() {
            self.refuse(Place::cell(sheet, n, "name"), Refusal::MissingName);
        }
        let id = self
            .names
            .get(name)
            .cloned()
            .unwrap_or_else(|| "repeat".into());
        let label = self.text(row, "label").unwrap_or_else(|| title.clone());
        self.appearance(row, sheet, &["field-list"]);
        b.close();
        let mut parts = b.relevance(0);
        if let Some(o) = &own {
            parts.push(o);
        }
        let relevant = and(&parts);
        let sid = b.section_id(&id);
        let si = b.sections.len();
        self.origins
            .insert(format!("sections[{si}]"), Place::row(sheet, n));
        self.origins.insert(
            format!("sections[{si}].repeat.count"),
            Place::cell(sheet, n, "repeat_count"),
        );
        b.current = Some(Section {
            id: sid,
            title: label.clone(),
            show_if: None,
            relevant,
            repeat: Some(Repeat {
                min: 0,
                max: DEFAULT_REPEAT_MAX,
                item_label: label,
                count,
            }),
            questions: Vec::new(),
        });
        b.stack.push(Frame::Repeat { row: n });
        b.covered = b.stack.len();
    }

    fn end(&mut self, row: &Row<'_>, sheet: &str, b: &mut Build, kind: &str) {
        let n = row.number;
        let matches = match b.stack.last() {
            Some(Frame::Group { .. }) => kind == "group",
            Some(Frame::Repeat { .. }) => kind == "repeat",
            None => false,
        };
        if !matches {
            self.refuse(
                Place::cell(sheet, n, "type"),
                Refusal::EndWithoutBegin(kind.into()),
            );
            return;
        }
        let closes_screen = match b.stack.pop() {
            Some(Frame::Repeat { row }) => {
                if b.current.as_ref().is_some_and(|s| s.questions.is_empty()) {
                    self.refuse(Place::cell(sheet, row, "type"), Refusal::EmptyGroup);
                }
                true
            }
            Some(Frame::Group { screen, row, .. }) => {
                if screen && b.current.as_ref().is_some_and(|s| s.questions.is_empty()) {
                    self.refuse(Place::cell(sheet, row, "type"), Refusal::EmptyGroup);
                }
                screen
            }
            None => false,
        };
        if closes_screen {
            b.close();
            b.covered = b.stack.len();
        }
    }

    fn appearance(&mut self, row: &Row<'_>, sheet: &str, meaningful: &[&str]) -> Vec<String> {
        let Some(a) = row.get("appearance") else {
            return Vec::new();
        };
        let mut kept = Vec::new();
        for word in a.split_whitespace() {
            if meaningful.contains(&word) {
                kept.push(word.to_owned());
            } else {
                self.warn(
                    Place::cell(sheet, row.number, "appearance"),
                    Warning::IgnoredAppearance(word.to_owned()),
                );
            }
        }
        kept
    }

    fn question(&mut self, row: &Row<'_>, sheet: &str, w: &[String]) -> Option<Question> {
        let n = row.number;
        let at = |column: &str| Place::cell(sheet, n, column);
        let head = w.first().map(String::as_str).unwrap_or_default();
        if UNSUPPORTED.contains(&head)
            || head.ends_with("_from_file")
            || head == "select_one_external"
        {
            self.refuse(at("type"), Refusal::Unsupported(format!("type \"{head}\"")));
            return None;
        }
        if METADATA.contains(&head) {
            self.warn(at("type"), Warning::IgnoredMetadata(head.to_owned()));
            return None;
        }
        let mut calculation = None;
        let mut list = None;
        let mut range = None;
        let kind = match head {
            "text" => {
                if self.appearance(row, sheet, &["multiline"]).is_empty() {
                    QuestionType::Text
                } else {
                    QuestionType::LongText
                }
            }
            "integer" | "int" => QuestionType::Integer,
            "decimal" => QuestionType::Decimal,
            "date" => QuestionType::Date,
            "note" => QuestionType::Note,
            "calculate" => QuestionType::Calculate,
            "geopoint" => {
                self.warn(at("type"), Warning::Geopoint);
                QuestionType::Gps
            }
            "participant_code" => QuestionType::ParticipantCode,
            "today" | "end" => {
                calculation = Some(if head == "today" { "today()" } else { "now()" });
                QuestionType::Calculate
            }
            "range" => {
                range = Some(self.range(row, sheet)?);
                QuestionType::Scale
            }
            "select_one" | "select_multiple" | "select1" => {
                let Some(name) = w.get(1) else {
                    self.refuse(at("type"), Refusal::UnknownType(w.join(" ")));
                    return None;
                };
                list = Some(name.clone());
                if head == "select_multiple" {
                    QuestionType::MultipleChoice
                } else {
                    QuestionType::SingleChoice
                }
            }
            _ => {
                self.refuse(at("type"), Refusal::UnknownType(w.join(" ")));
                return None;
            }
        };
        if kind != QuestionType::Text && kind != QuestionType::LongText {
            self.appearance(row, sheet, &[]);
        }
        let name = match row.get("name") {
            Some(name) => name,
            None => {
                self.refuse(at("name"), Refusal::MissingName);
                return None;
            }
        };
        let id = self.names.get(name)?.clone();
        let mut kind = kind;
        let mut choices = Vec::new();
        if let Some(list) = &list {
            match self.lists.get(list) {
                None => {
                    self.refuse(at("type"), Refusal::UnknownList(list.clone()));
                    return None;
                }
                Some(items) if items.is_empty() => {
                    self.refuse(at("type"), Refusal::EmptyList(list.clone()));
                    return None;
                }
                Some(items) => {
                    choices = items.iter().map(|(_, c)| c.clone()).collect();
                    let codes: Vec<&str> = choices.iter().map(|c| c.code.as_str()).collect();
                    if kind == QuestionType::SingleChoice
                        && codes.len() == 2
                        && codes.contains(&"yes")
                        && codes.contains(&"no")
                    {
                        kind = QuestionType::YesNo;
                        choices.clear();
                    }
                }
            }
        }
        let label = match self.text(row, "label") {
            Some(l) => Some(self.label_names(&l, &at("label"))),
            None if kind == QuestionType::Calculate => Some(Text {
                id: id.clone(),
                en: id.clone(),
            }),
            None => {
                self.refuse(at("label"), Refusal::NoLabel);
                None
            }
        }?;
        let hint = self
            .text(row, "hint")
            .map(|h| self.label_names(&h, &at("hint")));
        let required = match yes(row.get("required")) {
            Ok(r) => r,
            Err(v) => {
                self.refuse(at("required"), Refusal::BadRequired(v));
                false
            }
        };
        let read_only = match yes(row.get("read_only")) {
            Ok(r) => r,
            Err(v) => {
                self.refuse(at("read_only"), Refusal::BadRequired(v));
                false
            }
        };
        let expr = |c: &mut Converter, column: &str| {
            row.get(column).and_then(|src| c.expr(src, &at(column)))
        };
        let relevant = expr(self, "relevant");
        let constraint = expr(self, "constraint");
        let calculation = match calculation {
            Some(src) => Expr::parse(src).ok(),
            None => expr(self, "calculation"),
        };
        let choice_filter = expr(self, "choice_filter");
        let default = match (row.get("default"), kind) {
            (None, _) => None,
            (Some(d), QuestionType::Date) => {
                let d = d.trim();
                if d == "today()" || d == "today" {
                    Some(DateBound::Today(TodayWord::Today))
                } else if let Ok(date) = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                    Some(DateBound::Fixed(date))
                } else {
                    self.warn(at("default"), Warning::IgnoredDefault);
                    None
                }
            }
            (Some(_), _) => {
                self.warn(at("default"), Warning::IgnoredDefault);
                None
            }
        };
        let role = match row.get("role") {
            None => None,
            Some(r) => match serde_json::from_value::<Role>(serde_json::Value::String(r.into())) {
                Ok(role) => Some(role),
                Err(_) => {
                    self.refuse(at("role"), Refusal::Unsupported(format!("role \"{r}\"")));
                    None
                }
            },
        };
        let (mut min, mut max) = (None, None);
        if let Some((lo, hi, scale)) = range {
            min = Some(lo);
            max = Some(hi);
            if !scale {
                kind = QuestionType::Decimal;
                if lo.fract() == 0.0 && hi.fract() == 0.0 {
                    kind = QuestionType::Integer;
                }
                self.warn(at("parameters"), Warning::RangeAsNumber);
            }
        }
        let message = self.text(row, "constraint_message");
        let required_message = self.text(row, "required_message");
        Some(Question {
            id,
            kind,
            label,
            hint,
            required,
            show_if: None,
            choices,
            min,
            max,
            min_length: None,
            max_length: None,
            pattern: None,
            min_date: None,
            max_date: None,
            default,
            message: message.filter(|_| constraint.is_some()),
            min_label: None,
            max_label: None,
            role,
            relevant,
            constraint,
            calculation,
            choice_filter,
            read_only,
            required_message: required_message.filter(|_| required),
        })
    }

    /// `start=1 end=5 step=1` → (1, 5, whether it is a scale).
    fn range(&mut self, row: &Row<'_>, sheet: &str) -> Option<(f64, f64, bool)> {
        let params = row.get("parameters").unwrap_or_default();
        let (mut start, mut end, mut step) = (0.0, 10.0, 1.0);
        for part in params.split([' ', ';', ',']).filter(|p| !p.is_empty()) {
            let parsed = part
                .split_once('=')
                .and_then(|(k, v)| v.trim().parse::<f64>().ok().map(|v| (k.trim(), v)));
            match parsed {
                Some(("start", v)) => start = v,
                Some(("end", v)) => end = v,
                Some(("step", v)) => step = v,
                _ => {
                    self.refuse(
                        Place::cell(sheet, row.number, "parameters"),
                        Refusal::BadRange(params.to_owned()),
                    );
                    return None;
                }
            }
        }
        let (lo, hi) = if start <= end {
            (start, end)
        } else {
            (end, start)
        };
        let scale = step == 1.0
            && lo.fract() == 0.0
            && hi.fract() == 0.0
            && lo >= 0.0
            && hi <= 10.0
            && hi - lo >= 1.0;
        Some((lo, hi, scale))
    }
}
