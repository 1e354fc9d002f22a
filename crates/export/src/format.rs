//! The sensor formats and which values each can hold.

use std::fmt;
use std::str::FromStr;

use crate::observable::{Kind, Observable};

/// A sensor format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Suricata datasets and hash lists, with the rules that use them (several files; see
    /// [`write_datasets`](crate::write_datasets)).
    SuricataDataset,
    /// One Suricata rule per indicator and sensor buffer.
    SuricataRules,
    /// A Zeek Intelligence Framework file.
    ZeekIntel,
    /// RFC 4180 CSV, one row per indicator value.
    Csv,
}

impl Format {
    /// Every format, in the order the CLI lists them.
    pub const ALL: [Format; 4] = [
        Format::SuricataDataset,
        Format::SuricataRules,
        Format::ZeekIntel,
        Format::Csv,
    ];

    /// The name used on the command line (`zeek-intel`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Format::SuricataDataset => "suricata-dataset",
            Format::SuricataRules => "suricata-rules",
            Format::ZeekIntel => "zeek-intel",
            Format::Csv => "csv",
        }
    }

    /// `Ok` when this format can hold `observable`; otherwise what cannot be expressed,
    /// and why, as a phrase to which " cannot be expressed in FORMAT" is appended.
    pub(crate) fn supports(self, observable: &Observable) -> Result<(), String> {
        let kind = observable.kind;
        match self {
            Format::Csv => Ok(()),
            Format::ZeekIntel => match kind {
                Kind::DomainSuffix => Err(format!(
                    "the domain suffix '{}' (Intel::DOMAIN matches whole names only)",
                    observable.value
                )),
                Kind::Url => http_url(&observable.value).map(|_| ()),
                _ => Ok(()),
            },
            Format::SuricataRules => match kind {
                Kind::FileMd5 | Kind::FileSha1 | Kind::FileSha256 => Err(
                    "a file hash (Suricata matches file hashes against list files: use \
                     suricata-dataset)"
                        .to_owned(),
                ),
                Kind::Email => Err(
                    "an email address (Suricata 7 has no buffer for SMTP envelope addresses)"
                        .to_owned(),
                ),
                Kind::Url => http_url(&observable.value).map(|_| ()),
                _ => Ok(()),
            },
            Format::SuricataDataset => match kind {
                Kind::Ipv4Net | Kind::Ipv6Net => Err(format!(
                    "the CIDR block {} (the dataset type ip holds single addresses: use \
                     suricata-rules)",
                    observable.value
                )),
                Kind::DomainSuffix => Err(format!(
                    "the domain suffix '{}' (a dataset holds exact values: use suricata-rules)",
                    observable.value
                )),
                Kind::Url => Err(
                    "a URL (a dataset matches one buffer, and http.uri holds the path only: use \
                     suricata-rules)"
                        .to_owned(),
                ),
                Kind::Email => Err(
                    "an email address (Suricata 7 has no buffer for SMTP envelope addresses)"
                        .to_owned(),
                ),
                _ => Ok(()),
            },
        }
    }
}

/// The parts of an `http://` URL that Suricata's HTTP buffers hold: host (lower case, as
/// `http.host` normalises it), a port other than 80, and the request target (path and
/// query; the fragment never leaves the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpUrl {
    pub host: String,
    pub port: Option<u16>,
    pub target: String,
}

impl HttpUrl {
    /// `host[:port]/path[?query]`: the URL as Zeek's HTTP analyser builds it.
    pub fn without_scheme(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{port}{}", self.host, self.target),
            None => format!("{}{}", self.host, self.target),
        }
    }
}

/// Splits an `http://` URL into what Suricata and Zeek see, or says why it cannot be.
pub(crate) fn http_url(value: &str) -> Result<HttpUrl, String> {
    let parsed = url::Url::parse(value).map_err(|e| format!("the URL {value:?} ({e})"))?;
    if parsed.scheme() != "http" {
        return Err(format!(
            "a {} URL (only cleartext HTTP requests show their URL to a sensor)",
            parsed.scheme()
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("a URL with user information (it is not part of an HTTP request)".to_owned());
    }
    let Some(host) = parsed.host_str() else {
        return Err(format!("the URL {value:?} (it has no host)"));
    };
    let mut target = parsed.path().to_owned();
    if let Some(query) = parsed.query() {
        target.push('?');
        target.push_str(query);
    }
    Ok(HttpUrl {
        host: host.to_owned(),
        port: parsed.port(),
        target,
    })
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of [`Format::from_str`]: the name is not one of the formats.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown export format `{0}` (expected suricata-dataset, suricata-rules, zeek-intel or csv)"
)]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(name: &str) -> Result<Format, UnknownFormat> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| UnknownFormat(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_round_trip() {
        for format in Format::ALL {
            assert_eq!(format.to_string().parse::<Format>().unwrap(), format);
        }
        assert!("zeek".parse::<Format>().is_err());
    }

    #[test]
    fn http_urls_split() {
        let u = http_url("http://x.example:8080/a/b?c=d#frag").unwrap();
        assert_eq!(
            u,
            HttpUrl {
                host: "x.example".to_owned(),
                port: Some(8080),
                target: "/a/b?c=d".to_owned()
            }
        );
        assert_eq!(u.without_scheme(), "x.example:8080/a/b?c=d");
        assert_eq!(
            http_url("http://x.example/").unwrap().without_scheme(),
            "x.example/"
        );
        assert!(http_url("https://x.example/").is_err());
        assert!(http_url("http://u:p@x.example/").is_err());
    }

    #[test]
    fn urls_zeek_and_suricata_cannot_see_are_refused() {
        let url = |value: &str| Observable {
            kind: Kind::Url,
            direction: crate::observable::Direction::Any,
            value: value.to_owned(),
        };
        for format in [Format::ZeekIntel, Format::SuricataRules] {
            assert!(format.supports(&url("http://x.example/a")).is_ok());
            assert!(format.supports(&url("https://x.example/a")).is_err());
            assert!(format.supports(&url("http://u@x.example/a")).is_err());
        }
        assert!(Format::Csv.supports(&url("https://x.example/a")).is_ok());
    }
}
