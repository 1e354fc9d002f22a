//! The Zeek Intelligence Framework file.

use std::io::Write;

use crate::format::http_url;
use crate::indicator::Prepared;
use crate::observable::{Kind, Observable};

/// The header line (without its line feed).
pub const ZEEK_HEADER: &str =
    "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url";

/// The `Intel::` type of a value Zeek can hold.
fn intel_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Ipv4 | Kind::Ipv6 => "Intel::ADDR",
        Kind::Ipv4Net | Kind::Ipv6Net => "Intel::SUBNET",
        Kind::Domain | Kind::DomainSuffix => "Intel::DOMAIN",
        Kind::Url => "Intel::URL",
        Kind::FileMd5 | Kind::FileSha1 | Kind::FileSha256 => "Intel::FILE_HASH",
        Kind::X509Sha1 => "Intel::CERT_HASH",
        Kind::Email => "Intel::EMAIL",
    }
}

/// A field: tabs, line breaks and other control characters become spaces; an empty field
/// is `-`, Zeek's empty marker.
fn field(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() {
        "-".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The indicator column: URLs lose their `http://` (Zeek compares `host[:port]/path`).
fn indicator_text(observable: &Observable) -> String {
    match observable.kind {
        Kind::Url => http_url(&observable.value)
            .map(|u| u.without_scheme())
            .unwrap_or_else(|_| observable.value.clone()),
        _ => observable.value.clone(),
    }
}

pub(crate) fn write_header(out: &mut (impl Write + ?Sized)) -> std::io::Result<()> {
    writeln!(out, "{ZEEK_HEADER}")
}

/// One line per value.
pub(crate) fn write_indicator(
    out: &mut (impl Write + ?Sized),
    indicator: &Prepared<'_>,
) -> std::io::Result<()> {
    let source = field(indicator.id);
    let desc = field(indicator.label());
    let url = field(indicator.url.unwrap_or(""));
    for observable in &indicator.observables {
        writeln!(
            out,
            "{}\t{}\t{source}\t{desc}\t{url}",
            field(&indicator_text(observable)),
            intel_type(observable.kind)
        )?;
    }
    Ok(())
}
