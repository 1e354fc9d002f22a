//! The 19 STIX Domain Objects (STIX 2.1 §4).

use super::vocab::*;
use super::{
    BOOL, Constraint, KILL_CHAIN, ObjectKind, RefTarget, STR, STR_LIST, TS, TypeDef, ValueKind,
    opt, reference, req,
};

const fn sdo(
    name: &'static str,
    properties: &'static [super::PropertyDef],
    constraints: &'static [Constraint],
) -> TypeDef {
    TypeDef {
        name,
        kind: ObjectKind::Sdo,
        properties,
        constraints,
        id_contributing: &[],
        extensions: &[],
    }
}

const SEEN_ORDER: Constraint = Constraint::Order {
    earlier: "first_seen",
    later: "last_seen",
    strict: false,
};

/// Object references in grouping, note, opinion and report: any STIX object.
const ANY_REFS: ValueKind = ValueKind::List(&ValueKind::Identifier(RefTarget::Any));
const SOFTWARE_REF: ValueKind = reference(&["software"]);

/// `attack-pattern` (§4.1).
pub static ATTACK_PATTERN: TypeDef = sdo(
    "attack-pattern",
    &[
        req("name", STR),
        opt("description", STR),
        opt("aliases", STR_LIST),
        opt("kill_chain_phases", KILL_CHAIN),
    ],
    &[],
);

/// `campaign` (§4.2).
pub static CAMPAIGN: TypeDef = sdo(
    "campaign",
    &[
        req("name", STR),
        opt("description", STR),
        opt("aliases", STR_LIST),
        opt("first_seen", TS),
        opt("last_seen", TS),
        opt("objective", STR),
    ],
    &[SEEN_ORDER],
);

/// `course-of-action` (§4.3). The reserved `action*` properties are not
/// listed; they are treated as custom properties.
pub static COURSE_OF_ACTION: TypeDef = sdo(
    "course-of-action",
    &[req("name", STR), opt("description", STR)],
    &[],
);

/// `grouping` (§4.4). `name` is optional, as in the JSON schema (the Errata 01
/// text marks it required; the schema and python-stix2 do not).
pub static GROUPING: TypeDef = sdo(
    "grouping",
    &[
        opt("name", STR),
        opt("description", STR),
        req("context", ValueKind::OpenVocab(GROUPING_CONTEXT_OV)),
        req("object_refs", ANY_REFS),
    ],
    &[],
);

/// `identity` (§4.5).
pub static IDENTITY: TypeDef = sdo(
    "identity",
    &[
        req("name", STR),
        opt("description", STR),
        opt("roles", STR_LIST),
        opt("identity_class", ValueKind::OpenVocab(IDENTITY_CLASS_OV)),
        opt(
            "sectors",
            ValueKind::List(&ValueKind::OpenVocab(INDUSTRY_SECTOR_OV)),
        ),
        opt("contact_information", STR),
    ],
    &[],
);

/// `incident` (§4.6), a stub in 2.1.
pub static INCIDENT: TypeDef = sdo(
    "incident",
    &[
        req("name", STR),
        opt("description", STR),
        opt("kill_chain_phases", KILL_CHAIN),
    ],
    &[],
);

/// `indicator` (§4.7). The pattern is not parsed here; only its presence and
/// type (string) are checked.
pub static INDICATOR: TypeDef = sdo(
    "indicator",
    &[
        opt("name", STR),
        opt("description", STR),
        opt(
            "indicator_types",
            ValueKind::List(&ValueKind::OpenVocab(INDICATOR_TYPE_OV)),
        ),
        req("pattern", STR),
        req("pattern_type", ValueKind::OpenVocab(PATTERN_TYPE_OV)),
        opt("pattern_version", STR),
        req("valid_from", TS),
        opt("valid_until", TS),
        opt("kill_chain_phases", KILL_CHAIN),
    ],
    &[Constraint::Order {
        earlier: "valid_from",
        later: "valid_until",
        strict: true,
    }],
);

/// `infrastructure` (§4.8).
pub static INFRASTRUCTURE: TypeDef = sdo(
    "infrastructure",
    &[
        req("name", STR),
        opt("description", STR),
        opt(
            "infrastructure_types",
            ValueKind::List(&ValueKind::OpenVocab(INFRASTRUCTURE_TYPE_OV)),
        ),
        opt("aliases", STR_LIST),
        opt("kill_chain_phases", KILL_CHAIN),
        opt("first_seen", TS),
        opt("last_seen", TS),
    ],
    &[SEEN_ORDER],
);

/// `intrusion-set` (§4.9).
pub static INTRUSION_SET: TypeDef = sdo(
    "intrusion-set",
    &[
        req("name", STR),
        opt("description", STR),
        opt("aliases", STR_LIST),
        opt("first_seen", TS),
        opt("last_seen", TS),
        opt("goals", STR_LIST),
        opt(
            "resource_level",
            ValueKind::OpenVocab(ATTACK_RESOURCE_LEVEL_OV),
        ),
        opt(
            "primary_motivation",
            ValueKind::OpenVocab(ATTACK_MOTIVATION_OV),
        ),
        opt(
            "secondary_motivations",
            ValueKind::List(&ValueKind::OpenVocab(ATTACK_MOTIVATION_OV)),
        ),
    ],
    &[SEEN_ORDER],
);

/// `location` (§4.10).
pub static LOCATION: TypeDef = sdo(
    "location",
    &[
        opt("name", STR),
        opt("description", STR),
        opt(
            "latitude",
            ValueKind::Float {
                min: Some(-90.0),
                max: Some(90.0),
            },
        ),
        opt(
            "longitude",
            ValueKind::Float {
                min: Some(-180.0),
                max: Some(180.0),
            },
        ),
        opt(
            "precision",
            ValueKind::Float {
                min: Some(0.0),
                max: None,
            },
        ),
        opt("region", ValueKind::OpenVocab(REGION_OV)),
        opt("country", STR),
        opt("administrative_area", STR),
        opt("city", STR),
        opt("street_address", STR),
        opt("postal_code", STR),
    ],
    &[
        Constraint::AtLeastOne(&["region", "country", "latitude"]),
        Constraint::Requires {
            property: "latitude",
            requires: &["longitude"],
        },
        Constraint::Requires {
            property: "longitude",
            requires: &["latitude"],
        },
        Constraint::Requires {
            property: "precision",
            requires: &["latitude", "longitude"],
        },
    ],
);

/// `malware` (§4.11).
pub static MALWARE: TypeDef = sdo(
    "malware",
    &[
        opt("name", STR),
        opt("description", STR),
        opt(
            "malware_types",
            ValueKind::List(&ValueKind::OpenVocab(MALWARE_TYPE_OV)),
        ),
        req("is_family", BOOL),
        opt("aliases", STR_LIST),
        opt("kill_chain_phases", KILL_CHAIN),
        opt("first_seen", TS),
        opt("last_seen", TS),
        opt("operating_system_refs", ValueKind::List(&SOFTWARE_REF)),
        opt(
            "architecture_execution_envs",
            ValueKind::List(&ValueKind::OpenVocab(PROCESSOR_ARCHITECTURE_OV)),
        ),
        opt(
            "implementation_languages",
            ValueKind::List(&ValueKind::OpenVocab(IMPLEMENTATION_LANGUAGE_OV)),
        ),
        opt(
            "capabilities",
            ValueKind::List(&ValueKind::OpenVocab(MALWARE_CAPABILITIES_OV)),
        ),
        opt(
            "sample_refs",
            ValueKind::List(&reference(&["artifact", "file"])),
        ),
    ],
    &[
        SEEN_ORDER,
        Constraint::When {
            flag: "is_family",
            value: true,
            require: &["name"],
            forbid: &[],
        },
    ],
);

/// `malware-analysis` (§4.12).
pub static MALWARE_ANALYSIS: TypeDef = sdo(
    "malware-analysis",
    &[
        req("product", STR),
        opt("version", STR),
        opt("host_vm_ref", SOFTWARE_REF),
        opt("operating_system_ref", SOFTWARE_REF),
        opt("installed_software_refs", ValueKind::List(&SOFTWARE_REF)),
        opt("configuration_version", STR),
        opt("modules", STR_LIST),
        opt("analysis_engine_version", STR),
        opt("analysis_definition_version", STR),
        opt("submitted", TS),
        opt("analysis_started", TS),
        opt("analysis_ended", TS),
        opt("result_name", STR),
        opt("result", ValueKind::OpenVocab(MALWARE_RESULT_OV)),
        opt(
            "analysis_sco_refs",
            ValueKind::List(&ValueKind::Identifier(RefTarget::Sco)),
        ),
        opt(
            "sample_ref",
            reference(&["file", "network-traffic", "artifact"]),
        ),
    ],
    &[Constraint::AtLeastOne(&["result", "analysis_sco_refs"])],
);

/// `note` (§4.13).
pub static NOTE: TypeDef = sdo(
    "note",
    &[
        opt("abstract", STR),
        req("content", STR),
        opt("authors", STR_LIST),
        req("object_refs", ANY_REFS),
    ],
    &[],
);

/// `observed-data` (§4.14). The validator also requires at least one SCO
/// among `object_refs` when every referenced type is known.
pub static OBSERVED_DATA: TypeDef = sdo(
    "observed-data",
    &[
        req("first_observed", TS),
        req("last_observed", TS),
        req(
            "number_observed",
            ValueKind::Integer {
                min: Some(1),
                max: Some(999_999_999),
            },
        ),
        opt("objects", ValueKind::ObservableContainer),
        opt(
            "object_refs",
            ValueKind::List(&ValueKind::Identifier(RefTarget::ScoOrSro)),
        ),
    ],
    &[
        Constraint::ExactlyOne(&["object_refs", "objects"]),
        Constraint::Order {
            earlier: "first_observed",
            later: "last_observed",
            strict: false,
        },
    ],
);

/// `opinion` (§4.15).
pub static OPINION: TypeDef = sdo(
    "opinion",
    &[
        opt("explanation", STR),
        opt("authors", STR_LIST),
        req("opinion", ValueKind::Enum(OPINION_ENUM)),
        req("object_refs", ANY_REFS),
    ],
    &[],
);

/// `report` (§4.16).
pub static REPORT: TypeDef = sdo(
    "report",
    &[
        req("name", STR),
        opt("description", STR),
        opt(
            "report_types",
            ValueKind::List(&ValueKind::OpenVocab(REPORT_TYPE_OV)),
        ),
        req("published", TS),
        req("object_refs", ANY_REFS),
    ],
    &[],
);

/// `threat-actor` (§4.17).
pub static THREAT_ACTOR: TypeDef = sdo(
    "threat-actor",
    &[
        req("name", STR),
        opt("description", STR),
        opt(
            "threat_actor_types",
            ValueKind::List(&ValueKind::OpenVocab(THREAT_ACTOR_TYPE_OV)),
        ),
        opt("aliases", STR_LIST),
        opt("first_seen", TS),
        opt("last_seen", TS),
        opt(
            "roles",
            ValueKind::List(&ValueKind::OpenVocab(THREAT_ACTOR_ROLE_OV)),
        ),
        opt("goals", STR_LIST),
        opt(
            "sophistication",
            ValueKind::OpenVocab(THREAT_ACTOR_SOPHISTICATION_OV),
        ),
        opt(
            "resource_level",
            ValueKind::OpenVocab(ATTACK_RESOURCE_LEVEL_OV),
        ),
        opt(
            "primary_motivation",
            ValueKind::OpenVocab(ATTACK_MOTIVATION_OV),
        ),
        opt(
            "secondary_motivations",
            ValueKind::List(&ValueKind::OpenVocab(ATTACK_MOTIVATION_OV)),
        ),
        opt(
            "personal_motivations",
            ValueKind::List(&ValueKind::OpenVocab(ATTACK_MOTIVATION_OV)),
        ),
    ],
    &[SEEN_ORDER],
);

/// `tool` (§4.18).
pub static TOOL: TypeDef = sdo(
    "tool",
    &[
        req("name", STR),
        opt("description", STR),
        opt(
            "tool_types",
            ValueKind::List(&ValueKind::OpenVocab(TOOL_TYPE_OV)),
        ),
        opt("aliases", STR_LIST),
        opt("kill_chain_phases", KILL_CHAIN),
        opt("tool_version", STR),
    ],
    &[],
);

/// `vulnerability` (§4.19).
pub static VULNERABILITY: TypeDef = sdo(
    "vulnerability",
    &[req("name", STR), opt("description", STR)],
    &[],
);
