//! Backend-independent rules for first/last flags and version selection.
//!
//! Every backend keeps three flags on each stored version so that TAXII's
//! default queries are index lookups rather than per-object aggregates:
//!
//! - `latest_spec`: the version's spec version is the latest one stored for
//!   its `(collection, id)`;
//! - `is_first` / `is_last`: the version is the earliest / latest (by
//!   version order, not `date_added`) among the versions of its
//!   `(collection, id)` that share its spec version.
//!
//! When an object has a single spec version (the normal case) the last two
//! are simply "first/last version of the object". Keeping them per spec
//! version makes the filters exact in the rare mixed case: with the default
//! spec-version filter, "last" is `is_last AND latest_spec`; with an explicit
//! single spec version `s`, it is `is_last AND spec_version = s`.
//!
//! The functions here compute those flags and apply a selection to the
//! versions of one object in memory (used by deletes, which touch one id).

use std::cmp::Ordering;

use crate::{VersionKey, VersionSelect};

/// The flags of one stored version (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags {
    /// Earliest version within its spec version.
    pub is_first: bool,
    /// Latest version within its spec version.
    pub is_last: bool,
    /// Its spec version is the latest stored for the object.
    pub latest_spec: bool,
}

/// Compares two spec versions numerically, part by part (`"2.0" < "2.1" <
/// "2.10"`); parts that are not numbers compare as text after numbers.
pub fn compare_spec_versions(a: &str, b: &str) -> Ordering {
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// The latest spec version among `specs` (by [`compare_spec_versions`]).
pub fn latest_spec<'a>(specs: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    specs.into_iter().max_by(|a, b| compare_spec_versions(a, b))
}

/// Computes the flags of every version of one object, given each version's
/// `(version, spec_version)`. The result is parallel to the input.
pub fn compute_flags(versions: &[(&VersionKey, &str)]) -> Vec<Flags> {
    let latest = latest_spec(versions.iter().map(|(_, s)| *s));
    versions
        .iter()
        .map(|(version, spec)| {
            let same_spec = versions.iter().filter(|(_, s)| s == spec);
            let mut min = *version;
            let mut max = *version;
            for (v, _) in same_spec {
                min = min.min(v);
                max = max.max(v);
            }
            Flags {
                is_first: min == *version,
                is_last: max == *version,
                latest_spec: latest == Some(*spec),
            }
        })
        .collect()
}

/// Which versions of one object a `(select, spec_versions)` pair picks, given
/// each version's `(version, spec_version)`. The result is parallel to the
/// input.
///
/// The spec-version filter applies first (`None`: only the object's latest
/// spec version), then `select` picks among what is left.
pub fn select_versions(
    versions: &[(&VersionKey, &str)],
    select: &VersionSelect,
    spec_versions: Option<&[String]>,
) -> Vec<bool> {
    let latest = latest_spec(versions.iter().map(|(_, s)| *s));
    let candidate: Vec<bool> = versions
        .iter()
        .map(|(_, spec)| match spec_versions {
            Some(list) => list.iter().any(|s| s == spec),
            None => latest == Some(*spec),
        })
        .collect();
    let kept = || {
        versions
            .iter()
            .zip(&candidate)
            .filter(|(_, c)| **c)
            .map(|((v, _), _)| *v)
    };
    let min = kept().min();
    let max = kept().max();
    versions
        .iter()
        .zip(&candidate)
        .map(|((version, _), is_candidate)| {
            *is_candidate
                && match select {
                    VersionSelect::All => true,
                    VersionSelect::Only {
                        first,
                        last,
                        versions: exact,
                    } => {
                        (*first && min == Some(*version))
                            || (*last && max == Some(*version))
                            || exact.contains(version)
                    }
                }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key(second: u32) -> VersionKey {
        VersionKey::parse(&format!("2020-01-01T00:00:{second:02}Z")).unwrap()
    }

    #[test]
    fn spec_versions_compare_numerically() {
        assert_eq!(compare_spec_versions("2.0", "2.1"), Ordering::Less);
        assert_eq!(compare_spec_versions("2.10", "2.9"), Ordering::Greater);
        assert_eq!(compare_spec_versions("2.1", "2.1"), Ordering::Equal);
        assert_eq!(compare_spec_versions("2", "2.0"), Ordering::Less);
        assert_eq!(compare_spec_versions("2.x", "2.1"), Ordering::Greater);
    }

    #[test]
    fn flags_are_per_spec_version() {
        let (a, b, c, d) = (key(1), key(2), key(3), key(4));
        let versions = [(&a, "2.0"), (&b, "2.1"), (&c, "2.1"), (&d, "2.0")];
        let flags = compute_flags(&versions);
        let expect = |is_first, is_last, latest_spec| Flags {
            is_first,
            is_last,
            latest_spec,
        };
        assert_eq!(
            flags,
            vec![
                expect(true, false, false),
                expect(true, false, true),
                expect(false, true, true),
                expect(false, true, false),
            ]
        );
    }

    #[test]
    fn a_single_version_is_first_last_and_latest() {
        let a = key(7);
        assert_eq!(
            compute_flags(&[(&a, "2.1")]),
            vec![Flags {
                is_first: true,
                is_last: true,
                latest_spec: true
            }]
        );
    }

    #[test]
    fn selection_filters_spec_versions_before_picking_first_and_last() {
        let (a, b, c, d) = (key(1), key(2), key(3), key(4));
        let versions = [(&a, "2.0"), (&b, "2.1"), (&c, "2.1"), (&d, "2.0")];
        // Default spec filter: only 2.1 versions count, so first is b.
        assert_eq!(
            select_versions(&versions, &VersionSelect::first(), None),
            vec![false, true, false, false]
        );
        let both = ["2.0".to_string(), "2.1".to_string()];
        assert_eq!(
            select_versions(&versions, &VersionSelect::last(), Some(&both)),
            vec![false, false, false, true]
        );
        assert_eq!(
            select_versions(&versions, &VersionSelect::All, Some(&both[..1])),
            vec![true, false, false, true]
        );
        assert_eq!(
            select_versions(&versions, &VersionSelect::exact(d.clone()), None),
            vec![false, false, false, false]
        );
        let none = VersionSelect::Only {
            first: false,
            last: false,
            versions: vec![],
        };
        assert!(none.is_empty());
        assert_eq!(
            select_versions(&versions, &none, Some(&both)),
            vec![false; 4]
        );
    }
}
