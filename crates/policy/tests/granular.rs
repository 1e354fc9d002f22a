//! Granular TLP markings: removal of properties the peer may not receive,
//! denial when STIX requires them, and validity of the result.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use phalanx_policy::{
    Form, Provenance, RECIPIENTS_PROPERTY, RedactionKind, Role, RuleId, SharingDefaults, Trust,
};
use phalanx_stix::Tlp;
use serde_json::{Value, json};

const PEER: u32 = 50;

fn report() -> Value {
    json!({
        "type": "report",
        "spec_version": "2.1",
        "id": sdo_id("report", 3),
        "created_by_ref": NODE,
        "created": "2024-05-02T08:00:00.000Z",
        "modified": "2024-05-02T08:00:00.000Z",
        "name": "Campaign against the grid",
        "published": "2024-05-02T08:00:00Z",
        "description": "Source: a human source inside the group.",
        "object_refs": [sdo_id("indicator", 1)],
        "labels": ["apt", "grid", "source-x"],
        "external_references": [
            {"source_name": "public", "url": "https://example.org/a"},
            {"source_name": "liaison", "description": "from a liaison service"}
        ],
        "object_marking_refs": [Tlp::Green.marking_id()],
        "granular_markings": [
            {"selectors": ["description", "labels.[2]", "external_references.[1]"], "marking_ref": Tlp::Red.marking_id()},
            {"selectors": ["labels.[0]"], "marking_ref": Tlp::Clear.marking_id()},
            {"selectors": ["name"], "marking_ref": Tlp::Amber.marking_id()}
        ]
    })
}

fn run(object: &Value, trust: Trust) -> phalanx_policy::Decision {
    let node = node(Role::NationalCsirt);
    let p = peer("p", &ident(PEER), trust);
    decide_with(
        &node,
        &SharingDefaults::default(),
        &Provenance::created_here(),
        &p,
        object,
    )
}

#[test]
fn restrictive_properties_are_removed_and_markings_renumbered() {
    let original = report();
    assert!(phalanx_stix::validate(&original).is_ok());
    let d = run(&original, Trust::Member);
    assert!(d.is_allowed(), "{}", d.explain());
    assert_eq!(d.rule(), RuleId::TlpGreenOriginator);
    let Some(Form::Redacted(out, redactions)) = d.form() else {
        panic!("not redacted: {}", d.explain())
    };
    assert!(out.get("description").is_none());
    assert_eq!(out["labels"], json!(["apt", "grid"]));
    assert_eq!(
        out["external_references"],
        json!([{"source_name": "public", "url": "https://example.org/a"}])
    );
    // AMBER on `name` is fine: this node originated the object.
    assert_eq!(out["name"], original["name"]);
    assert_eq!(
        out["granular_markings"],
        json!([
            {"selectors": ["labels.[0]"], "marking_ref": Tlp::Clear.marking_id()},
            {"selectors": ["name"], "marking_ref": Tlp::Amber.marking_id()}
        ])
    );
    let paths: Vec<&str> = redactions
        .iter()
        .filter(|r| r.kind == RedactionKind::Removed)
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(
        paths,
        ["/description", "/external_references/1", "/labels/2"]
    );
    assert!(
        redactions
            .iter()
            .all(|r| r.rule == RuleId::GranularRedact || r.rule == RuleId::PiiRewrite)
    );
    let bytes = serde_json::to_string(out).unwrap();
    assert!(
        !bytes.contains("human source")
            && !bytes.contains("liaison")
            && !bytes.contains("source-x")
    );
    phalanx_stix::validate(out).unwrap();
    assert!(d.explain().contains("granular.redact"));
}

#[test]
fn a_named_red_recipient_keeps_the_red_properties() {
    let object = {
        let mut o = report();
        o["object_marking_refs"] = json!([Tlp::Clear.marking_id()]);
        o[RECIPIENTS_PROPERTY] = json!([ident(PEER)]);
        o
    };
    let d = run(&object, Trust::External);
    assert!(d.is_allowed());
    assert_eq!(d.form(), Some(&Form::Unchanged), "{}", d.explain());
}

#[test]
fn received_objects_lose_amber_properties() {
    // Received CLEAR report with an AMBER name: a receiver never forwards AMBER content.
    let mut object = report();
    object["created_by_ref"] = json!(ident(1));
    object["object_marking_refs"] = json!([Tlp::Clear.marking_id()]);
    object["granular_markings"] =
        json!([{"selectors": ["description"], "marking_ref": Tlp::Amber.marking_id()}]);
    let node = node(Role::NationalCsirt);
    let p = peer("p", &ident(PEER), Trust::Member);
    let d = decide_with(
        &node,
        &SharingDefaults::default(),
        &Provenance::received(&ident(1), vec![]),
        &p,
        &object,
    );
    let out = sent(&d, &object).unwrap();
    assert!(out.get("description").is_none());
    assert!(out.get("granular_markings").is_none());
    phalanx_stix::validate(&out).unwrap();
}

#[test]
fn a_required_property_under_a_restrictive_marking_denies_the_object() {
    let mut object = indicator(Some(NODE), Some(Tlp::Green));
    object["granular_markings"] =
        json!([{"selectors": ["pattern"], "marking_ref": Tlp::Red.marking_id()}]);
    let d = run(&object, Trust::Member);
    assert_eq!(
        (d.is_allowed(), d.rule()),
        (false, RuleId::GranularRequired),
        "{}",
        d.explain()
    );
    assert!(d.explain().contains("\"pattern\""));
}

#[test]
fn content_whose_removal_breaks_an_embedded_object_denies_it() {
    // external_references.[0].url is the only one of url/description/external_id.
    let mut object = indicator(Some(NODE), Some(Tlp::Green));
    object["external_references"] = json!([{"source_name": "x", "url": "https://example.org"}]);
    object["granular_markings"] = json!([{"selectors": ["external_references.[0].url"], "marking_ref": Tlp::Red.marking_id()}]);
    let d = run(&object, Trust::Member);
    assert_eq!(
        (d.is_allowed(), d.rule()),
        (false, RuleId::GranularRequired),
        "{}",
        d.explain()
    );
}

#[test]
fn less_restrictive_granular_markings_change_nothing() {
    let mut object = indicator(Some(NODE), Some(Tlp::Amber));
    object["granular_markings"] =
        json!([{"selectors": ["name"], "marking_ref": Tlp::Green.marking_id()}]);
    let d = run(&object, Trust::External);
    assert!(d.is_allowed());
    assert_eq!(d.form(), Some(&Form::Unchanged));
}
