//! The canonical printer: `Display` for the syntax tree.
//!
//! The output is the normal form of a pattern: single spaces between tokens,
//! upper-case keywords, `=` and `!=` (never `==` or `<>`), canonical literals
//! (integers without `+`, floats with a `.`, lower-case hex, padded base64,
//! timestamps without trailing fraction zeros, strings escaping only `'` and
//! `\`), property names quoted only when they must be, and the fewest
//! parentheses that keep the tree. For every tree that keeps the invariants
//! of [`crate::ast`], parsing the output gives the same tree back, and
//! printing is idempotent.

use std::fmt::{self, Display, Formatter, Write as _};

use crate::ast::{
    Comparison, ComparisonExpr, Literal, ObjectPath, ObservationExpr, Operator, PathStep, Pattern,
    Qualifier, Seconds,
};
use crate::lexer::is_bare_property;
use crate::literal::encode_base64;

impl Display for Pattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.expr.fmt(f)
    }
}

/// Binding strength of observation operators, weakest first.
fn observation_rank(expr: &ObservationExpr) -> u8 {
    match expr {
        ObservationExpr::FollowedBy(_) => 1,
        ObservationExpr::Or(_) => 2,
        ObservationExpr::And(_) => 3,
        ObservationExpr::Qualified(..) => 4,
        ObservationExpr::Observation(_) => 5,
    }
}

/// Writes `children` joined by `keyword`, parenthesising any child that does
/// not bind tighter than the operator itself.
fn join_observations(
    f: &mut Formatter<'_>,
    children: &[ObservationExpr],
    keyword: &str,
    rank: u8,
) -> fmt::Result {
    for (i, child) in children.iter().enumerate() {
        if i > 0 {
            write!(f, " {keyword} ")?;
        }
        if observation_rank(child) <= rank {
            write!(f, "({child})")?;
        } else {
            child.fmt(f)?;
        }
    }
    Ok(())
}

impl Display for ObservationExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ObservationExpr::Observation(inner) => write!(f, "[{inner}]"),
            ObservationExpr::And(children) => join_observations(f, children, "AND", 3),
            ObservationExpr::Or(children) => join_observations(f, children, "OR", 2),
            ObservationExpr::FollowedBy(children) => {
                join_observations(f, children, "FOLLOWEDBY", 1)
            }
            ObservationExpr::Qualified(inner, qualifiers) => {
                // Only a bare bracket can take qualifiers without parentheses:
                // a qualified inner expression needs them to stay a separate
                // expression, and operators bind looser than qualifiers.
                if matches!(**inner, ObservationExpr::Observation(_)) {
                    inner.fmt(f)?;
                } else {
                    write!(f, "({inner})")?;
                }
                for qualifier in qualifiers {
                    write!(f, " {qualifier}")?;
                }
                Ok(())
            }
        }
    }
}

impl Display for Qualifier {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Within(seconds) => write!(f, "WITHIN {seconds} SECONDS"),
            Qualifier::Repeats(count) => write!(f, "REPEATS {count} TIMES"),
            Qualifier::StartStop { start, stop } => write!(f, "START t'{start}' STOP t'{stop}'"),
        }
    }
}

impl Display for Seconds {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Seconds::Int(value) => write!(f, "{value}"),
            Seconds::Float(value) => write_float(f, *value),
        }
    }
}

impl Display for ComparisonExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ComparisonExpr::Comparison(comparison) => comparison.fmt(f),
            ComparisonExpr::And(children) => {
                for (i, child) in children.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" AND ")?;
                    }
                    if matches!(child, ComparisonExpr::Comparison(_)) {
                        child.fmt(f)?;
                    } else {
                        write!(f, "({child})")?;
                    }
                }
                Ok(())
            }
            ComparisonExpr::Or(children) => {
                for (i, child) in children.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" OR ")?;
                    }
                    if matches!(child, ComparisonExpr::Or(_)) {
                        write!(f, "({child})")?;
                    } else {
                        child.fmt(f)?;
                    }
                }
                Ok(())
            }
        }
    }
}

impl Display for Comparison {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Operator::Exists = self.operator {
            if self.negated {
                f.write_str("NOT ")?;
            }
            return write!(f, "EXISTS {}", self.path);
        }
        self.path.fmt(f)?;
        if self.negated {
            f.write_str(" NOT")?;
        }
        write!(f, " {} ", self.operator.symbol())?;
        match &self.operator {
            Operator::Eq(literal)
            | Operator::Ne(literal)
            | Operator::Lt(literal)
            | Operator::Le(literal)
            | Operator::Gt(literal)
            | Operator::Ge(literal) => literal.fmt(f),
            Operator::In(members) => {
                f.write_char('(')?;
                for (i, member) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    member.fmt(f)?;
                }
                f.write_char(')')
            }
            Operator::Like(text)
            | Operator::Matches(text)
            | Operator::IsSubset(text)
            | Operator::IsSuperset(text) => write_string(f, text),
            Operator::Exists => Ok(()),
        }
    }
}

impl Display for ObjectPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.object_type)?;
        write_property(f, &self.property)?;
        for step in &self.steps {
            match step {
                PathStep::Key(key) => {
                    f.write_char('.')?;
                    write_property(f, key)?;
                }
                PathStep::Index(index) => write!(f, "[{index}]")?,
                PathStep::AnyIndex => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Int(value) => write!(f, "{value}"),
            Literal::Float(value) => write_float(f, *value),
            Literal::String(value) => write_string(f, value),
            Literal::Bool(value) => write!(f, "{value}"),
            Literal::Binary(bytes) => write!(f, "b'{}'", encode_base64(bytes)),
            Literal::Hex(bytes) => write!(f, "h'{}'", hex::encode(bytes)),
            Literal::Timestamp(ts) => write!(f, "t'{ts}'"),
        }
    }
}

/// A property name: bare when it lexes as a plain identifier, else quoted.
fn write_property(f: &mut Formatter<'_>, name: &str) -> fmt::Result {
    if is_bare_property(name) {
        f.write_str(name)
    } else {
        write_string(f, name)
    }
}

/// A string literal, escaping only `'` and `\`.
fn write_string(f: &mut Formatter<'_>, value: &str) -> fmt::Result {
    f.write_char('\'')?;
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('\'')
}

/// A float in the grammar's form: digits, a `.`, digits; never an exponent.
/// Rust's `Display` for `f64` prints the shortest text that reads back to the
/// same value and never uses an exponent; only the `.0` may be missing.
fn write_float(f: &mut Formatter<'_>, value: f64) -> fmt::Result {
    let text = value.to_string();
    f.write_str(&text)?;
    if !text.contains('.') {
        f.write_str(".0")?;
    }
    Ok(())
}
