//! Comparison of one property value with one constant (STIX 2.1 §9.6).
//!
//! Every function returns `None` when the two are of incompatible types; the
//! caller turns that into false (or true for `!=`, §9.6.1). The rules:
//!
//! - integers and floats compare by exact value (`1 = 1.5` is false, `1 = 1.0`
//!   is true);
//! - strings compare by code point, without normalisation (§9.6.2);
//! - binary and hex data compare as unsigned octets (§9.6.3); a string meets
//!   octets by converting its code points below U+0100 to octets, and is
//!   incompatible when it has a higher one (§9.6.4);
//! - a timestamp constant meets a string value by reading the value as a STIX
//!   timestamp; values that are not timestamps are incompatible;
//! - booleans equal booleans and have no order;
//! - lists, dictionaries, objects (resolved references) and `null` are
//!   incompatible with every constant.

use std::cmp::Ordering;

use crate::literal;
use crate::observation::Val;

/// A constant prepared for comparison.
#[derive(Debug, Clone)]
pub(crate) enum Const {
    Int(i128),
    Float(f64),
    Bool(bool),
    /// Octets of a `b'..'` or `h'..'` literal.
    Bytes(Box<[u8]>),
    /// Nanoseconds since the Unix epoch.
    Timestamp(i128),
    Str(StrConst),
}

/// A string constant with its precomputed forms.
#[derive(Debug, Clone)]
pub(crate) struct StrConst {
    pub text: Box<str>,
    /// The octets of the string when every code point is below U+0100.
    pub latin1: Option<Box<[u8]>>,
    /// The canonical form for the comparison's property, when the path does
    /// not leave the root object (known at compile time) and differs from
    /// `text`.
    pub canonical: Option<Box<str>>,
}

/// The octets of a string whose code points are all below U+0100.
pub(crate) fn latin1(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

/// Exact order of an integer and a float.
fn cmp_int_float(int: i128, float: f64) -> Option<Ordering> {
    if float.is_nan() {
        return None;
    }
    // 2^127 as f64; every float at or beyond it is outside i128.
    const LIMIT: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;
    if float >= LIMIT {
        return Some(Ordering::Less);
    }
    if float < -LIMIT {
        return Some(Ordering::Greater);
    }
    let floor = float.floor();
    // `floor` is integral and within i128, so the cast is exact.
    let floor_int = floor as i128;
    Some(match int.cmp(&floor_int) {
        Ordering::Equal if float > floor => Ordering::Less,
        other => other,
    })
}

/// Order of a value against a constant, or `None` when incompatible.
/// Booleans have no order.
pub(crate) fn order(value: &Val, constant: &Const) -> Option<Ordering> {
    match (value, constant) {
        (Val::Int(a), Const::Int(b)) => Some(a.cmp(b)),
        (Val::Int(a), Const::Float(b)) => cmp_int_float(*a, *b),
        (Val::Float(a), Const::Int(b)) => cmp_int_float(*b, *a).map(Ordering::reverse),
        (Val::Float(a), Const::Float(b)) => a.partial_cmp(b),
        (Val::Str(a), Const::Str(b)) => Some(a.as_ref().cmp(b.text.as_ref())),
        (Val::Bin(a), Const::Bytes(b)) => Some(a.as_ref().cmp(b.as_ref())),
        (Val::Bin(a), Const::Str(b)) => b.latin1.as_deref().map(|b| a.as_ref().cmp(b)),
        (Val::Str(a), Const::Bytes(b)) => latin1(a).map(|a| a.as_slice().cmp(b.as_ref())),
        (Val::Str(a), Const::Timestamp(b)) => literal::parse_timestamp(a)
            .ok()
            .map(|ts| ts.unix_nanos().cmp(b)),
        _ => None,
    }
}

/// Equality of a value and a constant, or `None` when incompatible.
/// Strings compare exactly here; canonical comparison is the caller's.
pub(crate) fn equal(value: &Val, constant: &Const) -> Option<bool> {
    match (value, constant) {
        (Val::Bool(a), Const::Bool(b)) => Some(a == b),
        _ => order(value, constant).map(Ordering::is_eq),
    }
}

/// Equality as the reference matcher's `IN` computes it (Python set
/// membership): booleans equal the numbers 0 and 1, strings never equal
/// octets, everything else as [`equal`].
pub(crate) fn reference_set_equal(value: &Val, constant: &Const) -> bool {
    let as_number = |b: bool| i128::from(b);
    match (value, constant) {
        (Val::Bool(a), Const::Int(b)) => as_number(*a) == *b,
        (Val::Bool(a), Const::Float(b)) => as_number(*a) as f64 == *b,
        (Val::Int(a), Const::Bool(b)) => *a == as_number(*b),
        (Val::Float(a), Const::Bool(b)) => *a == as_number(*b) as f64,
        (Val::Bin(_), Const::Str(_)) | (Val::Str(_), Const::Bytes(_)) => false,
        _ => equal(value, constant).unwrap_or(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Const {
        Const::Str(StrConst {
            text: text.into(),
            latin1: latin1(text).map(Vec::into_boxed_slice),
            canonical: None,
        })
    }

    #[test]
    fn numbers_compare_by_exact_value() {
        assert_eq!(equal(&Val::Int(1), &Const::Float(1.5)), Some(false));
        assert_eq!(equal(&Val::Int(1), &Const::Float(1.0)), Some(true));
        assert_eq!(equal(&Val::Float(1.0), &Const::Int(1)), Some(true));
        assert_eq!(
            order(&Val::Int(2), &Const::Float(1.5)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            order(&Val::Float(-1.5), &Const::Int(-1)),
            Some(Ordering::Less)
        );
        assert_eq!(
            order(&Val::Int(i128::MAX), &Const::Float(1e300)),
            Some(Ordering::Less)
        );
        assert_eq!(
            order(
                &Val::Int(9_007_199_254_740_993),
                &Const::Float(9_007_199_254_740_992.0)
            ),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn strings_compare_by_code_point() {
        // 'o' < 'oz' < 'ò' (o + combining grave) < 'z' < 'ò' (U+00F2), §9.6.2.
        let order_of = |a: &str, b: &str| order(&Val::Str(a.into()), &s(b));
        assert_eq!(order_of("o", "oz"), Some(Ordering::Less));
        assert_eq!(order_of("oz", "o\u{300}"), Some(Ordering::Less));
        assert_eq!(order_of("o\u{300}", "z"), Some(Ordering::Less));
        assert_eq!(order_of("z", "\u{f2}"), Some(Ordering::Less));
        assert_eq!(
            equal(&Val::Str("\u{f2}".into()), &s("o\u{300}")),
            Some(false)
        );
    }

    #[test]
    fn octets_and_strings() {
        let payload = Val::Bin(b"this is a test".to_vec().into_boxed_slice());
        assert_eq!(equal(&payload, &s("this is a test")), Some(true));
        assert_eq!(equal(&payload, &s("dGhpcyBpcyBhIHRlc3Q=")), Some(false));
        assert_eq!(equal(&payload, &s("\u{100}")), None);
        assert_eq!(
            equal(&Val::Bin(Box::new([0x00])), &Const::Bytes(Box::new([0xff]))),
            Some(false)
        );
        assert_eq!(
            order(&Val::Bin(Box::new([0x00])), &Const::Bytes(Box::new([0xff]))),
            Some(Ordering::Less)
        );
        assert_eq!(
            order(&Val::Bin(Box::new([1, 0])), &Const::Bytes(Box::new([1]))),
            Some(Ordering::Greater)
        );
        assert_eq!(
            equal(&Val::Str("\u{ff}".into()), &Const::Bytes(Box::new([0xff]))),
            Some(true)
        );
    }

    #[test]
    fn timestamps_and_incompatible_types() {
        let ts = Const::Timestamp(0);
        assert_eq!(
            equal(&Val::Str("1970-01-01T00:00:00.000Z".into()), &ts),
            Some(true)
        );
        assert_eq!(equal(&Val::Str("yesterday".into()), &ts), None);
        assert_eq!(equal(&Val::Int(0), &ts), None);
        assert_eq!(equal(&Val::Null, &Const::Int(0)), None);
        assert_eq!(equal(&Val::Bool(true), &Const::Int(1)), None);
        assert_eq!(order(&Val::Bool(true), &Const::Bool(true)), None);
        assert!(reference_set_equal(&Val::Bool(true), &Const::Int(1)));
        assert!(!reference_set_equal(
            &Val::Str("a".into()),
            &Const::Bytes(Box::new([b'a']))
        ));
    }
}
