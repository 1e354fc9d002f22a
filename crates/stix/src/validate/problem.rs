//! Problems found by the validator and the collector that gathers them.

use std::fmt;

/// How serious a [`Problem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The object violates a MUST of the specification; it is rejected.
    Error,
    /// The object is accepted, but something looks wrong or is discouraged
    /// (a SHOULD, a deprecated form, an unknown type, an open-vocabulary term
    /// outside the suggested list).
    Warning,
}

/// One problem in an object, located by a JSON-pointer-style path such as
/// `/external_references/0/source_name` (the empty path is the object itself).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    /// Where the problem is: a JSON pointer (RFC 6901) into the object.
    pub path: String,
    /// What is wrong and what to do about it.
    pub message: String,
    /// Whether it rejects the object.
    pub severity: Severity,
}

impl Problem {
    /// Whether this problem is an [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let path = if self.path.is_empty() {
            "the object"
        } else {
            &self.path
        };
        write!(f, "{level} at {path}: {}", self.message)
    }
}

/// Appends `key` to the JSON pointer `parent`, escaping `~` and `/`.
pub(crate) fn child(parent: &str, key: &str) -> String {
    let mut out = String::with_capacity(parent.len() + key.len() + 1);
    out.push_str(parent);
    out.push('/');
    for c in key.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

/// Appends an array index to the JSON pointer `parent`.
pub(crate) fn index(parent: &str, i: usize) -> String {
    format!("{parent}/{i}")
}

/// Collects problems while the validator walks an object.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    pub(crate) list: Vec<Problem>,
}

impl Problems {
    pub(crate) fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.list.push(Problem {
            path: path.into(),
            message: message.into(),
            severity: Severity::Error,
        });
    }

    pub(crate) fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.list.push(Problem {
            path: path.into(),
            message: message.into(),
            severity: Severity::Warning,
        });
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.list.iter().any(Problem::is_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape() {
        assert_eq!(child("", "a/b~c"), "/a~1b~0c");
        assert_eq!(index(&child("", "x"), 3), "/x/3");
    }

    #[test]
    fn display_names_level_and_path() {
        let p = Problem {
            path: "/confidence".into(),
            message: "too big".into(),
            severity: Severity::Error,
        };
        assert_eq!(p.to_string(), "error at /confidence: too big");
        let w = Problem {
            path: String::new(),
            message: "odd".into(),
            severity: Severity::Warning,
        };
        assert_eq!(w.to_string(), "warning at the object: odd");
    }
}
