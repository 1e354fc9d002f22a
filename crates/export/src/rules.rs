//! Suricata rules: escaping, and one rule per indicator and sensor buffer.

use std::fmt::Write as _;
use std::io::Write;

use crate::format::http_url;
use crate::indicator::Prepared;
use crate::observable::{Direction, Kind, Observable};
use crate::sid::Sids;

/// The first line of a rules file.
pub const RULES_HEADER: &str = "# Suricata rules written by phalanx export from STIX indicators";

/// Text for a `msg:"..."`: control characters become spaces; `\`, `"` and `;` are escaped
/// with a backslash, as the rule language requires.
pub(crate) fn msg_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '"' | ';' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Bytes for a `content:"..."`: printable ASCII as is, except `"`, `;`, `\` and `|`, which
/// are written in the hex notation (`|3B|`) with every other byte.
pub(crate) fn content_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut in_hex = false;
    for byte in value.bytes() {
        let plain = (0x20..0x7f).contains(&byte) && !matches!(byte, b'"' | b';' | b'\\' | b'|');
        match (plain, in_hex) {
            (true, true) => {
                out.push('|');
                out.push(char::from(byte));
                in_hex = false;
            }
            (true, false) => out.push(char::from(byte)),
            (false, true) => {
                let _ = write!(out, " {byte:02X}");
            }
            (false, false) => {
                let _ = write!(out, "|{byte:02X}");
                in_hex = true;
            }
        }
    }
    if in_hex {
        out.push('|');
    }
    out
}

/// `content:"value"; nocase; bsize:N;` (an exact, case-insensitive match of the buffer).
fn exact(value: &str, nocase: bool) -> String {
    format!(
        "content:\"{}\";{} bsize:{};",
        content_text(value),
        if nocase { " nocase;" } else { "" },
        value.len()
    )
}

/// Writes the rules of one indicator; returns how many.
pub(crate) fn write_indicator(
    out: &mut dyn Write,
    indicator: &Prepared<'_>,
    sids: &mut Sids,
) -> std::io::Result<usize> {
    let msg = msg_text(&format!("Phalanx {}", indicator.label()));
    let id = indicator.id;
    let mut count = 0;
    let mut rule = |out: &mut dyn Write, header: &str, body: &str, key: &str| {
        let sid = sids.assign(&format!("{id}|{key}"));
        count += 1;
        writeln!(
            out,
            "alert {header} (msg:\"{msg}\"; {body}metadata:stix_id {id}; sid:{sid}; rev:1;)"
        )
    };
    for (direction, key) in [
        (Direction::Any, "ip|any"),
        (Direction::Source, "ip|src"),
        (Direction::Destination, "ip|dst"),
    ] {
        let addresses: Vec<&str> = indicator
            .observables
            .iter()
            .filter(|o| o.kind.is_address() && o.direction == direction)
            .map(|o| o.value.as_str())
            .collect();
        if addresses.is_empty() {
            continue;
        }
        let group = format!("[{}]", addresses.join(","));
        let header = match direction {
            Direction::Any => format!("ip {group} any <> any any"),
            Direction::Source => format!("ip {group} any -> any any"),
            Direction::Destination => format!("ip any any -> {group} any"),
        };
        rule(out, &header, "", key)?;
    }
    for observable in &indicator.observables {
        write_value(out, observable, &mut rule)?;
    }
    Ok(count)
}

type Rule<'r> = dyn FnMut(&mut dyn Write, &str, &str, &str) -> std::io::Result<()> + 'r;

fn write_value(
    out: &mut dyn Write,
    observable: &Observable,
    rule: &mut Rule<'_>,
) -> std::io::Result<()> {
    let value = observable.value.as_str();
    match observable.kind {
        Kind::Domain | Kind::DomainSuffix => {
            let suffix = observable.kind == Kind::DomainSuffix;
            for (protocol, buffer) in [
                ("dns", "dns.query"),
                ("tls", "tls.sni"),
                ("http", "http.host"),
            ] {
                let (body, key) = if suffix {
                    (
                        format!(
                            "{buffer}; content:\"{}\"; nocase; endswith; ",
                            content_text(value)
                        ),
                        format!("{buffer}|suffix|{value}"),
                    )
                } else {
                    (
                        format!("{buffer}; {} ", exact(value, true)),
                        format!("{buffer}|{value}"),
                    )
                };
                rule(out, &format!("{protocol} any any -> any any"), &body, &key)?;
            }
        }
        Kind::Url => {
            // `Format::supports` let only splittable http:// URLs through.
            let Ok(parts) = http_url(value) else {
                return Ok(());
            };
            let port = parts
                .port
                .map_or_else(|| "any".to_owned(), |p| p.to_string());
            let body = format!(
                "http.host; {} http.uri.raw; {} ",
                exact(&parts.host, true),
                exact(&parts.target, false)
            );
            rule(
                out,
                &format!("http any any -> any {port}"),
                &body,
                &format!("url|{value}"),
            )?;
        }
        Kind::X509Sha1 => {
            let colon_hex = colon_hex(value);
            let body = format!("tls.cert_fingerprint; {} ", exact(&colon_hex, false));
            rule(
                out,
                "tls any any -> any any",
                &body,
                &format!("tls.cert_fingerprint|{value}"),
            )?;
        }
        _ => {}
    }
    Ok(())
}

/// `aabbcc…` as `aa:bb:cc:…`, the form of Suricata's `tls.cert_fingerprint`.
pub(crate) fn colon_hex(hex: &str) -> String {
    let mut out = String::with_capacity(hex.len() * 3 / 2);
    for (i, c) in hex.chars().enumerate() {
        if i > 0 && i % 2 == 0 {
            out.push(':');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(msg_text("a\"b;c\\d\te"), "a\\\"b\\;c\\\\d e");
        assert_eq!(content_text("plain.example"), "plain.example");
        assert_eq!(content_text("a;b\"c"), "a|3B|b|22|c");
        assert_eq!(content_text("x|\\"), "x|7C 5C|");
        assert_eq!(content_text("é"), "|C3 A9|");
        assert_eq!(colon_hex("aabbcc"), "aa:bb:cc");
    }
}
