//! Reading an expression's text into its syntax tree, with the position of any fault.

use thiserror::Error;

use super::{BinOp, Func, Node};

/// Why an expression cannot be read; `at` counts characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("expression error at character {at}: {message}")]
pub struct ParseError {
    pub at: usize,
    pub message: String,
}

/// Longer expressions are refused: no real form needs one, and it bounds
/// the parser's work on a hostile file.
const MAX_LEN: usize = 4000;
/// Nesting deeper than this is refused (the parser recurses).
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Answer(String),
    Name(String),
    Dot,
    LParen,
    RParen,
    Comma,
    Op(&'static str),
}

fn err(at: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        at: at + 1,
        message: message.into(),
    }
}

fn lex(src: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = match c {
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            '+' => Tok::Op("+"),
            '-' => Tok::Op("-"),
            '*' => Tok::Op("*"),
            '=' => Tok::Op("="),
            '!' if chars.get(i + 1) == Some(&'=') => {
                i += 1;
                Tok::Op("!=")
            }
            '<' | '>' => {
                let eq = chars.get(i + 1) == Some(&'=');
                if eq {
                    i += 1;
                }
                Tok::Op(match (c, eq) {
                    ('<', false) => "<",
                    ('<', true) => "<=",
                    ('>', false) => ">",
                    _ => ">=",
                })
            }
            '\'' | '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&d| d == c)
                    .ok_or_else(|| err(start, "text is not closed with a quote"))?;
                let s: String = chars[i + 1..i + 1 + end].iter().collect();
                i += end + 1;
                Tok::Str(s)
            }
            '$' => {
                if chars.get(i + 1) != Some(&'{') {
                    return Err(err(start, "expected ${name}"));
                }
                let end = chars[i + 2..]
                    .iter()
                    .position(|&d| d == '}')
                    .ok_or_else(|| err(start, "${ is not closed with }"))?;
                let name: String = chars[i + 2..i + 2 + end].iter().collect();
                let name = name.trim().to_owned();
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_alphanumeric() || "_-.".contains(c))
                {
                    return Err(err(start, format!("{name:?} is not a question name")));
                }
                i += end + 2;
                Tok::Answer(name)
            }
            '.' if !chars.get(i + 1).is_some_and(char::is_ascii_digit) => Tok::Dot,
            c if c.is_ascii_digit() || c == '.' => {
                let mut j = i;
                while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                    j += 1;
                }
                let text: String = chars[i..j].iter().collect();
                let n = text
                    .parse()
                    .map_err(|_| err(start, format!("{text:?} is not a number")))?;
                i = j - 1;
                Tok::Num(n)
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut j = i;
                while j < chars.len() && (chars[j].is_alphanumeric() || "_-:".contains(chars[j])) {
                    j += 1;
                }
                // `a-b` between names is ambiguous in XPath too; a trailing
                // `-` belongs to the operator.
                while j > i + 1 && chars[j - 1] == '-' {
                    j -= 1;
                }
                let name: String = chars[i..j].iter().collect();
                i = j - 1;
                Tok::Name(name)
            }
            other => return Err(err(start, format!("unexpected {other:?}"))),
        };
        out.push((start, tok));
        i += 1;
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
    depth: usize,
}

/// Binding power of an infix operator (higher binds tighter).
fn infix(tok: &Tok) -> Option<(BinOp, u8)> {
    Some(match tok {
        Tok::Name(n) if n == "or" => (BinOp::Or, 1),
        Tok::Name(n) if n == "and" => (BinOp::And, 2),
        Tok::Op("=") => (BinOp::Eq, 3),
        Tok::Op("!=") => (BinOp::Ne, 3),
        Tok::Op("<") => (BinOp::Lt, 4),
        Tok::Op("<=") => (BinOp::Le, 4),
        Tok::Op(">") => (BinOp::Gt, 4),
        Tok::Op(">=") => (BinOp::Ge, 4),
        Tok::Op("+") => (BinOp::Add, 5),
        Tok::Op("-") => (BinOp::Sub, 5),
        Tok::Op("*") => (BinOp::Mul, 6),
        Tok::Name(n) if n == "div" => (BinOp::Div, 6),
        Tok::Name(n) if n == "mod" => (BinOp::Mod, 6),
        _ => return None,
    })
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(p, _)| *p)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|(_, t)| t.clone());
        self.pos += 1;
        t
    }

    fn expr(&mut self, min_bp: u8) -> Result<Node, ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(self.at(), "nested too deeply"));
        }
        let mut left = self.prefix()?;
        while let Some((op, bp)) = self.peek().and_then(infix) {
            if bp < min_bp {
                break;
            }
            self.pos += 1;
            let right = self.expr(bp + 1)?;
            left = Node::Binary(op, Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn prefix(&mut self) -> Result<Node, ParseError> {
        let at = self.at();
        match self.next() {
            None => Err(err(at, "the expression ends too early")),
            Some(Tok::Num(n)) => Ok(Node::Number(n)),
            Some(Tok::Str(s)) => Ok(Node::Str(s)),
            Some(Tok::Answer(a)) => Ok(Node::Answer(a)),
            Some(Tok::Dot) => Ok(Node::Current),
            Some(Tok::Op("-")) => Ok(Node::Negate(Box::new(self.expr(7)?))),
            Some(Tok::LParen) => {
                let inner = self.expr(0)?;
                self.expect_close(at)?;
                Ok(inner)
            }
            Some(Tok::Name(name)) if self.peek() == Some(&Tok::LParen) => {
                self.pos += 1;
                self.call(&name, at)
            }
            Some(Tok::Name(name)) if infix(&Tok::Name(name.clone())).is_none() => {
                Ok(Node::Column(name))
            }
            Some(t) => Err(err(at, format!("unexpected {}", describe(&t)))),
        }
    }

    fn expect_close(&mut self, open: usize) -> Result<(), ParseError> {
        match self.next() {
            Some(Tok::RParen) => Ok(()),
            _ => Err(err(open, "( is not closed with )")),
        }
    }

    fn call(&mut self, name: &str, at: usize) -> Result<Node, ParseError> {
        let (func, min, max) = Func::by_name(name)
            .ok_or_else(|| err(at, format!("{name}() is not a function Jangkau knows")))?;
        let mut args = Vec::new();
        if self.peek() != Some(&Tok::RParen) {
            loop {
                args.push(self.expr(0)?);
                match self.peek() {
                    Some(Tok::Comma) => self.pos += 1,
                    _ => break,
                }
            }
        }
        self.expect_close(at)?;
        if args.len() < min || args.len() > max {
            let wants = if min == max {
                format!("{min}")
            } else if max == usize::MAX {
                format!("at least {min}")
            } else {
                format!("{min}–{max}")
            };
            return Err(err(
                at,
                format!("{name}() takes {wants} argument(s), not {}", args.len()),
            ));
        }
        Ok(Node::Call(func, args))
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::RParen => "\")\"".into(),
        Tok::Comma => "\",\"".into(),
        Tok::Op(o) => format!("{o:?}"),
        Tok::Name(n) => format!("{n:?}"),
        other => format!("{other:?}"),
    }
}

pub(super) fn parse(src: &str) -> Result<Node, ParseError> {
    if src.chars().count() > MAX_LEN {
        return Err(err(MAX_LEN, format!("longer than {MAX_LEN} characters")));
    }
    let toks = lex(src)?;
    let end = src.chars().count();
    let mut p = Parser {
        toks,
        pos: 0,
        end,
        depth: 0,
    };
    if p.peek().is_none() {
        return Err(err(0, "the expression is empty"));
    }
    let node = p.expr(0)?;
    if p.peek().is_some() {
        let at = p.at();
        let t = p.next().map(|t| describe(&t)).unwrap_or_default();
        return Err(err(at, format!("unexpected {t}")));
    }
    Ok(node)
}
