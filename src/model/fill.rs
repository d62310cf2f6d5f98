//! Filling a form: which sections and questions show for the answers so far, and validating them.

use std::collections::BTreeMap;

use std::cell::Cell;

use chrono::{NaiveDate, NaiveDateTime};

use super::answer::{check, AnswerError, AnswerValue, Answers};
use super::expr::{fill_label, Expr, Scope, Value};
use super::form::{Choice, FormDef, Question, QuestionType, Section};
use super::language::Language;

/// When a form is being filled: what `today()` and `now()` read. A check
/// that knows only the day (`From<NaiveDate>`) reads `now()` as its midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When {
    pub today: NaiveDate,
    pub now: NaiveDateTime,
}

impl From<NaiveDate> for When {
    fn from(today: NaiveDate) -> When {
        When {
            today,
            now: today.and_hms_opt(0, 0, 0).unwrap_or_default(),
        }
    }
}

impl From<NaiveDateTime> for When {
    fn from(now: NaiveDateTime) -> When {
        When {
            today: now.date(),
            now,
        }
    }
}

/// Calculations that read calculations stop this deep (a cycle is refused
/// when the form is checked; this only bounds the work).
const MAX_CALC_DEPTH: u32 = 64;

/// What an expression in a form reads: the record's answers (the current
/// repeat item first), calculations worked out on demand, and the clock.
pub struct FormScope<'a> {
    form: &'a FormDef,
    answers: &'a Answers,
    item: Option<&'a Item>,
    when: When,
    language: Language,
    current: Option<&'a AnswerValue>,
    choice: Option<&'a Choice>,
    depth: Cell<u32>,
}

impl<'a> FormScope<'a> {
    pub fn new(
        form: &'a FormDef,
        answers: &'a Answers,
        item: Option<&'a Item>,
        when: When,
    ) -> Self {
        FormScope {
            form,
            answers,
            item,
            when,
            language: Language::default(),
            current: None,
            choice: None,
            depth: Cell::new(0),
        }
    }

    pub fn in_language(mut self, language: Language) -> Self {
        self.language = language;
        self
    }

    fn with_current(mut self, current: &'a AnswerValue) -> Self {
        self.current = Some(current);
        self
    }
}

/// An answer as expressions see it: choices as space-separated codes (as
/// XLSForm has them), yes/no as `yes`/`no`, a location as `lat lon 0 accuracy`.
pub fn value_of(answer: &AnswerValue) -> Value {
    match answer {
        AnswerValue::Text(s) | AnswerValue::Choice(s) | AnswerValue::Code(s) => {
            Value::Str(s.clone())
        }
        AnswerValue::Integer(n) => Value::Num(*n as f64),
        AnswerValue::Decimal(n) => Value::Num(*n),
        AnswerValue::Scale(n) => Value::Num(f64::from(*n)),
        AnswerValue::Choices(cs) => Value::Str(cs.join(" ")),
        AnswerValue::Date(d) => Value::Date(*d),
        AnswerValue::Bool(b) => Value::Str(if *b { "yes" } else { "no" }.into()),
        AnswerValue::Gps(p) => Value::Str(format!("{} {} 0 {}", p.lat, p.lon, p.accuracy_m)),
    }
}

impl Scope for FormScope<'_> {
    fn answer(&self, name: &str) -> Value {
        let Some(q) = self.form.question(name) else {
            return Value::Empty;
        };
        if let Some(calc) = &q.calculation {
            if self.depth.get() >= MAX_CALC_DEPTH {
                return Value::Empty;
            }
            self.depth.set(self.depth.get() + 1);
            let value = calc.eval(self);
            self.depth.set(self.depth.get() - 1);
            return value;
        }
        lookup(self.answers, self.item)(name).map_or(Value::Empty, value_of)
    }

    fn current(&self) -> Value {
        self.current.map_or(Value::Empty, value_of)
    }

    fn column(&self, name: &str) -> Value {
        match (self.choice, name) {
            (Some(c), "name") => Value::Str(c.code.clone()),
            (Some(c), _) => c
                .filter
                .get(name)
                .map_or(Value::Empty, |v| Value::Str(v.clone())),
            (None, _) => Value::Empty,
        }
    }

    fn today(&self) -> NaiveDate {
        self.when.today
    }

    fn now(&self) -> NaiveDateTime {
        self.when.now
    }

    fn choice_label(&self, question: &str, code: &str) -> Option<String> {
        let q = self.form.question(question)?;
        q.choice(code)
            .map(|c| c.label.get(self.language).to_owned())
    }
}

/// A worked-out value as the answer its question keeps; `None` when it
/// comes out empty or does not fit (a calculation that is not a number,
/// for an integer question).
fn as_answer(q: &Question, value: &Value) -> Option<AnswerValue> {
    let text = value.text();
    if text.is_empty() {
        return None;
    }
    match q.kind {
        QuestionType::Integer => {
            let n = value.number();
            (n.is_finite() && n.abs() < 9e15).then(|| AnswerValue::Integer(n.round() as i64))
        }
        QuestionType::Decimal => {
            let n = value.number();
            n.is_finite().then_some(AnswerValue::Decimal(n))
        }
        QuestionType::Date => value.date().map(AnswerValue::Date),
        _ => Some(AnswerValue::Text(text)),
    }
}

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

fn holds(expr: &Option<Expr>, scope: &FormScope<'_>) -> bool {
    expr.as_ref().is_none_or(|e| e.holds(scope))
}

fn set(item: &mut Item, id: &str, value: Option<AnswerValue>) {
    match value {
        Some(v) => item.insert(id.to_owned(), v),
        None => item.remove(id),
    };
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

    pub fn section_visible(
        &self,
        section: &Section,
        answers: &Answers,
        when: impl Into<When>,
    ) -> bool {
        section
            .show_if
            .as_ref()
            .is_none_or(|c| c.holds(&lookup(answers, None)))
            && holds(
                &section.relevant,
                &FormScope::new(self, answers, None, when.into()),
            )
    }

    /// The next section after `from` that these answers show, if any.
    pub fn section_after(
        &self,
        from: usize,
        answers: &Answers,
        when: impl Into<When>,
    ) -> Option<usize> {
        let when = when.into();
        (from + 1..self.sections.len())
            .find(|&i| self.section_visible(&self.sections[i], answers, when))
    }

    /// The last section before `from` that these answers show, if any.
    pub fn section_before(
        &self,
        from: usize,
        answers: &Answers,
        when: impl Into<When>,
    ) -> Option<usize> {
        let when = when.into();
        (0..from.min(self.sections.len()))
            .rev()
            .find(|&i| self.section_visible(&self.sections[i], answers, when))
    }

    /// Whether a question applies to these answers (its `show_if` and
    /// `relevant` hold). A `calculate` question applies but is never shown.
    pub fn question_applies(
        &self,
        q: &Question,
        answers: &Answers,
        item: Option<&Item>,
        when: impl Into<When>,
    ) -> bool {
        q.show_if
            .as_ref()
            .is_none_or(|c| c.holds(&lookup(answers, item)))
            && holds(
                &q.relevant,
                &FormScope::new(self, answers, item, when.into()),
            )
    }

    /// Whether the form page shows the question.
    pub fn question_visible(
        &self,
        q: &Question,
        answers: &Answers,
        item: Option<&Item>,
        when: impl Into<When>,
    ) -> bool {
        q.kind != QuestionType::Calculate && self.question_applies(q, answers, item, when)
    }

    /// The value a computed question (one with a `calculation`) has now.
    pub fn computed_answer(
        &self,
        q: &Question,
        answers: &Answers,
        item: Option<&Item>,
        when: impl Into<When>,
    ) -> Option<AnswerValue> {
        let calc = q.calculation.as_ref()?;
        as_answer(
            q,
            &calc.eval(&FormScope::new(self, answers, item, when.into())),
        )
    }

    /// The choices a question offers now (its `choice_filter` applied).
    pub fn offered_choices<'a>(
        &'a self,
        q: &'a Question,
        answers: &Answers,
        item: Option<&Item>,
        when: impl Into<When>,
    ) -> Vec<&'a Choice> {
        let when = when.into();
        match &q.choice_filter {
            None => q.choices.iter().collect(),
            Some(filter) => q
                .choices
                .iter()
                .filter(|c| {
                    let mut scope = FormScope::new(self, answers, item, when);
                    scope.choice = Some(c);
                    filter.holds(&scope)
                })
                .collect(),
        }
    }

    /// A label or hint with `${name}` replaced by the answers so far.
    pub fn fill_text(
        &self,
        text: &str,
        answers: &Answers,
        item: Option<&Item>,
        when: impl Into<When>,
        language: Language,
    ) -> String {
        let scope = FormScope::new(self, answers, item, when.into()).in_language(language);
        fill_label(text, &|name| scope.answer(name).text())
    }

    /// How many items a repeat group's `count` asks for now, if it has one.
    pub fn required_items(
        &self,
        section: &Section,
        answers: &Answers,
        when: impl Into<When>,
    ) -> Option<u32> {
        let count = section.repeat.as_ref()?.count.as_ref()?;
        let n = count
            .eval(&FormScope::new(self, answers, None, when.into()))
            .number();
        (n.is_finite() && n >= 0.0).then(|| n.min(f64::from(u32::MAX)) as u32)
    }

    /// Problems in one section, for the "next" button and the final check.
    pub fn validate_section(
        &self,
        section: &Section,
        answers: &Answers,
        when: impl Into<When>,
    ) -> Vec<FieldError> {
        let when = when.into();
        let today = when.today;
        if !self.section_visible(section, answers, when) {
            return Vec::new();
        }
        let mut errors = Vec::new();
        let mut check_item = |item: Option<(usize, &Item)>| {
            for q in &section.questions {
                let item_answers = item.map(|(_, i)| i);
                if matches!(q.kind, QuestionType::Note | QuestionType::Calculate)
                    || q.calculation.is_some()
                    || !self.question_visible(q, answers, item_answers, when)
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
                    Some(v) => check(q, v, today).and_then(|()| {
                        let scope =
                            FormScope::new(self, answers, item_answers, when).with_current(v);
                        if holds(&q.constraint, &scope) {
                            Ok(())
                        } else {
                            Err(AnswerError::Constraint)
                        }
                    }),
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
                if let Some(wanted) = self
                    .required_items(section, answers, when)
                    .filter(|&n| n != count)
                {
                    errors.push(FieldError {
                        section: section.id.clone(),
                        item: None,
                        question: String::new(),
                        error: AnswerError::ItemCount { count: wanted },
                    });
                } else if count < repeat.min || count > repeat.max {
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
    pub fn remaining(&self, answers: &Answers, when: impl Into<When>) -> Remaining {
        let when = when.into();
        let mut left = Remaining::default();
        for (i, section) in self.sections.iter().enumerate() {
            let n = self.validate_section(section, answers, when).len();
            if n > 0 && left.first_section.is_none() {
                left.first_section = Some(i);
            }
            left.count += n;
        }
        left
    }

    /// Every problem in the form.
    pub fn validate(&self, answers: &Answers, when: impl Into<When>) -> Vec<FieldError> {
        let when = when.into();
        self.sections
            .iter()
            .flat_map(|s| self.validate_section(s, answers, when))
            .collect()
    }

    /// The answers with every computed question's value worked out (or
    /// removed when it comes out empty): what a record keeps at finish.
    pub fn with_computed(&self, answers: &Answers, when: impl Into<When>) -> Answers {
        let when = when.into();
        let mut out = answers.clone();
        for section in &self.sections {
            let computed: Vec<&Question> = section
                .questions
                .iter()
                .filter(|q| q.calculation.is_some())
                .collect();
            if computed.is_empty() {
                continue;
            }
            if section.repeat.is_some() {
                let n = out.repeats.get(&section.id).map_or(0, Vec::len);
                for i in 0..n {
                    for q in &computed {
                        let snapshot = out.clone();
                        let item = snapshot.repeats.get(&section.id).and_then(|v| v.get(i));
                        let value = self.computed_answer(q, &snapshot, item, when);
                        if let Some(slot) =
                            out.repeats.get_mut(&section.id).and_then(|v| v.get_mut(i))
                        {
                            set(slot, &q.id, value);
                        }
                    }
                }
            } else {
                for q in &computed {
                    let value = self.computed_answer(q, &out, None, when);
                    set(&mut out.values, &q.id, value);
                }
            }
        }
        out
    }

    /// The answers a final record keeps: only those to questions that exist
    /// and are shown. A draft keeps everything — going back and changing an
    /// earlier answer must not throw away what was typed later — but a final
    /// record must not carry answers to questions that no longer apply.
    ///
    /// `when` is the moment of the finish; relevance that reads the clock
    /// is judged then.
    pub fn visible_answers(&self, answers: &Answers, when: impl Into<When>) -> Answers {
        let when = when.into();
        let mut out = Answers::default();
        for section in &self.sections {
            if !self.section_visible(section, answers, when) {
                continue;
            }
            let keep = |item: Option<&Item>, source: &Item| -> Item {
                section
                    .questions
                    .iter()
                    .filter(|q| self.question_applies(q, answers, item, when))
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
