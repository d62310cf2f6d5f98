//! Skip logic: when a question or section is shown, as structured JSON conditions.
//!
//! Conditions are data, not an expression language: a form author (or a
//! form-building tool) writes JSON that serde checks, each error points at a
//! JSON path, and there is no parser to maintain or to get wrong. The forms
//! here need only comparisons of one earlier answer, combined with
//! all/any/not, which this covers.

use serde::{Deserialize, Serialize};

use super::answer::AnswerValue;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// Every condition holds.
    All(Vec<Condition>),
    /// At least one condition holds.
    Any(Vec<Condition>),
    /// The condition does not hold.
    Not(Box<Condition>),
    /// A test on one earlier answer.
    #[serde(untagged)]
    Test(Test),
}

/// `{"question": "wants_change", "equals": "yes"}` and the like: one
/// question and exactly one operator (checked when the form is parsed).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Test {
    pub question: String,
    /// Single choice is this code; yes/no is this boolean; a number equals it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<serde_json::Value>,
    /// Multiple choice includes this code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes: Option<String>,
    /// A number (integer, decimal, scale) is at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    /// A number is at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    /// The question has (true) or lacks (false) an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<bool>,
}

/// The operator of a [`Test`].
#[derive(Debug, Clone, PartialEq)]
pub enum Op<'a> {
    Equals(&'a serde_json::Value),
    Includes(&'a str),
    AtLeast(f64),
    AtMost(f64),
    Answered(bool),
}

impl Test {
    /// The one operator, or `None` when there are none or several.
    pub fn op(&self) -> Option<Op<'_>> {
        let ops = [
            self.equals.as_ref().map(Op::Equals),
            self.includes.as_deref().map(Op::Includes),
            self.at_least.map(Op::AtLeast),
            self.at_most.map(Op::AtMost),
            self.answered.map(Op::Answered),
        ];
        let mut present = ops.into_iter().flatten();
        match (present.next(), present.next()) {
            (Some(op), None) => Some(op),
            _ => None,
        }
    }
}

impl Condition {
    /// Every question id the condition reads.
    pub fn references(&self) -> Vec<&str> {
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                cs.iter().flat_map(|c| c.references()).collect()
            }
            Condition::Not(c) => c.references(),
            Condition::Test(t) => vec![t.question.as_str()],
        }
    }

    /// Evaluates against answers looked up by question id. A test on a
    /// missing answer is false (except `answered: false`), so a question
    /// that depends on an unanswered one stays hidden.
    pub fn holds<'a>(&self, answer: &impl Fn(&str) -> Option<&'a AnswerValue>) -> bool {
        match self {
            Condition::All(cs) => cs.iter().all(|c| c.holds(answer)),
            Condition::Any(cs) => cs.iter().any(|c| c.holds(answer)),
            Condition::Not(c) => !c.holds(answer),
            Condition::Test(t) => t.holds(answer(&t.question)),
        }
    }
}

impl Test {
    fn holds(&self, value: Option<&AnswerValue>) -> bool {
        match (self.op(), value) {
            // A malformed test is rejected when the form is parsed; here it
            // simply never holds.
            (None, _) => false,
            (Some(Op::Answered(want)), v) => v.is_some() == want,
            (Some(_), None) => false,
            (Some(Op::Equals(expected)), Some(v)) => v.equals_json(expected),
            (Some(Op::Includes(code)), Some(AnswerValue::Choices(codes))) => {
                codes.iter().any(|c| c == code)
            }
            (Some(Op::Includes(_)), Some(_)) => false,
            (Some(Op::AtLeast(min)), Some(v)) => v.as_number().is_some_and(|n| n >= min),
            (Some(Op::AtMost(max)), Some(v)) => v.as_number().is_some_and(|n| n <= max),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn parse(json: &str) -> Condition {
        serde_json::from_str(json).unwrap()
    }

    fn answers() -> BTreeMap<&'static str, AnswerValue> {
        BTreeMap::from([
            ("wants_change", AnswerValue::Choice("yes".into())),
            (
                "training",
                AnswerValue::Choices(vec!["catering".into(), "salon".into()]),
            ),
            ("dependants", AnswerValue::Integer(3)),
            ("has_ktp", AnswerValue::Bool(false)),
        ])
    }

    fn holds(json: &str) -> bool {
        let a = answers();
        parse(json).holds(&|q| a.get(q))
    }

    #[test]
    fn simple_tests() {
        assert!(holds(r#"{"question": "wants_change", "equals": "yes"}"#));
        assert!(!holds(r#"{"question": "wants_change", "equals": "no"}"#));
        assert!(holds(r#"{"question": "training", "includes": "salon"}"#));
        assert!(!holds(r#"{"question": "training", "includes": "sewing"}"#));
        assert!(holds(r#"{"question": "dependants", "at_least": 3}"#));
        assert!(!holds(r#"{"question": "dependants", "at_most": 2}"#));
        assert!(holds(r#"{"question": "has_ktp", "equals": false}"#));
        assert!(holds(r#"{"question": "dependants", "equals": 3}"#));
    }

    #[test]
    fn missing_answers_hide() {
        assert!(!holds(r#"{"question": "missing", "equals": "yes"}"#));
        assert!(!holds(r#"{"question": "missing", "at_least": 0}"#));
        assert!(holds(r#"{"question": "missing", "answered": false}"#));
        assert!(holds(r#"{"question": "dependants", "answered": true}"#));
    }

    #[test]
    fn combinators() {
        assert!(holds(
            r#"{"all": [{"question": "wants_change", "equals": "yes"}, {"question": "training", "includes": "catering"}]}"#
        ));
        assert!(!holds(
            r#"{"all": [{"question": "wants_change", "equals": "yes"}, {"question": "training", "includes": "sewing"}]}"#
        ));
        assert!(holds(
            r#"{"any": [{"question": "wants_change", "equals": "no"}, {"question": "has_ktp", "equals": false}]}"#
        ));
        assert!(holds(
            r#"{"not": {"question": "wants_change", "equals": "no"}}"#
        ));
    }

    #[test]
    fn references_are_collected() {
        let c = parse(
            r#"{"any": [{"question": "a", "equals": 1}, {"not": {"question": "b", "answered": true}}]}"#,
        );
        assert_eq!(c.references(), vec!["a", "b"]);
    }

    #[test]
    fn a_test_needs_exactly_one_operator() {
        let none: Test = serde_json::from_str(r#"{"question": "a"}"#).unwrap();
        assert_eq!(none.op(), None);
        let two: Test =
            serde_json::from_str(r#"{"question": "a", "equals": 1, "at_least": 0}"#).unwrap();
        assert_eq!(two.op(), None);
        assert!(!Condition::Test(two).holds(&|_| None));
    }

    #[test]
    fn unknown_operators_are_rejected() {
        assert!(serde_json::from_str::<Condition>(r#"{"question": "a", "bigger": 1}"#).is_err());
        assert!(serde_json::from_str::<Condition>(r#"{"every": []}"#).is_err());
    }
}
