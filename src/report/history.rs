//! One participant over time (consent, assessment, visits, wellbeing, business, referrals, next visit) and who is due for a follow-up.

use std::collections::BTreeMap;

use chrono::{Days, FixedOffset, NaiveDate};
use uuid::Uuid;

use super::{choice, choices, current, date, number, record_day, yes_no, FormKinds};
use crate::model::consent::{Consent, Purpose};
use crate::model::form::Role;
use crate::model::participant_code::ParticipantCode;
use crate::model::record::Record;

/// How far ahead the home screen looks for visits coming due.
pub const DUE_WITHIN_DAYS: u64 = 7;

/// A participant as the people list shows her.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub code: ParticipantCode,
    pub site: Option<String>,
    pub last_visit: NaiveDate,
    /// The next visit still to come: the newest "next visit" answer, if it
    /// falls after her last visit (a later visit has made an older one moot).
    pub next_visit: Option<NaiveDate>,
    /// From her newest assessment on this phone, if any.
    pub consent: Option<Consent>,
    /// Her newest record: what the page address names (a record id, never
    /// her code).
    pub anchor: Uuid,
    pub records: usize,
}

impl Person {
    /// Whether she may be contacted again: agreed, or no consent on this
    /// phone to say otherwise (her assessment was made on another phone).
    pub fn may_contact(&self) -> bool {
        self.consent
            .as_ref()
            .is_none_or(|c| c.purposes.contains(&Purpose::FollowUpContact))
    }
}

/// Records of one participant, oldest day first (ties by creation time).
fn by_person(records: &[Record], offset: FixedOffset) -> BTreeMap<&ParticipantCode, Vec<&Record>> {
    let mut people: BTreeMap<&ParticipantCode, Vec<&Record>> = BTreeMap::new();
    for record in current(records) {
        if let Some(code) = &record.participant_code {
            people.entry(code).or_default().push(record);
        }
    }
    for list in people.values_mut() {
        list.sort_by_key(|r| (record_day(r, offset), r.created_at));
    }
    people
}

fn person(
    code: &ParticipantCode,
    list: &[&Record],
    kinds: &FormKinds,
    offset: FixedOffset,
) -> Person {
    let newest = list[list.len() - 1];
    let last_visit = record_day(newest, offset);
    let next_visit = list
        .iter()
        .rev()
        .find_map(|r| date(r, kinds.id(r, Role::NextVisit)))
        .filter(|d| *d > last_visit);
    let consent = list
        .iter()
        .rev()
        .filter(|r| kinds.is_assessment(r))
        .find_map(|r| r.consent.clone());
    Person {
        code: code.clone(),
        site: list.iter().rev().find_map(|r| r.site.clone()),
        last_visit,
        next_visit,
        consent,
        anchor: newest.id,
        records: list.len(),
    }
}

/// Everyone with a record on this phone, by code.
pub fn people(records: &[Record], kinds: &FormKinds, offset: FixedOffset) -> Vec<Person> {
    by_person(records, offset)
        .into_iter()
        .map(|(code, list)| person(code, &list, kinds, offset))
        .collect()
}

/// Who is due for a follow-up: the next visit has passed or falls within
/// [`DUE_WITHIN_DAYS`] of `today`, and she agreed to be contacted again.
/// Most overdue first.
pub fn due(people: &[Person], today: NaiveDate) -> Vec<&Person> {
    let horizon = today
        .checked_add_days(Days::new(DUE_WITHIN_DAYS))
        .unwrap_or(NaiveDate::MAX);
    let mut due: Vec<&Person> = people
        .iter()
        .filter(|p| p.may_contact() && p.next_visit.is_some_and(|d| d <= horizon))
        .collect();
    due.sort_by(|a, b| (a.next_visit, &a.code).cmp(&(b.next_visit, &b.code)));
    due
}

/// People whose code or site contains `text` (any case); all when blank.
pub fn search<'a>(people: &'a [Person], text: &str) -> Vec<&'a Person> {
    let needle = text.trim().to_uppercase();
    let bare = needle.replace(['-', ' '], "");
    people
        .iter()
        .filter(|p| {
            needle.is_empty()
                || (!bare.is_empty() && p.code.to_string().replace('-', "").contains(&bare))
                || p.site
                    .as_ref()
                    .is_some_and(|s| s.to_uppercase().contains(&needle))
        })
        .collect()
}

/// One visit (the assessment or a follow-up) in her history.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub record_id: Uuid,
    pub form_id: String,
    pub day: NaiveDate,
    /// How the follow-up happened (a `contact_kind` code).
    pub contact: Option<String>,
    /// Risk of returning to sex work, as judged at that visit.
    pub risk: Option<String>,
}

/// Her business at one follow-up.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessPoint {
    pub day: NaiveDate,
    pub started: bool,
    pub state: Option<String>,
    pub income: Option<String>,
}

/// One wellbeing aspect over her visits.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The question id (`wb_psychological` …).
    pub aspect: Role,
    pub points: Vec<(NaiveDate, f64)>,
}

/// What her assessment said, in short (the full record is one tap away).
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub record_id: Uuid,
    pub day: NaiveDate,
    pub wants_change: Option<String>,
    pub training: Vec<String>,
    pub capital: Option<f64>,
}

/// Everything her page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub person: Person,
    pub assessment: Option<Assessment>,
    pub visits: Vec<Visit>,
    pub wellbeing: Vec<Series>,
    pub business: Vec<BusinessPoint>,
    /// Referrals her newest assessment asked for (`none` left out). The
    /// forms have no question that closes a referral, so they stay open
    /// until a new assessment says otherwise.
    pub open_referrals: Vec<String>,
}

/// Her history, if this phone holds any record of hers.
pub fn history(
    records: &[Record],
    kinds: &FormKinds,
    code: &ParticipantCode,
    offset: FixedOffset,
) -> Option<History> {
    let people = by_person(records, offset);
    let list = people.get(code)?;
    let person = person(code, list, kinds, offset);
    let newest_assessment = list.iter().rev().find(|r| kinds.is_assessment(r));
    let assessment = newest_assessment.map(|r| Assessment {
        record_id: r.id,
        day: record_day(r, offset),
        wants_change: choice(r, kinds.id(r, Role::WantsChange)).map(str::to_owned),
        training: choices(r, kinds.id(r, Role::TrainingWanted)).to_vec(),
        capital: number(r, kinds.id(r, Role::CapitalNeeded)),
    });
    let visits = list
        .iter()
        .map(|r| Visit {
            record_id: r.id,
            form_id: r.form_id.clone(),
            day: record_day(r, offset),
            contact: choice(r, kinds.id(r, Role::ContactKind)).map(str::to_owned),
            risk: choice(r, kinds.id(r, Role::RiskOfReturning)).map(str::to_owned),
        })
        .collect();
    let wellbeing = Role::WELLBEING
        .into_iter()
        .map(|aspect| Series {
            aspect,
            points: list
                .iter()
                .filter_map(|r| number(r, kinds.id(r, aspect)).map(|n| (record_day(r, offset), n)))
                .collect(),
        })
        .collect();
    let business = list
        .iter()
        .filter_map(|r| {
            yes_no(r, kinds.id(r, Role::BusinessStarted)).map(|started| BusinessPoint {
                day: record_day(r, offset),
                started,
                state: choice(r, kinds.id(r, Role::BusinessState)).map(str::to_owned),
                income: choice(r, kinds.id(r, Role::IncomeBand)).map(str::to_owned),
            })
        })
        .collect();
    let open_referrals = newest_assessment
        .map(|r| {
            choices(r, kinds.id(r, Role::ReferralsNeeded))
                .iter()
                .filter(|c| *c != "none")
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    Some(History {
        person,
        assessment,
        visits,
        wellbeing,
        business,
        open_referrals,
    })
}
