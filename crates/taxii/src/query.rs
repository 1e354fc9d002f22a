//! Query parameters of the TAXII 2.1 read endpoints (§3.3–§3.5).
//!
//! Every malformed parameter is a 400 with a message that names the parameter, the value and
//! the accepted forms. Parameters an endpoint does not define are ignored, as the standard
//! allows for unknown `match[...]` fields; a parameter given twice is an error, since the
//! standard allows each field at most once.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

/// Which versions of each object a request selects (`match[version]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionFilter {
    /// `all`: every version.
    All,
    /// A combination of `first`, `last` and exact version timestamps.
    Select {
        /// The oldest version of each object.
        first: bool,
        /// The newest version of each object (the default).
        last: bool,
        /// Exact versions, matched against `modified` (else `created`).
        exact: Vec<jiff::Timestamp>,
    },
}

impl VersionFilter {
    /// The default of the read endpoints: the latest version only.
    pub fn last() -> Self {
        VersionFilter::Select {
            first: false,
            last: true,
            exact: Vec::new(),
        }
    }
}

/// The filters of one request, after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filters {
    /// Only objects added strictly after this instant (microseconds since the epoch); the later
    /// of `added_after` and the position carried by `next`.
    pub added_after: Option<i64>,
    /// Page size, already clamped to the server maximum.
    pub limit: usize,
    /// `match[id]`.
    pub ids: Option<Vec<String>>,
    /// `match[type]`.
    pub types: Option<Vec<String>>,
    /// `match[version]`.
    pub versions: VersionFilter,
    /// `match[spec_version]`; `None` selects, per object, the latest spec version stored.
    pub spec_versions: Option<Vec<String>>,
}

/// Which parameters an endpoint defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Get Objects and Get Object Manifests: every filter.
    Objects,
    /// Get an Object: paging, `match[version]`, `match[spec_version]`.
    Object,
    /// Get Object Versions: paging and `match[spec_version]`.
    Versions,
    /// Delete an Object: `match[version]` (default: all versions) and `match[spec_version]`.
    Delete,
}

/// Parses a raw query string (`None` when the URL has no `?`).
pub fn parse(
    raw: Option<&str>,
    endpoint: Endpoint,
    max_page_size: usize,
) -> Result<Filters, ApiError> {
    let mut params: HashMap<String, String> = HashMap::new();
    if let Some(raw) = raw {
        for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
            let name = name.into_owned();
            if params.contains_key(&name) {
                return Err(ApiError::bad_request(format!(
                    "query parameter `{name}` is given more than once; TAXII allows each at most once \
                     (join several values with commas: `{name}=a,b`)"
                )));
            }
            params.insert(name, value.into_owned());
        }
    }
    let paged = endpoint != Endpoint::Delete;
    let mut added_after = None;
    let mut limit = max_page_size;
    if paged {
        if let Some(value) = params.get("added_after") {
            added_after = Some(parse_added_after(value)?);
        }
        if let Some(value) = params.get("limit") {
            limit = parse_limit(value)?.min(max_page_size);
        }
        if let Some(value) = params.get("next") {
            let position = decode_next(value)?;
            added_after = Some(added_after.map_or(position, |a: i64| a.max(position)));
        }
    }
    let (ids, types) = if endpoint == Endpoint::Objects {
        (
            params.get("match[id]").map(|v| parse_ids(v)).transpose()?,
            params
                .get("match[type]")
                .map(|v| parse_types(v))
                .transpose()?,
        )
    } else {
        (None, None)
    };
    let versions = match (endpoint, params.get("match[version]")) {
        (Endpoint::Versions, _) => VersionFilter::All,
        (_, Some(value)) => parse_versions(value)?,
        (Endpoint::Delete, None) => VersionFilter::All,
        (_, None) => VersionFilter::last(),
    };
    let spec_versions = params
        .get("match[spec_version]")
        .map(|v| parse_spec_versions(v))
        .transpose()?;
    Ok(Filters {
        added_after,
        limit,
        ids,
        types,
        versions,
        spec_versions,
    })
}

fn split_values<'a>(name: &str, value: &'a str) -> Result<Vec<&'a str>, ApiError> {
    let values: Vec<&str> = value.split(',').collect();
    if values.iter().any(|v| v.is_empty()) {
        return Err(ApiError::bad_request(format!(
            "`{name}={value}` has an empty value; give comma-separated values without spaces or empty items"
        )));
    }
    Ok(values)
}

/// Parses a timestamp leniently: any RFC 3339 time, any number of fraction digits.
pub fn parse_timestamp(value: &str) -> Option<jiff::Timestamp> {
    value.trim().parse::<jiff::Timestamp>().ok()
}

fn parse_added_after(value: &str) -> Result<i64, ApiError> {
    let ts = parse_timestamp(value).ok_or_else(|| {
        ApiError::bad_request(format!(
            "`added_after={value}` is not a timestamp; use RFC 3339 in UTC, e.g. 2024-01-31T12:00:00.000000Z"
        ))
    })?;
    Ok(ts.as_microsecond())
}

fn parse_limit(value: &str) -> Result<usize, ApiError> {
    match value.parse::<u64>() {
        Ok(n) if n > 0 => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
        _ => Err(ApiError::bad_request(format!(
            "`limit={value}` must be a positive integer"
        ))),
    }
}

fn parse_ids(value: &str) -> Result<Vec<String>, ApiError> {
    split_values("match[id]", value)?
        .into_iter()
        .map(|id| {
            let well_formed = id
                .split_once("--")
                .is_some_and(|(ty, uuid)| !ty.is_empty() && uuid::Uuid::parse_str(uuid).is_ok());
            if well_formed {
                Ok(id.to_owned())
            } else {
                Err(ApiError::bad_request(format!(
                    "`match[id]` value `{id}` is not a STIX identifier (type--uuid)"
                )))
            }
        })
        .collect()
}

fn parse_types(value: &str) -> Result<Vec<String>, ApiError> {
    split_values("match[type]", value)?
        .into_iter()
        .map(|ty| {
            let ok = ty.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if ok {
                Ok(ty.to_owned())
            } else {
                Err(ApiError::bad_request(format!(
                    "`match[type]` value `{ty}` is not a STIX type name (lower-case letters, digits and '-')"
                )))
            }
        })
        .collect()
}

fn parse_versions(value: &str) -> Result<VersionFilter, ApiError> {
    let values = split_values("match[version]", value)?;
    let mut seen = std::collections::HashSet::new();
    for v in &values {
        if !seen.insert(*v) {
            return Err(ApiError::bad_request(format!(
                "`match[version]` repeats `{v}`; each keyword or timestamp may appear once"
            )));
        }
    }
    if values.contains(&"all") {
        if values.len() > 1 {
            return Err(ApiError::bad_request(
                "`match[version]=all` cannot be combined with other values",
            ));
        }
        return Ok(VersionFilter::All);
    }
    let (mut first, mut last, mut exact) = (false, false, Vec::new());
    for v in values {
        match v {
            "first" => first = true,
            "last" => last = true,
            other => exact.push(parse_timestamp(other).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "`match[version]` value `{other}` is not `first`, `last`, `all` or a timestamp \
                     such as 2024-01-31T12:00:00.000Z"
                ))
            })?),
        }
    }
    Ok(VersionFilter::Select { first, last, exact })
}

fn parse_spec_versions(value: &str) -> Result<Vec<String>, ApiError> {
    split_values("match[spec_version]", value)?
        .into_iter()
        .map(|v| {
            let ok = v.split_once('.').is_some_and(|(major, minor)| {
                !major.is_empty()
                    && !minor.is_empty()
                    && major.bytes().all(|b| b.is_ascii_digit())
                    && minor.bytes().all(|b| b.is_ascii_digit())
            });
            if ok {
                Ok(v.to_owned())
            } else {
                Err(ApiError::bad_request(format!(
                    "`match[spec_version]` value `{v}` is not a version such as 2.1"
                )))
            }
        })
        .collect()
}

const NEXT_PREFIX: &str = "p1:";

/// Encodes the paging position after the last item of a page as an opaque `next` token.
///
/// The token carries only the last `date_added` (microseconds). Because `date_added` is
/// strictly increasing per collection and assigned at commit, resuming "after this instant"
/// neither skips nor repeats an object, and the server keeps no per-client state.
pub fn encode_next(last_date_added: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{NEXT_PREFIX}{last_date_added}"))
}

fn decode_next(token: &str) -> Result<i64, ApiError> {
    let invalid = || {
        ApiError::bad_request(format!(
            "`next={token}` is not a paging token issued by this server; repeat the request without `next`"
        ))
    };
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix(NEXT_PREFIX)
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn objects(q: &str) -> Result<Filters, ApiError> {
        parse(Some(q), Endpoint::Objects, 1000)
    }

    #[test]
    fn defaults() {
        let f = parse(None, Endpoint::Objects, 500).unwrap();
        assert_eq!(f.limit, 500);
        assert_eq!(f.versions, VersionFilter::last());
        assert_eq!(f.added_after, None);
        assert_eq!(
            parse(None, Endpoint::Delete, 500).unwrap().versions,
            VersionFilter::All
        );
        assert_eq!(
            parse(None, Endpoint::Versions, 500).unwrap().versions,
            VersionFilter::All
        );
    }

    #[test]
    fn filters_parse() {
        let f = objects(
            "added_after=2024-01-01T00:00:00.5Z&limit=10&match%5Btype%5D=indicator,malware\
             &match[id]=indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f&match[version]=first,last,2016-01-01T01:01:01.123Z\
             &match[spec_version]=2.0,2.1",
        )
        .unwrap();
        assert_eq!(f.added_after, Some(1_704_067_200_500_000));
        assert_eq!(f.limit, 10);
        assert_eq!(f.types.unwrap(), ["indicator", "malware"]);
        assert_eq!(f.ids.unwrap().len(), 1);
        let VersionFilter::Select { first, last, exact } = f.versions else {
            panic!()
        };
        assert!(first && last && exact.len() == 1);
        assert_eq!(f.spec_versions.unwrap(), ["2.0", "2.1"]);
    }

    #[test]
    fn limit_is_clamped_and_validated() {
        assert_eq!(objects("limit=5000").unwrap().limit, 1000);
        for bad in ["limit=0", "limit=-1", "limit=abc", "limit="] {
            assert_eq!(objects(bad).unwrap_err().status, 400, "{bad}");
        }
    }

    #[test]
    fn malformed_parameters_are_400() {
        for bad in [
            "added_after=yesterday",
            "match[version]=all,last",
            "match[version]=last,last",
            "match[version]=sometime",
            "match[id]=not-an-id",
            "match[type]=Indicator",
            "match[type]=a,,b",
            "match[spec_version]=two",
            "next=garbage!",
            "limit=1&limit=2",
        ] {
            let err = objects(bad).unwrap_err();
            assert_eq!(err.status, 400, "{bad}");
            assert!(!err.description.is_empty());
        }
    }

    #[test]
    fn next_round_trips_and_wins_over_an_older_added_after() {
        let token = encode_next(1_700_000_000_123_456);
        let f = objects(&format!("next={token}&added_after=2000-01-01T00:00:00Z")).unwrap();
        assert_eq!(f.added_after, Some(1_700_000_000_123_456));
    }

    #[test]
    fn object_endpoint_ignores_match_type() {
        let f = parse(Some("match[type]=indicator"), Endpoint::Object, 100).unwrap();
        assert_eq!(f.types, None);
    }
}
