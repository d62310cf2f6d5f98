//! Translated messages for answer, storage, sending and forms errors, and answers shown as text.

use leptos::prelude::*;

use crate::crypto::secret::SecretError;
use crate::crypto::CryptoError;
use crate::i18n::{td, td_string, Locale};
use crate::model::answer::{AnswerError, AnswerValue};
use crate::model::consent::ConsentError;
use crate::model::form::{Question, QuestionType};
use crate::model::language::Language;
use crate::model::profile::NameError;
use crate::model::record::RecordError;
use crate::model::registry::{EntryProblem, IndexError};
use crate::platform::xlsform::ImporterError;
use crate::service::forms::FormsError;
use crate::service::phone::ProfileError;
use crate::service::sending::{LoadProblem, SaveError};
use crate::state::AppError;
use crate::state::{locale_of, Probe};
use crate::storage::StorageError;
use crate::sync::endpoint::EndpointError;
use crate::sync::engine::SyncError;
use crate::sync::engine::{HeldKind, HeldReason};
use crate::sync::policy::{Failure, NotAnswerKind};

/// The message for an answer error. A form's own message replaces the
/// built-in one for constraint failures.
pub fn answer_error(language: Language, error: &AnswerError, q: Option<&Question>) -> AnyView {
    if let Some(custom) = q
        .and_then(|q| q.message.as_ref())
        .filter(|_| error.is_constraint())
    {
        return custom.get(language).to_owned().into_any();
    }
    if let Some(custom) = q
        .and_then(|q| q.required_message.as_ref())
        .filter(|_| *error == AnswerError::Required)
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
            let n = crate::model::number::answer(*min, language);
            td!(l, err_below_min, n = move || n.clone()).into_any()
        }
        AnswerError::AboveMax { max } => {
            let n = crate::model::number::answer(*max, language);
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
        AnswerError::BadSiteCode => td_string!(l, err_bad_site_code).into_any(),
        AnswerError::WrongType => td_string!(l, err_wrong_type).into_any(),
        AnswerError::Constraint => td_string!(l, err_constraint).into_any(),
        AnswerError::ItemCount { count } => {
            let n = *count;
            td!(l, err_item_count, n = move || n).into_any()
        }
    }
}

pub fn storage_error(language: Language, error: &StorageError) -> &'static str {
    let l = locale_of(language);
    match error {
        StorageError::QuotaExceeded => td_string!(l, err_storage_full),
        StorageError::Crypto(CryptoError::Tampered) | StorageError::Corrupt(_) => {
            td_string!(l, err_record_damaged)
        }
        StorageError::Crypto(CryptoError::Locked) => td_string!(l, err_locked),
        StorageError::NewerData { .. } => td_string!(l, err_newer_data),
        StorageError::NotDeletable => td_string!(l, err_not_deletable),
        StorageError::Unavailable(_) => td_string!(l, storage_unavailable_body),
        StorageError::ConnectionClosed | StorageError::Other(_) | StorageError::Crypto(_) => {
            td_string!(l, err_storage_failed)
        }
    }
}

/// Any error a page meets, in words: what happened and what to do.
pub fn app_error(language: Language, error: &AppError) -> AnyView {
    let l = locale_of(language);
    match error {
        AppError::Storage(e) => storage_error(language, e).into_any(),
        AppError::Sync(SyncError::Storage(e)) => storage_error(language, e).into_any(),
        AppError::Sync(SyncError::Crypto(_)) => td_string!(l, err_storage_failed).into_any(),
        AppError::Record(e) => record_error(language, e),
        AppError::Settings(SaveError::Invalid(e)) => endpoint_error(language, e),
        AppError::Settings(SaveError::Storage(e)) => storage_error(language, e).into_any(),
        AppError::Exchange(_) | AppError::Platform(_) => td_string!(l, err_unexpected).into_any(),
    }
}

/// Why a change to a record was refused (finishing, adding to a group,
/// starting or editing one). Answer problems are shown beside their
/// question instead; what is left are the rare ones, each said plainly.
pub fn record_error(language: Language, error: &RecordError) -> AnyView {
    let l = locale_of(language);
    match error {
        RecordError::Consent(ConsentError::Withdrawn) => {
            td_string!(l, err_consent_withdrawn).into_any()
        }
        RecordError::Consent(
            ConsentError::AskedByMissing | ConsentError::AskedByTooLong { .. },
        ) => td_string!(l, consent_asked_by_missing).into_any(),
        RecordError::Consent(_) => td_string!(l, consent_needs_assessment).into_any(),
        RecordError::GroupFull(max) => {
            let max = *max;
            td!(l, err_group_full, n = move || max).into_any()
        }
        RecordError::Answer(e) => answer_error(language, e, None),
        RecordError::Invalid(_) => td_string!(l, form_fix_errors).into_any(),
        RecordError::ReadOnly(_)
        | RecordError::WrongForm { .. }
        | RecordError::UnknownQuestion(_)
        | RecordError::NotADraft
        | RecordError::NotFinal
        | RecordError::NotARepeat(_)
        | RecordError::NoSuchItem(_) => td_string!(l, err_record_change).into_any(),
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

/// Why a profile could not be added, renamed or removed.
pub fn profile_error(language: Language, error: &ProfileError) -> AnyView {
    let l = locale_of(language);
    match error {
        ProfileError::Name(NameError::Empty) => td_string!(l, err_name_empty).into_any(),
        ProfileError::Name(NameError::TooLong) => td_string!(l, err_name_long).into_any(),
        ProfileError::Name(NameError::Taken) => td_string!(l, err_name_taken).into_any(),
        ProfileError::Unsent { unsent } => {
            let n = *unsent;
            td!(l, profiles_remove_unsent, n = move || n).into_any()
        }
        ProfileError::Unknown => td_string!(l, err_storage_failed).into_any(),
        ProfileError::Storage(e) => storage_error(language, e).into_any(),
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
        AnswerValue::Integer(n) => crate::model::number::whole(*n, language),
        AnswerValue::Decimal(n) => crate::model::number::answer(*n, language),
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

/// Why the last attempt to send did not deliver.
pub fn failure(language: Language, failure: &Failure) -> AnyView {
    let l = locale_of(language);
    match failure {
        Failure::Offline => td_string!(l, fail_offline).into_any(),
        Failure::Unreachable => td_string!(l, fail_unreachable).into_any(),
        Failure::Timeout => td_string!(l, fail_timeout).into_any(),
        Failure::Credentials { status } => {
            let s = *status;
            td!(l, fail_credentials, status = move || s).into_any()
        }
        Failure::Busy { status } => {
            let s = *status;
            td!(l, fail_busy, status = move || s).into_any()
        }
        Failure::Refused { status } => {
            let s = *status;
            td!(l, fail_refused, status = move || s).into_any()
        }
        Failure::NotAnAnswer { why } => match why {
            NotAnswerKind::NotJson => td_string!(l, fail_not_an_answer).into_any(),
            NotAnswerKind::WrongShape => td_string!(l, fail_wrong_shape).into_any(),
            NotAnswerKind::OtherBatch => td_string!(l, fail_other_batch).into_any(),
            NotAnswerKind::Unconfirmed => td_string!(l, fail_unconfirmed).into_any(),
            NotAnswerKind::TooLarge => td_string!(l, fail_answer_too_large).into_any(),
        },
        Failure::Redirected => td_string!(l, fail_redirected).into_any(),
    }
}

/// Why server settings were refused.
pub fn endpoint_error(language: Language, error: &EndpointError) -> AnyView {
    let l = locale_of(language);
    match error {
        EndpointError::Empty => td_string!(l, err_url_empty).into_any(),
        EndpointError::NoScheme => td_string!(l, err_url_scheme).into_any(),
        EndpointError::NotHttps => td_string!(l, err_url_https).into_any(),
        EndpointError::BadUrl => td_string!(l, err_url_bad).into_any(),
        EndpointError::CredentialsInUrl => td_string!(l, err_url_credentials).into_any(),
        EndpointError::BatchSize => td_string!(l, err_batch_size).into_any(),
        EndpointError::Timeout => td_string!(l, err_timeout).into_any(),
        EndpointError::UserMissing => td_string!(l, err_user_missing).into_any(),
        EndpointError::PasswordMissing => td_string!(l, err_password_missing).into_any(),
        EndpointError::NotAllowedByBuild { origin } => {
            let o = origin.clone();
            td!(l, err_not_allowed_by_build, origin = move || o.clone()).into_any()
        }
        EndpointError::BadDefaults(_) => td_string!(l, err_bad_defaults).into_any(),
        EndpointError::BadToken => td_string!(l, err_bad_token).into_any(),
    }
}

/// Why the server settings could not be loaded or adopted at unlock.
pub fn load_problem(language: Language, problem: &LoadProblem) -> AnyView {
    let l = locale_of(language);
    match problem {
        LoadProblem::Damaged(_) => td_string!(l, err_settings_damaged).into_any(),
        LoadProblem::Defaults(e) => {
            let e = e.clone();
            td!(
                l,
                err_defaults_refused,
                reason = move || endpoint_error(language, &e)
            )
            .into_any()
        }
    }
}

/// What "Test connection" found.
pub fn probe(language: Language, probe: &Probe) -> AnyView {
    let l = locale_of(language);
    match probe {
        Probe::Ok => td_string!(l, probe_ok).into_any(),
        Probe::Invalid(e) => endpoint_error(language, e),
        Probe::Offline => td_string!(l, probe_offline).into_any(),
        Probe::Timeout => td_string!(l, probe_timeout).into_any(),
        Probe::CorsRefused => td_string!(l, probe_cors).into_any(),
        Probe::Unreachable => td_string!(l, probe_unreachable).into_any(),
        Probe::Credentials(status) => {
            let s = *status;
            td!(l, probe_credentials, status = move || s).into_any()
        }
        Probe::Status(status) => {
            let s = *status;
            td!(l, probe_status, status = move || s).into_any()
        }
        Probe::NotAnAnswer => td_string!(l, probe_not_answer).into_any(),
        Probe::Redirected => td_string!(l, probe_redirected).into_any(),
    }
}

/// Why a record is held, with the server's own words where it gave some.
pub fn held_reason(language: Language, reason: Option<&HeldReason>) -> AnyView {
    let l = locale_of(language);
    let Some(reason) = reason else {
        return td_string!(l, held_intro).into_any();
    };
    let words = reason.reason.clone();
    match reason.kind {
        HeldKind::Rejected => td!(l, held_rejected, reason = move || words.clone()).into_any(),
        HeldKind::Conflict => td!(l, held_conflict, reason = move || words.clone()).into_any(),
        HeldKind::TooLarge => td_string!(l, held_too_large).into_any(),
        HeldKind::Damaged => td_string!(l, held_damaged).into_any(),
    }
}

/// Why the forms could not be checked, or an address was refused.
pub fn forms_error(language: Language, error: &FormsError) -> AnyView {
    let l = locale_of(language);
    match error {
        FormsError::Storage(e) => storage_error(language, e).into_any(),
        FormsError::Offline => td_string!(l, forms_err_offline).into_any(),
        FormsError::Timeout => td_string!(l, forms_err_timeout).into_any(),
        FormsError::Unreachable => td_string!(l, forms_err_unreachable).into_any(),
        FormsError::Status(code) => {
            let code = *code;
            td!(l, forms_err_status, code = move || code).into_any()
        }
        FormsError::Index(e) => {
            let why = index_error(language, e);
            view! { {td_string!(l, forms_err_index)} " " {why} }.into_any()
        }
        FormsError::Address(e) => endpoint_error(language, e),
        FormsError::NotAllowed(origin) => {
            let o = origin.clone();
            td!(l, err_not_allowed_by_build, origin = move || o.clone()).into_any()
        }
        FormsError::NoAddress => td_string!(l, forms_err_no_address).into_any(),
    }
}

fn index_error(language: Language, error: &IndexError) -> &'static str {
    let l = locale_of(language);
    match error {
        IndexError::Syntax(_) => td_string!(l, forms_index_syntax),
        IndexError::Schema(_) => td_string!(l, forms_index_schema),
        IndexError::TooMany => td_string!(l, forms_index_too_many),
        IndexError::TooLarge => td_string!(l, forms_too_large),
    }
}

/// Why one form or consent statement was refused. A form's own problems
/// are listed as the checker writes them (path and problem, in English):
/// they are for whoever edits the file.
pub fn entry_problem(language: Language, problem: &EntryProblem) -> AnyView {
    let l = locale_of(language);
    match problem {
        EntryProblem::VersionTaken => td_string!(l, forms_version_taken).into_any(),
        EntryProblem::HashMismatch => td_string!(l, forms_hash_mismatch).into_any(),
        EntryProblem::BadHash => td_string!(l, forms_bad_hash).into_any(),
        EntryProblem::TooLarge => td_string!(l, forms_too_large).into_any(),
        EntryProblem::WrongId { expected, found } => {
            let (e, f) = (expected.clone(), found.clone());
            td!(
                l,
                forms_wrong_id,
                expected = move || e.clone(),
                found = move || f.clone()
            )
            .into_any()
        }
        EntryProblem::Fetch(_) => td_string!(l, forms_fetch_failed).into_any(),
        EntryProblem::NoSource => td_string!(l, forms_no_source).into_any(),
        EntryProblem::ConsentMissing(id) => {
            let id = id.clone();
            td!(l, forms_consent_missing, id = move || id.clone()).into_any()
        }
        EntryProblem::Invalid(problems) => {
            let items = problems
                .iter()
                .take(20)
                .map(|p| view! { <li><code class="break">{p.path.clone()}</code> ": " {p.problem.clone()}</li> })
                .collect_view();
            view! { {td_string!(l, forms_invalid)} <ul>{items}</ul> }.into_any()
        }
    }
}

/// Why the XLSForm importer could not convert a file.
pub fn importer_error(language: Language, error: &ImporterError) -> &'static str {
    let l = locale_of(language);
    match error {
        ImporterError::Missing => td_string!(l, xls_err_missing),
        ImporterError::Unavailable(_) => td_string!(l, xls_err_unavailable),
        ImporterError::Failed => td_string!(l, xls_err_failed),
    }
}
