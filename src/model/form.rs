//! Form definitions as versioned JSON data: the types, parsing, and checks that report every problem with its path.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::condition::{Condition, Op};
use super::expr::{label_references, Expr};
use super::text::Text;

/// A whole form. `id` + `version` identify it for ever: a record keeps both,
/// so a programme can change a form without breaking older records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDef {
    pub id: String,
    pub version: u32,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// What the form is for: tells the people, follow-up and site pages
    /// which forms feed them, whatever the form's id.
    #[serde(default, skip_serializing_if = "FormKind::is_other")]
    pub kind: FormKind,
    /// The form may only start once the participant's consent is recorded.
    #[serde(default)]
    pub requires_consent: bool,
    /// The id of the consent statement read before this form (its current
    /// version at the time); [`DEFAULT_CONSENT`] when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<String>,
    pub sections: Vec<Section>,
}

/// The consent statement's id when a form names none.
pub const DEFAULT_CONSENT: &str = "consent";

/// What a form is for (docs/forms.md, "kind").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    /// One record per site per visit: feeds the site-needs page.
    SiteVisit,
    /// One per participant, after consent: starts her history on the people page.
    NeedsAssessment,
    /// Any number per participant: continues her history.
    FollowUp,
    #[default]
    Other,
}

impl FormKind {
    pub fn is_other(&self) -> bool {
        *self == FormKind::Other
    }
}

/// One screen of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Condition>,
    /// An expression that must also hold for the section to show (XLSForm `relevant`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<Expr>,
    /// Present for a repeat group: the section is filled once per item
    /// (e.g. once per house at a site).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Repeat>,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    #[serde(default)]
    pub min: u32,
    pub max: u32,
    /// What one item is called ("Rumah" / "House").
    pub item_label: Text,
    /// How many items there must be, from earlier answers (XLSForm
    /// `repeat_count`); `min` and `max` still bound it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<Expr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    Text,
    LongText,
    Integer,
    Decimal,
    SingleChoice,
    MultipleChoice,
    Date,
    YesNo,
    Scale,
    Gps,
    ParticipantCode,
    /// Text shown to the interviewer; takes no answer.
    Note,
    /// A value worked out from other answers by `calculation`; never shown,
    /// kept in the record.
    Calculate,
}

impl QuestionType {
    pub fn has_choices(self) -> bool {
        matches!(
            self,
            QuestionType::SingleChoice | QuestionType::MultipleChoice
        )
    }

    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            QuestionType::Integer | QuestionType::Decimal | QuestionType::Scale
        )
    }

    pub fn is_textual(self) -> bool {
        matches!(self, QuestionType::Text | QuestionType::LongText)
    }

    pub fn name(self) -> &'static str {
        match self {
            QuestionType::Text => "text",
            QuestionType::LongText => "long_text",
            QuestionType::Integer => "integer",
            QuestionType::Decimal => "decimal",
            QuestionType::SingleChoice => "single_choice",
            QuestionType::MultipleChoice => "multiple_choice",
            QuestionType::Date => "date",
            QuestionType::YesNo => "yes_no",
            QuestionType::Scale => "scale",
            QuestionType::Gps => "gps",
            QuestionType::ParticipantCode => "participant_code",
            QuestionType::Note => "note",
            QuestionType::Calculate => "calculate",
        }
    }
}

/// What a question's answer means for the record as a whole: the site
/// code kept beside the record, and what the people, follow-up and
/// site-needs pages read (docs/forms.md, "Roles"). A question without a
/// role still plays one when its id is the role's name (the built-in forms'
/// ids), so forms written before roles keep working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The site code: kept in clear beside the record so lists can filter by site.
    Site,
    NextVisit,
    WantsChange,
    TrainingWanted,
    CapitalNeeded,
    CapitalItems,
    ReferralsNeeded,
    RiskOfReturning,
    ContactKind,
    Resident,
    HasKtp,
    HasBpjs,
    HasSavingsBook,
    BusinessStarted,
    BusinessState,
    IncomeBand,
    WbPsychological,
    WbSocial,
    WbEmotional,
    WbFinancial,
    WbSpiritual,
}

impl Role {
    /// The five wellbeing aspects, in the order the reports show them.
    pub const WELLBEING: [Role; 5] = [
        Role::WbPsychological,
        Role::WbSocial,
        Role::WbEmotional,
        Role::WbFinancial,
        Role::WbSpiritual,
    ];

    /// The id a question without a role plays it under (the built-in
    /// forms' id for it).
    pub fn default_id(self) -> &'static str {
        match self {
            Role::Site => "site_code",
            Role::NextVisit => "next_visit",
            Role::WantsChange => "wants_change",
            Role::TrainingWanted => "training_wanted",
            Role::CapitalNeeded => "capital_needed",
            Role::CapitalItems => "capital_items",
            Role::ReferralsNeeded => "referrals_needed",
            Role::RiskOfReturning => "risk_of_returning",
            Role::ContactKind => "contact_kind",
            Role::Resident => "resident",
            Role::HasKtp => "has_ktp",
            Role::HasBpjs => "has_bpjs",
            Role::HasSavingsBook => "has_savings_book",
            Role::BusinessStarted => "business_started",
            Role::BusinessState => "business_state",
            Role::IncomeBand => "income_band",
            Role::WbPsychological => "wb_psychological",
            Role::WbSocial => "wb_social",
            Role::WbEmotional => "wb_emotional",
            Role::WbFinancial => "wb_financial",
            Role::WbSpiritual => "wb_spiritual",
        }
    }

    /// How a form writes it (`"site"`, `"wants_change"`…), quoted.
    pub fn json_name(self) -> String {
        serde_json::to_string(&self).unwrap_or_default()
    }

    /// Whether a question of `kind` can play this role.
    pub fn fits(self, kind: QuestionType) -> bool {
        use QuestionType as T;
        match self {
            Role::Site => kind == T::Text,
            Role::NextVisit => kind == T::Date,
            Role::WantsChange
            | Role::RiskOfReturning
            | Role::ContactKind
            | Role::BusinessState
            | Role::IncomeBand => kind == T::SingleChoice,
            Role::TrainingWanted | Role::CapitalItems | Role::ReferralsNeeded => {
                kind == T::MultipleChoice
            }
            Role::CapitalNeeded => matches!(kind, T::Integer | T::Decimal),
            Role::Resident
            | Role::HasKtp
            | Role::HasBpjs
            | Role::HasSavingsBook
            | Role::BusinessStarted => kind == T::YesNo,
            Role::WbPsychological
            | Role::WbSocial
            | Role::WbEmotional
            | Role::WbFinancial
            | Role::WbSpiritual => kind == T::Scale,
        }
    }
}

/// A bound on a date answer: a fixed date, or "today" (the day the check runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", untagged)]
pub enum DateBound {
    Today(TodayWord),
    Fixed(NaiveDate),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TodayWord {
    Today,
}

impl DateBound {
    pub fn resolve(self, today: NaiveDate) -> NaiveDate {
        match self {
            DateBound::Today(_) => today,
            DateBound::Fixed(d) => d,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub code: String,
    pub label: Text,
    /// Extra columns a `choice_filter` reads (`{"region": "jatim"}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub filter: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    pub label: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Condition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// Lowest number (integer, decimal, scale) or fewest choices (multiple choice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Highest number or most choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// A regular expression the whole text answer must match (regex-lite
    /// syntax, anchored), e.g. `"08[0-9]{8,11}"` for a phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_date: Option<DateBound>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_date: Option<DateBound>,
    /// The answer a new record starts with (date questions: `"today"` or a
    /// fixed date); the user can change it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DateBound>,
    /// Replaces the built-in message when a constraint (not "required") fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Text>,
    /// Scale end labels ("Sangat buruk" … "Sangat baik").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_label: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_label: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// An expression that must also hold for the question to show
    /// (XLSForm `relevant`), beside or instead of `show_if`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<Expr>,
    /// An expression the answer (`.`) must satisfy; `message` says why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<Expr>,
    /// The answer is worked out from others and cannot be typed: required
    /// for `calculate`, allowed for text, integer, decimal and date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calculation: Option<Expr>,
    /// Which choices to offer, evaluated per choice: bare names read the
    /// choice's `filter` columns, `name` its code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_filter: Option<Expr>,
    /// Shown but not answerable here (its default or calculation stands).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    /// Replaces "an answer is required".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_message: Option<Text>,
}

/// Text answers longer than this are refused unless the form sets its own
/// `max_length`: it keeps a 1 MB paste out of storage and out of batches.
pub const DEFAULT_MAX_TEXT: u32 = 200;
pub const DEFAULT_MAX_LONG_TEXT: u32 = 4000;
/// No form may allow more than this in one answer.
pub const HARD_MAX_TEXT: u32 = 20_000;
/// Scale questions default to 1–5.
pub const DEFAULT_SCALE: (f64, f64) = (1.0, 5.0);

impl Question {
    pub fn max_text_length(&self) -> u32 {
        let default = if self.kind == QuestionType::LongText {
            DEFAULT_MAX_LONG_TEXT
        } else {
            DEFAULT_MAX_TEXT
        };
        self.max_length.unwrap_or(default).min(HARD_MAX_TEXT)
    }

    pub fn scale_range(&self) -> (f64, f64) {
        (
            self.min.unwrap_or(DEFAULT_SCALE.0),
            self.max.unwrap_or(DEFAULT_SCALE.1),
        )
    }

    /// The compiled, anchored pattern, if the question has one.
    pub fn compiled_pattern(&self) -> Option<Result<regex_lite::Regex, regex_lite::Error>> {
        self.pattern
            .as_ref()
            .map(|p| regex_lite::Regex::new(&format!("^(?:{p})$")))
    }

    pub fn choice(&self, code: &str) -> Option<&Choice> {
        self.choices.iter().find(|c| c.code == code)
    }
}

/// One problem in a form definition, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{path}: {problem}")]
pub struct FormProblem {
    /// A JSON path such as `sections[1].questions[3].show_if`.
    pub path: String,
    pub problem: String,
}

/// Why a form definition cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FormError {
    #[error("not a valid form definition: {0}")]
    Syntax(FormProblem),
    #[error("{} problem(s) in the form definition: {}", .0.len(), list(.0))]
    Invalid(Vec<FormProblem>),
}

fn list(problems: &[FormProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl FormError {
    pub fn problems(&self) -> Vec<FormProblem> {
        match self {
            FormError::Syntax(p) => vec![p.clone()],
            FormError::Invalid(ps) => ps.clone(),
        }
    }
}

impl FormDef {
    /// Parses and fully checks a definition.
    ///
    /// # Errors
    /// [`FormError::Syntax`] for JSON that does not fit the format (with the
    /// path of the first misfit), or [`FormError::Invalid`] with every
    /// semantic problem found.
    pub fn parse(json: &str) -> Result<FormDef, FormError> {
        let form = deserialize(json)?;
        let problems = form.check();
        if problems.is_empty() {
            Ok(form)
        } else {
            Err(FormError::Invalid(problems))
        }
    }

    /// Every question with its section index, in form order.
    pub fn questions(&self) -> impl Iterator<Item = (usize, &Question)> {
        self.sections
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.questions.iter().map(move |q| (i, q)))
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().map(|(_, q)| q).find(|q| q.id == id)
    }

    /// The id of the question playing `role`: the one that names it, else
    /// the one whose id is the role's name (which may not exist).
    pub fn role_id(&self, role: Role) -> &str {
        self.questions()
            .map(|(_, q)| q)
            .find(|q| q.role == Some(role))
            .map_or(role.default_id(), |q| q.id.as_str())
    }

    /// The question whose answer is the record's site code, if any.
    pub fn site_question(&self) -> Option<&Question> {
        self.questions()
            .map(|(_, q)| q)
            .find(|q| q.role == Some(Role::Site))
    }

    /// The id of the consent statement this form needs, if it needs one.
    pub fn consent_id(&self) -> Option<&str> {
        self.requires_consent
            .then(|| self.consent.as_deref().unwrap_or(DEFAULT_CONSENT))
    }

    /// The participant-code question, if any.
    pub fn participant_question(&self) -> Option<&Question> {
        self.questions()
            .map(|(_, q)| q)
            .find(|q| q.kind == QuestionType::ParticipantCode)
    }

    /// Every semantic problem, each with its path. Empty means usable.
    pub fn check(&self) -> Vec<FormProblem> {
        let mut c = Checker::default();
        c.id("id", &self.id);
        if self.version == 0 {
            c.push("version", "must be 1 or more");
        }
        c.text("title", &self.title);
        if let Some(consent) = &self.consent {
            c.id("consent", consent);
            if !self.requires_consent {
                c.push(
                    "consent",
                    "names a consent statement but requires_consent is false",
                );
            }
        }
        if let Some(d) = &self.description {
            c.text("description", d);
        }
        if self.sections.is_empty() {
            c.push("sections", "a form needs at least one section");
        }

        // The questions seen so far (hence "earlier"): section index, in a repeat group.
        let mut position: BTreeMap<&str, (usize, bool)> = BTreeMap::new();
        let mut section_ids = BTreeSet::new();
        for (si, section) in self.sections.iter().enumerate() {
            let sp = format!("sections[{si}]");
            c.id(&format!("{sp}.id"), &section.id);
            if !section_ids.insert(section.id.as_str()) {
                c.push(
                    &format!("{sp}.id"),
                    &format!("duplicate section id {:?}", section.id),
                );
            }
            c.text(&format!("{sp}.title"), &section.title);
            if section.questions.is_empty() {
                c.push(
                    &format!("{sp}.questions"),
                    "a section needs at least one question",
                );
            }
            if let Some(r) = &section.repeat {
                if r.max == 0 || r.min > r.max {
                    c.push(&format!("{sp}.repeat"), "needs 0 ≤ min ≤ max and max ≥ 1");
                }
                c.text(&format!("{sp}.repeat.item_label"), &r.item_label);
            }
            if let Some(cond) = &section.show_if {
                // A section's condition may read only questions before it.
                c.condition(&format!("{sp}.show_if"), cond, None, &position, si, self);
            }
            for (qi, q) in section.questions.iter().enumerate() {
                let qp = format!("{sp}.questions[{qi}]");
                if let Some(cond) = &q.show_if {
                    c.condition(
                        &format!("{qp}.show_if"),
                        cond,
                        Some(&q.id),
                        &position,
                        si,
                        self,
                    );
                }
                c.question(&qp, q, section.repeat.is_some());
                if position
                    .insert(&q.id, (si, section.repeat.is_some()))
                    .is_some()
                {
                    c.push(
                        &format!("{qp}.id"),
                        &format!("duplicate question id {:?}", q.id),
                    );
                }
            }
        }
        let mut roles: BTreeSet<Role> = BTreeSet::new();
        for (si, section) in self.sections.iter().enumerate() {
            for (qi, q) in section.questions.iter().enumerate() {
                if let Some(role) = q.role {
                    if !roles.insert(role) {
                        c.push(
                            &format!("sections[{si}].questions[{qi}].role"),
                            &format!("only one question may have the role {}", role.json_name()),
                        );
                    }
                }
            }
        }
        let codes = self
            .questions()
            .filter(|(_, q)| q.kind == QuestionType::ParticipantCode)
            .count();
        if codes > 1 {
            c.push("sections", "only one participant_code question per form");
        }
        c.expressions(self);
        c.problems
    }

    /// The questions whose answers are worked out, not typed.
    pub fn computed(&self) -> impl Iterator<Item = (usize, &Question)> {
        self.questions().filter(|(_, q)| q.calculation.is_some())
    }
}

/// Natively (tests, tools) the error names the JSON path of the misfit.
#[cfg(not(target_arch = "wasm32"))]
fn deserialize(json: &str) -> Result<FormDef, FormError> {
    let de = &mut serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        FormError::Syntax(FormProblem {
            path: if path == "." { "(top)".into() } else { path },
            problem: e.into_inner().to_string(),
        })
    })
}

/// In the browser the built-in forms are already proven by the native
/// tests; path tracking would add ~35 KB to the download, so a misfit is
/// reported with serde's line and column instead.
#[cfg(target_arch = "wasm32")]
fn deserialize(json: &str) -> Result<FormDef, FormError> {
    serde_json::from_str(json).map_err(|e| {
        FormError::Syntax(FormProblem {
            path: format!("line {} column {}", e.line(), e.column()),
            problem: e.to_string(),
        })
    })
}

#[derive(Default)]
struct Checker {
    problems: Vec<FormProblem>,
}

impl Checker {
    fn push(&mut self, path: &str, problem: &str) {
        self.problems.push(FormProblem {
            path: path.to_owned(),
            problem: problem.to_owned(),
        });
    }

    /// Choice codes are stored in answers and written to CSV cells: plain
    /// characters only, but digits first are fine (XLSForm lists are
    /// often coded 1, 2, 3).
    fn code(&mut self, path: &str, code: &str) {
        let ok = !code.is_empty()
            && code.len() <= 64
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !ok {
            self.push(
                path,
                &format!("{code:?} is not a valid choice code (A–Z, a–z, 0–9, _ - ., ≤ 64)"),
            );
        }
    }

    /// Ids become storage keys and CSV column names: keep them plain.
    fn id(&mut self, path: &str, id: &str) {
        let ok = id.len() <= 64
            && id.starts_with(|c: char| c.is_ascii_lowercase())
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            self.push(
                path,
                &format!("{id:?} is not a valid id (a–z, 0–9, _, starting with a letter, ≤ 64)"),
            );
        }
    }

    fn text(&mut self, path: &str, text: &Text) {
        for lang in text.blank_languages() {
            self.push(&format!("{path}.{lang}"), "text is empty");
        }
    }

    fn question(&mut self, path: &str, q: &Question, in_repeat: bool) {
        self.id(&format!("{path}.id"), &q.id);
        self.text(&format!("{path}.label"), &q.label);
        for (field, text) in [
            ("hint", &q.hint),
            ("message", &q.message),
            ("min_label", &q.min_label),
            ("max_label", &q.max_label),
        ] {
            if let Some(t) = text {
                self.text(&format!("{path}.{field}"), t);
            }
        }
        let kind = q.kind;
        let not_for = |field: &str| not_for_kind(field, kind);

        if kind.has_choices() {
            if q.choices.is_empty() {
                self.push(&format!("{path}.choices"), "choice list is empty");
            }
            let mut seen = BTreeSet::new();
            for (ci, choice) in q.choices.iter().enumerate() {
                self.code(&format!("{path}.choices[{ci}].code"), &choice.code);
                self.text(&format!("{path}.choices[{ci}].label"), &choice.label);
                if !seen.insert(choice.code.as_str()) {
                    self.push(
                        &format!("{path}.choices[{ci}].code"),
                        &format!("duplicate choice {:?}", choice.code),
                    );
                }
            }
        } else if !q.choices.is_empty() {
            self.push(&format!("{path}.choices"), &not_for("choices"));
        }

        let numeric_bounds = kind.is_numeric() || kind == QuestionType::MultipleChoice;
        if !numeric_bounds {
            for (field, v) in [("min", q.min), ("max", q.max)] {
                if v.is_some() {
                    self.push(&format!("{path}.{field}"), &not_for(field));
                }
            }
        }
        if let (Some(min), Some(max)) = (q.min, q.max) {
            if min > max {
                self.push(path, "min is greater than max");
            }
        }
        for (field, v) in [("min", q.min), ("max", q.max)] {
            if v.is_some_and(|v| !v.is_finite()) {
                self.push(&format!("{path}.{field}"), "must be a finite number");
            }
        }
        if kind == QuestionType::Scale {
            let (lo, hi) = q.scale_range();
            if lo.fract() != 0.0 || hi.fract() != 0.0 || lo < 0.0 || hi > 10.0 || hi - lo < 1.0 {
                self.push(path, "a scale runs between whole numbers within 0–10");
            }
        } else {
            for (field, v) in [("min_label", &q.min_label), ("max_label", &q.max_label)] {
                if v.is_some() {
                    self.push(&format!("{path}.{field}"), &not_for(field));
                }
            }
        }

        if !kind.is_textual() {
            for (field, v) in [("min_length", q.min_length), ("max_length", q.max_length)] {
                if v.is_some() {
                    self.push(&format!("{path}.{field}"), &not_for(field));
                }
            }
        }
        match (q.compiled_pattern(), kind.is_textual()) {
            (Some(_), false) => self.push(&format!("{path}.pattern"), &not_for("pattern")),
            (Some(Err(e)), true) => self.push(
                &format!("{path}.pattern"),
                &format!("not a valid pattern: {e}"),
            ),
            _ => {}
        }
        if q.pattern.as_ref().is_some_and(|p| p.len() > 500) {
            self.push(
                &format!("{path}.pattern"),
                "pattern longer than 500 characters",
            );
        }
        if let Some(max) = q.max_length {
            if max == 0 || max > HARD_MAX_TEXT {
                self.push(
                    &format!("{path}.max_length"),
                    &format!("must be 1–{HARD_MAX_TEXT}"),
                );
            }
            if q.min_length.is_some_and(|min| min > max) {
                self.push(path, "min_length is greater than max_length");
            }
        }
        if kind != QuestionType::Date {
            for (field, v) in [
                ("min_date", q.min_date),
                ("max_date", q.max_date),
                ("default", q.default),
            ] {
                if v.is_some() {
                    self.push(&format!("{path}.{field}"), &not_for(field));
                }
            }
        } else if let (Some(DateBound::Fixed(a)), Some(DateBound::Fixed(b))) =
            (q.min_date, q.max_date)
        {
            if a > b {
                self.push(path, "min_date is after max_date");
            }
        }
        if matches!(kind, QuestionType::Note | QuestionType::Calculate) && q.required {
            self.push(
                &format!("{path}.required"),
                &format!("a {} question takes no answer", kind.name()),
            );
        }
        if q.required_message.is_some() && !q.required {
            self.push(
                &format!("{path}.required_message"),
                "given but the question is not required",
            );
        }
        if let Some(t) = &q.required_message {
            self.text(&format!("{path}.required_message"), t);
        }
        match (&q.calculation, kind) {
            (None, QuestionType::Calculate) => self.push(
                &format!("{path}.calculation"),
                "a calculate question needs a calculation",
            ),
            (
                Some(_),
                QuestionType::Calculate
                | QuestionType::Text
                | QuestionType::Integer
                | QuestionType::Decimal
                | QuestionType::Date,
            )
            | (None, _) => {}
            (Some(_), other) => self.push(
                &format!("{path}.calculation"),
                &not_for_kind("calculation", other),
            ),
        }
        if q.constraint.is_some() && matches!(kind, QuestionType::Note | QuestionType::Calculate) {
            self.push(&format!("{path}.constraint"), &not_for("constraint"));
        }
        if let Some(filter) = &q.choice_filter {
            if !kind.has_choices() {
                self.push(&format!("{path}.choice_filter"), &not_for("choice_filter"));
            }
            for column in filter.columns() {
                if column != "name" && !q.choices.iter().any(|c| c.filter.contains_key(column)) {
                    self.push(
                        &format!("{path}.choice_filter"),
                        &format!("reads the column {column:?}, which no choice has"),
                    );
                }
            }
        }
        if q.role == Some(Role::Site) && (kind != QuestionType::Text || in_repeat) {
            self.push(
                &format!("{path}.role"),
                "the site must be a text question outside repeat groups",
            );
        } else if let Some(role) = q.role {
            if !role.fits(kind) {
                self.push(
                    &format!("{path}.role"),
                    &format!(
                        "a {} question cannot have the role {}",
                        kind.name(),
                        role.json_name()
                    ),
                );
            } else if in_repeat {
                self.push(
                    &format!("{path}.role"),
                    "a question with a role cannot be in a repeat group",
                );
            }
        }
        if kind == QuestionType::ParticipantCode && in_repeat {
            self.push(path, "a participant code cannot be in a repeat group");
        }
    }

    /// Conditions may read only questions that come earlier in the form —
    /// which rules out cycles — and, from outside a repeat group, no
    /// question inside one (which item would it mean?).
    fn condition(
        &mut self,
        path: &str,
        cond: &Condition,
        own_id: Option<&str>,
        earlier: &BTreeMap<&str, (usize, bool)>,
        section: usize,
        form: &FormDef,
    ) {
        self.condition_shape(path, cond);
        let in_repeat = form.sections[section].repeat.is_some();
        for reference in cond.references() {
            if Some(reference) == own_id {
                self.push(
                    path,
                    &format!("refers to its own question {reference:?} (a cycle)"),
                );
                continue;
            }
            match earlier.get(reference) {
                Some(&(ref_section, ref_in_repeat)) => {
                    if ref_in_repeat && !(in_repeat && ref_section == section) {
                        self.push(path, &format!("refers to {reference:?}, which is inside a repeat group"));
                    }
                }
                None if form.question(reference).is_some() => self.push(
                    path,
                    &format!("refers to {reference:?}, which comes later (conditions may only read earlier answers; this also rules out cycles)"),
                ),
                None => self.push(path, &format!("refers to unknown question {reference:?}")),
            }
            if let Some(q) = form.question(reference) {
                self.condition_fits(path, cond, q);
            }
        }
    }

    /// Expressions and labels may read any question (XLSForm allows later
    /// ones too), but not one inside a repeat group from outside it, and
    /// calculations may not depend on themselves through others.
    fn expressions(&mut self, form: &FormDef) {
        let section_of: BTreeMap<&str, usize> = form
            .questions()
            .map(|(si, q)| (q.id.as_str(), si))
            .collect();
        let check = |c: &mut Checker, path: String, refs: Vec<&str>, from: Option<usize>| {
            for r in refs {
                match section_of.get(r) {
                    None => c.push(&path, &format!("refers to unknown question {r:?}")),
                    Some(&si) if form.sections[si].repeat.is_some() && from != Some(si) => c.push(
                        &path,
                        &format!("refers to {r:?}, which is inside a repeat group"),
                    ),
                    Some(_) => {}
                }
            }
        };
        for (si, section) in form.sections.iter().enumerate() {
            let sp = format!("sections[{si}]");
            if let Some(e) = &section.relevant {
                check(self, format!("{sp}.relevant"), e.references(), None);
            }
            if let Some(e) = section.repeat.as_ref().and_then(|r| r.count.as_ref()) {
                check(self, format!("{sp}.repeat.count"), e.references(), None);
            }
            let own = section.repeat.is_some().then_some(si);
            for (qi, q) in section.questions.iter().enumerate() {
                let qp = format!("{sp}.questions[{qi}]");
                for (field, e) in [
                    ("relevant", &q.relevant),
                    ("constraint", &q.constraint),
                    ("calculation", &q.calculation),
                    ("choice_filter", &q.choice_filter),
                ] {
                    if let Some(e) = e {
                        check(self, format!("{qp}.{field}"), e.references(), own);
                    }
                }
                for (field, t) in [("label", Some(&q.label)), ("hint", q.hint.as_ref())] {
                    if let Some(t) = t {
                        let mut refs = label_references(&t.id);
                        refs.extend(label_references(&t.en));
                        check(self, format!("{qp}.{field}"), refs, own);
                    }
                }
            }
        }
        // A cycle among calculations: follow each one's references to
        // other calculations, depth first.
        let calcs: BTreeMap<&str, Vec<&str>> = form
            .computed()
            .map(|(_, q)| {
                let refs = q
                    .calculation
                    .as_ref()
                    .map(Expr::references)
                    .unwrap_or_default();
                (q.id.as_str(), refs)
            })
            .collect();
        let mut reported: BTreeSet<&str> = BTreeSet::new();
        let mut done = BTreeSet::new();
        for &start in calcs.keys() {
            let mut path = vec![start];
            if let Some(cycle) = find_cycle(&calcs, &mut path, &mut done) {
                if cycle.iter().all(|q| reported.insert(q)) {
                    let mut names = cycle.clone();
                    names.push(cycle[0]);
                    self.push(
                        "sections",
                        &format!(
                            "calculations depend on each other in a cycle: {}",
                            names.join(" → ")
                        ),
                    );
                }
            }
        }
    }

    fn condition_shape(&mut self, path: &str, cond: &Condition) {
        match cond {
            Condition::All(cs) | Condition::Any(cs) => {
                if cs.is_empty() {
                    self.push(path, "all/any needs at least one condition");
                }
                for (i, c) in cs.iter().enumerate() {
                    self.condition_shape(&format!("{path}[{i}]"), c);
                }
            }
            Condition::Not(c) => self.condition_shape(&format!("{path}.not"), c),
            Condition::Test(t) => {
                if t.op().is_none() {
                    self.push(
                        path,
                        "a test needs exactly one of equals, includes, at_least, at_most, answered",
                    );
                }
            }
        }
    }

    /// The operator suits the referenced question's type and choices.
    fn condition_fits(&mut self, path: &str, cond: &Condition, q: &Question) {
        let tests: Vec<_> = collect_tests(cond)
            .into_iter()
            .filter(|t| t.question == q.id)
            .collect();
        for t in tests {
            match t.op() {
                Some(Op::Includes(code)) => {
                    if q.kind != QuestionType::MultipleChoice {
                        self.push(
                            path,
                            &format!(
                                "includes needs a multiple_choice question, {:?} is not",
                                q.id
                            ),
                        );
                    } else if q.choice(code).is_none() {
                        self.push(path, &format!("{code:?} is not a choice of {:?}", q.id));
                    }
                }
                Some(Op::Equals(v)) => {
                    let fits = match q.kind {
                        QuestionType::SingleChoice => {
                            v.as_str().is_some_and(|code| q.choice(code).is_some())
                        }
                        QuestionType::YesNo => v.is_boolean(),
                        k if k.is_numeric() => v.is_number(),
                        QuestionType::Text
                        | QuestionType::LongText
                        | QuestionType::ParticipantCode => v.is_string(),
                        _ => false,
                    };
                    if !fits {
                        self.push(
                            path,
                            &format!("equals {v} does not fit question {:?}", q.id),
                        );
                    }
                }
                Some(Op::AtLeast(_) | Op::AtMost(_)) if !q.kind.is_numeric() => {
                    self.push(
                        path,
                        &format!("at_least/at_most need a number question, {:?} is not", q.id),
                    );
                }
                _ => {}
            }
        }
    }
}

/// The first cycle reachable from the last question of `path`; `done`
/// holds calculations already known to reach none (so each is walked once).
fn find_cycle<'a>(
    calcs: &BTreeMap<&'a str, Vec<&'a str>>,
    path: &mut Vec<&'a str>,
    done: &mut BTreeSet<&'a str>,
) -> Option<Vec<&'a str>> {
    let last = *path.last()?;
    for &next in calcs.get(last).map(Vec::as_slice).unwrap_or_default() {
        if let Some(at) = path.iter().position(|&p| p == next) {
            return Some(path[at..].to_vec());
        }
        if calcs.contains_key(next) && !done.contains(next) {
            path.push(next);
            if let Some(c) = find_cycle(calcs, path, done) {
                return Some(c);
            }
            path.pop();
        }
    }
    done.insert(last);
    None
}

fn not_for_kind(field: &str, kind: QuestionType) -> String {
    format!("{field} does not apply to a {} question", kind.name())
}

fn collect_tests(cond: &Condition) -> Vec<&super::condition::Test> {
    match cond {
        Condition::All(cs) | Condition::Any(cs) => cs.iter().flat_map(collect_tests).collect(),
        Condition::Not(c) => collect_tests(c),
        Condition::Test(t) => vec![t],
    }
}
