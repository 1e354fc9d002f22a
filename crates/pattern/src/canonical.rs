//! The hook for canonical comparison of well-known values.
//!
//! A product requirement, and a deliberate deviation from the reference
//! matcher: for `=`, `!=` and `IN`, string values of well-known properties are
//! compared in canonical form on both sides (hashes case-insensitively, domain
//! names lower-cased and IDNA-encoded, IP addresses in canonical text, URLs
//! normalised), so `file:hashes.MD5 = 'ABC...'` matches a lower-case hash.
//! This can only make case and spelling variants of one value match; it never
//! makes different values match.
//!
//! The rules belong to the STIX object model: this is one call to
//! [`phalanx_stix::canonical::canonical_value`], kept behind one function so
//! the evaluator has a single place that knows about it.

use std::borrow::Cow;

/// The canonical form of `value` for property `property_path` (keys joined by
/// `.`, list indices left out, e.g. `hashes.SHA-256`) of an object of type
/// `object_type`. Returns `value` itself when it has no canonical form or is
/// already canonical.
pub(crate) fn canonical_value<'v>(
    object_type: &str,
    property_path: &str,
    value: &'v str,
) -> Cow<'v, str> {
    phalanx_stix::canonical::canonical_value(object_type, property_path, value)
}
