//! Moving records between phones without a server: the JSON export (a `jangkau.batch/1` body) read back, checked, and merged by record id.

use std::collections::{BTreeSet, HashSet};

use chrono::{FixedOffset, NaiveDate};
use serde_json::Value;
use thiserror::Error;
use uuid::Uuid;

use super::{current, record_day};
use crate::model::answer::AnswerError;
use crate::model::consent::gate;
use crate::model::form::FormDef;
use crate::model::record::{Record, RecordStatus, WITHDRAWAL_FORM};
use crate::sync::wire::{Entry, SCHEMA};

/// Files larger than this are refused before parsing (a 10 000-record
/// export is about 15 MB).
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImportError {
    #[error("the file is larger than {0} MB")]
    TooLarge(usize),
    #[error("the file is encrypted to the programme key; only the programme can open it")]
    Encrypted,
    #[error("the file is not a Jangkau JSON export")]
    NotAnExport,
    /// The phone could not read the file itself (moved, deleted, no access).
    #[error("the file could not be read")]
    Unreadable,
}

/// Why one record in a file was not taken.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EntryProblem {
    #[error("its content is encrypted to the programme key")]
    Encrypted,
    #[error("it is not a record: {0}")]
    Malformed(String),
    #[error("form {0} is not known to this version of Jangkau")]
    UnknownForm(String),
    /// The form is known, but this record was made with a later version
    /// of it than this phone has.
    #[error("it was made with version {version} of form {form}, newer than this phone has")]
    NewerFormVersion { form: String, version: u32 },
    /// An answer that would be refused if typed: the record is not taken
    /// (reports would count it as it is).
    #[error("answer {question:?} is not valid: {error}")]
    Invalid {
        question: String,
        error: AnswerError,
    },
    /// It claims to replace a record made on this phone; only this phone
    /// edits its own records.
    #[error("it claims to replace a record made on this phone")]
    SupersedesOwn,
}

/// What a file holds: the records that can be taken, and each one that
/// cannot, with why (by its place in the file, 1-based).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Incoming {
    pub records: Vec<Record>,
    pub refused: Vec<(usize, EntryProblem)>,
}

/// Checks a record from a file like a finished one typed here: every answer
/// fits its question and its constraints, nothing answers a question the
/// form does not show, consent is there where the form needs it; and the
/// clear fields (site, participant code) are taken from the answers, not
/// from the file.
fn validated(mut record: Record, forms: &[FormDef]) -> Result<Record, EntryProblem> {
    let form = match forms
        .iter()
        .find(|f| f.id == record.form_id && f.version == record.form_version)
    {
        Some(form) => form,
        None => {
            let newest = forms
                .iter()
                .filter(|f| f.id == record.form_id)
                .map(|f| f.version)
                .max();
            return Err(match newest {
                Some(v) if v < record.form_version => EntryProblem::NewerFormVersion {
                    form: record.form_id,
                    version: record.form_version,
                },
                _ => EntryProblem::UnknownForm(record.form_id),
            });
        }
    };
    if gate(form, record.consent.as_ref()).is_err() {
        return Err(EntryProblem::Malformed("no consent for this form".into()));
    }
    // Date bounds such as "not after today" are checked against the day it
    // was finished, on the earliest calendar on Earth (UTC+14), so a record
    // finished just after midnight anywhere still passes.
    let today = (record.updated_at + chrono::Duration::hours(14)).date_naive();
    if let Some(problem) = form.validate(&record.answers, today).into_iter().next() {
        return Err(EntryProblem::Invalid {
            question: problem.question,
            error: problem.error,
        });
    }
    if form.visible_answers(&record.answers, today) != record.answers {
        return Err(EntryProblem::Malformed(
            "answers to questions the form does not show".into(),
        ));
    }
    record.reindex(form);
    Ok(record)
}

fn record(entry: Entry) -> Result<Record, EntryProblem> {
    if entry.encrypted.is_some() {
        return Err(EntryProblem::Encrypted);
    }
    let bad = |what: &str| EntryProblem::Malformed(what.to_owned());
    let answers = entry.answers.ok_or_else(|| bad("no answers"))?;
    let id = Uuid::parse_str(&entry.record_id).map_err(|_| bad("record_id"))?;
    let supersedes = match entry.supersedes {
        Some(s) => Some(Uuid::parse_str(&s).map_err(|_| bad("supersedes"))?),
        None => None,
    };
    Ok(Record {
        id,
        form_id: entry.form_id,
        form_version: entry.form_version,
        created_at: entry.created_at,
        updated_at: entry.updated_at,
        status: RecordStatus::Imported,
        participant_code: entry.participant_code,
        site: entry.site,
        supersedes,
        consent: entry.consent,
        answers,
        marked_for_deletion: false,
        collector: entry.collector,
    })
}

/// Reads an export. Each record is checked on its own, against the form
/// it was made with among `forms` (every form this phone knows, every
/// version), so one bad record does not cost the others. `own` says which
/// record ids this phone made itself: a record claiming to replace one of
/// those is refused.
///
/// # Errors
/// When the file as a whole is not an export this phone can read.
pub fn read_export(
    bytes: &[u8],
    forms: &[FormDef],
    own: impl Fn(&Uuid) -> bool,
) -> Result<Incoming, ImportError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge(MAX_IMPORT_BYTES >> 20));
    }
    // Spreadsheet tools and some editors start UTF-8 files with a BOM.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let body: Value = serde_json::from_slice(bytes).map_err(|_| ImportError::NotAnExport)?;
    if body.get("jangkau_envelope").is_some() {
        return Err(ImportError::Encrypted);
    }
    if body.get("schema").and_then(Value::as_str) != Some(SCHEMA) {
        return Err(ImportError::NotAnExport);
    }
    let Some(Value::Array(entries)) = body.get("records") else {
        return Err(ImportError::NotAnExport);
    };
    let mut incoming = Incoming::default();
    for (i, value) in entries.iter().enumerate() {
        let taken = serde_json::from_value::<Entry>(value.clone())
            .map_err(|e| EntryProblem::Malformed(e.to_string()))
            .and_then(record)
            .and_then(|r| validated(r, forms))
            .and_then(|r| match r.supersedes {
                Some(earlier) if own(&earlier) => Err(EntryProblem::SupersedesOwn),
                _ => Ok(r),
            });
        match taken {
            Ok(r) => incoming.records.push(r),
            Err(problem) => incoming.refused.push((i + 1, problem)),
        }
    }
    Ok(incoming)
}

/// What merging a file into the phone will do.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Merge {
    /// Records new to this phone.
    pub add: Vec<Record>,
    /// Records already here (same id): the phone's copy is kept. A record
    /// id names one version for ever, so there is nothing to update.
    pub already: u32,
}

/// Merges by record id: what `have` holds is kept, each new id is added
/// once (a file listing a record twice adds it once). Versions are kept
/// side by side; reports show the newest of each chain
/// ([`super::current`]).
pub fn merge(have: &HashSet<Uuid>, incoming: Vec<Record>) -> Merge {
    let mut seen = HashSet::new();
    let mut out = Merge::default();
    for r in incoming {
        if have.contains(&r.id) || !seen.insert(r.id) {
            out.already += 1;
        } else {
            out.add.push(r);
        }
    }
    out
}

/// Which records to export.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selection {
    /// One site, or every site.
    pub site: Option<String>,
    /// First and last day (on the phone's calendar) of the records' own
    /// dates: the visit date, or the day the record was started.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Form ids to include; empty means none.
    pub forms: BTreeSet<String>,
}

/// Whether an export holds every version of an edited record (JSON, like
/// the server receives) or only the newest (CSV, a row per record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versions {
    All,
    Newest,
}

/// The records an export takes: finished, never withdrawn, never a
/// withdrawal message, inside the selection.
pub fn select<'a>(
    records: &'a [Record],
    selection: &Selection,
    versions: Versions,
    offset: FixedOffset,
) -> Vec<&'a Record> {
    let candidates: Vec<&Record> = match versions {
        Versions::Newest => current(records),
        Versions::All => records
            .iter()
            .filter(|r| r.status != RecordStatus::Draft && !r.marked_for_deletion)
            .collect(),
    };
    candidates
        .into_iter()
        .filter(|r| r.form_id != WITHDRAWAL_FORM && selection.forms.contains(&r.form_id))
        .filter(|r| {
            selection
                .site
                .as_ref()
                .is_none_or(|s| r.site.as_ref() == Some(s))
        })
        .filter(|r| {
            let day = record_day(r, offset);
            selection.from.is_none_or(|f| day >= f) && selection.to.is_none_or(|t| day <= t)
        })
        .collect()
}
