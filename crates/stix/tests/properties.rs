//! Property tests: generated valid objects of every type validate and
//! round-trip; validation never panics; canonical forms are idempotent;
//! timestamps and identifiers round-trip.
#![allow(clippy::unwrap_used)]

mod support;

use std::borrow::Cow;

use phalanx_stix::canonical::canonical_value;
use phalanx_stix::{Identifier, Timestamp, parse_body, validate};
use proptest::prelude::*;
use serde_json::{Value, json};
use support::*;

fn errors_of(v: &Value) -> Vec<String> {
    match validate(v) {
        Ok(_) => Vec::new(),
        Err(p) => p
            .into_iter()
            .filter(|p| p.is_error())
            .map(|p| p.to_string())
            .collect(),
    }
}

#[test]
fn every_base_object_is_valid() {
    for t in all_type_names() {
        let v = base(t, "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
        let summary = validate(&v).unwrap_or_else(|p| panic!("{t}: {p:#?}"));
        assert_eq!(summary.object_type, t);
        assert!(summary.warnings.is_empty(), "{t}: {:?}", summary.warnings);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn generated_valid_objects_validate(v in valid_object()) {
        let errors = errors_of(&v);
        prop_assert!(errors.is_empty(), "{}: {:?}", v, errors);
    }

    #[test]
    fn text_value_text_round_trips(v in valid_object()) {
        let text = serde_json::to_string(&v).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &v);
        prop_assert_eq!(serde_json::to_string(&back).unwrap(), text.clone());
        // Through the body parser too: the raw text comes back byte for byte.
        let body = parse_body(text.as_bytes()).unwrap();
        let raw: Vec<&str> = body.objects().map(|r| r.get()).collect();
        prop_assert_eq!(raw, vec![text.as_str()]);
    }

    #[test]
    fn validate_never_panics_on_arbitrary_json(v in any_json()) {
        let _ = validate(&v);
    }

    #[test]
    fn validate_never_panics_on_damaged_objects(
        v in valid_object(),
        which in any::<prop::sample::Index>(),
        junk in any_json(),
    ) {
        let mut v = v;
        let object_type = v["type"].as_str().unwrap().to_string();
        let mut names: Vec<&str> = phalanx_stix::types::COMMON_PROPERTIES
            .iter()
            .map(|c| c.def.name)
            .collect();
        if let Some(def) = phalanx_stix::types::lookup(&object_type) {
            names.extend(def.properties.iter().map(|p| p.name));
        }
        let name = *which.get(&names);
        v[name] = junk;
        let _ = validate(&v);
    }

    #[test]
    fn timestamps_round_trip_through_micros(micros in -62_167_219_200_000_000i64..253_402_300_799_999_999) {
        let ts = Timestamp::from_unix_micros(micros).unwrap();
        prop_assert_eq!(ts.to_unix_micros(), micros);
        let reparsed = Timestamp::parse(ts.as_str()).unwrap();
        prop_assert_eq!(&reparsed, &ts);
        prop_assert_eq!(reparsed.to_micros_string(), ts.as_str());
    }

    #[test]
    fn timestamp_order_matches_micros(a in any::<i32>(), b in any::<i32>()) {
        let scale = 1_000_003i64;
        let ta = Timestamp::from_unix_micros(i64::from(a) * scale).unwrap();
        let tb = Timestamp::from_unix_micros(i64::from(b) * scale).unwrap();
        prop_assert_eq!(ta.cmp(&tb), a.cmp(&b));
        prop_assert_eq!(ta.as_str().cmp(tb.as_str()), a.cmp(&b), "text order agrees for years 0000-9999");
    }

    #[test]
    fn parse_never_panics(s in ".{0,40}") {
        let _ = Timestamp::parse(&s);
        let _ = Timestamp::parse_lenient(&s);
        let _ = Identifier::parse(&s);
    }

    #[test]
    fn identifiers_round_trip(t in "[a-z][a-z0-9]{2,10}(-[a-z0-9]{1,5}){0,2}", uuid in uuid4()) {
        let text = format!("{t}--{uuid}");
        let id = Identifier::parse(&text).unwrap();
        prop_assert_eq!(id.object_type(), t.as_str());
        prop_assert_eq!(id.uuid().to_string(), uuid);
        prop_assert_eq!(id.as_str(), text.as_str());
    }

    #[test]
    fn canonical_values_are_idempotent(
        t in prop::sample::select(vec!["domain-name", "email-addr", "url", "ipv4-addr", "ipv6-addr", "mac-addr", "file"]),
        path in prop::sample::select(vec!["value", "hashes.MD5", "hashes.'SHA-256'", "hashes.SSDEEP", "name"]),
        value in prop_oneof![
            ".{0,30}",
            "[A-Za-z0-9.-]{1,20}\\.[A-Za-z]{2,5}\\.?",
            "(http|HTTP|https)://[A-Za-z0-9.]{1,12}(:[0-9]{1,5})?(/[A-Za-z0-9%~._-]{0,10}){0,3}",
            "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(/[0-9]{1,2})?",
            "[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}",
            "[0-9A-Fa-f]{32}",
        ],
    ) {
        let once = canonical_value(t, path, &value).into_owned();
        let twice = canonical_value(t, path, &once).into_owned();
        prop_assert_eq!(&once, &twice, "{} {} {:?}", t, path, value);
    }

    #[test]
    fn hash_case_variants_are_one_hash(hex in "[0-9a-f]{64}", flips in prop::collection::vec(any::<bool>(), 64)) {
        let variant: String = hex
            .chars()
            .zip(flips)
            .map(|(c, f)| if f { c.to_ascii_uppercase() } else { c })
            .collect();
        prop_assert_eq!(
            canonical_value("file", "hashes.SHA-256", &variant),
            canonical_value("file", "hashes.'SHA-256'", &hex)
        );
        prop_assert!(matches!(canonical_value("file", "hashes.SHA-256", &hex), Cow::Borrowed(_)));
    }

    #[test]
    fn domain_case_variants_are_one_domain(labels in prop::collection::vec("[a-z0-9]{1,10}", 2..4), flips in prop::collection::vec(any::<bool>(), 40), dot in any::<bool>()) {
        let domain = labels.join(".");
        let mut variant: String = domain
            .chars()
            .zip(flips.into_iter().chain(std::iter::repeat(false)))
            .map(|(c, f)| if f { c.to_ascii_uppercase() } else { c })
            .collect();
        if dot {
            variant.push('.');
        }
        prop_assert_eq!(canonical_value("domain-name", "value", &variant), domain.as_str());
    }

    #[test]
    fn built_scos_validate_and_ids_ignore_spelling(value in "[a-z]{1,10}\\.(com|org|ee)", upper in any::<bool>()) {
        let spelled = if upper { value.to_uppercase() } else { value.clone() };
        let a = phalanx_stix::build_sco("domain-name", json!({"value": spelled}).as_object().unwrap().clone());
        let b = phalanx_stix::build_sco("domain-name", json!({"value": value}).as_object().unwrap().clone());
        prop_assert_eq!(&a["id"], &b["id"]);
        let errors = errors_of(&Value::Object(a));
        prop_assert!(errors.is_empty(), "{:?}", errors);
    }
}

/// Deep nesting inside a custom property: 127 levels below the object (the
/// most `serde_json` will parse) validate without recursing into them.
#[test]
fn deep_custom_values_validate() {
    let deep = format!("{}1{}", "[".repeat(126), "]".repeat(126));
    let text = format!(
        r#"{{"type":"x-deep","id":"x-deep--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","x_deep":{deep}}}"#
    );
    let value: Value = serde_json::from_str(&text).unwrap();
    assert!(validate(&value).is_ok());
    let too_deep = format!(r#"{{"x":{}1{}}}"#, "[".repeat(200), "]".repeat(200));
    let err = serde_json::from_str::<Value>(&too_deep).unwrap_err();
    assert!(err.to_string().contains("recursion limit"), "{err}");
}
