//! Translated labels for domain values, so pages never match on enums themselves.

use leptos::prelude::*;

use crate::i18n::{td, td_string, Locale};
use crate::model::form::{FormKind, Role};
use crate::model::language::Language;
use crate::model::registry::Registry;
use crate::model::status::LastSent;
use chrono::{DateTime, Datelike, Local, NaiveDate, Timelike, Utc};

/// The language a locale shows form texts in.
pub fn language(locale: Locale) -> Language {
    match locale {
        Locale::id => Language::Indonesian,
        Locale::en => Language::English,
    }
}

/// A record's form as people call it ("Kunjungan lokasi"), from the
/// registry; a withdrawal message has its own name; a form this phone does
/// not hold is shown by its id.
pub fn form_title(locale: Locale, forms: &Registry, form_id: &str) -> String {
    if form_id == crate::model::record::WITHDRAWAL_FORM {
        return td_string!(locale, kind_withdrawal).to_owned();
    }
    match forms.title(form_id) {
        Some(title) => title.get(language(locale)).to_owned(),
        None => form_id.to_owned(),
    }
}

/// What a kind of form is called, for the forms that feed a report page
/// (`None` for other forms).
pub fn kind_name(locale: Locale, kind: FormKind) -> Option<&'static str> {
    match kind {
        FormKind::SiteVisit => Some(td_string!(locale, kind_site_visit)),
        FormKind::NeedsAssessment => Some(td_string!(locale, kind_needs_assessment)),
        FormKind::FollowUp => Some(td_string!(locale, kind_follow_up)),
        FormKind::Other => None,
    }
}

/// Every form id the phone holds, with its title, in id order: the choices
/// of the record, export and summary filters.
pub fn held_forms(locale: Locale, forms: &Registry) -> Vec<(String, String)> {
    forms
        .form_ids()
        .into_iter()
        .map(|(id, _)| {
            let title = form_title(locale, forms, &id);
            (id, title)
        })
        .collect()
}

pub fn status(locale: Locale, status: crate::model::record::RecordStatus) -> &'static str {
    use crate::model::record::RecordStatus;
    match status {
        RecordStatus::Draft => td_string!(locale, status_draft),
        RecordStatus::Final => td_string!(locale, status_final),
        RecordStatus::Sent => td_string!(locale, status_sent),
        RecordStatus::Held => td_string!(locale, status_held),
        RecordStatus::Imported => td_string!(locale, status_imported),
    }
}

pub fn last_sent(locale: Locale, age: LastSent) -> AnyView {
    match age {
        LastSent::Never => td_string!(locale, last_sent_never).into_any(),
        LastSent::JustNow => td_string!(locale, last_sent_just_now).into_any(),
        LastSent::Minutes(n) => td!(locale, last_sent_minutes, n = move || n).into_any(),
        LastSent::Hours(n) => td!(locale, last_sent_hours, n = move || n).into_any(),
        LastSent::Days(n) => td!(locale, last_sent_days, n = move || n).into_any(),
    }
}

/// "2026-11-23 09:05" in the phone's time zone (WIB, WITA, WIT…), built by
/// hand: chrono's strftime machinery would add ~28 KB to the download.
pub fn date_time(t: DateTime<Utc>) -> String {
    let t = t.with_timezone(&Local);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// "09:05" in the phone's time zone.
pub fn time_of_day(t: DateTime<Utc>) -> String {
    let t = t.with_timezone(&Local);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// Today on the phone's calendar. Date checks ("not in the future") must use
/// this, not the UTC date: at 06:00 WIB the UTC date is still yesterday.
pub fn today() -> NaiveDate {
    Local::now().date_naive()
}

/// The phone's local date and time: what a form's `today()` and `now()` read.
pub fn now() -> chrono::NaiveDateTime {
    Local::now().naive_local()
}

/// A choice's label in `language`, from the form that asks it; the code
/// The label of answer `code` to the question playing `role` in `form`
/// (the code itself when unknown).
pub fn choice_label(
    form: Option<&crate::model::form::FormDef>,
    role: Role,
    code: &str,
    language: crate::model::language::Language,
) -> String {
    form.and_then(|f| f.question(f.role_id(role)))
        .and_then(|q| q.choice(code))
        .map(|c| c.label.get(language).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

/// The label of the question playing `role` in `form` (the role's default
/// id when unknown).
pub fn question_label(
    form: Option<&crate::model::form::FormDef>,
    role: Role,
    language: crate::model::language::Language,
) -> String {
    form.and_then(|f| f.question(f.role_id(role)))
        .map(|q| q.label.get(language).to_owned())
        .unwrap_or_else(|| role.default_id().to_owned())
}

/// "2026-11-23".
pub fn day(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}
