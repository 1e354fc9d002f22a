//! Properties over random indicator sets: every indicator is counted exactly once, every
//! value of a written indicator appears in the output in the format's notation, and the
//! output is a function of the input.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::{Ipv4Addr, Ipv6Addr};

use base64::Engine as _;
use common::{indicator, now};
use phalanx_export::{Format, Options, export, write_datasets};
use proptest::prelude::*;
use serde_json::{Value, json};

/// A generated value, already in canonical form, with the comparison that names it.
#[derive(Debug, Clone)]
enum Atom {
    Ipv4(String),
    Ipv4Net(String),
    Ipv6(String),
    Dst(String),
    Domain(String),
    Suffix(String),
    Url { host: String, path: String },
    Md5(String),
    Sha256(String),
    X509(String),
    Email(String),
}

impl Atom {
    fn comparison(&self) -> String {
        match self {
            Atom::Ipv4(v) => format!("ipv4-addr:value = '{v}'"),
            Atom::Ipv4Net(v) => format!("ipv4-addr:value ISSUBSET '{v}'"),
            Atom::Ipv6(v) => format!("ipv6-addr:value = '{v}'"),
            Atom::Dst(v) => format!("network-traffic:dst_ref.value = '{v}'"),
            Atom::Domain(v) => format!("domain-name:value = '{v}'"),
            Atom::Suffix(v) => format!("domain-name:value LIKE '%{v}'"),
            Atom::Url { host, path } => format!("url:value = 'http://{host}{path}'"),
            Atom::Md5(v) => format!("file:hashes.MD5 = '{v}'"),
            Atom::Sha256(v) => format!("file:hashes.'SHA-256' = '{v}'"),
            Atom::X509(v) => format!("x509-certificate:hashes.'SHA-1' = '{v}'"),
            Atom::Email(v) => format!("email-addr:value = '{v}'"),
        }
    }

    /// Whether `format` holds this value.
    fn fits(&self, format: Format) -> bool {
        match (self, format) {
            (_, Format::Csv) => true,
            (Atom::Suffix(_), Format::ZeekIntel | Format::SuricataDataset) => false,
            (Atom::Md5(_) | Atom::Sha256(_) | Atom::Email(_), Format::SuricataRules) => false,
            (Atom::Ipv4Net(_) | Atom::Url { .. } | Atom::Email(_), Format::SuricataDataset) => {
                false
            }
            _ => true,
        }
    }

    /// Text that the output must contain when this value is written.
    fn needle(&self, format: Format) -> String {
        let colon = |hex: &str| {
            hex.as_bytes()
                .chunks(2)
                .map(|pair| String::from_utf8_lossy(pair).into_owned())
                .collect::<Vec<_>>()
                .join(":")
        };
        let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
        match (self, format) {
            (Atom::Url { host, path }, Format::ZeekIntel) => format!("\n{host}{path}\t"),
            (Atom::Url { host, path }, Format::SuricataRules) => {
                format!(
                    "content:\"{host}\"; nocase; bsize:{}; http.uri.raw; content:\"{path}\"",
                    host.len()
                )
            }
            (Atom::Url { host, path }, _) => format!(",http://{host}{path},"),
            (Atom::X509(v), Format::SuricataRules) => format!("content:\"{}\"", colon(v)),
            (Atom::X509(v), Format::SuricataDataset) => format!("\n{}\n", b64(&colon(v))),
            (Atom::Domain(v), Format::SuricataDataset) => format!("\n{}\n", b64(v)),
            (Atom::Domain(v) | Atom::Suffix(v), Format::SuricataRules) => {
                format!("content:\"{v}\"")
            }
            (
                Atom::Ipv4(v) | Atom::Ipv4Net(v) | Atom::Ipv6(v) | Atom::Dst(v),
                Format::SuricataRules,
            ) => v.clone(),
            (_, Format::ZeekIntel) => format!("\n{}\t", self.value()),
            (_, Format::SuricataDataset) => format!("\n{}\n", self.value()),
            (_, Format::SuricataRules) => self.value().to_owned(),
            (_, Format::Csv) => format!(",{},", self.value()),
        }
    }

    fn value(&self) -> &str {
        match self {
            Atom::Ipv4(v)
            | Atom::Ipv4Net(v)
            | Atom::Ipv6(v)
            | Atom::Dst(v)
            | Atom::Domain(v)
            | Atom::Suffix(v)
            | Atom::Md5(v)
            | Atom::Sha256(v)
            | Atom::X509(v)
            | Atom::Email(v) => v,
            Atom::Url { host, .. } => host,
        }
    }
}

fn atom() -> impl Strategy<Value = Atom> {
    let v4 = (1u8..=223, any::<u8>(), any::<u8>(), 1u8..=254)
        .prop_map(|(a, b, c, d)| Ipv4Addr::new(a, b, c, d).to_string());
    let net = (
        (1u8..=223, any::<u8>(), any::<u8>(), any::<u8>()),
        8u32..=31,
    )
        .prop_map(|((a, b, c, d), prefix)| {
            let mask = u32::MAX << (32 - prefix);
            let network = Ipv4Addr::from(u32::from(Ipv4Addr::new(a, b, c, d)) & mask);
            format!("{network}/{prefix}")
        });
    let v6 = prop::array::uniform8(any::<u16>())
        .prop_map(|s| Ipv6Addr::new(0x2001, 0xdb8, s[2], s[3], s[4], s[5], s[6], s[7]).to_string());
    let name = "[a-z][a-z0-9]{0,9}\\.(example|test)";
    prop_oneof![
        v4.clone().prop_map(Atom::Ipv4),
        net.prop_map(Atom::Ipv4Net),
        v6.prop_map(Atom::Ipv6),
        v4.prop_map(Atom::Dst),
        name.prop_map(Atom::Domain),
        name.prop_map(|n| Atom::Suffix(format!(".{n}"))),
        (name, "(/[a-z0-9]{1,6}){0,3}/?").prop_map(|(host, path)| Atom::Url {
            path: if path.is_empty() {
                "/".to_owned()
            } else {
                path
            },
            host,
        }),
        "[0-9a-f]{32}".prop_map(Atom::Md5),
        "[0-9a-f]{64}".prop_map(Atom::Sha256),
        "[0-9a-f]{40}".prop_map(Atom::X509),
        ("[a-z]{1,8}", name).prop_map(|(l, d)| Atom::Email(format!("{l}@{d}"))),
    ]
}

/// What makes an indicator inactive or inexpressible everywhere.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Twist {
    None,
    Revoked,
    Expired,
    FollowedBy,
    Matches,
}

#[derive(Debug, Clone)]
struct Case {
    atoms: Vec<Atom>,
    /// Put all atoms inside one bracket (ORed comparisons) rather than one bracket each.
    one_bracket: bool,
    twist: Twist,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(atom(), 1..4),
        any::<bool>(),
        prop_oneof![
            6 => Just(Twist::None),
            1 => Just(Twist::Revoked),
            1 => Just(Twist::Expired),
            1 => Just(Twist::FollowedBy),
            1 => Just(Twist::Matches),
        ],
    )
        .prop_map(|(atoms, one_bracket, twist)| Case {
            atoms,
            one_bracket,
            twist,
        })
}

fn object(n: u32, case: &Case) -> Value {
    let comparisons: Vec<String> = case.atoms.iter().map(Atom::comparison).collect();
    let mut pattern = if case.one_bracket {
        format!("[{}]", comparisons.join(" OR "))
    } else {
        comparisons
            .iter()
            .map(|c| format!("[{c}]"))
            .collect::<Vec<_>>()
            .join(" OR ")
    };
    match case.twist {
        Twist::FollowedBy => {
            pattern = format!("({pattern}) FOLLOWEDBY [ipv4-addr:value = '192.0.2.1']")
        }
        Twist::Matches => pattern = format!("{pattern} OR [domain-name:value MATCHES '^x']"),
        _ => {}
    }
    let mut object = indicator(n, &format!("case {n}"), &pattern);
    match case.twist {
        Twist::Revoked => object["revoked"] = json!(true),
        Twist::Expired => object["valid_until"] = json!("2025-03-01T00:00:00Z"),
        _ => {}
    }
    object
}

fn output(objects: &[Value], format: Format) -> (phalanx_export::Export, String) {
    let options = Options::new(now());
    match format {
        Format::SuricataDataset => {
            let datasets = write_datasets(objects, &options).unwrap();
            let mut text = datasets.rules.clone();
            for file in &datasets.files {
                text.push('\n');
                for line in &file.lines {
                    text.push_str(line);
                    text.push('\n');
                }
            }
            (datasets.export, text)
        }
        _ => {
            let mut out = Vec::new();
            let report = export(objects, format, &options, &mut out).unwrap();
            (report, String::from_utf8(out).unwrap())
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_indicator_is_counted_once_and_every_written_value_appears(
        cases in prop::collection::vec(case(), 0..10)
    ) {
        let objects: Vec<Value> =
            cases.iter().enumerate().map(|(i, c)| object(i as u32 + 1, c)).collect();
        for format in Format::ALL {
            let (report, text) = output(&objects, format);
            prop_assert_eq!(report.written + report.inactive + report.skipped.len(), cases.len());
            let mut values = 0;
            for (i, case) in cases.iter().enumerate() {
                let id = common::id(i as u32 + 1);
                let skipped = report.skipped.iter().any(|s| s.indicator_id == id);
                let expected_inactive = matches!(case.twist, Twist::Revoked | Twist::Expired);
                let expressible = matches!(case.twist, Twist::None)
                    && case.atoms.iter().all(|a| a.fits(format));
                prop_assert_eq!(skipped, !expected_inactive && !expressible, "{} {:?}", format, case);
                if expressible {
                    for atom in &case.atoms {
                        let needle = atom.needle(format);
                        prop_assert!(text.contains(&needle), "{}: {:?} not in\n{}", format, needle, text);
                    }
                    values += case.atoms.iter().map(|a| a.comparison()).collect::<std::collections::BTreeSet<_>>().len();
                }
            }
            prop_assert_eq!(report.inactive, cases.iter().filter(|c| matches!(c.twist, Twist::Revoked | Twist::Expired)).count());
            prop_assert_eq!(report.values, values);
            // The same input gives the same output.
            prop_assert_eq!(output(&objects, format).1, text);
        }
    }
}
