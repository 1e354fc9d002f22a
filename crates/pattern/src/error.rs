//! Errors: parsing, compiling, reading observations and evaluating.

use crate::check::{Diagnostic, Severity};

/// A pattern that does not parse.
///
/// Every variant carries the 1-based character column where the problem was
/// found, counted from the start of the pattern (a line feed counts as one
/// character). The `Display` text says what was expected and what was found,
/// e.g. `expected ']' at column 37, found 'AND'`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// A token that the grammar does not allow here.
    #[error("expected {expected} at column {column}, found {found}")]
    Unexpected {
        /// 1-based character column of the offending token.
        column: usize,
        /// What the grammar allows here, e.g. `']'`.
        expected: String,
        /// The token found, e.g. `'AND'` or `end of pattern`.
        found: String,
    },
    /// A malformed token or literal (bad escape, odd-length hex, month 13,
    /// unknown character, unterminated comment, ...).
    #[error("{problem} at column {column}")]
    Lexical {
        /// 1-based character column of the offending character.
        column: usize,
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// Parentheses and brackets nest deeper than
    /// [`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH).
    #[error(
        "parentheses and brackets nest deeper than {limit} levels at column {column}; \
         flatten the pattern"
    )]
    TooDeep {
        /// 1-based character column of the opening bracket that went too deep.
        column: usize,
        /// The limit.
        limit: usize,
    },
}

impl PatternError {
    /// The 1-based character column where the problem was found.
    pub fn column(&self) -> usize {
        match self {
            PatternError::Unexpected { column, .. }
            | PatternError::Lexical { column, .. }
            | PatternError::TooDeep { column, .. } => *column,
        }
    }
}

/// A pattern that parses but cannot be compiled, because
/// [`check`](crate::check) found errors (an invalid regex or CIDR, `WITHIN 0`,
/// a duplicate qualifier, ...). Such a pattern is invalid and never matches.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid pattern: {}", join_errors(.diagnostics))]
pub struct CompileError {
    /// The error diagnostics (warnings are left out).
    pub diagnostics: Vec<Diagnostic>,
}

fn join_errors(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// STIX input that cannot be turned into an
/// [`ObservationSet`](crate::ObservationSet).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// An input value is not a JSON object.
    #[error("input value {index} is not a JSON object; give STIX objects or bundles")]
    NotAnObject {
        /// Position in the input slice (or in the bundle's `objects`).
        index: usize,
    },
    /// A bundle whose `objects` is not a list.
    #[error("bundle at input value {index} has an `objects` property that is not a list")]
    BadBundle {
        /// Position in the input slice.
        index: usize,
    },
    /// An observed-data object with a missing or malformed property.
    #[error("observed-data {id}: {problem}")]
    BadObservedData {
        /// The object's `id`, or its position when it has none.
        id: String,
        /// What is wrong, e.g. `number_observed must be an integer >= 1, found 0`.
        problem: String,
    },
}

/// Evaluation stopped before it could decide.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The search for observations that satisfy the pattern took more steps
    /// than allowed. Patterns with many observation `AND`s or large `REPEATS`
    /// over many observations can need exponential work; the budget turns that
    /// into this error instead of a hang.
    #[error(
        "pattern evaluation gave up after {steps} search steps (the budget); \
         the pattern needs too many combinations of observations to decide"
    )]
    BudgetExceeded {
        /// The budget that was exhausted.
        steps: u64,
    },
}
