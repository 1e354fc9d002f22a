//! Reading observations from STIX JSON, and the line protocol.
#![allow(clippy::unwrap_used)]

use phalanx_pattern::{InputError, ObservationSet, eval_line};
use serde_json::{Value, json};

fn od(extra: Value) -> Value {
    let mut base = json!({
        "type": "observed-data", "id": "observed-data--1",
        "first_observed": "2020-01-01T00:00:00Z", "last_observed": "2020-01-01T00:00:01Z",
        "number_observed": 1, "object_refs": []
    });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            base.as_object_mut().unwrap().remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

fn problem(extra: Value) -> String {
    match ObservationSet::from_stix(&[od(extra)]) {
        Err(InputError::BadObservedData { id, problem }) => {
            assert_eq!(id, "observed-data--1");
            problem
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_observed_data_is_reported() {
    assert!(problem(json!({"first_observed": null})).contains("first_observed is missing"));
    assert!(problem(json!({"last_observed": "2020-01-01"})).contains("last_observed"));
    assert!(
        problem(json!({"first_observed": "2020-01-02T00:00:00Z"})).contains("after last_observed")
    );
    assert!(problem(json!({"number_observed": 0})).contains("at least 1, found 0"));
    assert!(problem(json!({"number_observed": "2"})).contains("found \"2\""));
    assert!(problem(json!({"object_refs": null})).contains("neither object_refs nor objects"));
    assert!(problem(json!({"object_refs": "file--1"})).contains("not a list"));
    assert!(matches!(
        ObservationSet::from_stix(&[json!(5)]),
        Err(InputError::NotAnObject { index: 0 })
    ));
    assert!(matches!(
        ObservationSet::from_stix(&[json!({"type": "bundle", "objects": 5})]),
        Err(InputError::BadBundle { index: 0 })
    ));
}

#[test]
fn bundles_and_loose_objects_are_read() {
    let bundle = json!({"type": "bundle", "id": "bundle--1", "objects": [
        od(json!({"object_refs": ["file--1", "file--absent"], "number_observed": 3})),
        {"type": "file", "id": "file--1", "name": "a"},
        {"type": "indicator", "id": "indicator--1", "pattern": "[file:name = 'a']"}
    ]});
    let set = ObservationSet::from_stix(&[bundle]).unwrap();
    assert_eq!(set.len(), 1);
    assert_eq!(set.instance_count(), 3);
    assert!(!set.is_empty());
    assert!(ObservationSet::from_stix(&[]).unwrap().is_empty());
}

#[test]
fn line_protocol() {
    let request = |pattern: &str, observed: Value| {
        json!({"pattern": pattern, "observed_data": observed}).to_string()
    };
    let data = json!([
        od(json!({"object_refs": ["file--1"]})),
        {"type": "file", "id": "file--1", "name": "a"}
    ]);
    assert_eq!(
        eval_line(&request("[file:name = 'a']", data.clone())),
        json!({"match": true})
    );
    assert_eq!(
        eval_line(&request("[file:name = 'b']", data.clone())),
        json!({"match": false})
    );
    let parse_error = eval_line(&request("[file:name = 'a'", data.clone()));
    assert_eq!(
        parse_error["error"],
        "invalid pattern: expected ']' at column 17, found end of pattern"
    );
    let invalid = eval_line(&request("[file:name = 'a'] WITHIN 0 SECONDS", data.clone()));
    assert!(
        invalid["error"]
            .as_str()
            .unwrap()
            .contains("positive number of seconds"),
        "{invalid}"
    );
    let bad_data = eval_line(&request(
        "[file:name = 'a']",
        json!([od(json!({"number_observed": 0}))]),
    ));
    assert!(
        bad_data["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid observed_data"),
        "{bad_data}"
    );
    assert!(
        eval_line("not json")["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid JSON request")
    );
    assert!(
        eval_line("{}")["error"]
            .as_str()
            .unwrap()
            .contains("\"pattern\"")
    );
    assert!(
        eval_line(r#"{"pattern": "[a:b = 1]"}"#)["error"]
            .as_str()
            .unwrap()
            .contains("\"observed_data\"")
    );
}

#[test]
fn compiled_patterns_and_observation_sets_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<phalanx_pattern::CompiledPattern>();
    shareable::<ObservationSet>();
    shareable::<phalanx_pattern::Pattern>();
}
