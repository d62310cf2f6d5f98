//! Reports from the records on this phone: participant histories, the follow-up list, site needs inventories, a summary of any form, and CSV/JSON exchange files.

pub mod csv;
pub mod history;
pub mod inventory;
pub mod summary;
pub mod transfer;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{FixedOffset, NaiveDate};
use uuid::Uuid;

use crate::model::answer::AnswerValue;
use crate::model::form::{FormDef, FormKind, Role};
use crate::model::language::Language;
use crate::model::record::{Record, RecordStatus};

/// Form ids of the built-in forms (forms/*.json).
pub const ASSESSMENT: &str = "needs_assessment";
pub const FOLLOW_UP: &str = "follow_up";
pub const SITE_VISIT: &str = "site_visit";

/// What each form id is for, as its forms say (`kind`), and which question
/// plays each role in each version: the reports read needs assessments by
/// kind and answers by role, so a programme's own forms feed them. An id
/// the phone holds no form for counts as the built-in form of that id, if
/// there is one; a role no question names is played by the question whose
/// id is the role's default (the built-in forms' ids).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FormKinds {
    kinds: BTreeMap<String, FormKind>,
    roles: BTreeMap<String, BTreeMap<u32, BTreeMap<Role, String>>>,
}

impl FormKinds {
    /// From every form version held (a later version's kind wins).
    pub fn of<'a>(forms: impl IntoIterator<Item = &'a FormDef>) -> FormKinds {
        let mut out = FormKinds::default();
        for f in forms {
            out.kinds.insert(f.id.clone(), f.kind);
            let roles = f
                .questions()
                .filter_map(|(_, q)| q.role.map(|r| (r, q.id.clone())))
                .collect();
            out.roles
                .entry(f.id.clone())
                .or_default()
                .insert(f.version, roles);
        }
        out
    }

    pub fn kind(&self, form_id: &str) -> FormKind {
        match self.kinds.get(form_id) {
            Some(kind) => *kind,
            None => match form_id {
                ASSESSMENT => FormKind::NeedsAssessment,
                FOLLOW_UP => FormKind::FollowUp,
                SITE_VISIT => FormKind::SiteVisit,
                _ => FormKind::Other,
            },
        }
    }

    pub fn is_assessment(&self, record: &Record) -> bool {
        self.kind(&record.form_id) == FormKind::NeedsAssessment
    }

    /// The id of the question playing `role` in `record`'s form version.
    pub fn id<'a>(&'a self, record: &Record, role: Role) -> &'a str {
        self.roles
            .get(record.form_id.as_str())
            .and_then(|versions| versions.get(&record.form_version))
            .and_then(|roles| roles.get(&role))
            .map_or(role.default_id(), String::as_str)
    }
}

/// The records a report may count: finished ones (never drafts), not
/// withdrawn, and only the newest version of each edited record. A record
/// superseded by another finished record on the phone is left out; when two
/// phones revised the same record (an import can bring that), the newest
/// change wins.
pub fn current(records: &[Record]) -> Vec<&Record> {
    let finished: Vec<&Record> = records
        .iter()
        .filter(|r| r.status != RecordStatus::Draft && !r.marked_for_deletion)
        .collect();
    let parent: HashMap<Uuid, Uuid> = finished
        .iter()
        .filter_map(|r| r.supersedes.map(|p| (r.id, p)))
        .collect();
    let replaced: HashSet<Uuid> = parent.values().copied().collect();
    // The first version of each chain: heads of one chain share it.
    let root = |mut id: Uuid| {
        let mut steps = 0;
        while let Some(p) = parent.get(&id) {
            id = *p;
            steps += 1;
            if steps > parent.len() {
                break; // a cycle only a hand-made file could hold
            }
        }
        id
    };
    let mut newest: HashMap<Uuid, &Record> = HashMap::new();
    for r in finished.into_iter().filter(|r| !replaced.contains(&r.id)) {
        let slot = newest.entry(root(r.id)).or_insert(r);
        if (r.updated_at, r.id) > (slot.updated_at, slot.id) {
            *slot = r;
        }
    }
    let mut out: Vec<&Record> = newest.into_values().collect();
    out.sort_by_key(|r| (r.created_at, r.id));
    out
}

/// The day a record speaks of: its visit date when the form asks for one,
/// else the day it was started on the phone's calendar (`offset`).
pub fn record_day(record: &Record, offset: FixedOffset) -> NaiveDate {
    match record.answers.values.get("visit_date") {
        Some(AnswerValue::Date(d)) => *d,
        _ => record.created_at.with_timezone(&offset).date_naive(),
    }
}

pub(crate) fn choice<'a>(record: &'a Record, question: &str) -> Option<&'a str> {
    match record.answers.values.get(question) {
        Some(AnswerValue::Choice(c)) => Some(c),
        _ => None,
    }
}

pub(crate) fn choices<'a>(record: &'a Record, question: &str) -> &'a [String] {
    match record.answers.values.get(question) {
        Some(AnswerValue::Choices(c)) => c,
        _ => &[],
    }
}

pub(crate) fn yes_no(record: &Record, question: &str) -> Option<bool> {
    match record.answers.values.get(question) {
        Some(AnswerValue::Bool(b)) => Some(*b),
        _ => None,
    }
}

pub(crate) fn number(record: &Record, question: &str) -> Option<f64> {
    record
        .answers
        .values
        .get(question)
        .and_then(AnswerValue::as_number)
}

pub(crate) fn date(record: &Record, question: &str) -> Option<NaiveDate> {
    match record.answers.values.get(question) {
        Some(AnswerValue::Date(d)) => Some(*d),
        _ => None,
    }
}

/// The median of `values` (sorted in place); `None` when there are none.
pub(crate) fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// An amount of money as Indonesians write it: "Rp 1.500.000".
pub fn rupiah(amount: f64) -> String {
    let whole = amount.round() as i64;
    let grouped = crate::model::number::whole(whole.saturating_abs(), Language::Indonesian);
    if whole < 0 {
        format!("-Rp {grouped}")
    } else {
        format!("Rp {grouped}")
    }
}
