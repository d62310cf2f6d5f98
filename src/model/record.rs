//! A record's life: draft → final → sent, revisions that supersede, and withdrawal of consent.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

use super::answer::{check, AnswerError, AnswerValue, Answers};
use super::consent::{gate, Consent, ConsentError};
use super::fill::{FieldError, When};
use super::form::{FormDef, Question};
use super::participant_code::ParticipantCode;
use super::profile::Collector;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Being filled; saved as it is typed.
    Draft,
    /// Complete and valid; read-only; waiting to be sent.
    Final,
    /// Confirmed by the server.
    Sent,
    /// Final, but set aside: the server rejected it or holds a different
    /// version under its id. Not sent again until the user asks.
    Held,
    /// Loaded from another phone's export, for reading and reports. That
    /// phone sends it; this one never does (a second sender could only
    /// cause conflicts).
    Imported,
}

impl RecordStatus {
    pub fn code(self) -> &'static str {
        match self {
            RecordStatus::Draft => "draft",
            RecordStatus::Final => "final",
            RecordStatus::Sent => "sent",
            RecordStatus::Held => "held",
            RecordStatus::Imported => "imported",
        }
    }
}

/// The form id of a withdrawal message: a record that tells the server a
/// participant withdrew consent (docs/endpoint.md). It is not a form anyone
/// fills; it is queued and sent like any finished record.
pub const WITHDRAWAL_FORM: &str = "withdrawal";
/// The answer listing the withdrawn records' ids.
const WITHDRAWN_RECORDS: &str = "withdrawn_records";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Made on the phone (UUID v4): unique without asking a server, and the
    /// key the server dedupes on, so a resent record is never doubled.
    pub id: Uuid,
    pub form_id: String,
    pub form_version: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub status: RecordStatus,
    /// Identifying: never stored in clear once encryption lands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_code: Option<ParticipantCode>,
    /// Site code: allowed in clear so lists filter by site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The record this one revises (same chain, newer version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Consent>,
    pub answers: Answers,
    /// Consent withdrawn: to be deleted from the phone (after the server
    /// has been told, when the record was ever sent).
    #[serde(default)]
    pub marked_for_deletion: bool,
    /// The profile that made it, stamped when it is first saved on the
    /// phone; kept sealed, as it names who met whom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collector: Option<Collector>,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum RecordError {
    #[error("a {0:?} record cannot be changed")]
    ReadOnly(RecordStatus),
    #[error("this record belongs to form {found}, not {expected}")]
    WrongForm { expected: String, found: String },
    #[error("there is no question {0:?} in this form")]
    UnknownQuestion(String),
    #[error(transparent)]
    Answer(#[from] AnswerError),
    #[error(transparent)]
    Consent(#[from] ConsentError),
    #[error("{} answer(s) need attention", .0.len())]
    Invalid(Vec<FieldError>),
    #[error("only a draft can be deleted")]
    NotADraft,
    #[error("only a final record can be marked sent")]
    NotFinal,
    #[error("{0:?} is not a repeat group of this form")]
    NotARepeat(String),
    #[error("no item {0} in this group")]
    NoSuchItem(usize),
    #[error("this group holds at most {0} items")]
    GroupFull(u32),
}

/// The value has the question's type. Constraints are not checked here:
/// a draft keeps an out-of-range number until it is corrected.
fn fits(q: &Question, value: &AnswerValue) -> Result<(), RecordError> {
    match check(q, value, NaiveDate::MIN) {
        Err(AnswerError::WrongType) => Err(AnswerError::WrongType.into()),
        _ => Ok(()),
    }
}

impl Record {
    /// Starts a draft. Forms that need consent refuse to start without it.
    ///
    /// # Errors
    /// [`RecordError::Consent`] when the consent gate is closed.
    pub fn new_draft(
        id: Uuid,
        form: &FormDef,
        consent: Option<Consent>,
        now: DateTime<Utc>,
    ) -> Result<Record, RecordError> {
        gate(form, consent.as_ref())?;
        Ok(Record::blank(id, form, consent, now))
    }

    fn blank(id: Uuid, form: &FormDef, consent: Option<Consent>, now: DateTime<Utc>) -> Record {
        Record {
            id,
            form_id: form.id.clone(),
            form_version: form.version,
            created_at: now,
            updated_at: now,
            status: RecordStatus::Draft,
            participant_code: None,
            site: None,
            supersedes: None,
            consent,
            answers: Answers::default(),
            marked_for_deletion: false,
            collector: None,
        }
    }

    /// A draft for trying a form out (the XLSForm import preview): never
    /// stored or sent, so no consent is asked for it.
    /// Its defaults are given as of `today` (the phone's calendar).
    pub fn trial(id: Uuid, form: &FormDef, now: DateTime<Utc>, today: NaiveDate) -> Record {
        let mut record = Record::blank(id, form, None, now);
        record.fill_defaults(form, today);
        record
    }

    /// Gives every question with a default (a date: "today") its starting
    /// answer, on the phone's calendar. For new drafts; the user can change
    /// any of them.
    pub fn fill_defaults(&mut self, form: &FormDef, today: NaiveDate) {
        for (_, q) in form.questions() {
            let Some(bound) = q.default else { continue };
            let in_repeat = form
                .sections
                .iter()
                .any(|s| s.repeat.is_some() && s.questions.iter().any(|x| x.id == q.id));
            if !in_repeat && !self.answers.values.contains_key(&q.id) {
                self.answers
                    .values
                    .insert(q.id.clone(), AnswerValue::Date(bound.resolve(today)));
            }
        }
    }

    fn same_form(&self, form: &FormDef) -> Result<(), RecordError> {
        if form.id != self.form_id || form.version != self.form_version {
            return Err(RecordError::WrongForm {
                expected: format!("{}@{}", self.form_id, self.form_version),
                found: format!("{}@{}", form.id, form.version),
            });
        }
        Ok(())
    }

    fn editable(&self) -> Result<(), RecordError> {
        match self.status {
            RecordStatus::Draft => Ok(()),
            other => Err(RecordError::ReadOnly(other)),
        }
    }

    /// Sets (or clears, with `None`) a plain answer. The value must fit the
    /// question's type; constraint breaches (a number out of range) are
    /// kept in the draft and reported when finalising, so nothing typed is
    /// thrown away.
    ///
    /// # Errors
    /// `ReadOnly`, `UnknownQuestion`, or `Answer(WrongType)`.
    pub fn set_answer(
        &mut self,
        form: &FormDef,
        question: &str,
        value: Option<AnswerValue>,
        now: DateTime<Utc>,
    ) -> Result<(), RecordError> {
        self.editable()?;
        self.same_form(form)?;
        let q = form
            .question(question)
            .ok_or_else(|| RecordError::UnknownQuestion(question.to_owned()))?;
        match value {
            None => {
                self.answers.values.remove(question);
            }
            Some(v) => {
                fits(q, &v)?;
                self.answers.values.insert(question.to_owned(), v);
            }
        }
        // Drafts are listed and filtered too: keep the index fields current.
        let answers = self.answers.clone();
        self.refresh_index_fields(form, &answers);
        self.updated_at = now;
        Ok(())
    }

    /// Takes the site code and participant code from the answers (as a
    /// record from a file must: its clear fields are not trusted).
    pub fn reindex(&mut self, form: &FormDef) {
        let answers = self.answers.clone();
        self.refresh_index_fields(form, &answers);
    }

    /// Takes the site code and participant code from `answers`.
    fn refresh_index_fields(&mut self, form: &FormDef, answers: &Answers) {
        self.site = form
            .site_question()
            .and_then(|q| match answers.values.get(&q.id) {
                Some(AnswerValue::Text(s)) => Some(s.clone()),
                _ => None,
            });
        self.participant_code =
            form.participant_question()
                .and_then(|q| match answers.values.get(&q.id) {
                    Some(AnswerValue::Code(c)) => ParticipantCode::parse(c).ok(),
                    _ => None,
                });
    }

    /// Adds an empty item to a repeat group and returns its index.
    ///
    /// # Errors
    /// `NotARepeat`, `GroupFull`, `ReadOnly`.
    pub fn add_item(
        &mut self,
        form: &FormDef,
        section: &str,
        now: DateTime<Utc>,
    ) -> Result<usize, RecordError> {
        self.editable()?;
        self.same_form(form)?;
        let repeat = form
            .sections
            .iter()
            .find(|s| s.id == section)
            .and_then(|s| s.repeat.as_ref())
            .ok_or_else(|| RecordError::NotARepeat(section.to_owned()))?;
        let items = self.answers.repeats.entry(section.to_owned()).or_default();
        if items.len() as u32 >= repeat.max {
            return Err(RecordError::GroupFull(repeat.max));
        }
        items.push(Default::default());
        self.updated_at = now;
        Ok(items.len() - 1)
    }

    /// Removes one item of a repeat group (the UI asks first).
    ///
    /// # Errors
    /// `NoSuchItem`, `ReadOnly`.
    pub fn remove_item(
        &mut self,
        section: &str,
        index: usize,
        now: DateTime<Utc>,
    ) -> Result<(), RecordError> {
        self.editable()?;
        let items = self
            .answers
            .repeats
            .get_mut(section)
            .filter(|i| index < i.len())
            .ok_or(RecordError::NoSuchItem(index))?;
        items.remove(index);
        self.updated_at = now;
        Ok(())
    }

    /// Sets (or clears) an answer inside one item of a repeat group.
    ///
    /// # Errors
    /// As [`Record::set_answer`], plus `NotARepeat` and `NoSuchItem`.
    pub fn set_item_answer(
        &mut self,
        form: &FormDef,
        section: &str,
        index: usize,
        question: &str,
        value: Option<AnswerValue>,
        now: DateTime<Utc>,
    ) -> Result<(), RecordError> {
        self.editable()?;
        self.same_form(form)?;
        let group = form
            .sections
            .iter()
            .find(|s| s.id == section && s.repeat.is_some())
            .ok_or_else(|| RecordError::NotARepeat(section.to_owned()))?;
        let q = group
            .questions
            .iter()
            .find(|q| q.id == question)
            .ok_or_else(|| RecordError::UnknownQuestion(question.to_owned()))?;
        if let Some(v) = &value {
            fits(q, v)?;
        }
        let item = self
            .answers
            .repeats
            .get_mut(section)
            .and_then(|items| items.get_mut(index))
            .ok_or(RecordError::NoSuchItem(index))?;
        match value {
            Some(v) => item.insert(question.to_owned(), v),
            None => item.remove(question),
        };
        self.updated_at = now;
        Ok(())
    }

    /// Runs every check; on success the record becomes final and read-only,
    /// keeps only answers to questions that apply, and takes its site and
    /// participant code from the answers.
    ///
    /// # Errors
    /// `Invalid` with every field problem, `Consent` if consent was
    /// withdrawn meanwhile, `ReadOnly` if not a draft.
    pub fn finalize(
        &mut self,
        form: &FormDef,
        when: impl Into<When>,
        now: DateTime<Utc>,
    ) -> Result<(), RecordError> {
        let when = when.into();
        self.editable()?;
        self.same_form(form)?;
        gate(form, self.consent.as_ref())?;
        let errors = form.validate(&self.answers, when);
        if !errors.is_empty() {
            return Err(RecordError::Invalid(errors));
        }
        let answers = form.visible_answers(&form.with_computed(&self.answers, when), when);
        self.refresh_index_fields(form, &answers);
        self.answers = answers;
        self.status = RecordStatus::Final;
        self.updated_at = now;
        Ok(())
    }

    /// Editing a final (or sent) record makes a new draft that supersedes
    /// it; the original stays as it was, so the server sees both versions.
    ///
    /// # Errors
    /// `ReadOnly(Draft)`: a draft is edited in place instead.
    pub fn revise(&self, new_id: Uuid, now: DateTime<Utc>) -> Result<Record, RecordError> {
        if self.status == RecordStatus::Draft {
            return Err(RecordError::ReadOnly(RecordStatus::Draft));
        }
        Ok(Record {
            id: new_id,
            created_at: now,
            updated_at: now,
            status: RecordStatus::Draft,
            supersedes: Some(self.id),
            marked_for_deletion: false,
            ..self.clone()
        })
    }

    /// # Errors
    /// `NotFinal` unless the record is final.
    pub fn mark_sent(&mut self, now: DateTime<Utc>) -> Result<(), RecordError> {
        if self.status != RecordStatus::Final {
            return Err(RecordError::NotFinal);
        }
        self.status = RecordStatus::Sent;
        self.updated_at = now;
        Ok(())
    }

    /// Withdraws the participant's consent on this record and marks it for
    /// deletion.
    pub fn withdraw_consent(&mut self, now: DateTime<Utc>) {
        if let Some(consent) = self.consent.as_mut() {
            consent.withdraw(now);
        }
        self.marked_for_deletion = true;
        self.updated_at = now;
    }

    /// The message telling the server that `code` withdrew consent and that
    /// `records` (sent earlier) must be deleted. Final at once: it is queued
    /// for sending like any finished record.
    pub fn withdrawal(
        id: Uuid,
        code: ParticipantCode,
        records: &[Uuid],
        now: DateTime<Utc>,
    ) -> Record {
        let mut answers = Answers::default();
        answers.values.insert(
            WITHDRAWN_RECORDS.to_owned(),
            AnswerValue::Choices(records.iter().map(Uuid::to_string).collect()),
        );
        Record {
            id,
            form_id: WITHDRAWAL_FORM.to_owned(),
            form_version: 1,
            created_at: now,
            updated_at: now,
            status: RecordStatus::Final,
            participant_code: Some(code),
            site: None,
            supersedes: None,
            consent: None,
            answers,
            marked_for_deletion: false,
            collector: None,
        }
    }

    /// The record ids a withdrawal message names (none for other records).
    pub fn withdrawn_ids(&self) -> Vec<String> {
        match self.answers.values.get(WITHDRAWN_RECORDS) {
            Some(AnswerValue::Choices(ids)) if self.form_id == WITHDRAWAL_FORM => ids.clone(),
            _ => Vec::new(),
        }
    }

    /// Whether the record may be deleted from the phone right now: drafts,
    /// and withdrawn records that were never sent. (A withdrawn record that
    /// was sent is deleted after the withdrawal itself is confirmed sent.)
    pub fn deletable(&self) -> bool {
        self.status == RecordStatus::Draft
            || (self.marked_for_deletion && self.status != RecordStatus::Sent)
    }
}
