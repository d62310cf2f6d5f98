//! Form expressions (XLSForm's XPath subset): the type a form stores, its references, and where parsing and evaluation live.
//!
//! A form may give `relevant`, `constraint`, `calculation` and
//! `choice_filter` as expressions beside the structured `show_if`
//! conditions: XLSForm spreadsheets carry them, and a structured condition
//! cannot say "`${age} >= 18 and selected(${needs}, 'capital')`". In a
//! form file an expression is a string; it is parsed when the form is read,
//! so a form that holds a broken one is refused with the position of the
//! fault.

mod eval;
mod parse;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use eval::{Scope, Value};
pub use parse::ParseError;

/// A parsed expression, kept with its source (which is what a form stores).
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    source: String,
    node: Node,
}

/// The syntax tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Number(f64),
    Str(String),
    /// `${name}`: another question's answer.
    Answer(String),
    /// `.`: the answer being checked (constraints).
    Current,
    /// A bare name: a column of the choice being filtered (`choice_filter`),
    /// or `name` for its code.
    Column(String),
    Negate(Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    Call(Func, Vec<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

/// The functions Jangkau evaluates (docs/forms.md, "Expressions").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Not,
    True,
    False,
    Boolean,
    String,
    Selected,
    CountSelected,
    SelectedAt,
    ChoiceName,
    StringLength,
    Regex,
    If,
    Coalesce,
    Concat,
    Contains,
    StartsWith,
    Today,
    Now,
    Date,
    Int,
    Number,
    Round,
    Floor,
    Ceiling,
    FormatDate,
    DecimalDateTime,
}

impl Func {
    /// The function of a name, with how many arguments it takes (min, max).
    pub(crate) fn by_name(name: &str) -> Option<(Func, usize, usize)> {
        use Func as F;
        Some(match name {
            "not" => (F::Not, 1, 1),
            "true" => (F::True, 0, 0),
            "false" => (F::False, 0, 0),
            "boolean" => (F::Boolean, 1, 1),
            "string" => (F::String, 1, 1),
            "selected" => (F::Selected, 2, 2),
            "count-selected" => (F::CountSelected, 1, 1),
            "selected-at" => (F::SelectedAt, 2, 2),
            "jr:choice-name" => (F::ChoiceName, 2, 2),
            "string-length" => (F::StringLength, 1, 1),
            "regex" => (F::Regex, 2, 2),
            "if" => (F::If, 3, 3),
            "coalesce" => (F::Coalesce, 2, 2),
            "concat" => (F::Concat, 1, usize::MAX),
            "contains" => (F::Contains, 2, 2),
            "starts-with" => (F::StartsWith, 2, 2),
            "today" => (F::Today, 0, 0),
            "now" => (F::Now, 0, 0),
            "date" => (F::Date, 1, 1),
            "int" => (F::Int, 1, 1),
            "number" => (F::Number, 1, 1),
            "round" => (F::Round, 1, 2),
            "floor" => (F::Floor, 1, 1),
            "ceiling" => (F::Ceiling, 1, 1),
            "format-date" => (F::FormatDate, 2, 2),
            "decimal-date-time" => (F::DecimalDateTime, 1, 1),
            _ => return None,
        })
    }
}

impl Expr {
    /// Parses an expression.
    ///
    /// # Errors
    /// A [`ParseError`] with the character position of the fault.
    pub fn parse(source: &str) -> Result<Expr, ParseError> {
        let node = parse::parse(source)?;
        Ok(Expr {
            source: source.to_owned(),
            node,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every `${name}` the expression reads, in order, without repeats.
    /// `jr:choice-name(x, '${q}')` reads `q` too.
    pub fn references(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        collect(&self.node, &mut |name| {
            if !out.contains(&name) {
                out.push(name);
            }
        });
        out
    }

    /// Whether the expression reads `.` (the answer being checked).
    pub fn reads_current(&self) -> bool {
        fn walk(n: &Node) -> bool {
            match n {
                Node::Current => true,
                Node::Negate(a) => walk(a),
                Node::Binary(_, a, b) => walk(a) || walk(b),
                Node::Call(_, args) => args.iter().any(walk),
                _ => false,
            }
        }
        walk(&self.node)
    }

    /// The bare names (choice columns) it reads.
    pub fn columns(&self) -> Vec<&str> {
        fn walk<'a>(n: &'a Node, out: &mut Vec<&'a str>) {
            match n {
                Node::Column(c) => out.push(c),
                Node::Negate(a) => walk(a, out),
                Node::Binary(_, a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                Node::Call(_, args) => args.iter().for_each(|a| walk(a, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.node, &mut out);
        out
    }

    /// Evaluates in a scope.
    pub fn eval(&self, scope: &dyn Scope) -> Value {
        eval::eval(&self.node, scope)
    }

    /// Evaluates as a yes/no (relevance, constraints, filters).
    pub fn holds(&self, scope: &dyn Scope) -> bool {
        self.eval(scope).truthy()
    }
}

fn collect<'a>(n: &'a Node, f: &mut impl FnMut(&'a str)) {
    match n {
        Node::Answer(name) => f(name),
        Node::Negate(a) => collect(a, f),
        Node::Binary(_, a, b) => {
            collect(a, f);
            collect(b, f);
        }
        Node::Call(func, args) => {
            for a in args {
                collect(a, f);
            }
            if let (Func::ChoiceName, Some(Node::Str(s))) = (func, args.get(1)) {
                if let Some(name) = choice_name_target(s) {
                    f(name);
                }
            }
        }
        _ => {}
    }
}

/// `'${q}'` (the question whose choices `jr:choice-name` reads) → `q`.
pub(crate) fn choice_name_target(s: &str) -> Option<&str> {
    let s = s.trim();
    s.strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| (!s.is_empty()).then_some(s))
}

/// Every `${name}` in a label or hint ("Berapa anak ${name}?").
pub fn label_references(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                out.push(after[..end].trim());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// A label with each `${name}` replaced by `answer(name)` (empty when unanswered).
pub fn fill_label(text: &str, answer: &dyn Fn(&str) -> String) -> String {
    if !text.contains("${") {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                out.push_str(&answer(after[..end].trim()));
                rest = &after[end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Expr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Expr, D::Error> {
        let source = String::deserialize(d)?;
        Expr::parse(&source).map_err(serde::de::Error::custom)
    }
}
