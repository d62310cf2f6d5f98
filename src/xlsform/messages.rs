//! What an XLSForm import reports — refusals and warnings, each with its sheet, row and column — in both interface languages.

use crate::model::language::Language;

/// Where in the workbook: a sheet, and a row (as the spreadsheet numbers
/// it, from 1) and column when known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub sheet: String,
    pub row: Option<usize>,
    pub column: Option<String>,
}

impl Place {
    pub fn sheet(sheet: &str) -> Place {
        Place {
            sheet: sheet.to_owned(),
            row: None,
            column: None,
        }
    }

    pub fn cell(sheet: &str, row: usize, column: &str) -> Place {
        Place {
            sheet: sheet.to_owned(),
            row: Some(row),
            column: Some(column.to_owned()),
        }
    }

    pub fn row(sheet: &str, row: usize) -> Place {
        Place {
            sheet: sheet.to_owned(),
            row: Some(row),
            column: None,
        }
    }

    fn text(&self, language: Language) -> String {
        let (row, column) = match language {
            Language::Indonesian => ("baris", "kolom"),
            Language::English => ("row", "column"),
        };
        let mut out = self.sheet.clone();
        if let Some(r) = self.row {
            out.push_str(&format!(", {row} {r}"));
        }
        if let Some(c) = &self.column {
            out.push_str(&format!(", {column} {c}"));
        }
        out
    }
}

/// Why a workbook cannot become a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The file is not a workbook calamine can read.
    NotAWorkbook(String),
    MissingSheet(&'static str),
    MissingColumn(&'static str),
    /// A question type, or a feature, that Jangkau cannot ask.
    Unsupported(String),
    UnknownType(String),
    UnknownList(String),
    EmptyList(String),
    DuplicateName(String),
    DuplicateChoice(String),
    BadName(String),
    MissingName,
    NoLabel,
    UnknownName(String),
    BadExpression(String),
    BadRequired(String),
    BadVersion(String),
    BadRange(String),
    EndWithoutBegin(String),
    Unclosed(String),
    RepeatInRepeat,
    EmptyGroup,
    NoQuestions,
    TooManyRows(usize),
    /// A problem the form checks found, in their words (English).
    Form(String),
}

impl Refusal {
    fn text(&self, language: Language) -> String {
        let id = language == Language::Indonesian;
        match self {
            Refusal::NotAWorkbook(why) if id => {
                format!("berkas ini bukan buku kerja Excel (.xlsx/.xls) atau ODS yang terbaca ({why})")
            }
            Refusal::NotAWorkbook(why) => {
                format!("this file is not a readable Excel (.xlsx/.xls) or ODS workbook ({why})")
            }
            Refusal::MissingSheet(s) if id => format!("lembar \"{s}\" tidak ada"),
            Refusal::MissingSheet(s) => format!("there is no \"{s}\" sheet"),
            Refusal::MissingColumn(c) if id => format!("kolom \"{c}\" tidak ada"),
            Refusal::MissingColumn(c) => format!("the column \"{c}\" is missing"),
            Refusal::Unsupported(what) if id => {
                format!("{what} tidak didukung Jangkau — ubah atau hapus baris ini")
            }
            Refusal::Unsupported(what) => {
                format!("{what} is not supported by Jangkau — change or remove this row")
            }
            Refusal::UnknownType(t) if id => format!("jenis pertanyaan \"{t}\" tidak dikenal"),
            Refusal::UnknownType(t) => format!("\"{t}\" is not a known question type"),
            Refusal::UnknownList(l) if id => {
                format!("daftar pilihan \"{l}\" tidak ada di lembar choices")
            }
            Refusal::UnknownList(l) => format!("the choice list \"{l}\" is not on the choices sheet"),
            Refusal::EmptyList(l) if id => format!("daftar pilihan \"{l}\" kosong"),
            Refusal::EmptyList(l) => format!("the choice list \"{l}\" is empty"),
            Refusal::DuplicateName(n) if id => format!("nama \"{n}\" dipakai lebih dari sekali"),
            Refusal::DuplicateName(n) => format!("the name \"{n}\" is used more than once"),
            Refusal::DuplicateChoice(n) if id => {
                format!("pilihan \"{n}\" muncul dua kali di daftar yang sama")
            }
            Refusal::DuplicateChoice(n) => format!("the choice \"{n}\" appears twice in one list"),
            Refusal::BadName(n) if id => format!(
                "\"{n}\" bukan nama yang sah (huruf, angka, _ - ., diawali huruf atau _)"
            ),
            Refusal::BadName(n) => format!(
                "\"{n}\" is not a valid name (letters, digits, _ - ., starting with a letter or _)"
            ),
            Refusal::MissingName if id => "nama kosong".into(),
            Refusal::MissingName => "the name is empty".into(),
            Refusal::NoLabel if id => "pertanyaan ini tidak punya label".into(),
            Refusal::NoLabel => "this question has no label".into(),
            Refusal::UnknownName(n) if id => format!("merujuk ${{{n}}}, yang tidak ada di formulir"),
            Refusal::UnknownName(n) => format!("refers to ${{{n}}}, which is not in the form"),
            Refusal::BadExpression(e) if id => format!("ekspresi tidak terbaca: {e}"),
            Refusal::BadExpression(e) => format!("the expression cannot be read: {e}"),
            Refusal::BadRequired(v) if id => format!(
                "\"{v}\" tidak bisa dipakai di required: tulis yes atau no (ekspresi belum didukung)"
            ),
            Refusal::BadRequired(v) => format!(
                "\"{v}\" cannot be used in required: write yes or no (expressions are not supported)"
            ),
            Refusal::BadVersion(v) if id => format!(
                "versi \"{v}\" harus bilangan bulat 1–4294967295 yang naik tiap perubahan (misalnya 2026120201)"
            ),
            Refusal::BadVersion(v) => format!(
                "the version \"{v}\" must be a whole number 1–4294967295 that rises with each change (e.g. 2026120201)"
            ),
            Refusal::BadRange(v) if id => format!("parameter range \"{v}\" tidak terbaca"),
            Refusal::BadRange(v) => format!("the range parameters \"{v}\" cannot be read"),
            Refusal::EndWithoutBegin(k) if id => format!("end {k} tanpa begin {k}"),
            Refusal::EndWithoutBegin(k) => format!("end {k} without begin {k}"),
            Refusal::Unclosed(k) if id => format!("begin {k} ini tidak pernah ditutup dengan end {k}"),
            Refusal::Unclosed(k) => format!("this begin {k} is never closed with end {k}"),
            Refusal::RepeatInRepeat if id => "repeat di dalam repeat belum didukung".into(),
            Refusal::RepeatInRepeat => "a repeat inside a repeat is not supported".into(),
            Refusal::EmptyGroup if id => "grup ini tidak berisi pertanyaan".into(),
            Refusal::EmptyGroup => "this group holds no question".into(),
            Refusal::NoQuestions if id => "formulir tidak berisi pertanyaan".into(),
            Refusal::NoQuestions => "the form holds no question".into(),
            Refusal::TooManyRows(n) if id => format!("lebih dari {n} baris"),
            Refusal::TooManyRows(n) => format!("more than {n} rows"),
            Refusal::Form(e) if id => format!("pemeriksaan formulir: {e}"),
            Refusal::Form(e) => format!("form check: {e}"),
        }
    }
}

/// Something the import changed or left out, which the form still works without.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// A column Jangkau does not use (media, guidance_hint, bind::…).
    IgnoredColumn(String),
    /// A metadata question (start, deviceid…) Jangkau does not keep.
    IgnoredMetadata(String),
    IgnoredAppearance(String),
    IgnoredSetting(String),
    IgnoredDefault,
    /// Text in a language Jangkau does not show.
    IgnoredLanguage(String),
    /// Text in one language only: the other shows the same.
    OneLanguage(Language),
    /// Text without a language and no `default_language`: both show it.
    NoLanguage,
    Renamed {
        from: String,
        to: String,
    },
    NoVersion,
    NestedGroup(String),
    Geopoint,
    RangeAsNumber,
}

impl Warning {
    fn text(&self, language: Language) -> String {
        let id = language == Language::Indonesian;
        match self {
            Warning::IgnoredColumn(c) if id => format!("kolom \"{c}\" diabaikan"),
            Warning::IgnoredColumn(c) => format!("the column \"{c}\" is ignored"),
            Warning::IgnoredMetadata(t) if id => format!(
                "\"{t}\" diabaikan: catatan sudah menyimpan waktu dibuat dan diubah, dan Jangkau tidak mencatat identitas ponsel"
            ),
            Warning::IgnoredMetadata(t) => format!(
                "\"{t}\" is ignored: records already keep when they were made and changed, and Jangkau does not record the phone's identity"
            ),
            Warning::IgnoredAppearance(a) if id => format!("appearance \"{a}\" diabaikan"),
            Warning::IgnoredAppearance(a) => format!("the appearance \"{a}\" is ignored"),
            Warning::IgnoredSetting(s) if id => format!("pengaturan \"{s}\" diabaikan"),
            Warning::IgnoredSetting(s) => format!("the setting \"{s}\" is ignored"),
            Warning::IgnoredDefault if id => {
                "nilai default hanya dipakai untuk tanggal; yang ini diabaikan".into()
            }
            Warning::IgnoredDefault => "defaults are used for dates only; this one is ignored".into(),
            Warning::IgnoredLanguage(l) if id => {
                format!("teks berbahasa \"{l}\" diabaikan (Jangkau memakai Indonesia dan Inggris)")
            }
            Warning::IgnoredLanguage(l) => {
                format!("text in \"{l}\" is ignored (Jangkau shows Indonesian and English)")
            }
            Warning::OneLanguage(Language::Indonesian) if id => {
                "hanya ada teks bahasa Indonesia: versi Inggris menampilkan teks yang sama".into()
            }
            Warning::OneLanguage(Language::Indonesian) => {
                "text is in Indonesian only: English shows the same text".into()
            }
            Warning::OneLanguage(Language::English) if id => {
                "hanya ada teks bahasa Inggris: versi Indonesia menampilkan teks yang sama".into()
            }
            Warning::OneLanguage(Language::English) => {
                "text is in English only: Indonesian shows the same text".into()
            }
            Warning::NoLanguage if id => {
                "teks tanpa bahasa (tidak ada default_language): versi Indonesia dan Inggris menampilkan teks yang sama".into()
            }
            Warning::NoLanguage => {
                "text has no language (no default_language): Indonesian and English show the same text".into()
            }
            Warning::Renamed { from, to } if id => format!(
                "nama \"{from}\" menjadi \"{to}\" (Jangkau memakai huruf kecil, angka dan _)"
            ),
            Warning::Renamed { from, to } => format!(
                "the name \"{from}\" becomes \"{to}\" (Jangkau uses lower-case letters, digits and _)"
            ),
            Warning::NoVersion if id => "tidak ada versi: formulir ini menjadi versi 1".into(),
            Warning::NoVersion => "no version: this form becomes version 1".into(),
            Warning::NestedGroup(g) if id => {
                format!("grup \"{g}\" di dalam grup lain digabung ke layar grup luarnya")
            }
            Warning::NestedGroup(g) => {
                format!("the group \"{g}\" inside another group joins the outer group's screen")
            }
            Warning::Geopoint if id => {
                "geopoint mencatat letak lokasi kerja saja — jangan rumah seseorang".into()
            }
            Warning::Geopoint => {
                "geopoint records a site's location only — never a person's home".into()
            }
            Warning::RangeAsNumber if id => {
                "range ini bukan skala 0–10 dengan langkah 1: menjadi pertanyaan angka dengan batas".into()
            }
            Warning::RangeAsNumber => {
                "this range is not a 0–10 scale in steps of 1: it becomes a number question with bounds".into()
            }
        }
    }
}

/// A refusal with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub place: Place,
    pub refusal: Refusal,
}

/// A warning with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub place: Place,
    pub warning: Warning,
}

impl Problem {
    pub fn text(&self, language: Language) -> String {
        format!(
            "{}: {}",
            self.place.text(language),
            self.refusal.text(language)
        )
    }
}

impl Note {
    pub fn text(&self, language: Language) -> String {
        format!(
            "{}: {}",
            self.place.text(language),
            self.warning.text(language)
        )
    }
}
