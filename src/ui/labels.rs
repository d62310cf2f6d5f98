//! Translated labels for domain values, so pages never match on enums themselves.

use leptos::prelude::*;

use crate::i18n::{td, td_string, Locale};
use crate::model::record_kind::RecordKind;
use crate::model::status::LastSent;
use chrono::{DateTime, Datelike, Local, NaiveDate, Timelike, Utc};

pub fn kind_title(locale: Locale, kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::SiteVisit => td_string!(locale, kind_site_visit),
        RecordKind::NeedsAssessment => td_string!(locale, kind_needs_assessment),
        RecordKind::FollowUp => td_string!(locale, kind_follow_up),
    }
}

pub fn kind_hint(locale: Locale, kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::SiteVisit => td_string!(locale, kind_site_visit_hint),
        RecordKind::NeedsAssessment => td_string!(locale, kind_needs_assessment_hint),
        RecordKind::FollowUp => td_string!(locale, kind_follow_up_hint),
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
