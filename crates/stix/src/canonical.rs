//! The canonical form of observable values: the one every comparison in
//! Phalanx uses (matching, deduplication, correlation), so that `ABC…` and
//! `abc…` are one file hash and `Example.COM.` and `example.com` one domain.
//!
//! | what | canonical form |
//! |---|---|
//! | hash values | lower-case hex (SSDEEP, which is case-sensitive base64, is kept) |
//! | hash algorithm names | hash-algorithm-ov spelling: `sha256`, `Sha-256` → `SHA-256` |
//! | domain names | IDNA (UTS #46) to ASCII, lower case, no trailing dot |
//! | email addresses | domain part as for domains, local part kept |
//! | URLs | WHATWG parse (`url` crate): lower-case scheme and host, default port dropped, empty path → `/`; percent-escapes of unreserved characters decoded, other escapes upper-cased |
//! | IPv4 / IPv6 | canonical text (IPv6 compressed per RFC 5952); `/32` and `/128` dropped; other CIDRs reduced to the network address |
//! | MAC addresses | lower case, colon-separated |
//!
//! Values that do not parse are passed through unchanged: canonicalisation
//! never rejects input, validation does.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value};

use crate::timestamp::Timestamp;

/// The hash-algorithm-ov spelling of `name` when it names one of its
/// algorithms in another spelling or case (`sha256`, `Sha-256`, `sha_256`,
/// `SHA3_512`), or `None` for other names.
pub fn normalize_hash_algorithm(name: &str) -> Option<&'static str> {
    let squashed: String = name
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    Some(match squashed.as_str() {
        "MD5" => "MD5",
        "SHA1" => "SHA-1",
        "SHA256" => "SHA-256",
        "SHA512" => "SHA-512",
        "SHA3256" => "SHA3-256",
        "SHA3512" => "SHA3-512",
        "SSDEEP" => "SSDEEP",
        "TLSH" => "TLSH",
        _ => return None,
    })
}

/// The canonical hash algorithm name: the hash-algorithm-ov spelling when
/// `name` is one of those algorithms, else `name` unchanged.
pub fn canonical_hash_algorithm(name: &str) -> Cow<'_, str> {
    match normalize_hash_algorithm(name) {
        Some(spelled) if spelled != name => Cow::Borrowed(spelled),
        _ => Cow::Borrowed(name),
    }
}

/// The canonical hash value for `algorithm`: lower-case when the value is hex
/// (every algorithm except SSDEEP, whose base64 is case-sensitive).
pub fn canonical_hash_value<'v>(algorithm: &str, value: &'v str) -> Cow<'v, str> {
    let is_ssdeep = normalize_hash_algorithm(algorithm) == Some("SSDEEP");
    let hex = value.bytes().all(|c| c.is_ascii_hexdigit());
    let tlsh = normalize_hash_algorithm(algorithm) == Some("TLSH");
    if is_ssdeep || !(hex || tlsh) || !value.bytes().any(|c| c.is_ascii_uppercase()) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(value.to_ascii_lowercase())
    }
}

/// The canonical domain name: IDNA to ASCII (which also lower-cases), without
/// a trailing dot. Text that IDNA rejects is only lower-cased.
pub fn canonical_domain(value: &str) -> Cow<'_, str> {
    let trimmed = value.strip_suffix('.').unwrap_or(value);
    let ascii = match idna::domain_to_ascii(trimmed) {
        Ok(a) if !a.is_empty() => a,
        _ => trimmed.to_lowercase(),
    };
    if ascii == value {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(ascii)
    }
}

/// The canonical email address: the part after the last `@` as for domains,
/// the local part kept as it is (it may be case-sensitive).
pub fn canonical_email(value: &str) -> Cow<'_, str> {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return Cow::Borrowed(value);
    };
    match canonical_domain(domain) {
        Cow::Borrowed(_) => Cow::Borrowed(value),
        Cow::Owned(d) => Cow::Owned(format!("{local}@{d}")),
    }
}

/// The canonical URL (see the module table); unparsable text is unchanged.
pub fn canonical_url(value: &str) -> Cow<'_, str> {
    let Ok(url) = url::Url::parse(value) else {
        return Cow::Borrowed(value);
    };
    let normalised = normalize_percent_escapes(url.as_str());
    if normalised == value {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(normalised)
    }
}

/// Decodes `%XX` escapes of unreserved characters (RFC 3986 §2.3) and
/// upper-cases the hex of the others (RFC 3986 §6.2.2.1–2). Written by hand
/// because `percent-encoding` decodes everything or nothing.
fn normalize_percent_escapes(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let (h, l) = (b[i + 1], b[i + 2]);
            if let (Some(hv), Some(lv)) = (hex_val(h), hex_val(l)) {
                let byte = hv * 16 + lv;
                if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                    out.push(char::from(byte));
                } else {
                    out.push('%');
                    out.push(char::from(h.to_ascii_uppercase()));
                    out.push(char::from(l.to_ascii_uppercase()));
                }
                i += 3;
                continue;
            }
        }
        // Copy one whole character (the URL serialisation is ASCII, but stay
        // correct for any input).
        let ch_len = s[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&s[i..i + ch_len]);
        i += ch_len;
    }
    out
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// The canonical IP address or CIDR: canonical text, host prefixes (`/32`,
/// `/128`) dropped, other prefixes reduced to the network address. IPv6 text
/// follows RFC 5952 (Rust's `Ipv6Addr` display does).
pub fn canonical_ip(value: &str) -> Cow<'_, str> {
    let (addr, prefix) = match value.split_once('/') {
        Some((a, p)) => {
            let plain_digits = !p.is_empty()
                && p.bytes().all(|c| c.is_ascii_digit())
                && (p == "0" || !p.starts_with('0'));
            match p.parse::<u8>() {
                Ok(p) if plain_digits => (a, Some(p)),
                _ => return Cow::Borrowed(value),
            }
        }
        None => (value, None),
    };
    let Ok(ip) = addr.parse::<IpAddr>() else {
        return Cow::Borrowed(value);
    };
    let text = match (ip, prefix) {
        (IpAddr::V4(v4), Some(p)) if p < 32 => {
            let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
            format!("{}/{p}", Ipv4Addr::from(u32::from(v4) & mask))
        }
        (IpAddr::V6(v6), Some(p)) if p < 128 => {
            let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
            format!("{}/{p}", Ipv6Addr::from(u128::from(v6) & mask))
        }
        (IpAddr::V4(_), Some(p)) if p > 32 => return Cow::Borrowed(value),
        (IpAddr::V6(_), Some(p)) if p > 128 => return Cow::Borrowed(value),
        (ip, _) => ip.to_string(),
    };
    if text == value {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(text)
    }
}

/// The canonical MAC address: lower-case hex pairs joined by `:`. Accepts
/// `:`- or `-`-separated pairs, Cisco dotted quads (`aabb.ccdd.eeff`) and 12
/// bare hex digits.
pub fn canonical_mac(value: &str) -> Cow<'_, str> {
    let digits: String = value
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    let separators_ok = {
        let seps: Vec<char> = value
            .chars()
            .filter(|c| matches!(c, ':' | '-' | '.'))
            .collect();
        match seps.len() {
            0 => true,
            5 => seps.iter().all(|c| *c == seps[0] && *c != '.') && value.len() == 17,
            2 => seps.iter().all(|c| *c == '.') && value.len() == 14,
            _ => false,
        }
    };
    if digits.len() != 12 || !separators_ok || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Cow::Borrowed(value);
    }
    let lower = digits.to_ascii_lowercase();
    let mut text = String::with_capacity(17);
    for (i, pair) in lower.as_bytes().chunks(2).enumerate() {
        if i > 0 {
            text.push(':');
        }
        text.push(char::from(pair[0]));
        text.push(char::from(pair[1]));
    }
    if text == value {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(text)
    }
}

/// Splits a pattern-style property path (`value`, `hashes.SHA-256`,
/// `hashes.'SHA-256'`) into its first segment and the rest with quotes
/// removed.
fn split_path(path: &str) -> (&str, Option<&str>) {
    match path.split_once('.') {
        Some((head, rest)) => {
            let rest = rest
                .strip_prefix('\'')
                .and_then(|r| r.strip_suffix('\''))
                .unwrap_or(rest);
            (head, Some(rest))
        }
        None => (path, None),
    }
}

/// The canonical form of `value` held in `property_path` of an object of type
/// `object_type`. Paths are written as in STIX patterns (`value`,
/// `hashes.SHA-256`, `hashes.'SHA-256'`); only direct properties are
/// covered. Combinations with no canonical form pass through unchanged.
pub fn canonical_value<'v>(object_type: &str, property_path: &str, value: &'v str) -> Cow<'v, str> {
    match (object_type, split_path(property_path)) {
        ("domain-name", ("value", None)) => canonical_domain(value),
        ("email-addr", ("value", None)) => canonical_email(value),
        ("url", ("value", None)) => canonical_url(value),
        ("ipv4-addr" | "ipv6-addr", ("value", None)) => canonical_ip(value),
        ("mac-addr", ("value", None)) => canonical_mac(value),
        ("file" | "artifact" | "x509-certificate", ("hashes", Some(algorithm))) => {
            canonical_hash_value(algorithm, value)
        }
        ("network-traffic", ("protocols", None)) => {
            if value.bytes().any(|c| c.is_ascii_uppercase()) {
                Cow::Owned(value.to_ascii_lowercase())
            } else {
                Cow::Borrowed(value)
            }
        }
        _ => Cow::Borrowed(value),
    }
}

/// Canonicalises a hashes dictionary in place: algorithm names to their
/// hash-algorithm-ov spelling, values as [`canonical_hash_value`]. When two
/// keys collapse to one name, the first value is kept.
fn canonicalize_hashes(hashes: &mut Value) {
    let Some(map) = hashes.as_object() else {
        return;
    };
    let mut out = Map::new();
    for (key, value) in map {
        let name = canonical_hash_algorithm(key).into_owned();
        if out.contains_key(&name) {
            continue;
        }
        let value = match value.as_str() {
            Some(s) => Value::String(canonical_hash_value(&name, s).into_owned()),
            None => value.clone(),
        };
        out.insert(name, value);
    }
    *hashes = Value::Object(out);
}

fn canonicalize_string(object_type: &str, property: &str, value: &mut Value) {
    if let Value::String(s) = value
        && let Cow::Owned(c) = canonical_value(object_type, property, s)
    {
        *s = c;
    }
}

/// Re-renders a valid timestamp with 3, 6 or 9 fraction digits so that one
/// instant has one text (the text feeds the deterministic id).
fn canonicalize_timestamp(value: &mut Value) {
    if let Value::String(s) = value
        && let Ok(ts) = Timestamp::parse(s)
    {
        *s = ts.normalized().as_str().to_string();
    }
}

/// Builds an SCO that Phalanx creates itself: canonicalises the values that
/// take part in comparisons and ids (`value`, hashes — names and values —,
/// network-traffic `protocols`, `start` and `end`), then sets `type`,
/// `spec_version` `"2.1"` and the deterministic `id` (a UUIDv4 when the type
/// has no ID-contributing property present, or is `process`). The result puts
/// `type`, `spec_version` and `id` first, then the properties in their order.
///
/// Reference properties must already hold the ids of canonical SCOs. An
/// `object_type` that is not a valid type name yields an object that
/// [`crate::validate::validate`] rejects; nothing here panics.
pub fn build_sco(object_type: &str, mut props: Map<String, Value>) -> Map<String, Value> {
    props.remove("type");
    props.remove("id");
    props.remove("spec_version");
    for (name, value) in props.iter_mut() {
        match name.as_str() {
            "value" => canonicalize_string(object_type, "value", value),
            "hashes" => canonicalize_hashes(value),
            "protocols" if object_type == "network-traffic" => {
                if let Value::Array(items) = value {
                    for item in items {
                        canonicalize_string(object_type, "protocols", item);
                    }
                }
            }
            "start" | "end" if object_type == "network-traffic" => canonicalize_timestamp(value),
            _ => {}
        }
    }
    let mut object = Map::new();
    object.insert("type".into(), Value::String(object_type.to_string()));
    object.insert("spec_version".into(), Value::String("2.1".into()));
    object.extend(props);
    let id = crate::sco_id::deterministic_id(&object)
        .unwrap_or_else(|| format!("{object_type}--{}", uuid::Uuid::new_v4().hyphenated()));
    let mut out = Map::new();
    out.insert("type".into(), Value::String(object_type.to_string()));
    out.insert("spec_version".into(), Value::String("2.1".into()));
    out.insert("id".into(), Value::String(id));
    for (k, v) in object {
        if k != "type" && k != "spec_version" {
            out.insert(k, v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_algorithm_names() {
        for (input, want) in [
            ("sha256", "SHA-256"),
            ("Sha-256", "SHA-256"),
            ("SHA_256", "SHA-256"),
            ("md5", "MD5"),
            ("sha1", "SHA-1"),
            ("sha3-512", "SHA3-512"),
            ("ssdeep", "SSDEEP"),
            ("tlsh", "TLSH"),
        ] {
            assert_eq!(normalize_hash_algorithm(input), Some(want), "{input}");
        }
        assert_eq!(normalize_hash_algorithm("x_custom"), None);
        assert_eq!(canonical_hash_algorithm("x_custom"), "x_custom");
    }

    #[test]
    fn hash_values() {
        let upper = "D41D8CD98F00B204E9800998ECF8427E";
        assert_eq!(
            canonical_value("file", "hashes.MD5", upper),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(
            canonical_value("file", "hashes.'SHA-256'", "ABCD"),
            canonical_value("file", "hashes.SHA-256", "abcd")
        );
        let ssdeep = "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C";
        assert_eq!(canonical_value("file", "hashes.SSDEEP", ssdeep), ssdeep);
        assert!(matches!(
            canonical_value("file", "hashes.MD5", "d41d8cd98f00b204e9800998ecf8427e"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn domains() {
        assert_eq!(
            canonical_value("domain-name", "value", "Example.COM."),
            "example.com"
        );
        assert_eq!(
            canonical_value("domain-name", "value", "bücher.example"),
            "xn--bcher-kva.example"
        );
        assert_eq!(
            canonical_value("domain-name", "value", "example.com"),
            "example.com"
        );
    }

    #[test]
    fn emails() {
        assert_eq!(
            canonical_value("email-addr", "value", "John.Doe@Example.COM"),
            "John.Doe@example.com"
        );
        assert_eq!(
            canonical_value("email-addr", "value", "no-at-sign"),
            "no-at-sign"
        );
    }

    #[test]
    fn urls() {
        assert_eq!(
            canonical_value("url", "value", "HTTP://Example.COM:80"),
            "http://example.com/"
        );
        assert_eq!(
            canonical_value("url", "value", "https://example.com:443/a%7eb/%2f?q=%41%3a"),
            "https://example.com/a~b/%2F?q=A%3A"
        );
        assert_eq!(
            canonical_value("url", "value", "https://example.com:8443/x"),
            "https://example.com:8443/x"
        );
        assert_eq!(canonical_value("url", "value", "not a url"), "not a url");
    }

    #[test]
    fn ips() {
        assert_eq!(
            canonical_value("ipv4-addr", "value", "10.1.2.3/8"),
            "10.0.0.0/8"
        );
        assert_eq!(
            canonical_value("ipv4-addr", "value", "10.1.2.3/32"),
            "10.1.2.3"
        );
        assert_eq!(
            canonical_value("ipv4-addr", "value", "0.0.0.0/0"),
            "0.0.0.0/0"
        );
        assert_eq!(
            canonical_value("ipv6-addr", "value", "2001:DB8:0:0:0:0:0:1"),
            "2001:db8::1"
        );
        assert_eq!(
            canonical_value("ipv6-addr", "value", "2001:db8:0:0:1:0:0:1/128"),
            "2001:db8::1:0:0:1"
        );
        assert_eq!(
            canonical_value("ipv6-addr", "value", "2001:db8::ffff/32"),
            "2001:db8::/32"
        );
        assert_eq!(
            canonical_value("ipv4-addr", "value", "10.1.2.3/33"),
            "10.1.2.3/33"
        );
        assert_eq!(
            canonical_value("ipv4-addr", "value", "10.1.2.3/+8"),
            "10.1.2.3/+8"
        );
        assert_eq!(
            canonical_value("ipv4-addr", "value", "300.1.1.1"),
            "300.1.1.1"
        );
    }

    #[test]
    fn macs() {
        for input in [
            "AA:BB:CC:00:11:22",
            "aa-bb-cc-00-11-22",
            "aabb.cc00.1122",
            "AABBCC001122",
        ] {
            assert_eq!(
                canonical_value("mac-addr", "value", input),
                "aa:bb:cc:00:11:22"
            );
        }
        assert_eq!(
            canonical_value("mac-addr", "value", "aa:bb-cc:00:11:22"),
            "aa:bb-cc:00:11:22"
        );
        assert_eq!(
            canonical_value("mac-addr", "value", "zz:bb:cc:00:11:22"),
            "zz:bb:cc:00:11:22"
        );
    }

    #[test]
    fn unknown_combinations_pass_through() {
        assert_eq!(canonical_value("file", "name", "ABC.EXE"), "ABC.EXE");
        assert_eq!(canonical_value("x-custom", "value", "ABC"), "ABC");
        assert_eq!(
            canonical_value("domain-name", "resolves_to_refs", "ABC"),
            "ABC"
        );
    }

    #[test]
    fn build_sco_canonicalises_and_ids() {
        let a = build_sco(
            "file",
            json!({"hashes": {"sha256": "ABCDEF", "md5": "D41D8CD98F00B204E9800998ECF8427E"}, "name": "a.exe"})
                .as_object()
                .unwrap()
                .clone(),
        );
        let b = build_sco(
            "file",
            json!({"name": "a.exe", "hashes": {"MD5": "d41d8cd98f00b204e9800998ecf8427e"}})
                .as_object()
                .unwrap()
                .clone(),
        );
        assert_eq!(a["id"], b["id"]);
        assert_eq!(a["hashes"]["SHA-256"], "abcdef");
        let keys: Vec<_> = a.keys().take(3).cloned().collect();
        assert_eq!(keys, ["type", "spec_version", "id"]);
        let d1 = build_sco(
            "domain-name",
            json!({"value": "Example.COM."})
                .as_object()
                .unwrap()
                .clone(),
        );
        let d2 = build_sco(
            "domain-name",
            json!({"value": "example.com"}).as_object().unwrap().clone(),
        );
        assert_eq!(d1, d2);
        assert!(crate::validate::validate(&Value::Object(d1)).is_ok());
        let p = build_sco("process", json!({"pid": 4}).as_object().unwrap().clone());
        let id = crate::id::Identifier::parse(p["id"].as_str().unwrap()).unwrap();
        assert_eq!(id.uuid().get_version_num(), 4);
    }
}
