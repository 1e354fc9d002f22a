//! The STIX 2.1 patterning language (STIX 2.1 §9): parser, canonical printer,
//! semantic checks and an evaluator with exact semantics. No I/O.
//!
//! ```
//! use phalanx_pattern::{CompiledPattern, ObservationSet, Pattern};
//! use serde_json::json;
//!
//! let pattern = Pattern::parse("[file:hashes.MD5 == '79054025255FB1A26E4BC422AEF54EB4']")?;
//! assert_eq!(pattern.to_string(), "[file:hashes.MD5 = '79054025255FB1A26E4BC422AEF54EB4']");
//! let compiled = CompiledPattern::new(&pattern)?;
//! let observations = ObservationSet::from_stix(&[
//!     json!({"type": "observed-data", "id": "observed-data--1",
//!            "first_observed": "2020-01-01T00:00:00Z", "last_observed": "2020-01-01T00:00:00Z",
//!            "number_observed": 1, "object_refs": ["file--1"]}),
//!     json!({"type": "file", "id": "file--1",
//!            "hashes": {"MD5": "79054025255fb1a26e4bc422aef54eb4"}}),
//! ])?;
//! assert!(compiled.matches(&observations)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Design
//!
//! The pipeline is text → [`Pattern`] (the syntax tree, [`ast`]) →
//! [`check`] → [`CompiledPattern`] → [`CompiledPattern::matches`] against an
//! [`ObservationSet`]. Each stage has one module:
//!
//! - `lexer` and `parser`: a hand-written lexer and recursive-descent parser
//!   for the whole 2.1 grammar. Errors are [`PatternError`]s with a 1-based
//!   character column and what was expected. Recursion happens only at `(`
//!   and `[` and is capped at [`MAX_NESTING_DEPTH`], so no input overflows the
//!   stack; everything else is a loop, so a megabyte of pattern is parsed in
//!   linear time.
//! - [`ast`]: the tree. Operators are n-ary and flattened; parentheses are not
//!   kept, except that a parenthesised qualified expression stays a separate
//!   expression (see the module docs for why).
//! - `printer`: `Display` gives the canonical form; `parse(print(t)) == t`.
//! - `check`: what the grammar accepts but the spec forbids (errors) or what
//!   can never match (warnings), as [`Diagnostic`]s.
//! - `compile`: regexes compiled, CIDR blocks parsed, string constants
//!   converted to octets and to canonical form, the observation tree
//!   flattened into a plan.
//! - `observation`: STIX JSON read once into a form built for evaluating many
//!   patterns: references resolved per observation, binary data decoded,
//!   objects indexed by type, observations sorted by time.
//! - `compare`, `textmatch`, `ip`: the comparison rules of §9.6.
//! - `search` and `temporal`: which observation instances satisfy which
//!   brackets, under the time constraints of `FOLLOWEDBY` and the qualifiers,
//!   decided exactly with a difference-bound matrix, with a step budget.
//! - `line`: the line protocol of `phalanx pattern eval` ([`eval_line`]).
//!
//! A multi-pattern index can walk [`Pattern`] (or use
//! [`Pattern::comparisons`]) to extract atoms — object path, operator,
//! literal — and evaluate one [`CompiledPattern`] against one
//! [`ObservationSet`].
//!
//! # Invariants
//!
//! - No panic is reachable from input: the lexer, parser, checks, reader and
//!   evaluator return errors for anything malformed.
//! - An invalid pattern never matches (§9.4): [`CompiledPattern::new`] refuses
//!   any pattern with an error diagnostic.
//! - Evaluation terminates: the binding search stops with
//!   [`EvalError::BudgetExceeded`] after [`DEFAULT_STEP_BUDGET`] steps (or the
//!   budget given to [`CompiledPattern::matches_with_budget`]). Regex matching
//!   is linear time.
//! - Recursion depth is bounded by the nesting limit, never by the size of the
//!   input or of the observation set.
//!
//! # Semantics
//!
//! - An observed-data with `number_observed = N` is N observation instances,
//!   each at an unknown instant somewhere in `[first_observed,
//!   last_observed]` (both ends included); §9.1 defines an observation as
//!   "number_observed observations occurring between first_observed and
//!   last_observed", with the times "not defined". A pattern matches when
//!   some assignment of instances to brackets and of instants to instances
//!   satisfies it: observation `AND`, `FOLLOWEDBY` and `REPEATS` use different
//!   instances (§9.5.2: "different Observations"), `FOLLOWEDBY` orders
//!   instants (later or equal), `WITHIN x` keeps all instants of its
//!   expression in a span strictly less than `x` seconds, and `START`/`STOP`
//!   keeps them in `[start, stop)`. All of these hold for one choice of
//!   instants together.
//! - Inside `[...]` every comparison starts from the same root object
//!   (§9.5): `AND` intersects root objects and `OR` unites them.
//! - A missing property or a path that cannot be followed (missing key, list
//!   index out of range, reference that does not resolve within the
//!   observation) is false whatever `NOT` says (§9.6, §9.7.2, §9.7.4).
//!   `NOT` negates the comparison on each reached value; with `[*]` any value
//!   may satisfy it.
//! - Incompatible types are false, except for `!=` (§9.6.1). Integers and
//!   floats compare by exact value; strings by code point (§9.6.2); octets as
//!   unsigned bytes, and a string meets octets through its code points below
//!   U+0100 (§9.6.3, §9.6.4); a `t'...'` constant meets a string value read
//!   as a STIX timestamp.
//! - `LIKE` matches the whole NFC-normalised value (`%` any run, `_` one
//!   character); `MATCHES` searches the NFC-normalised value with DOTALL; on
//!   `_bin`/`_hex` values both run over octets without Unicode.
//! - `IN` applies `=` to each member; `IN ()` is false and `NOT IN ()` true
//!   (for a present property).
//! - `ISSUBSET`/`ISSUPERSET` work on IPv4 and IPv6 addresses and CIDR blocks,
//!   with host bits cleared.
//! - `EXISTS p` is true when the root object has `p`; `NOT EXISTS p` when a
//!   root object of `p`'s type lacks it.
//! - Canonical comparison (a product requirement): for `=`, `!=` and `IN`,
//!   string values of well-known properties (hashes, domain names, e-mail
//!   addresses, URLs, IP and MAC addresses, protocols) compare in the
//!   canonical form of `phalanx_stix::canonical::canonical_value`, on both
//!   sides. This can only make case and spelling variants of one value match.
//!
//! # Conformance
//!
//! This crate is a **Level 3 (full conformance) STIX Patterning
//! implementation** (§12.7.3): all of §9.1 and §9.3–§9.7, including the
//! observation operators and all qualifiers — with one stated gap: `MATCHES`
//! uses the syntax of the `regex` crate, a large subset of PCRE, so that
//! matching is linear in time; backreferences and look-around are rejected
//! by [`check`] as errors.
//!
//! # Deviations from the reference matcher
//!
//! The OASIS `stix2-matcher` 3.0.0 is the closest thing to an oracle, and the
//! differential test (`tests/differential.rs`) compares the two on thousands
//! of generated cases. Where they differ, this crate follows the spec:
//!
//! | reference matcher | this crate | spec |
//! |---|---|---|
//! | no `EXISTS` handler; `NOT EXISTS` does not parse | `EXISTS` and `NOT EXISTS` | §9.6.1 (set operators), NOT before any operator |
//! | `ISSUBSET`/`ISSUPERSET` on IPv4 only; raises on IPv6 and on a plain address as the containing side; `/0` refused | IPv4 and IPv6, addresses or blocks on either side, `/0` allowed; a value that is not an address is false | §9.6.1 ("ipv4-addr or ipv6-addr", "identical single IP address") |
//! | `MATCHES` and `LIKE` without DOTALL (and Python's `$`) | DOTALL; `LIKE` spans line breaks | §9.6.1 ("The DOTALL option MUST be specified"; `%` is "0 or more characters") |
//! | `WITHIN x` allows a span of exactly `x` | the span must be strictly less than `x` | §9.5.1 ("MUST NOT be equal to or later than") |
//! | `IN` is Python set membership (`true` equals `1`; strings never equal octets) | `=` per member | §9.6.1 IN ("equal to one of the values"), §9.6.4 |
//! | `FOLLOWEDBY`, `WITHIN` and `START`/`STOP` each checked alone against the intervals | one instant per observation instance, satisfying all constraints together | §9.1, §9.5.1, §9.5.2 (the same observations satisfy every operator) |
//! | an ordering between incompatible types stays false under `NOT` | `NOT` negates it to true | §9.6.1 ("logically negated") |
//! | raises on a string that is not a timestamp compared with `t'...'` | incompatible types: false (`!=` true) | §9.6.1 |
//! | evaluates patterns that the spec makes invalid (two qualifiers of one type, `START` ≥ `STOP`, look-around regexes) | refused by [`check`]; they never match | §9.5.1, §9.4 |
//! | exact string comparison | canonical comparison of well-known values | product requirement, see above |
//!
//! Smaller differences, outside the differential test's generator:
//! timestamps carry nanoseconds (the reference keeps microseconds) and a
//! leap second `:60` reads as the last nanosecond of its minute; line feeds
//! inside `b'...'` are ignored (§9.2 requires it; the reference grammar
//! rejects them); a `_hex`/`_bin` value that does not decode is absent (the
//! reference raises); `LIKE` on octets converts the pattern to octets
//! (§9.6.4) where the reference decodes the octets as UTF-8. All
//! [`Semantics`] fields can be switched to the reference's behaviour; the
//! differential test uses that to prove which deviation explains each
//! disagreement.

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
pub use ip::Block as IpBlock;
pub use line::eval_line;
pub use observation::ObservationSet;
pub use parser::MAX_NESTING_DEPTH;
pub use textmatch::TextMatcher;

impl Pattern {
    /// Parses a pattern. The error names the 1-based character column and
    /// what was expected there.
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
