//! Answers: their values, how typed input becomes a value, and the per-question constraint checks.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::form::{Question, QuestionType, Role};
use super::participant_code::ParticipantCode;

/// A site location. Site level only — never a person's home.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
    /// Reported accuracy radius in metres.
    pub accuracy_m: f64,
}

/// One answer. Tagged in JSON (`{"type": "integer", "value": 3}`) so a stored
/// answer never depends on guessing its type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    Text(String),
    Integer(i64),
    Decimal(f64),
    Choice(String),
    Choices(Vec<String>),
    Date(NaiveDate),
    Bool(bool),
    Scale(u8),
    Gps(GeoPoint),
    Code(String),
}

impl AnswerValue {
    pub fn as_number(&self) -> Option<f64> {
        match self {
            AnswerValue::Integer(n) => Some(*n as f64),
            AnswerValue::Decimal(n) => Some(*n),
            AnswerValue::Scale(n) => Some(f64::from(*n)),
            _ => None,
        }
    }

    /// Compares with a JSON value from a condition.
    pub fn equals_json(&self, expected: &serde_json::Value) -> bool {
        match self {
            AnswerValue::Choice(s) | AnswerValue::Text(s) | AnswerValue::Code(s) => {
                expected.as_str() == Some(s)
            }
            AnswerValue::Bool(b) => expected.as_bool() == Some(*b),
            other => match (other.as_number(), expected.as_f64()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        }
    }
}

/// Every answer of a record: plain questions by id, and repeat groups by
/// section id, one map per item.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Answers {
    #[serde(default)]
    pub values: BTreeMap<String, AnswerValue>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub repeats: BTreeMap<String, Vec<BTreeMap<String, AnswerValue>>>,
}

/// Why an answer is not accepted. The UI turns each into a translated
/// message; a form's own `message` replaces the constraint ones.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AnswerError {
    #[error("an answer is required")]
    Required,
    #[error("at least {min} characters")]
    TooShort { min: u32 },
    #[error("at most {max} characters")]
    TooLong { max: u32 },
    #[error("does not have the expected form")]
    PatternMismatch,
    #[error("not a whole number")]
    NotAnInteger,
    #[error("not a number")]
    NotANumber,
    #[error("at least {min}")]
    BelowMin { min: f64 },
    #[error("at most {max}")]
    AboveMax { max: f64 },
    #[error("not one of the choices")]
    UnknownChoice,
    #[error("choose at least {min}")]
    TooFewChoices { min: u32 },
    #[error("choose at most {max}")]
    TooManyChoices { max: u32 },
    #[error("not a real date")]
    ImpossibleDate,
    #[error("on or after {min}")]
    DateTooEarly { min: NaiveDate },
    #[error("on or before {max}")]
    DateTooLate { max: NaiveDate },
    #[error("not a valid location")]
    BadLocation,
    #[error("not a valid participant code")]
    BadCode,
    /// A site code holds only Latin capitals, digits, spaces and `- _ . /`:
    /// anything else can make one site look like another.
    #[error("not a valid site code")]
    BadSiteCode,
    #[error("this answer does not fit the question")]
    WrongType,
    /// The form's `constraint` expression does not hold.
    #[error("the answer does not meet the form's condition")]
    Constraint,
    /// A repeat group's `count` asks for exactly this many items.
    #[error("exactly {count} item(s) are needed")]
    ItemCount { count: u32 },
}

impl AnswerError {
    /// True for failures of a constraint the form set (where the form's own
    /// message, if any, is shown instead).
    pub fn is_constraint(&self) -> bool {
        !matches!(self, AnswerError::Required | AnswerError::WrongType)
    }
}

/// Characters that change how text is shown without being seen: bidi
/// overrides, embeddings, isolates and marks, zero-width spaces and joiners
/// of words, the byte-order mark and the soft hyphen. (Zero-width joiners
/// stay: emoji need them.)
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Cleans typed or pasted text: drops control characters (keeping line
/// breaks where the question allows several lines) and invisible
/// formatting characters, normalises line breaks and trims the ends. HTML
/// and emoji stay as typed: the UI renders text as text, never as markup.
pub fn clean_text(raw: &str, multiline: bool) -> String {
    let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
    let kept: String = unified
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .filter(|&c| (!c.is_control() || (multiline && c == '\n')) && !invisible(c))
        .collect();
    kept.trim().to_owned()
}

/// A site code as it is kept: upper case, one space between words.
///
/// # Errors
/// [`AnswerError::BadSiteCode`] for any character but Latin letters,
/// digits, spaces and `- _ . /`.
pub fn site_code(text: &str) -> Result<String, AnswerError> {
    let code = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase();
    if code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '/'))
    {
        Ok(code)
    } else {
        Err(AnswerError::BadSiteCode)
    }
}

/// Turns what was typed into a value for a text-entry question (text, long
/// text, integer, decimal, date, participant code). Blank input is no
/// answer (`Ok(None)`). Decimals accept a comma, as written in Indonesia.
///
/// # Errors
/// The [`AnswerError`] that explains why the input is refused; the caller
/// keeps the previous answer.
pub fn parse_input(q: &Question, raw: &str) -> Result<Option<AnswerValue>, AnswerError> {
    let multiline = q.kind == QuestionType::LongText;
    // Check the length before cleaning a huge paste character by character.
    let limit = q.max_text_length() as usize;
    if raw.len() > limit * 4 + 1024 {
        return Err(AnswerError::TooLong { max: limit as u32 });
    }
    let text = clean_text(raw, multiline);
    if text.is_empty() {
        return Ok(None);
    }
    let value = match q.kind {
        QuestionType::Text if q.role == Some(Role::Site) => AnswerValue::Text(site_code(&text)?),
        QuestionType::Text | QuestionType::LongText => AnswerValue::Text(text),
        QuestionType::Integer => AnswerValue::Integer(parse_integer(&text)?),
        QuestionType::Decimal => {
            let normalised = text.replace(',', ".");
            let n: f64 = normalised.parse().map_err(|_| AnswerError::NotANumber)?;
            if !n.is_finite() || normalised.contains(['e', 'E', 'i', 'n', 'N', 'I']) {
                return Err(AnswerError::NotANumber);
            }
            AnswerValue::Decimal(n)
        }
        QuestionType::Date => AnswerValue::Date(
            NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map_err(|_| AnswerError::ImpossibleDate)?,
        ),
        QuestionType::ParticipantCode => AnswerValue::Code(
            ParticipantCode::parse(&text)
                .map_err(|_| AnswerError::BadCode)?
                .to_string(),
        ),
        _ => return Err(AnswerError::WrongType),
    };
    Ok(Some(value))
}

/// Reads a whole number as people write it here: `12`, `-3`, or with dots
/// (or spaces) grouping thousands, `1.200.000`. A dot that does not group
/// exactly three digits (`2.5`) is a decimal, and refused rather than
/// silently read as 25.
fn parse_integer(text: &str) -> Result<i64, AnswerError> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let groups: Vec<&str> = digits.split(['.', ' ']).collect();
    let grouped = groups.len() > 1;
    let well_grouped = groups.iter().enumerate().all(|(i, g)| {
        !g.is_empty()
            && g.chars().all(|c| c.is_ascii_digit())
            && (i == 0 && g.len() <= 3 || i > 0 && g.len() == 3)
    });
    if grouped && !well_grouped {
        let looks_decimal = text.replace(',', ".").parse::<f64>().is_ok();
        return Err(if looks_decimal {
            AnswerError::NotAnInteger
        } else {
            AnswerError::NotANumber
        });
    }
    let joined = format!("{sign}{}", groups.concat());
    joined.parse().map_err(|_| {
        if joined.replace(',', ".").parse::<f64>().is_ok()
            || joined.chars().all(|c| c.is_ascii_digit() || c == '-')
        {
            AnswerError::NotAnInteger
        } else {
            AnswerError::NotANumber
        }
    })
}

/// Checks one value against its question's type and constraints.
///
/// # Errors
/// The first constraint the value breaks.
pub fn check(q: &Question, value: &AnswerValue, today: NaiveDate) -> Result<(), AnswerError> {
    use AnswerValue as V;
    use QuestionType as T;
    match (q.kind, value) {
        (T::Text | T::LongText, V::Text(s)) => {
            if q.role == Some(Role::Site) && site_code(s).as_deref() != Ok(s.as_str()) {
                return Err(AnswerError::BadSiteCode);
            }
            let len = s.chars().count() as u32;
            if len > q.max_text_length() {
                return Err(AnswerError::TooLong {
                    max: q.max_text_length(),
                });
            }
            if let Some(min) = q.min_length.filter(|&min| len < min) {
                return Err(AnswerError::TooShort { min });
            }
            // A pattern that does not compile was refused when the form was
            // parsed; here it cannot fail an answer.
            match q.compiled_pattern() {
                Some(Ok(re)) if !re.is_match(s) => Err(AnswerError::PatternMismatch),
                _ => Ok(()),
            }
        }
        (T::Integer, V::Integer(n)) => bounds(q, *n as f64),
        (T::Decimal, V::Decimal(n)) if n.is_finite() => bounds(q, *n),
        (T::Scale, V::Scale(n)) => {
            let (lo, hi) = q.scale_range();
            let n = f64::from(*n);
            if n < lo {
                Err(AnswerError::BelowMin { min: lo })
            } else if n > hi {
                Err(AnswerError::AboveMax { max: hi })
            } else {
                Ok(())
            }
        }
        (T::SingleChoice, V::Choice(code)) => {
            q.choice(code).map(|_| ()).ok_or(AnswerError::UnknownChoice)
        }
        (T::MultipleChoice, V::Choices(codes)) => {
            if codes.iter().any(|c| q.choice(c).is_none()) {
                return Err(AnswerError::UnknownChoice);
            }
            let n = codes.len() as f64;
            if let Some(min) = q.min.filter(|&m| n < m) {
                return Err(AnswerError::TooFewChoices { min: min as u32 });
            }
            if let Some(max) = q.max.filter(|&m| n > m) {
                return Err(AnswerError::TooManyChoices { max: max as u32 });
            }
            Ok(())
        }
        (T::Date, V::Date(d)) => {
            if let Some(min) = q.min_date.map(|b| b.resolve(today)).filter(|min| d < min) {
                return Err(AnswerError::DateTooEarly { min });
            }
            if let Some(max) = q.max_date.map(|b| b.resolve(today)).filter(|max| d > max) {
                return Err(AnswerError::DateTooLate { max });
            }
            Ok(())
        }
        (T::YesNo, V::Bool(_)) => Ok(()),
        (T::Gps, V::Gps(p)) => {
            let ok = (-90.0..=90.0).contains(&p.lat)
                && (-180.0..=180.0).contains(&p.lon)
                && p.accuracy_m.is_finite()
                && p.accuracy_m >= 0.0;
            if ok {
                Ok(())
            } else {
                Err(AnswerError::BadLocation)
            }
        }
        (T::ParticipantCode, V::Code(code)) => ParticipantCode::parse(code)
            .map(|_| ())
            .map_err(|_| AnswerError::BadCode),
        _ => Err(AnswerError::WrongType),
    }
}

fn bounds(q: &Question, n: f64) -> Result<(), AnswerError> {
    if let Some(min) = q.min.filter(|&min| n < min) {
        return Err(AnswerError::BelowMin { min });
    }
    if let Some(max) = q.max.filter(|&max| n > max) {
        return Err(AnswerError::AboveMax { max });
    }
    Ok(())
}
