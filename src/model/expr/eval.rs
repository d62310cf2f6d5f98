//! Evaluating an expression: its values, their conversions and comparisons, and the functions.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};

use super::{choice_name_target, BinOp, Func, Node};

/// What an expression evaluates to. An unanswered question is `Empty`,
/// which reads as `""`, as false, and as not-a-number.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Str(String),
    Num(f64),
    Bool(bool),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
}

/// What an expression can read.
pub trait Scope {
    /// The answer to question `name` (`Empty` when unanswered or hidden).
    fn answer(&self, name: &str) -> Value;
    /// The answer being checked (`.`).
    fn current(&self) -> Value {
        Value::Empty
    }
    /// A column of the choice being filtered.
    fn column(&self, _name: &str) -> Value {
        Value::Empty
    }
    fn today(&self) -> NaiveDate;
    fn now(&self) -> NaiveDateTime;
    /// The label of choice `code` of question `question`, in the language shown.
    fn choice_label(&self, _question: &str, _code: &str) -> Option<String> {
        None
    }
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
}

impl Value {
    pub fn truthy(&self) -> bool {
        match self {
            Value::Empty => false,
            Value::Str(s) => !s.is_empty(),
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Bool(b) => *b,
            Value::Date(_) | Value::DateTime(_) => true,
        }
    }

    /// As a number; NaN when it is none. Dates count days from 1970-01-01.
    pub fn number(&self) -> f64 {
        match self {
            Value::Empty => f64::NAN,
            Value::Str(s) => {
                let t = s.trim();
                if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || ".-+".contains(c)) {
                    f64::NAN
                } else {
                    t.parse().unwrap_or(f64::NAN)
                }
            }
            Value::Num(n) => *n,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Date(d) => (*d - epoch()).num_days() as f64,
            Value::DateTime(t) => (t.and_utc().timestamp_millis() as f64) / 86_400_000.0,
        }
    }

    /// As text, the way a label or a stored calculation shows it.
    pub fn text(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Str(s) => s.clone(),
            Value::Num(n) => number_text(*n),
            Value::Bool(b) => if *b { "true" } else { "false" }.into(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::DateTime(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
        }
    }

    /// As a date, when it is one or reads as one.
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            Value::DateTime(t) => Some(t.date()),
            Value::Str(s) => parse_date(s),
            Value::Num(n) if n.is_finite() && n.abs() < 3_000_000.0 => {
                epoch().checked_add_signed(Duration::days(n.floor() as i64))
            }
            _ => None,
        }
    }

    fn is_date(&self) -> bool {
        matches!(self, Value::Date(_) | Value::DateTime(_))
    }
}

/// Whole numbers without a decimal point; NaN and infinities as nothing.
fn number_text(n: f64) -> String {
    if !n.is_finite() {
        String::new()
    } else if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        let s = format!("{n:.10}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

pub(super) fn eval(node: &Node, scope: &dyn Scope) -> Value {
    match node {
        Node::Number(n) => Value::Num(*n),
        Node::Str(s) => Value::Str(s.clone()),
        Node::Answer(name) => scope.answer(name),
        Node::Current => scope.current(),
        Node::Column(name) => scope.column(name),
        Node::Negate(a) => Value::Num(-eval(a, scope).number()),
        Node::Binary(op, a, b) => binary(*op, a, b, scope),
        Node::Call(func, args) => call(*func, args, scope),
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    use Value as V;
    match (a, b) {
        (V::Bool(_), _) | (_, V::Bool(_)) => a.truthy() == b.truthy(),
        (V::Num(_), _) | (_, V::Num(_)) if !a.is_date() && !b.is_date() => a.number() == b.number(),
        _ if a.is_date() || b.is_date() => a.date().is_some() && a.date() == b.date(),
        _ => a.text() == b.text(),
    }
}

fn order(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    if a.is_date() || b.is_date() {
        if let (Some(x), Some(y)) = (a.date(), b.date()) {
            if !matches!(a, Value::DateTime(_)) && !matches!(b, Value::DateTime(_)) {
                return Some(x.cmp(&y));
            }
        }
    }
    a.number().partial_cmp(&b.number())
}

fn binary(op: BinOp, a: &Node, b: &Node, scope: &dyn Scope) -> Value {
    use std::cmp::Ordering as O;
    // `and`/`or` stop early, as XPath does.
    match op {
        BinOp::Or => return Value::Bool(eval(a, scope).truthy() || eval(b, scope).truthy()),
        BinOp::And => return Value::Bool(eval(a, scope).truthy() && eval(b, scope).truthy()),
        _ => {}
    }
    let (x, y) = (eval(a, scope), eval(b, scope));
    match op {
        BinOp::Eq => Value::Bool(equal(&x, &y)),
        BinOp::Ne => Value::Bool(!equal(&x, &y)),
        BinOp::Lt => Value::Bool(order(&x, &y) == Some(O::Less)),
        BinOp::Le => Value::Bool(matches!(order(&x, &y), Some(O::Less | O::Equal))),
        BinOp::Gt => Value::Bool(order(&x, &y) == Some(O::Greater)),
        BinOp::Ge => Value::Bool(matches!(order(&x, &y), Some(O::Greater | O::Equal))),
        BinOp::Add | BinOp::Sub if x.is_date() && !y.is_date() => {
            // A date plus days is a date (a follow-up 30 days after the visit).
            let days = y.number();
            let days = if op == BinOp::Sub { -days } else { days };
            match x.date() {
                Some(d) if days.is_finite() && days.abs() < 1_000_000.0 => d
                    .checked_add_signed(Duration::days(days.trunc() as i64))
                    .map_or(Value::Empty, Value::Date),
                _ => Value::Num(f64::NAN),
            }
        }
        BinOp::Add => Value::Num(x.number() + y.number()),
        BinOp::Sub => Value::Num(x.number() - y.number()),
        BinOp::Mul => Value::Num(x.number() * y.number()),
        BinOp::Div => Value::Num(x.number() / y.number()),
        BinOp::Mod => Value::Num(x.number() % y.number()),
        BinOp::Or | BinOp::And => Value::Empty,
    }
}

fn list(v: &Value) -> Vec<String> {
    v.text().split_whitespace().map(str::to_owned).collect()
}

fn call(func: Func, args: &[Node], scope: &dyn Scope) -> Value {
    use Func as F;
    let arg = |i: usize| args.get(i).map_or(Value::Empty, |a| eval(a, scope));
    let num = |v: f64| Value::Num(v);
    match func {
        F::Not => Value::Bool(!arg(0).truthy()),
        F::True => Value::Bool(true),
        F::False => Value::Bool(false),
        F::Boolean => Value::Bool(arg(0).truthy()),
        F::String => Value::Str(arg(0).text()),
        F::Selected => {
            let code = arg(1).text();
            Value::Bool(list(&arg(0)).iter().any(|c| *c == code.trim()))
        }
        F::CountSelected => num(list(&arg(0)).len() as f64),
        F::SelectedAt => {
            let i = arg(1).number();
            let items = list(&arg(0));
            if i.is_finite() && i >= 0.0 {
                items
                    .get(i as usize)
                    .map_or(Value::Empty, |s| Value::Str(s.clone()))
            } else {
                Value::Empty
            }
        }
        F::ChoiceName => {
            let code = arg(0).text();
            let target = match args.get(1) {
                Some(Node::Str(s)) => choice_name_target(s).map(str::to_owned),
                _ => None,
            };
            target
                .and_then(|q| scope.choice_label(&q, code.trim()))
                .map_or(Value::Empty, Value::Str)
        }
        F::StringLength => num(arg(0).text().chars().count() as f64),
        F::Regex => {
            let (text, pattern) = (arg(0).text(), arg(1).text());
            // regex-lite runs in linear time, so a pattern cannot hang the form.
            let matched = pattern.len() <= 500
                && regex_lite::Regex::new(&pattern).is_ok_and(|re| re.is_match(&text));
            Value::Bool(matched)
        }
        F::If => {
            if arg(0).truthy() {
                arg(1)
            } else {
                arg(2)
            }
        }
        F::Coalesce => {
            let first = arg(0);
            if first.text().is_empty() {
                arg(1)
            } else {
                first
            }
        }
        F::Concat => Value::Str((0..args.len()).map(|i| arg(i).text()).collect()),
        F::Contains => Value::Bool(arg(0).text().contains(&arg(1).text())),
        F::StartsWith => Value::Bool(arg(0).text().starts_with(&arg(1).text())),
        F::Today => Value::Date(scope.today()),
        F::Now => Value::DateTime(scope.now()),
        F::Date => arg(0).date().map_or(Value::Empty, Value::Date),
        F::Int => num(arg(0).number().trunc()),
        F::Number => num(arg(0).number()),
        F::Round => {
            let x = arg(0).number();
            let digits = if args.len() > 1 { arg(1).number() } else { 0.0 };
            if !digits.is_finite() || digits.abs() > 15.0 {
                return num(f64::NAN);
            }
            let scale = 10f64.powi(digits as i32);
            num((x * scale + 0.5).floor() / scale)
        }
        F::Floor => num(arg(0).number().floor()),
        F::Ceiling => num(arg(0).number().ceil()),
        F::FormatDate => format_date(&arg(0), &arg(1).text()),
        F::DecimalDateTime => {
            let v = arg(0);
            match v {
                Value::Str(ref s) => match NaiveDateTime::parse_from_str(
                    s.get(..19).unwrap_or(s),
                    "%Y-%m-%dT%H:%M:%S",
                ) {
                    Ok(t) => num(Value::DateTime(t).number()),
                    Err(_) => num(v.number()),
                },
                other => num(other.number()),
            }
        }
    }
}

/// `format-date(d, '%d/%m/%Y')`: %Y %y %m %n %d %e %b %H %M %S.
fn format_date(v: &Value, pattern: &str) -> Value {
    let time = match v {
        Value::DateTime(t) => *t,
        other => match other.date() {
            Some(d) => d.and_hms_opt(0, 0, 0).unwrap_or_default(),
            None => return Value::Empty,
        },
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&format!("{:04}", time.year())),
            Some('y') => out.push_str(&format!("{:02}", time.year() % 100)),
            Some('m') => out.push_str(&format!("{:02}", time.month())),
            Some('n') => out.push_str(&time.month().to_string()),
            Some('d') => out.push_str(&format!("{:02}", time.day())),
            Some('e') => out.push_str(&time.day().to_string()),
            Some('b') => out.push_str(MONTHS[time.month0() as usize]),
            Some('H') => out.push_str(&format!("{:02}", time.hour())),
            Some('M') => out.push_str(&format!("{:02}", time.minute())),
            Some('S') => out.push_str(&format!("{:02}", time.second())),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    Value::Str(out)
}
