//! Errors of the matcher: what was wrong, where, and what to do.

use phalanx_pattern::CompileError;

/// A path that cannot be interned as a fact path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The text is not an object path.
    #[error(
        "'{path}' is not an object path: {message}; write it as in a pattern, e.g. file:hashes.'SHA-256'"
    )]
    Syntax {
        /// The text given.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// The path is valid in patterns but no fact can carry it.
    #[error("'{path}' cannot be a fact path: {reason}")]
    NotAFactPath {
        /// The path.
        path: String,
        /// Why not.
        reason: &'static str,
    },
    /// The process-wide registry is full.
    #[error(
        "cannot register '{path}': the path registry holds its limit of {limit} entries; \
             indicators with this many distinct property names are not supported"
    )]
    RegistryFull {
        /// The path or type that did not fit.
        path: String,
        /// The limit.
        limit: usize,
    },
}

/// Why an indicator could not be prepared or inserted.
#[derive(Debug, Clone, thiserror::Error)]
pub enum InsertError {
    /// The pattern does not compile: it is invalid and must never match
    /// (STIX 2.1 §9.4). Fix the pattern; the diagnostics say where.
    #[error("the pattern is invalid and was not indexed: {0}")]
    Invalid(#[from] CompileError),
    /// The pattern text does not parse.
    #[error("the pattern does not parse and was not indexed: {0}")]
    Syntax(#[from] phalanx_pattern::PatternError),
    /// An object path or type of the pattern could not be registered.
    #[error("the pattern was not indexed: {0}")]
    Path(#[from] PathError),
    /// The index holds its maximum number of indicators.
    #[error(
        "the index is full ({limit} indicators); remove expired indicators or use another matcher"
    )]
    Full {
        /// The limit.
        limit: usize,
    },
}

/// Why an observation could not be flattened into facts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlattenError {
    /// An input value (or a bundle member) is not a JSON object.
    #[error("input object {index} is not a JSON object; give observed-data, SCOs or bundles")]
    NotAnObject {
        /// Its position in the input (or in its bundle).
        index: usize,
    },
    /// A bundle whose `objects` is not a list.
    #[error("bundle at input position {index} has an `objects` property that is not a list")]
    BadBundle {
        /// Its position in the input.
        index: usize,
    },
    /// An observed-data property is missing or malformed.
    #[error("observed-data {id}: {problem}")]
    ObservedData {
        /// The observed-data id, or its position in the input.
        id: String,
        /// What is wrong.
        problem: String,
    },
}
