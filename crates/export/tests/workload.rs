//! Every kind of indicator the workload generator makes is either exported or reported, in
//! every format, and which kinds each format holds is the documented matrix.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, HashMap};

use phalanx_export::{Format, Options, export, write_datasets};
use phalanx_workload::{Config, IndicatorKind, IndicatorValues, KindWeights, Workload};
use serde_json::Value;

fn workload() -> (Vec<Value>, HashMap<String, IndicatorKind>) {
    let mut kinds = KindWeights::none();
    for kind in IndicatorKind::ALL {
        kinds = kinds.with(kind, 1);
    }
    let config = Config {
        kinds,
        ..Config::new(1300, 10, 11)
    };
    let workload = Workload::new(config).unwrap();
    let mut by_id = HashMap::new();
    let objects = workload
        .indicators()
        .map(|indicator| {
            by_id.insert(indicator.id.clone(), indicator.kind);
            indicator.to_value()
        })
        .collect();
    (objects, by_id)
}

/// The kinds a format cannot hold.
fn refused(format: Format) -> BTreeSet<IndicatorKind> {
    use IndicatorKind::*;
    let kinds: &[IndicatorKind] = match format {
        Format::ZeekIntel => &[DomainLike, DomainMatches],
        Format::SuricataRules => &[DomainMatches, FileSha256, FileMd5, EmailAddr],
        Format::SuricataDataset => &[Ipv4Cidr, DomainLike, DomainMatches, Url, EmailAddr],
        Format::Csv => &[DomainMatches],
    };
    kinds.iter().copied().collect()
}

#[test]
fn every_generated_kind_is_exported_or_reported() {
    let (objects, by_id) = workload();
    let kinds_present: BTreeSet<IndicatorKind> = by_id.values().copied().collect();
    assert_eq!(
        kinds_present.len(),
        IndicatorKind::ALL.len(),
        "every kind is generated"
    );
    // The workload's indicators are valid from 2024 and never expire.
    let options = Options::new("2030-01-01T00:00:00Z".parse().unwrap());
    for format in Format::ALL {
        let (report, output) = match format {
            Format::SuricataDataset => {
                let datasets = write_datasets(&objects, &options).unwrap();
                let mut text = datasets.rules.clone();
                for file in &datasets.files {
                    text.push_str(&file.lines.join("\n"));
                }
                (datasets.export, text)
            }
            _ => {
                let mut out = Vec::new();
                let report = export(&objects, format, &options, &mut out).unwrap();
                (report, String::from_utf8(out).unwrap())
            }
        };
        assert_eq!(
            report.written + report.skipped.len() + report.inactive,
            objects.len(),
            "{format}: every indicator is counted once"
        );
        assert_eq!(report.inactive, 0, "{format}");
        let skipped: BTreeSet<&str> = report
            .skipped
            .iter()
            .map(|s| s.indicator_id.as_str())
            .collect();
        let skipped_kinds: BTreeSet<IndicatorKind> = skipped.iter().map(|id| by_id[*id]).collect();
        assert_eq!(skipped_kinds, refused(format), "{format}");
        for s in &report.skipped {
            let text = s.reason.to_string();
            assert!(
                text.ends_with(&format!("cannot be expressed in {format}")),
                "{format}: {text}"
            );
        }
        for (id, kind) in &by_id {
            let written = !skipped.contains(id.as_str());
            assert_eq!(
                written,
                !refused(format).contains(kind),
                "{format}: {id} ({kind})"
            );
            // Formats with a line per indicator name the indicator.
            if written && format != Format::SuricataDataset {
                assert!(
                    output.contains(id.as_str()),
                    "{format}: {id} ({kind}) missing"
                );
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The Zeek file holds exactly the generator's values (rebuilt from its facts, not from the
/// patterns), each with its type and its indicator's id.
#[test]
fn zeek_file_holds_exactly_the_generated_values() {
    let workload = Workload::new(Config::new(600, 10, 3)).unwrap();
    let objects: Vec<Value> = workload.indicators().map(|i| i.to_value()).collect();
    let options = Options::new("2030-01-01T00:00:00Z".parse().unwrap());
    let mut out = Vec::new();
    export(&objects, Format::ZeekIntel, &options, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let written: BTreeSet<(String, String, String)> = text
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (
                fields[0].to_owned(),
                fields[1].to_owned(),
                fields[2].to_owned(),
            )
        })
        .collect();
    let mut expected = BTreeSet::new();
    let spec = workload.spec();
    for i in 0..spec.len() {
        let facts = spec.facts(i).unwrap();
        let id = facts.stix_id();
        let mut add = |value: String, kind: &str| {
            expected.insert((value, format!("Intel::{kind}"), id.clone()));
        };
        match &facts.values {
            IndicatorValues::Ipv4(ip) | IndicatorValues::NetworkDst(ip) => {
                add(ip.to_string(), "ADDR")
            }
            IndicatorValues::Ipv4Net(net) => add(format!("{net}/24"), "SUBNET"),
            IndicatorValues::Ipv6(ip) => add(ip.to_string(), "ADDR"),
            IndicatorValues::Domain(d) => add(d.to_lowercase(), "DOMAIN"),
            IndicatorValues::DomainSuffix(_) => {}
            IndicatorValues::Url { host, path } => add(format!("{host}{path}"), "URL"),
            IndicatorValues::Sha256(h) => add(hex(h), "FILE_HASH"),
            IndicatorValues::Md5(h) => add(hex(h), "FILE_HASH"),
            IndicatorValues::X509Sha1(h) => add(hex(h), "CERT_HASH"),
            IndicatorValues::Email(e) => add(e.clone(), "EMAIL"),
            IndicatorValues::Ipv4OrDomain { ip, domain } => {
                add(ip.to_string(), "ADDR");
                add(domain.to_lowercase(), "DOMAIN");
            }
        }
    }
    assert_eq!(written, expected);
}
