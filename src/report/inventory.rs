//! A site's needs inventory (what Dinsos asks for after a monitoring visit), counted from the assessments and follow-ups on this phone.

use std::collections::{BTreeMap, BTreeSet};

use chrono::FixedOffset;

use super::{choice, choices, current, median, number, record_day, yes_no, FormKinds};
use crate::model::form::FormDef;
use crate::model::form::Role;
use crate::model::participant_code::ParticipantCode;
use crate::model::record::Record;

/// A count per answer code, in the form's order, zeros included (a bar
/// chart of "nobody" is still an answer).
pub type Counts = Vec<(String, u32)>;

/// Capital asked for to start a business.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Capital {
    /// Women who named capital items or an amount.
    pub needing: u32,
    /// Women who gave an amount.
    pub with_amount: u32,
    pub total: f64,
    pub median: Option<f64>,
}

/// One site's needs (or every site's, with `site: None` meaning all).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Inventory {
    /// Women with an assessment.
    pub assessed: u32,
    pub resident: u32,
    pub non_resident: u32,
    /// Assessed without an answer to "lives at the site".
    pub residence_unknown: u32,
    pub wants_change: Counts,
    pub training: Counts,
    pub capital: Capital,
    pub no_ktp: u32,
    pub no_bpjs: u32,
    pub no_savings_book: u32,
    pub referrals: Counts,
    /// Mean of each woman's latest score, per aspect (in [`Role::WELLBEING`]
    /// order); `None` when nobody has one.
    pub wellbeing: Vec<(Role, Option<f64>)>,
    /// Latest judged risk of returning, per level.
    pub risk: Counts,
    /// Women whose latest judged risk of returning is high.
    pub at_risk: u32,
}

/// Which sites the inventory can be shown for.
pub fn sites(records: &[Record], kinds: &FormKinds) -> Vec<String> {
    current(records)
        .into_iter()
        .filter(|r| kinds.is_assessment(r))
        .filter_map(|r| r.site.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn zeroed(form: &FormDef, question: &str) -> BTreeMap<String, u32> {
    form.question(question)
        .map(|q| q.choices.iter().map(|c| (c.code.clone(), 0)).collect())
        .unwrap_or_default()
}

/// Counts in the form's choice order; codes the form no longer has go last.
fn ordered(form: &FormDef, question: &str, counts: BTreeMap<String, u32>) -> Counts {
    let mut counts = counts;
    let mut out: Counts = form
        .question(question)
        .map(|q| {
            q.choices
                .iter()
                .map(|c| (c.code.clone(), counts.remove(&c.code).unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    out.extend(counts);
    out
}

/// The inventory for `site` (`None`: every site), counting each woman once:
/// her newest assessment for what she needs, and her newest record that
/// says so for wellbeing and risk. `form` is the assessment form, for the
/// order of answers.
pub fn inventory(
    records: &[Record],
    kinds: &FormKinds,
    site: Option<&str>,
    form: &FormDef,
    offset: FixedOffset,
) -> Inventory {
    let mut by_person: BTreeMap<&ParticipantCode, Vec<&Record>> = BTreeMap::new();
    for r in current(records) {
        if let Some(code) = &r.participant_code {
            by_person.entry(code).or_default().push(r);
        }
    }
    let mut inv = Inventory::default();
    let mut wants = zeroed(form, form.role_id(Role::WantsChange));
    let mut training = zeroed(form, form.role_id(Role::TrainingWanted));
    let mut referrals = zeroed(form, form.role_id(Role::ReferralsNeeded));
    referrals.remove("none");
    let mut risk = zeroed(form, form.role_id(Role::RiskOfReturning));
    let mut amounts = Vec::new();
    let mut wellbeing = [(0.0, 0u32); 5];
    for list in by_person.values_mut() {
        list.sort_by_key(|r| (record_day(r, offset), r.created_at));
        let Some(assessment) = list.iter().rev().find(|r| kinds.is_assessment(r)) else {
            continue;
        };
        if site.is_some_and(|s| assessment.site.as_deref() != Some(s)) {
            continue;
        }
        inv.assessed += 1;
        match yes_no(assessment, kinds.id(assessment, Role::Resident)) {
            Some(true) => inv.resident += 1,
            Some(false) => inv.non_resident += 1,
            None => inv.residence_unknown += 1,
        }
        if let Some(w) = choice(assessment, kinds.id(assessment, Role::WantsChange)) {
            *wants.entry(w.to_owned()).or_default() += 1;
        }
        for t in choices(assessment, kinds.id(assessment, Role::TrainingWanted)) {
            *training.entry(t.clone()).or_default() += 1;
        }
        let amount =
            number(assessment, kinds.id(assessment, Role::CapitalNeeded)).filter(|n| *n > 0.0);
        if amount.is_some()
            || !choices(assessment, kinds.id(assessment, Role::CapitalItems)).is_empty()
        {
            inv.capital.needing += 1;
        }
        if let Some(n) = amount {
            amounts.push(n);
        }
        for (question, gap) in [
            (Role::HasKtp, &mut inv.no_ktp),
            (Role::HasBpjs, &mut inv.no_bpjs),
            (Role::HasSavingsBook, &mut inv.no_savings_book),
        ] {
            if yes_no(assessment, kinds.id(assessment, question)) == Some(false) {
                *gap += 1;
            }
        }
        for c in choices(assessment, kinds.id(assessment, Role::ReferralsNeeded)) {
            if c != "none" {
                *referrals.entry(c.clone()).or_default() += 1;
            }
        }
        for (slot, aspect) in wellbeing.iter_mut().zip(Role::WELLBEING) {
            if let Some(n) = list
                .iter()
                .rev()
                .find_map(|r| number(r, kinds.id(r, aspect)))
            {
                slot.0 += n;
                slot.1 += 1;
            }
        }
        if let Some(level) = list
            .iter()
            .rev()
            .find_map(|r| choice(r, kinds.id(r, Role::RiskOfReturning)))
        {
            *risk.entry(level.to_owned()).or_default() += 1;
            if level == "high" {
                inv.at_risk += 1;
            }
        }
    }
    inv.capital.with_amount = amounts.len() as u32;
    inv.capital.total = amounts.iter().sum();
    inv.capital.median = median(&mut amounts);
    inv.wants_change = ordered(form, form.role_id(Role::WantsChange), wants);
    inv.training = ordered(form, form.role_id(Role::TrainingWanted), training);
    inv.referrals = ordered(form, form.role_id(Role::ReferralsNeeded), referrals)
        .into_iter()
        .filter(|(code, _)| code != "none")
        .collect();
    inv.risk = ordered(form, form.role_id(Role::RiskOfReturning), risk);
    inv.wellbeing = Role::WELLBEING
        .into_iter()
        .zip(wellbeing)
        .map(|(aspect, (sum, n))| (aspect, (n > 0).then(|| sum / f64::from(n))))
        .collect();
    inv
}
