//! Media types and content negotiation (TAXII 2.1 §1.6.8, §3.1).
//!
//! Every request must accept the TAXII media type; every POST must send it. The negotiation is
//! deliberately small: a media range matches when its type and subtype match and its `version`
//! parameter, if present, is `2.1`. Ranges with `q=0` are refusals. A request without an
//! `Accept` header, or with `*/*` or `application/*`, is answered in TAXII 2.1 (the standard
//! lets the server choose its highest version when none is named); this keeps `curl` and
//! browsers usable without weakening anything a TAXII client relies on.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, CONTENT_TYPE};

use crate::error::ApiError;

/// The media type of every TAXII 2.1 response body.
pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
/// The STIX 2.1 media type, as listed in a collection's `media_types` and in manifest records.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// One parsed media range of an `Accept` or `Content-Type` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRange {
    /// Lower-cased `type/subtype`, e.g. `application/taxii+json`.
    pub essence: String,
    /// The `version` parameter, if any.
    pub version: Option<String>,
    /// The `q` parameter in thousandths (1000 when absent).
    pub quality: u16,
}

/// Parses one media range such as `application/taxii+json; version=2.1; q=0.5`.
pub fn parse_media_range(text: &str) -> Option<MediaRange> {
    let mut parts = text.split(';');
    let essence = parts.next()?.trim().to_ascii_lowercase();
    let (kind, subtype) = essence.split_once('/')?;
    if kind.is_empty() || subtype.is_empty() {
        return None;
    }
    let mut version = None;
    let mut quality = 1000;
    for param in parts {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim().trim_matches('"');
        match name.as_str() {
            "version" => version = Some(value.to_owned()),
            "q" => quality = parse_quality(value)?,
            _ => {}
        }
    }
    Some(MediaRange {
        essence,
        version,
        quality,
    })
}

fn parse_quality(value: &str) -> Option<u16> {
    let q: f32 = value.parse().ok()?;
    if !(0.0..=1.0).contains(&q) {
        return None;
    }
    Some((q * 1000.0).round() as u16)
}

/// Which response media types an endpoint can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Produces {
    /// Only the TAXII media type.
    Taxii,
    /// The TAXII media type, and also requests that ask for STIX (objects and manifest: the
    /// standard's own text lists `application/stix+json;version=2.1` for Get Manifest).
    TaxiiOrStix,
}

fn range_acceptable(range: &MediaRange, produces: Produces) -> Result<bool, String> {
    if range.quality == 0 {
        return Ok(false);
    }
    let essence = range.essence.as_str();
    let named = match essence {
        "*/*" | "application/*" => return Ok(true),
        "application/taxii+json" => true,
        "application/stix+json" | "application/vnd.oasis.stix+json" => {
            produces == Produces::TaxiiOrStix
        }
        _ => false,
    };
    if !named {
        return Ok(false);
    }
    match range.version.as_deref() {
        None | Some("2.1") => Ok(true),
        Some(other) => Err(format!("{essence};version={other}")),
    }
}

/// Checks the request's `Accept` header against what the endpoint produces (406 on mismatch).
pub fn negotiate(headers: &HeaderMap, produces: Produces) -> Result<(), ApiError> {
    let values: Vec<&str> = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.is_empty() {
        return Ok(());
    }
    let mut refused_versions = Vec::new();
    for value in &values {
        for item in value.split(',') {
            if item.trim().is_empty() {
                continue;
            }
            let Some(range) = parse_media_range(item) else {
                continue;
            };
            match range_acceptable(&range, produces) {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(version) => refused_versions.push(version),
            }
        }
    }
    let asked = values.join(", ");
    if refused_versions.is_empty() {
        Err(ApiError::not_acceptable(format!(
            "the Accept header `{asked}` names no media type this endpoint produces; \
             send `Accept: {TAXII_MEDIA_TYPE}`"
        )))
    } else {
        Err(ApiError::not_acceptable(format!(
            "this server speaks TAXII 2.1 only and cannot produce {}; send `Accept: {TAXII_MEDIA_TYPE}`",
            refused_versions.join(", ")
        )))
    }
}

/// Checks that a POST body is declared as TAXII 2.1 (415 otherwise).
pub fn require_taxii_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Err(ApiError::unsupported_media_type(format!(
            "the request has no Content-Type header; send `Content-Type: {TAXII_MEDIA_TYPE}`"
        )));
    };
    let text = value.to_str().unwrap_or("");
    match parse_media_range(text) {
        Some(range)
            if range.essence == "application/taxii+json"
                && matches!(range.version.as_deref(), None | Some("2.1")) =>
        {
            Ok(())
        }
        _ => Err(ApiError::unsupported_media_type(format!(
            "Content-Type `{text}` is not supported here; send `Content-Type: {TAXII_MEDIA_TYPE}` \
             with a TAXII envelope as the body"
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn taxii_21_is_accepted_with_and_without_version() {
        assert!(
            negotiate(
                &accept("application/taxii+json;version=2.1"),
                Produces::Taxii
            )
            .is_ok()
        );
        assert!(negotiate(&accept("application/taxii+json"), Produces::Taxii).is_ok());
        assert!(
            negotiate(
                &accept("application/TAXII+json; version=2.1"),
                Produces::Taxii
            )
            .is_ok()
        );
        assert!(negotiate(&HeaderMap::new(), Produces::Taxii).is_ok());
        assert!(negotiate(&accept("*/*"), Produces::Taxii).is_ok());
    }

    #[test]
    fn other_versions_and_types_are_refused() {
        let err = negotiate(
            &accept("application/taxii+json;version=2.0"),
            Produces::Taxii,
        )
        .unwrap_err();
        assert_eq!(err.status, 406);
        assert!(err.description.contains("2.0"), "{}", err.description);
        assert_eq!(
            negotiate(&accept("text/html"), Produces::Taxii)
                .unwrap_err()
                .status,
            406
        );
        assert_eq!(
            negotiate(
                &accept("application/stix+json;version=2.1"),
                Produces::Taxii
            )
            .unwrap_err()
            .status,
            406
        );
        assert!(
            negotiate(
                &accept("application/stix+json;version=2.1"),
                Produces::TaxiiOrStix
            )
            .is_ok()
        );
    }

    #[test]
    fn q_zero_is_a_refusal_and_lists_are_scanned() {
        assert!(negotiate(&accept("application/taxii+json;q=0"), Produces::Taxii).is_err());
        assert!(
            negotiate(
                &accept("text/html, application/taxii+json;version=2.1;q=0.5"),
                Produces::Taxii
            )
            .is_ok()
        );
        assert!(
            negotiate(
                &accept("application/taxii+json;version=2.1,application/stix+json;version=2.1"),
                Produces::TaxiiOrStix
            )
            .is_ok()
        );
    }

    #[test]
    fn content_type_must_be_taxii() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            require_taxii_content_type(&headers).unwrap_err().status,
            415
        );
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        assert_eq!(
            require_taxii_content_type(&headers).unwrap_err().status,
            415
        );
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/taxii+json;version=2.0"),
        );
        assert_eq!(
            require_taxii_content_type(&headers).unwrap_err().status,
            415
        );
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(TAXII_MEDIA_TYPE));
        assert!(require_taxii_content_type(&headers).is_ok());
    }
}
