#![cfg(target_arch = "wasm32")]
//! Expression benchmark in headless Chromium (run by bench/xlsform.sh, not by the tests): what the form page works out per keystroke on the largest built-in form, written with structured conditions and as expressions; prints timings, asserts none.

use chrono::NaiveDate;
use jangkau::model::answer::{AnswerValue, Answers};
use jangkau::model::builtin;
use jangkau::model::form::{FormDef, FormKind, QuestionType};
use jangkau::xlsform;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

fn report(what: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    let q = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    web_sys::console::log_1(&JsValue::from_str(&format!(
        "BENCH | {what} | per keystroke over {} batches of 100 | p50={:.4} ms | p95={:.4} ms | max={:.4} ms",
        samples.len(),
        q(0.5),
        q(0.95),
        samples[samples.len() - 1]
    )));
}

/// Every question answered the way that shows the most (the worst case:
/// every condition is evaluated and every section is open).
fn full_answers(form: &FormDef) -> Answers {
    let mut a = Answers::default();
    for (_, q) in form.questions() {
        let v = match q.kind {
            QuestionType::SingleChoice => AnswerValue::Choice(q.choices[0].code.clone()),
            QuestionType::MultipleChoice => {
                AnswerValue::Choices(q.choices.iter().map(|c| c.code.clone()).collect())
            }
            QuestionType::YesNo => AnswerValue::Bool(true),
            QuestionType::Scale => AnswerValue::Scale(3),
            QuestionType::Integer => AnswerValue::Integer(2),
            QuestionType::Decimal => AnswerValue::Decimal(1000.0),
            QuestionType::Date => AnswerValue::Date(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
            QuestionType::Text | QuestionType::LongText => AnswerValue::Text("ISI".into()),
            _ => continue,
        };
        a.values.insert(q.id.clone(), v);
    }
    a
}

/// What one keystroke makes the form page work out: the answers still
/// needed (every section validated), the sections before and after, and
/// whether each question applies (more than the page does: it asks only
/// for the questions of the screen that is open).
fn keystroke(form: &FormDef, answers: &Answers, today: NaiveDate) -> usize {
    let mut n = form.remaining(answers, today).count;
    for i in 0..form.sections.len() {
        n += usize::from(form.section_after(i, answers, today).is_some());
        n += usize::from(form.section_before(i, answers, today).is_some());
    }
    for s in &form.sections {
        for q in &s.questions {
            n += usize::from(form.question_visible(q, answers, None, today));
        }
    }
    n
}

#[wasm_bindgen_test]
fn a_keystroke_on_the_largest_built_in_form() {
    let json = builtin::form(FormKind::NeedsAssessment).unwrap();
    // The same form through XLSForm: every show_if becomes a relevant
    // expression, every bound a constraint.
    let as_xlsform = xlsform::convert(&xlsform::export::workbook(&json))
        .unwrap()
        .form;
    let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    for (what, form) in [
        ("structured conditions", &json),
        ("expressions (via XLSForm)", &as_xlsform),
    ] {
        let mut answers = full_answers(form);
        let typed = form
            .questions()
            .find(|(_, q)| q.kind == QuestionType::Integer)
            .map(|(_, q)| q.id.clone())
            .unwrap();
        // Timed 100 keystrokes at a time (the page's clock is coarse),
        // reported per keystroke.
        let mut samples = Vec::new();
        let mut sink = 0;
        for batch in 0..20 {
            let t = now_ms();
            for i in 0..100 {
                answers
                    .values
                    .insert(typed.clone(), AnswerValue::Integer((batch + i) % 7));
                sink += keystroke(form, &answers, today);
            }
            samples.push((now_ms() - t) / 100.0);
        }
        let questions = form.questions().count();
        report(
            &format!("keystroke, needs assessment ({questions} questions), {what} [{sink}]"),
            samples,
        );
    }
}
