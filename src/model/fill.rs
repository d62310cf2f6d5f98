//! Filling a form: which sections and questions show for the answers so far, and validating them.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::answer::{check, AnswerError, AnswerValue, Answers};
use super::form::{FormDef, Question, QuestionType, Section};

/// One answer that blocks finalising, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub section: String,
    /// The repeat item (0-based) for questions in a repeat group.
    pub item: Option<usize>,
    pub question: String,
    pub error: AnswerError,
}

type Item = BTreeMap<String, AnswerValue>;

/// Looks an answer up inside the current repeat item first, then among the
/// plain answers.
fn lookup<'a>(
    answers: &'a Answers,
    item: Option<&'a Item>,
) -> impl Fn(&str) -> Option<&'a AnswerValue> {
    move |id| {
        item.and_then(|i| i.get(id))
            .or_else(|| answers.values.get(id))
    }
}

/// The answers of one section, or of one item of a repeat group, in the
/// form's order: what a finished record's page shows under one heading.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerGroup<'a> {
    pub section: &'a Section,
    /// The repeat item (0-based), for repeat groups.
    pub item: Option<usize>,
    pub answers: Vec<(&'a Question, &'a AnswerValue)>,
}

/// What is left to answer before a record can be finished
/// ([`FormDef::remaining`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Remaining {
    /// Answers missing or refused, over the whole form.
    pub count: usize,
    /// Index of the first section holding one of them.
    pub first_section: Option<usize>,
}

impl FormDef {
    /// Every answer of a record grouped by section and, in repeat groups,
    /// by item (so one can tell which house had five rooms), in the form's
    /// order; notes and empty groups are left out.
    pub fn answer_groups<'a>(&'a self, answers: &'a Answers) -> Vec<AnswerGroup<'a>> {
        let pick =
            |section: &'a Section, source: &'a Item| -> Vec<(&'a Question, &'a AnswerValue)> {
                section
                    .questions
                    .iter()
                    .filter(|q| q.kind != QuestionType::Note)
                    .filter_map(|q| source.get(&q.id).map(|v| (q, v)))
                    .collect()
            };
        let mut groups = Vec::new();
        for section in &self.sections {
            if section.repeat.is_some() {
                for (n, item) in answers
                    .repeats
                    .get(&section.id)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    groups.push(AnswerGroup {
                        section,
                        item: Some(n),
                        answers: pick(section, item),
                    });
                }
            } else {
                groups.push(AnswerGroup {
                    section,
                    item: None,
                    answers: pick(section, &answers.values),
                });
            }
        }
        groups.retain(|g| !g.answers.is_empty());
        groups
    }

    pub fn section_visible(&self, section: &Section, answers: &Answers) -> bool {
        section
            .show_if
            .as_ref()
            .is_none_or(|c| c.holds(&lookup(answers, None)))
    }

    pub fn question_visible(&self, q: &Question, answers: &Answers, item: Option<&Item>) -> bool {
        q.show_if
            .as_ref()
            .is_none_or(|c| c.holds(&lookup(answers, item)))
    }

    /// Problems in one section, for the "next" button and the final check.
    pub fn validate_section(
        &self,
        section: &Section,
        answers: &Answers,
        today: NaiveDate,
    ) -> Vec<FieldError> {
        if !self.section_visible(section, answers) {
            return Vec::new();
        }
        let mut errors = Vec::new();
        let mut check_item = |item: Option<(usize, &Item)>| {
            for q in &section.questions {
                if q.kind == QuestionType::Note
                    || !self.question_visible(q, answers, item.map(|(_, i)| i))
                {
                    continue;
                }
                let value = match item {
                    Some((_, i)) => i.get(&q.id),
                    None => answers.values.get(&q.id),
                };
                let result = match value {
                    None if q.required => Err(AnswerError::Required),
                    None => Ok(()),
                    Some(v) => check(q, v, today),
                };
                if let Err(error) = result {
                    errors.push(FieldError {
                        section: section.id.clone(),
                        item: item.map(|(n, _)| n),
                        question: q.id.clone(),
                        error,
                    });
                }
            }
        };
        match &section.repeat {
            None => check_item(None),
            Some(repeat) => {
                let items = answers
                    .repeats
                    .get(&section.id)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                for (n, item) in items.iter().enumerate() {
                    check_item(Some((n, item)));
                }
                let count = items.len() as u32;
                if count < repeat.min || count > repeat.max {
                    errors.push(FieldError {
                        section: section.id.clone(),
                        item: None,
                        question: String::new(),
                        error: if count < repeat.min {
                            AnswerError::TooFewChoices { min: repeat.min }
                        } else {
                            AnswerError::TooManyChoices { max: repeat.max }
                        },
                    });
                }
            }
        }
        errors
    }

    /// What still stands between these answers and Finish: how many
    /// answers are missing or refused, and the first section holding one —
    /// so the form can offer to skip the optional sections in between.
    pub fn remaining(&self, answers: &Answers, today: NaiveDate) -> Remaining {
        let mut left = Remaining::default();
        for (i, section) in self.sections.iter().enumerate() {
            let n = self.validate_section(section, answers, today).len();
            if n > 0 && left.first_section.is_none() {
                left.first_section = Some(i);
            }
            left.count += n;
        }
        left
    }

    /// Every problem in the form.
    pub fn validate(&self, answers: &Answers, today: NaiveDate) -> Vec<FieldError> {
        self.sections
            .iter()
            .flat_map(|s| self.validate_section(s, answers, today))
            .collect()
    }

    /// The answers a final record keeps: only those to questions that exist
    /// and are shown. A draft keeps everything — going back and changing an
    /// earlier answer must not throw away what was typed later — but a final
    /// record must not carry answers to questions that no longer apply.
    pub fn visible_answers(&self, answers: &Answers) -> Answers {
        let mut out = Answers::default();
        for section in &self.sections {
            if !self.section_visible(section, answers) {
                continue;
            }
            let keep = |item: Option<&Item>, source: &Item| -> Item {
                section
                    .questions
                    .iter()
                    .filter(|q| self.question_visible(q, answers, item))
                    .filter_map(|q| source.get(&q.id).map(|v| (q.id.clone(), v.clone())))
                    .collect()
            };
            if section.repeat.is_some() {
                if let Some(items) = answers.repeats.get(&section.id) {
                    let kept: Vec<Item> = items.iter().map(|i| keep(Some(i), i)).collect();
                    out.repeats.insert(section.id.clone(), kept);
                }
            } else {
                out.values.extend(keep(None, &answers.values));
            }
        }
        out
    }
}
