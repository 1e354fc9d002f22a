//! Data markings: TLP 2.0 marking-definitions, recognition of the TLP 1.0
//! ones, and statement markings (STIX 2.1 §7.2; OASIS TLP 2.0 extension).
//!
//! Granular markings stay as JSON inside objects; [`crate::validate`] checks
//! their shape.

use serde_json::{Map, Value, json};

use crate::id::Identifier;
use crate::timestamp::Timestamp;

/// The id of the OASIS extension-definition that carries TLP 2.0.
pub const TLP2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// The `created` time of every TLP 2.0 marking-definition.
pub const TLP2_CREATED: &str = "2022-10-01T00:00:00.000Z";

/// The `created` time of every TLP 1.0 marking-definition.
pub const TLP1_CREATED: &str = "2017-01-20T00:00:00.000Z";

/// A Traffic Light Protocol 2.0 level, ordered from least to most
/// restrictive, so `max()` of several is the one that governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tlp {
    /// TLP:CLEAR — no limit on disclosure (TLP 1.0 WHITE).
    Clear,
    /// TLP:GREEN — the recipients' community.
    Green,
    /// TLP:AMBER — the recipients' organisation and its clients.
    Amber,
    /// TLP:AMBER+STRICT — the recipients' organisation only.
    AmberStrict,
    /// TLP:RED — the named recipients only.
    Red,
}

/// TLP 2.0 ids, `tlp_2_0` values and labels.
const TLP2: [(Tlp, &str, &str, &str); 5] = [
    (
        Tlp::Clear,
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        "clear",
        "TLP:CLEAR",
    ),
    (
        Tlp::Green,
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        "green",
        "TLP:GREEN",
    ),
    (
        Tlp::Amber,
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        "amber",
        "TLP:AMBER",
    ),
    (
        Tlp::AmberStrict,
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "amber+strict",
        "TLP:AMBER+STRICT",
    ),
    (
        Tlp::Red,
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        "red",
        "TLP:RED",
    ),
];

/// The TLP 1.0 ids of STIX 2.1 §7.2.1.4, their colour and the TLP 2.0 level
/// they map to (WHITE becomes CLEAR).
const TLP1: [(&str, &str, Tlp); 4] = [
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        "white",
        Tlp::Clear,
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        "green",
        Tlp::Green,
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        "amber",
        Tlp::Amber,
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        "red",
        Tlp::Red,
    ),
];

impl Tlp {
    /// All levels, least restrictive first.
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    fn row(self) -> (Tlp, &'static str, &'static str, &'static str) {
        // Every variant has exactly one row, in declaration order.
        TLP2[self as usize]
    }

    /// The label as FIRST writes it, e.g. `TLP:AMBER+STRICT`.
    pub fn label(self) -> &'static str {
        self.row().3
    }

    /// The `tlp_2_0` value of the extension, e.g. `amber+strict`.
    pub fn tlp2_value(self) -> &'static str {
        self.row().2
    }

    /// The id of the standard TLP 2.0 marking-definition.
    pub fn marking_id(self) -> &'static str {
        self.row().1
    }

    /// The level of a marking-definition id: one of the five TLP 2.0 ids, or
    /// one of the four TLP 1.0 ids mapped to TLP 2.0 (WHITE → CLEAR).
    /// Comparison ignores the case of the UUID's hex digits.
    pub fn from_marking_id(id: &str) -> Option<Tlp> {
        TLP2.iter()
            .find(|row| row.1.eq_ignore_ascii_case(id))
            .map(|row| row.0)
            .or_else(|| Tlp::from_tlp1_marking_id(id).map(|(tlp, _)| tlp))
    }

    /// The TLP 1.0 marking id's TLP 2.0 level and its TLP 1.0 colour
    /// (`white`, `green`, `amber`, `red`).
    pub fn from_tlp1_marking_id(id: &str) -> Option<(Tlp, &'static str)> {
        TLP1.iter()
            .find(|row| row.0.eq_ignore_ascii_case(id))
            .map(|row| (row.2, row.1))
    }

    /// The level for a `tlp_2_0` extension value (`clear` … `red`).
    pub fn from_tlp2_value(value: &str) -> Option<Tlp> {
        TLP2.iter().find(|row| row.2 == value).map(|row| row.0)
    }

    /// The level for a label such as `TLP:AMBER+STRICT` (case-insensitive;
    /// `TLP:WHITE` maps to CLEAR).
    pub fn from_label(label: &str) -> Option<Tlp> {
        let upper = label.to_ascii_uppercase();
        if upper == "TLP:WHITE" {
            return Some(Tlp::Clear);
        }
        TLP2.iter().find(|row| row.3 == upper).map(|row| row.0)
    }

    /// The standard TLP 2.0 marking-definition object for this level.
    pub fn marking_definition(self) -> Map<String, Value> {
        let mut extensions = Map::new();
        extensions.insert(
            TLP2_EXTENSION_ID.to_string(),
            json!({"extension_type": "property-extension", "tlp_2_0": self.tlp2_value()}),
        );
        let mut m = Map::new();
        m.insert("type".into(), json!("marking-definition"));
        m.insert("spec_version".into(), json!("2.1"));
        m.insert("id".into(), json!(self.marking_id()));
        m.insert("created".into(), json!(TLP2_CREATED));
        m.insert("name".into(), json!(self.label()));
        m.insert("extensions".into(), Value::Object(extensions));
        m
    }
}

/// The TLP level a marking-definition object expresses: by its id when it is
/// a standard TLP 1.0 or 2.0 object, else by its TLP 2.0 extension value or
/// its TLP 1.0 `definition`.
pub fn recognize_marking(marking: &Map<String, Value>) -> Option<Tlp> {
    if marking.get("type").and_then(Value::as_str) != Some("marking-definition") {
        return None;
    }
    if let Some(tlp) = marking
        .get("id")
        .and_then(Value::as_str)
        .and_then(Tlp::from_marking_id)
    {
        return Some(tlp);
    }
    let from_extension = marking
        .get("extensions")
        .and_then(|e| e.get(TLP2_EXTENSION_ID))
        .and_then(|e| e.get("tlp_2_0"))
        .and_then(Value::as_str)
        .and_then(Tlp::from_tlp2_value);
    if from_extension.is_some() {
        return from_extension;
    }
    if marking.get("definition_type").and_then(Value::as_str) == Some("tlp") {
        let colour = marking
            .get("definition")
            .and_then(|d| d.get("tlp"))
            .and_then(Value::as_str)?;
        return Tlp::from_label(&format!("TLP:{colour}"));
    }
    None
}

/// The most restrictive TLP level among an object's `object_marking_refs`
/// (TLP 1.0 ids mapped to TLP 2.0), or `None` when it has no TLP marking.
/// Markings that are not TLP are ignored.
pub fn tlp_of(object: &Map<String, Value>) -> Option<Tlp> {
    object
        .get("object_marking_refs")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .filter_map(Tlp::from_marking_id)
        .max()
}

/// A statement marking-definition (§7.2.1.3) with the given id, creation time
/// and text, optionally attributed to an identity.
pub fn statement_marking(
    id: &Identifier,
    created: &Timestamp,
    statement: &str,
    created_by_ref: Option<&Identifier>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), json!("marking-definition"));
    m.insert("spec_version".into(), json!("2.1"));
    m.insert("id".into(), json!(id.as_str()));
    m.insert("created".into(), json!(created.as_str()));
    if let Some(by) = created_by_ref {
        m.insert("created_by_ref".into(), json!(by.as_str()));
    }
    m.insert("definition_type".into(), json!("statement"));
    m.insert("definition".into(), json!({ "statement": statement }));
    m
}

/// The text of a statement marking-definition, or `None` when `marking` is
/// not one.
pub fn statement_of(marking: &Map<String, Value>) -> Option<&str> {
    if marking.get("type").and_then(Value::as_str) != Some("marking-definition")
        || marking.get("definition_type").and_then(Value::as_str) != Some("statement")
    {
        return None;
    }
    marking.get("definition")?.get("statement")?.as_str()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ordering_is_by_restrictiveness() {
        assert!(Tlp::Clear < Tlp::Green);
        assert!(Tlp::Amber < Tlp::AmberStrict);
        assert!(Tlp::AmberStrict < Tlp::Red);
        assert_eq!(Tlp::ALL.iter().max(), Some(&Tlp::Red));
    }

    #[test]
    fn ids_and_labels_round_trip() {
        for tlp in Tlp::ALL {
            assert_eq!(Tlp::from_marking_id(tlp.marking_id()), Some(tlp));
            assert_eq!(Tlp::from_label(tlp.label()), Some(tlp));
            assert_eq!(Tlp::from_tlp2_value(tlp.tlp2_value()), Some(tlp));
            let def = tlp.marking_definition();
            assert_eq!(recognize_marking(&def), Some(tlp));
            let summary = crate::validate::validate(&Value::Object(def)).unwrap();
            assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
        }
        assert_eq!(Tlp::AmberStrict.label(), "TLP:AMBER+STRICT");
    }

    #[test]
    fn tlp1_maps_to_tlp2() {
        assert_eq!(
            Tlp::from_marking_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
            Some(Tlp::Clear)
        );
        assert_eq!(
            Tlp::from_marking_id("marking-definition--5E57C739-391A-4EB3-B6BE-7D15CA92D5ED"),
            Some(Tlp::Red)
        );
        assert_eq!(Tlp::from_label("tlp:white"), Some(Tlp::Clear));
        let tlp1 = json!({
            "type": "marking-definition", "spec_version": "2.1",
            "id": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
            "created": TLP1_CREATED, "definition_type": "tlp",
            "name": "TLP:AMBER", "definition": {"tlp": "amber"}
        });
        assert_eq!(
            recognize_marking(tlp1.as_object().unwrap()),
            Some(Tlp::Amber)
        );
        assert!(crate::validate::validate(&tlp1).is_ok());
    }

    #[test]
    fn tlp_of_takes_the_most_restrictive() {
        let obj = json!({"object_marking_refs": [
            Tlp::Green.marking_id(),
            "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
            "marking-definition--00000000-0000-4000-8000-000000000000",
        ]});
        assert_eq!(tlp_of(obj.as_object().unwrap()), Some(Tlp::Amber));
        let none = json!({"object_marking_refs": ["marking-definition--00000000-0000-4000-8000-000000000000"]});
        assert_eq!(tlp_of(none.as_object().unwrap()), None);
        assert_eq!(tlp_of(&Map::new()), None);
    }

    #[test]
    fn statements() {
        let id = Identifier::new_v4("marking-definition").unwrap();
        let created = Timestamp::parse("2024-01-01T00:00:00.000Z").unwrap();
        let m = statement_marking(&id, &created, "Copyright 2024 ACME", None);
        assert_eq!(statement_of(&m), Some("Copyright 2024 ACME"));
        assert_eq!(recognize_marking(&m), None);
        assert!(crate::validate::validate(&Value::Object(m)).is_ok());
        assert_eq!(statement_of(&Tlp::Red.marking_definition()), None);
    }
}
