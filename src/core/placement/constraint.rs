//! The agent's constraint language (its `text_language` plugin), read as the agent reads it:
//! terms `NAME OP VALUE`; `AND`/`&&` binds tighter than `OR`/`||` (both upper case, with a
//! space on each side); parentheses group. Quirks of the agent are kept, because an NMP means
//! what the agent makes of it: a name may hold `! ? + ~ ' . / - _` (so `a!=b` is the name `a!`,
//! `=`, `b`), `=>` and `=<` are operators that compare for equality, and a name ending in `in`
//! followed directly by a value (`countryin"a,b"`) is `country in "a,b"`.

use std::fmt;

use super::version::Range;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `==` or `=`.
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    In,
    /// `=>` or `=<` (or `=>=`, `=<=`): the agent accepts them and compares numbers for equality.
    Odd(&'static str),
}

impl Op {
    pub fn text(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Ge => ">=",
            Op::In => "in",
            Op::Odd(text) => text,
        }
    }
}

/// What kind of value a term has, as the agent's lexer tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// A bare word, number or version.
    Bare,
    /// `"…"` without a comma.
    Quoted,
    /// `"a,b"`: a list of strings.
    List,
    /// `[1.0.0,2.0.0)`.
    Range,
}

/// One comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    pub name: String,
    pub op: Op,
    /// As written, quotes included.
    pub value: String,
    pub kind: ValueKind,
}

/// A parsed constraint expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// True when any holds.
    Or(Vec<Expr>),
    /// True when all hold; empty is true.
    And(Vec<Expr>),
    Term(Term),
}

/// Why an expression does not parse: where (a byte offset into it) and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

impl ParseError {
    /// The 1-based character column of the error inside the expression.
    pub fn column(&self, expression: &str) -> usize {
        expression
            .get(..self.offset)
            .map_or(expression.chars().count(), |before| before.chars().count())
            + 1
    }
}

/// Characters of a name or a bare value (the agent's `Str`).
fn word_char(c: char) -> bool {
    c.is_alphanumeric() || "_-/!?+~'.".contains(c)
}

/// Characters inside quotes (the agent's `QuoteStr`/`ListStr`).
fn quoted_char(c: char) -> bool {
    word_char(c) || c == ',' || c == ' ' || c == '\t'
}

fn space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Parses one constraint expression; an empty or blank one is true (`And([])`).
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let mut parser = Parser { text, at: 0 };
    parser.skip_space();
    if parser.at == text.len() {
        return Ok(Expr::And(Vec::new()));
    }
    let expr = parser.or()?;
    parser.skip_space();
    match parser.peek() {
        None => Ok(expr),
        Some(')') => Err(parser.error("a `)` without its `(`")),
        Some(_) => Err(parser.error(&format!(
            "expected AND, OR, && or || (with a space on each side), or the end; found `{}`",
            parser.rest_word()
        ))),
    }
}

struct Parser<'t> {
    text: &'t str,
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    /// The word at the cursor, for messages.
    fn rest_word(&self) -> String {
        let rest = self.rest();
        let end = rest
            .char_indices()
            .skip(1)
            .find(|(_, c)| space(*c))
            .map_or(rest.len(), |(i, _)| i);
        rest[..end].to_string()
    }

    fn skip_space(&mut self) -> bool {
        let start = self.at;
        while self.peek().is_some_and(space) {
            self.at += 1;
        }
        self.at > start
    }

    fn error(&self, message: &str) -> ParseError {
        ParseError {
            offset: self.at,
            message: message.to_string(),
        }
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut items = vec![self.and()?];
        while self.connector(&["OR", "||"])? {
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut items = vec![self.factor()?];
        while self.connector(&["AND", "&&"])? {
            items.push(self.factor()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    /// Consumes one of `spellings` if it is next, checking the spaces around it.
    fn connector(&mut self, spellings: &[&str]) -> Result<bool, ParseError> {
        let before = self.at;
        let spaced_before = self.skip_space();
        let rest = self.rest();
        let Some(found) = spellings.iter().find(|s| rest.starts_with(**s)) else {
            self.at = before;
            return Ok(false);
        };
        let after = rest[found.len()..].chars().next();
        let word = found.starts_with(char::is_alphabetic);
        // `ORDER == 1` after a term is not `OR`: a word connector ends at a non-word character.
        if word && after.is_some_and(word_char) {
            self.at = before;
            return Ok(false);
        }
        if !spaced_before || !after.is_some_and(space) {
            return Err(self.error(&format!(
                "`{found}` needs a space on each side, and something after it"
            )));
        }
        self.at += found.len();
        self.skip_space();
        Ok(true)
    }

    fn factor(&mut self) -> Result<Expr, ParseError> {
        self.skip_space();
        match self.peek() {
            Some('(') => {
                let open = self.at;
                self.at += 1;
                self.skip_space();
                if self.peek() == Some(')') {
                    return Err(self.error("empty parentheses: write a constraint inside them"));
                }
                let inner = self.or()?;
                self.skip_space();
                if self.peek() != Some(')') {
                    let mut error = self.error(
                        "this `(` is not closed: expected `)` (or AND, OR, && or || with a space on each side)",
                    );
                    if self.at == self.text.len() {
                        error.offset = open;
                    }
                    return Err(error);
                }
                self.at += 1;
                Ok(inner)
            }
            None => Err(self
                .error("expected a constraint such as `site == berlin`; the expression ends here")),
            Some(_) => self.term().map(Expr::Term),
        }
    }

    fn word(&mut self) -> &str {
        let start = self.at;
        while self.peek().is_some_and(word_char) {
            self.at += self.peek().map_or(1, char::len_utf8);
        }
        &self.text[start..self.at]
    }

    fn term(&mut self) -> Result<Term, ParseError> {
        let mut name = self.word().to_string();
        if name.is_empty() {
            return Err(self.error(&format!(
                "expected a property name; found `{}`",
                self.rest_word()
            )));
        }
        self.skip_space();
        let op = match self.operator() {
            Some(op) => op,
            // The agent reads `countryin"a,b"` as `country in "a,b"`.
            None if name.len() > 3
                && name.ends_with("in")
                && self
                    .peek()
                    .is_some_and(|c| "\"[(".contains(c) || c.is_ascii_digit()) =>
            {
                name.truncate(name.len() - 2);
                Op::In
            }
            None => {
                let message = if self.at == self.text.len() {
                    format!("`{name}` needs an operator and a value, e.g. `{name} == VALUE`")
                } else {
                    format!(
                        "expected an operator (==, !=, <, >, <=, >=, in) after `{name}`; found `{}`",
                        self.rest_word()
                    )
                };
                return Err(self.error(&message));
            }
        };
        self.skip_space();
        let value_at = self.at;
        let (value, kind) = self.value(&name)?;
        check_pair(&name, op, &value, kind).map_err(|message| ParseError {
            offset: value_at,
            message,
        })?;
        Ok(Term {
            name,
            op,
            value,
            kind,
        })
    }

    fn operator(&mut self) -> Option<Op> {
        let rest = self.rest();
        let (op, len) = [
            ("=<=", Op::Odd("=<=")),
            ("=>=", Op::Odd("=>=")),
            ("=<", Op::Odd("=<")),
            ("=>", Op::Odd("=>")),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("=", Op::Eq),
            ("<", Op::Lt),
            (">", Op::Gt),
        ]
        .into_iter()
        .find(|(text, _)| rest.starts_with(text))
        .map(|(text, op)| (op, text.len()))
        .or_else(|| {
            let after = rest.strip_prefix("in")?.chars().next();
            (after.is_some_and(|c| space(c) || "\"[(".contains(c))).then_some((Op::In, 2))
        })?;
        self.at += len;
        Some(op)
    }

    fn value(&mut self, name: &str) -> Result<(String, ValueKind), ParseError> {
        let start = self.at;
        match self.peek() {
            Some('"') => {
                self.at += 1;
                while let Some(c) = self.peek() {
                    if c == '"' {
                        break;
                    }
                    if !quoted_char(c) {
                        return Err(self.error(&format!(
                            "`{}` cannot appear in a quoted value (the agent allows letters, digits, spaces and _ - / ! ? + ~ . ' ,)",
                            c.escape_default()
                        )));
                    }
                    self.at += c.len_utf8();
                }
                if self.peek() != Some('"') {
                    return Err(ParseError {
                        offset: start,
                        message: "this quote is not closed".into(),
                    });
                }
                self.at += 1;
                let value = &self.text[start..self.at];
                if value.len() == 2 {
                    return Err(ParseError {
                        offset: start,
                        message: "an empty quoted value matches nothing; write a value between the quotes".into(),
                    });
                }
                let kind = if value.contains(',') {
                    ValueKind::List
                } else {
                    ValueKind::Quoted
                };
                Ok((value.to_string(), kind))
            }
            Some('[' | '(') => {
                let Some(end) = self.rest().find([']', ')']).map(|i| self.at + i + 1) else {
                    return Err(
                        self.error("a version range ends with `]` or `)`, e.g. [1.0.0,2.0.0)")
                    );
                };
                self.at = end;
                Ok((self.text[start..end].to_string(), ValueKind::Range))
            }
            _ => {
                let value = self.word().to_string();
                if value.is_empty() {
                    return Err(self.error(&match self.peek() {
                        None => format!("`{name}` needs a value after its operator"),
                        Some(_) => format!(
                            "expected a value after the operator; found `{}` (quote a value that holds other characters)",
                            self.rest_word()
                        ),
                    }));
                }
                Ok((value, ValueKind::Bare))
            }
        }
    }
}

/// Which values each operator takes (the agent's `validOpValuePair`).
fn check_pair(name: &str, op: Op, value: &str, kind: ValueKind) -> Result<(), String> {
    match op {
        Op::Eq | Op::Ne => match kind {
            ValueKind::Range if Range::parse(value).is_ok() => Err(format!(
                "a version range can only be used with `in`: write `{name} in {value}`"
            )),
            ValueKind::Range => Err(format!(
                "expected a value after the operator; found `{value}` (quote a value that holds other characters)"
            )),
            ValueKind::List => Err(format!(
                "a list of strings can only be used with `in`: write `{name} in {value}`"
            )),
            _ => Ok(()),
        },
        Op::In => match kind {
            ValueKind::Range => Range::parse(value).map(|_| ()),
            ValueKind::Quoted | ValueKind::List => Ok(()),
            ValueKind::Bare if is_three_part_version(value) => Ok(()),
            ValueKind::Bare => Err(format!(
                "`in` takes a quoted list such as \"a,b\", a version such as 1.2.3 or a range such as [1.0.0,2.0.0); write `{name} in \"{value}\"` or `{name} == {value}`"
            )),
        },
        Op::Lt | Op::Gt | Op::Le | Op::Ge | Op::Odd(_) => {
            if kind == ValueKind::Bare && value.parse::<f64>().is_ok() {
                Ok(())
            } else {
                Err(format!(
                    "`{}` compares numbers, and `{value}` is not one",
                    op.text()
                ))
            }
        }
    }
}

/// The agent's lexer takes a bare `1.2.3` after `in` as a version.
fn is_three_part_version(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.name, self.op.text(), self.value)
    }
}

impl fmt::Display for Expr {
    /// Canonical text that parses back to the same expression: spaced operators, `AND`/`OR`,
    /// parentheses only where they change the meaning.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Term(term) => write!(f, "{term}"),
            Expr::And(items) if items.is_empty() => Ok(()),
            Expr::And(items) => join(f, items, " AND ", |item| {
                matches!(item, Expr::Or(_)) || matches!(item, Expr::And(inner) if inner.len() != 1)
            }),
            Expr::Or(items) => join(f, items, " OR ", |item| {
                matches!(item, Expr::Or(_)) || matches!(item, Expr::And(inner) if inner.is_empty())
            }),
        }
    }
}

fn join(
    f: &mut fmt::Formatter<'_>,
    items: &[Expr],
    connector: &str,
    needs_parens: impl Fn(&Expr) -> bool,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(connector)?;
        }
        if needs_parens(item) {
            write!(f, "({item})")?;
        } else {
            write!(f, "{item}")?;
        }
    }
    Ok(())
}

impl Expr {
    /// The distinct property names the expression mentions, in order.
    pub fn names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        self.collect_names(&mut names);
        names
    }

    fn collect_names<'e>(&'e self, names: &mut Vec<&'e str>) {
        match self {
            Expr::Term(term) => {
                if !names.contains(&term.name.as_str()) {
                    names.push(&term.name);
                }
            }
            Expr::And(items) | Expr::Or(items) => {
                for item in items {
                    item.collect_names(names);
                }
            }
        }
    }

    /// The terms of the expression, in order.
    pub fn terms(&self) -> Vec<&Term> {
        match self {
            Expr::Term(term) => vec![term],
            Expr::And(items) | Expr::Or(items) => items.iter().flat_map(Expr::terms).collect(),
        }
    }
}
