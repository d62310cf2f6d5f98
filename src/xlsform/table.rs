//! A sheet read as a table: its header row, columns by name and language, and rows numbered as the spreadsheet numbers them.

use crate::model::language::Language;

/// One sheet of a workbook: every cell as text, row by row from the top.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<String>>,
}

/// The sheets of a workbook, as read from the file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
}

impl Workbook {
    /// The sheet of this name (any case, surrounding blanks ignored).
    pub fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheets
            .iter()
            .find(|s| s.name.trim().eq_ignore_ascii_case(name))
    }
}

/// A column: its base name (`label`) and language (`English (en)`), as in
/// `label::English (en)`.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub index: usize,
    pub raw: String,
    pub base: String,
    pub language: Option<String>,
}

pub(crate) struct Table<'a> {
    pub sheet: &'a Sheet,
    pub columns: Vec<Column>,
    header: usize,
}

/// One data row.
pub(crate) struct Row<'a> {
    /// As the spreadsheet numbers it (the header is usually row 1).
    pub number: usize,
    cells: &'a [String],
    table: &'a Table<'a>,
}

/// Column names as XLSForm writers vary them: `list name`, `constraint message`.
fn canonical(base: &str) -> String {
    let lower = base.trim().to_lowercase().replace(' ', "_");
    match lower.as_str() {
        "list_name" | "listname" => "list_name".into(),
        "constraint_msg" | "jr:constraintmsg" => "constraint_message".into(),
        "required_msg" | "jr:requiredmsg" => "required_message".into(),
        _ => lower,
    }
}

impl<'a> Table<'a> {
    /// The first non-empty row is the header.
    pub fn new(sheet: &'a Sheet) -> Table<'a> {
        let header = sheet
            .rows
            .iter()
            .position(|r| r.iter().any(|c| !c.trim().is_empty()))
            .unwrap_or(0);
        let columns = sheet
            .rows
            .get(header)
            .map(|cells| {
                cells
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| !c.trim().is_empty())
                    .map(|(index, raw)| {
                        let (base, language) = match raw.split_once("::") {
                            Some((b, l)) => (b, Some(l.trim().to_owned())),
                            None => (raw.as_str(), None),
                        };
                        Column {
                            index,
                            raw: raw.trim().to_owned(),
                            base: canonical(base),
                            language,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        Table {
            sheet,
            columns,
            header,
        }
    }

    pub fn has(&self, base: &str) -> bool {
        self.columns.iter().any(|c| c.base == base)
    }

    /// Every data row that holds something.
    pub fn rows(&'a self) -> impl Iterator<Item = Row<'a>> + 'a {
        self.sheet
            .rows
            .iter()
            .enumerate()
            .skip(self.header + 1)
            .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
            .map(move |(i, cells)| Row {
                number: i + 1,
                cells,
                table: self,
            })
    }

    pub fn name(&self) -> &str {
        &self.sheet.name
    }
}

impl Row<'_> {
    fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", |c| c.trim())
    }

    /// The value of the column without a language, blank as `None`.
    pub fn get(&self, base: &str) -> Option<&str> {
        self.table
            .columns
            .iter()
            .filter(|c| c.base == base && c.language.is_none())
            .map(|c| self.cell(c.index))
            .find(|v| !v.is_empty())
    }

    /// Every non-blank value of `base`, with the column's language.
    pub fn texts(&self, base: &str) -> Vec<(Option<&str>, &str)> {
        self.table
            .columns
            .iter()
            .filter(|c| c.base == base)
            .map(|c| (c.language.as_deref(), self.cell(c.index)))
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }

    /// Every non-blank cell with its column.
    pub fn cells(&self) -> impl Iterator<Item = (&Column, &str)> {
        self.table
            .columns
            .iter()
            .map(|c| (c, self.cell(c.index)))
            .filter(|(_, v)| !v.is_empty())
    }
}

/// The interface language a column's language names, if Jangkau shows it:
/// `Bahasa Indonesia (id)`, `Indonesian`, `English (en)`, `en`…
pub(crate) fn language_of(name: &str) -> Option<Language> {
    let lower = name.trim().to_lowercase();
    if let Some(code) = lower
        .rsplit_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
    {
        return Language::from_code(code);
    }
    if lower.starts_with("indonesia") || lower.starts_with("bahasa") {
        Some(Language::Indonesian)
    } else if lower.starts_with("english") || lower.starts_with("inggris") {
        Some(Language::English)
    } else {
        Language::from_code(&lower).filter(|_| lower.len() <= 5)
    }
}
