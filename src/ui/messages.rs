//! Translated messages for answer and storage errors, and answers shown as text.

use leptos::prelude::*;

use crate::crypto::secret::SecretError;
use crate::crypto::CryptoError;
use crate::i18n::{td, td_string, Locale};
use crate::model::answer::{AnswerError, AnswerValue};
use crate::model::form::{Question, QuestionType};
use crate::model::language::Language;
use crate::state::locale_of;
use crate::storage::StorageError;

/// A bound as people read it: "5", not "5.0".
pub fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        (n as i64).to_string()
    } else {
        n.to_string()
    }
}

/// The message for an answer error. A form's own message replaces the
/// built-in one for constraint failures.
pub fn answer_error(language: Language, error: &AnswerError, q: Option<&Question>) -> AnyView {
    if let Some(custom) = q
        .and_then(|q| q.message.as_ref())
        .filter(|_| error.is_constraint())
    {
        return custom.get(language).to_owned().into_any();
    }
    let l: Locale = locale_of(language);
    match error {
        AnswerError::Required => td_string!(l, err_required).into_any(),
        AnswerError::TooShort { min } => {
            let n = *min;
            td!(l, err_too_short, n = move || n).into_any()
        }
        AnswerError::TooLong { max } => {
            let n = *max;
            td!(l, err_too_long, n = move || n).into_any()
        }
        AnswerError::PatternMismatch => td_string!(l, err_pattern).into_any(),
        AnswerError::NotAnInteger => td_string!(l, err_not_integer).into_any(),
        AnswerError::NotANumber => td_string!(l, err_not_number).into_any(),
        AnswerError::BelowMin { min } => {
            let n = number(*min);
            td!(l, err_below_min, n = move || n.clone()).into_any()
        }
        AnswerError::AboveMax { max } => {
            let n = number(*max);
            td!(l, err_above_max, n = move || n.clone()).into_any()
        }
        AnswerError::UnknownChoice => td_string!(l, err_unknown_choice).into_any(),
        AnswerError::TooFewChoices { min } => {
            let n = *min;
            td!(l, err_too_few, n = move || n).into_any()
        }
        AnswerError::TooManyChoices { max } => {
            let n = *max;
            td!(l, err_too_many, n = move || n).into_any()
        }
        AnswerError::ImpossibleDate => td_string!(l, err_impossible_date).into_any(),
        AnswerError::DateTooEarly { min } => {
            let date = min.to_string();
            td!(l, err_date_early, date = move || date.clone()).into_any()
        }
        AnswerError::DateTooLate { max } => {
            let date = max.to_string();
            td!(l, err_date_late, date = move || date.clone()).into_any()
        }
        AnswerError::BadLocation => td_string!(l, err_bad_location).into_any(),
        AnswerError::BadCode => td_string!(l, err_bad_code).into_any(),
        AnswerError::WrongType => td_string!(l, err_wrong_type).into_any(),
    }
}

pub fn storage_error(language: Language, error: &StorageError) -> &'static str {
    let l = locale_of(language);
    match error {
        StorageError::QuotaExceeded => td_string!(l, err_storage_full),
        StorageError::Crypto(CryptoError::Tampered) | StorageError::Corrupt(_) => {
            td_string!(l, err_record_damaged)
        }
        _ => td_string!(l, err_storage_failed),
    }
}

/// Why a new PIN or passphrase was refused.
pub fn secret_error(language: Language, error: SecretError) -> AnyView {
    let l = locale_of(language);
    match error {
        SecretError::Empty => td_string!(l, err_secret_empty).into_any(),
        SecretError::OnlySpaces => td_string!(l, err_secret_spaces).into_any(),
        SecretError::NotDigits => td_string!(l, err_secret_digits).into_any(),
        SecretError::TooShort { min } => td!(l, err_secret_short, n = move || min).into_any(),
        SecretError::TooLong { max } => td!(l, err_secret_long, n = move || max).into_any(),
        SecretError::TooSimple => td_string!(l, err_secret_simple).into_any(),
        SecretError::Mismatch => td_string!(l, err_secret_mismatch).into_any(),
    }
}

/// An answer as text, for read-only views.
pub fn answer_text(language: Language, q: &Question, value: &AnswerValue) -> String {
    let choice = |code: &str| {
        q.choice(code)
            .map(|c| c.label.get(language).to_owned())
            .unwrap_or_else(|| code.to_owned())
    };
    let l = locale_of(language);
    match value {
        AnswerValue::Text(s) | AnswerValue::Code(s) => s.clone(),
        AnswerValue::Integer(n) => n.to_string(),
        AnswerValue::Decimal(n) => number(*n),
        AnswerValue::Choice(c) => choice(c),
        AnswerValue::Choices(cs) => cs.iter().map(|c| choice(c)).collect::<Vec<_>>().join(", "),
        AnswerValue::Date(d) => d.to_string(),
        AnswerValue::Bool(true) => td_string!(l, form_yes).to_owned(),
        AnswerValue::Bool(false) => td_string!(l, form_no).to_owned(),
        AnswerValue::Scale(n) => n.to_string(),
        AnswerValue::Gps(p) => format!(
            "{}, {} (±{} m)",
            fixed5(p.lat),
            fixed5(p.lon),
            p.accuracy_m.round() as i64
        ),
    }
    .chars()
    .take(if q.kind == QuestionType::LongText {
        4000
    } else {
        400
    })
    .collect()
}

/// Degrees with five decimals (about a metre), without float formatting.
pub fn fixed5(x: f64) -> String {
    let scaled = (x * 100_000.0).round() as i64;
    let sign = if scaled < 0 { "-" } else { "" };
    let abs = scaled.unsigned_abs();
    format!("{sign}{}.{:05}", abs / 100_000, abs % 100_000)
}
