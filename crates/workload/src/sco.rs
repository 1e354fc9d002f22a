//! Deterministic STIX Cyber-observable (SCO) identifiers.
//!
//! `phalanx_stix` is meant to own this; it did not provide `sco_id` when this crate was
//! written, so the rule (STIX 2.1 §2.9) is implemented here: UUIDv5 in the SCO namespace
//! over the RFC 8785 canonical JSON of the object's ID-contributing properties.

use serde_json::Value;
use uuid::Uuid;

use crate::error::WorkloadError;

/// The STIX 2.1 namespace for deterministic SCO ids, `00abedb4-aa42-466c-9c01-fed23315a9b7`.
pub const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);

/// The deterministic id `<sco_type>--<uuid v5>` of an SCO whose ID-contributing properties
/// (only those present, with references already resolved to ids, and `hashes` reduced to
/// the single preferred hash) are the members of `contributing`.
pub fn sco_id(sco_type: &str, contributing: &Value) -> Result<String, WorkloadError> {
    let canonical = serde_json_canonicalizer::to_string(contributing).map_err(|source| {
        WorkloadError::Serialize {
            what: "SCO id-contributing properties",
            source,
        }
    })?;
    Ok(format!(
        "{sco_type}--{}",
        Uuid::new_v5(&SCO_NAMESPACE, canonical.as_bytes())
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn namespace_text() {
        assert_eq!(
            SCO_NAMESPACE.to_string(),
            "00abedb4-aa42-466c-9c01-fed23315a9b7"
        );
    }

    #[test]
    fn ids_are_version_5_and_key_order_free() {
        let a = sco_id("file", &json!({"name": "a.exe", "hashes": {"MD5": "00"}})).unwrap();
        let b = sco_id("file", &json!({"hashes": {"MD5": "00"}, "name": "a.exe"})).unwrap();
        assert_eq!(a, b);
        let uuid: Uuid = a.trim_start_matches("file--").parse().unwrap();
        assert_eq!(uuid.get_version_num(), 5);
    }

    #[test]
    fn known_vector_matches_python_stix2() {
        // stix2.v21.DomainName(value="example.com").id, computed with the python library.
        let id = sco_id("domain-name", &json!({"value": "example.com"})).unwrap();
        assert_eq!(id, "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7");
    }
}
