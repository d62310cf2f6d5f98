//! A summary of any form's records, whatever its questions: per question, how many answered, counts per choice, the spread of scale answers, and count, sum and median of numbers; by site and date.

use std::collections::BTreeMap;

use chrono::{FixedOffset, NaiveDate};

use super::{current, median, record_day};
use crate::model::answer::{AnswerValue, Answers};
use crate::model::form::{FormDef, Question, QuestionType};
use crate::model::record::Record;

/// Which records count: one site (`None`: all) and days within `from`–`to`
/// (each bound optional, both included).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub site: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// What a question's answers add up to.
#[derive(Debug, Clone, PartialEq)]
pub enum Tally {
    /// Choices and yes/no: each code (the form's, in its order, zeros
    /// included, then any an older version offered) with how many chose it.
    Counts(Vec<(String, u32)>),
    /// Scale answers: each point of the scale with how many gave it.
    Scale(Vec<(u8, u32)>),
    /// Numbers: how many, their sum and median.
    Numbers {
        count: u32,
        sum: f64,
        median: Option<f64>,
    },
    /// Text, dates, places and codes: only how many answered (the answers
    /// themselves may say who she is).
    Answered,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuestionSummary {
    pub question: Question,
    /// Records (or repeat items) with an answer to it.
    pub answered: u32,
    pub tally: Tally,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// Records counted.
    pub records: u32,
    pub questions: Vec<QuestionSummary>,
}

/// Sums up the finished, current records of the form `versions` (one form
/// id, newest version last) that pass `filter`, question by question over
/// every version's questions (the newest version's first).
pub fn summary(
    records: &[Record],
    versions: &[&FormDef],
    filter: &Filter,
    offset: FixedOffset,
) -> Summary {
    let Some(newest) = versions.last() else {
        return Summary::default();
    };
    let chosen: Vec<&Record> = current(records)
        .into_iter()
        .filter(|r| r.form_id == newest.id)
        .filter(|r| filter.site.is_none() || r.site == filter.site)
        .filter(|r| {
            let day = record_day(r, offset);
            filter.from.is_none_or(|f| day >= f) && filter.to.is_none_or(|t| day <= t)
        })
        .collect();

    // Every question any version asks, once, with the section it is in.
    let mut questions: Vec<(Option<String>, Question)> = Vec::new();
    for form in versions.iter().rev() {
        for section in &form.sections {
            let group = section.repeat.as_ref().map(|_| section.id.clone());
            for q in section
                .questions
                .iter()
                .filter(|q| q.kind != QuestionType::Note)
            {
                if !questions.iter().any(|(_, seen)| seen.id == q.id) {
                    questions.push((group.clone(), q.clone()));
                }
            }
        }
    }

    let out = questions
        .into_iter()
        .map(|(group, question)| {
            let answers: Vec<&AnswerValue> = chosen
                .iter()
                .flat_map(|r| answers_to(&r.answers, group.as_deref(), &question.id))
                .collect();
            tally(question, &answers)
        })
        .collect();
    Summary {
        records: u32::try_from(chosen.len()).unwrap_or(u32::MAX),
        questions: out,
    }
}

/// The answers to `id` in one record: one, or one per repeat item.
fn answers_to<'a>(answers: &'a Answers, group: Option<&str>, id: &str) -> Vec<&'a AnswerValue> {
    match group {
        None => answers.values.get(id).into_iter().collect(),
        Some(g) => answers
            .repeats
            .get(g)
            .into_iter()
            .flatten()
            .filter_map(|item| item.get(id))
            .collect(),
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn tally(question: Question, answers: &[&AnswerValue]) -> QuestionSummary {
    let answered = count(answers.len());
    let tally = match question.kind {
        QuestionType::SingleChoice | QuestionType::MultipleChoice | QuestionType::YesNo => {
            let mut counts: BTreeMap<String, u32> = BTreeMap::new();
            for a in answers {
                match a {
                    AnswerValue::Choice(c) => *counts.entry(c.clone()).or_default() += 1,
                    AnswerValue::Choices(cs) => {
                        for c in cs {
                            *counts.entry(c.clone()).or_default() += 1;
                        }
                    }
                    AnswerValue::Bool(b) => {
                        *counts
                            .entry(if *b { "yes" } else { "no" }.into())
                            .or_default() += 1;
                    }
                    _ => {}
                }
            }
            let codes: Vec<String> = if question.kind == QuestionType::YesNo {
                vec!["yes".into(), "no".into()]
            } else {
                question.choices.iter().map(|c| c.code.clone()).collect()
            };
            let mut out: Vec<(String, u32)> = codes
                .into_iter()
                .map(|code| {
                    let n = counts.remove(&code).unwrap_or(0);
                    (code, n)
                })
                .collect();
            out.extend(counts);
            Tally::Counts(out)
        }
        QuestionType::Scale => {
            let (low, high) = question.scale_range();
            let mut out: Vec<(u8, u32)> = (low as u8..=high as u8).map(|v| (v, 0)).collect();
            for a in answers {
                if let AnswerValue::Scale(v) = a {
                    match out.iter_mut().find(|(point, _)| point == v) {
                        Some((_, n)) => *n += 1,
                        None => out.push((*v, 1)),
                    }
                }
            }
            Tally::Scale(out)
        }
        QuestionType::Integer | QuestionType::Decimal => {
            let mut values: Vec<f64> = answers.iter().filter_map(|a| a.as_number()).collect();
            Tally::Numbers {
                count: count(values.len()),
                sum: values.iter().sum(),
                median: median(&mut values),
            }
        }
        _ => Tally::Answered,
    };
    QuestionSummary {
        question,
        answered,
        tally,
    }
}
