//! The STIX 2.1 patterning language (work in progress).

pub mod ast;
mod canonical;
mod check;
mod compare;
mod compile;
mod error;
mod ip;
mod lexer;
mod line;
mod literal;
mod observation;
mod parser;
mod printer;
mod sco;
mod search;
mod temporal;
mod textmatch;

pub use ast::{
    Comparison, ComparisonExpr, Literal, ObjectPath, ObservationExpr, Operator, PathStep, Pattern,
    Qualifier, Seconds, Timestamp,
};
pub use check::{Diagnostic, DiagnosticKind, Severity, check};
pub use compile::{CompiledPattern, DEFAULT_STEP_BUDGET, Semantics};
pub use error::{CompileError, EvalError, InputError, PatternError};
pub use line::eval_line;
pub use observation::ObservationSet;
pub use parser::MAX_NESTING_DEPTH;

impl Pattern {
    /// Parses a pattern.
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        parser::parse(text)
    }
}

impl std::str::FromStr for Pattern {
    type Err = PatternError;

    fn from_str(text: &str) -> Result<Pattern, PatternError> {
        parser::parse(text)
    }
}
