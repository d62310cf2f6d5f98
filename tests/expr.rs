//! The expression language on its own: parsing (precedence, errors with positions) and evaluation (types, empty answers, dates, functions).

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use jangkau::model::expr::{fill_label, label_references, Expr, Scope, Value};

struct Answers {
    values: BTreeMap<&'static str, Value>,
    current: Value,
}

impl Scope for Answers {
    fn answer(&self, name: &str) -> Value {
        self.values.get(name).cloned().unwrap_or(Value::Empty)
    }
    fn current(&self) -> Value {
        self.current.clone()
    }
    fn column(&self, name: &str) -> Value {
        match name {
            "region" => Value::Str("jatim".into()),
            _ => Value::Empty,
        }
    }
    fn today(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }
    fn now(&self) -> NaiveDateTime {
        self.today().and_hms_opt(9, 30, 0).unwrap()
    }
    fn choice_label(&self, question: &str, code: &str) -> Option<String> {
        (question == "training" && code == "salon").then(|| "Salon kecantikan".into())
    }
}

fn scope() -> Answers {
    Answers {
        values: BTreeMap::from([
            ("age", Value::Num(34.0)),
            ("name", Value::Str("Sri".into())),
            ("wants", Value::Str("yes".into())),
            ("training", Value::Str("catering salon".into())),
            (
                "visit",
                Value::Date(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()),
            ),
            ("count", Value::Str("3".into())),
        ]),
        current: Value::Num(7.0),
    }
}

fn eval(src: &str) -> Value {
    Expr::parse(src)
        .unwrap_or_else(|e| panic!("{src}: {e}"))
        .eval(&scope())
}

fn holds(src: &str) -> bool {
    Expr::parse(src).unwrap().holds(&scope())
}

#[test]
fn precedence_follows_xpath() {
    assert_eq!(eval("1 + 2 * 3"), Value::Num(7.0));
    assert_eq!(eval("(1 + 2) * 3"), Value::Num(9.0));
    assert_eq!(eval("10 - 4 - 3"), Value::Num(3.0));
    assert_eq!(eval("7 div 2"), Value::Num(3.5));
    assert_eq!(eval("7 mod 3 + 1"), Value::Num(2.0));
    assert_eq!(eval("-2 * 3"), Value::Num(-6.0));
    // and binds tighter than or; comparisons tighter than both.
    assert!(holds("1 = 2 and 1 = 1 or 2 = 2"));
    assert!(!holds("1 = 2 and (1 = 1 or 2 = 2)"));
    assert!(holds("1 < 2 = true()"));
}

#[test]
fn answers_compare_by_type() {
    assert!(holds("${age} >= 18"));
    assert!(holds("${age} = '34'"));
    assert!(holds("${count} > 2"));
    assert!(holds("${wants} = 'yes'"));
    assert!(holds("${wants} != 'no'"));
    assert!(holds("${name} = \"Sri\""));
    assert!(holds("${visit} < today()"));
    assert!(holds("${visit} = '2026-11-30'"));
    assert!(holds("${visit} + 30 > today()"));
    assert_eq!(eval("today() - ${visit}"), Value::Num(2.0));
    assert_eq!(eval("${age} * 2"), Value::Num(68.0));
}

#[test]
fn empty_answers_are_empty_false_and_not_numbers() {
    assert!(holds("${missing} = ''"));
    assert!(!holds("${missing}"));
    assert!(!holds("${missing} > 0"));
    assert!(!holds("${missing} < 0"));
    assert!(!holds("${missing} = 0"));
    assert_eq!(eval("${missing} + 1").text(), "");
    assert!(!holds("selected(${missing}, 'a')"));
    assert_eq!(eval("count-selected(${missing})"), Value::Num(0.0));
    assert_eq!(
        eval("coalesce(${missing}, 'none')"),
        Value::Str("none".into())
    );
}

#[test]
fn functions() {
    assert!(holds("selected(${training}, 'salon')"));
    assert!(!holds("selected(${training}, 'sewing')"));
    assert_eq!(eval("count-selected(${training})"), Value::Num(2.0));
    assert_eq!(
        eval("selected-at(${training}, 1)"),
        Value::Str("salon".into())
    );
    assert_eq!(eval("selected-at(${training}, 5)"), Value::Empty);
    assert_eq!(
        eval("jr:choice-name('salon', '${training}')"),
        Value::Str("Salon kecantikan".into())
    );
    assert_eq!(eval("string-length(${name})"), Value::Num(3.0));
    assert!(holds("regex(${name}, '^[A-Z][a-z]+$')"));
    assert!(!holds("regex(${name}, '^[0-9]+$')"));
    assert_eq!(
        eval("if(${age} > 30, 'older', 'younger')"),
        Value::Str("older".into())
    );
    assert_eq!(
        eval("concat(${name}, ' (', ${age}, ')')"),
        Value::Str("Sri (34)".into())
    );
    assert_eq!(eval("int(7.9)"), Value::Num(7.0));
    assert_eq!(eval("round(2.345, 2)"), Value::Num(2.35));
    assert_eq!(eval("round(2.5)"), Value::Num(3.0));
    assert_eq!(eval("floor(-1.5)"), Value::Num(-2.0));
    assert_eq!(eval("ceiling(1.2)"), Value::Num(2.0));
    assert_eq!(eval("number('12')"), Value::Num(12.0));
    assert!(eval("number('abc')").number().is_nan());
    assert_eq!(
        eval("date('2026-01-05')"),
        Value::Date(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap())
    );
    assert_eq!(
        eval("format-date(${visit}, '%e %b %Y')"),
        Value::Str("30 Nov 2026".into())
    );
    assert_eq!(
        eval("format-date(now(), '%H:%M')"),
        Value::Str("09:30".into())
    );
    assert_eq!(
        eval("decimal-date-time('1970-01-02T12:00:00')"),
        Value::Num(1.5)
    );
    assert!(holds("contains(${name}, 'r')"));
    assert!(holds("starts-with(${name}, 'S')"));
    assert!(holds("not(${wants} = 'no')"));
}

#[test]
fn current_answer_and_choice_columns() {
    assert!(holds(". > 5 and . < 10"));
    assert!(Expr::parse(". > 5").unwrap().reads_current());
    assert!(!Expr::parse("${age} > 5").unwrap().reads_current());
    assert!(holds("region = 'jatim'"));
    assert_eq!(
        Expr::parse("region = ${r}").unwrap().columns(),
        vec!["region"]
    );
}

#[test]
fn references_are_listed_once_in_order() {
    let e = Expr::parse("${a} + ${b} > ${a} and jr:choice-name(${c}, '${c}') = ''").unwrap();
    assert_eq!(e.references(), vec!["a", "b", "c"]);
}

#[test]
fn errors_say_where() {
    let cases = [
        ("${age} >", 9, "ends too early"),
        ("(${age} > 1", 1, "not closed"),
        ("'open", 1, "not closed with a quote"),
        ("${age} >> 1", 9, "unexpected"),
        ("pulldata('x', 'y')", 1, "not a function"),
        ("if(1, 2)", 1, "takes 3"),
        ("1 2", 3, "unexpected"),
        ("${}", 1, "not a question name"),
        ("", 1, "empty"),
        ("$age", 1, "${name}"),
        ("1 # 2", 3, "unexpected"),
    ];
    for (src, at, words) in cases {
        let e = Expr::parse(src).expect_err(src);
        assert_eq!(e.at, at, "{src}: {e}");
        assert!(e.message.contains(words), "{src}: {e}");
    }
    let deep = format!("{}1{}", "(".repeat(200), ")".repeat(200));
    assert!(Expr::parse(&deep).unwrap_err().message.contains("deeply"));
    assert!(Expr::parse(&"1+".repeat(3000)).is_err());
}

#[test]
fn labels_insert_answers() {
    let text = "Berapa anak ${name} punya? (${ age })";
    assert_eq!(label_references(text), vec!["name", "age"]);
    let filled = fill_label(text, &|n| scope().answer(n).text());
    assert_eq!(filled, "Berapa anak Sri punya? (34)");
    assert_eq!(fill_label("no refs", &|_| unreachable!()), "no refs");
    assert_eq!(
        fill_label("broken ${name", &|_| "x".into()),
        "broken ${name"
    );
}

#[test]
fn expressions_round_trip_through_json() {
    let e: Expr = serde_json::from_str("\"${a} = 'x'\"").unwrap();
    assert_eq!(serde_json::to_string(&e).unwrap(), "\"${a} = 'x'\"");
    let bad = serde_json::from_str::<Expr>("\"${a} = \"").unwrap_err();
    assert!(bad.to_string().contains("character"), "{bad}");
}
