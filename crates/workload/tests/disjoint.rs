//! Property tests: indicator values are pairwise distinct, and background telemetry never
//! carries an indicator value, whatever the seed.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;

use phalanx_workload::{Config, IndicatorValues, TelemetryFormat, ValueIndex, Workload};
use proptest::prelude::*;

/// Every value an indicator owns, as text; `/24`s as `net:a.b.c`.
fn atoms(v: &IndicatorValues) -> Vec<String> {
    match v {
        IndicatorValues::Ipv4(ip) | IndicatorValues::NetworkDst(ip) => vec![ip.to_string()],
        IndicatorValues::Ipv4Net(net) => {
            let [a, b, c, _] = net.octets();
            vec![format!("net:{a}.{b}.{c}")]
        }
        IndicatorValues::Ipv6(ip) => vec![ip.to_string()],
        IndicatorValues::Domain(d) | IndicatorValues::Email(d) => vec![d.clone()],
        IndicatorValues::DomainSuffix(p) => vec![format!("suffix:{p}")],
        IndicatorValues::Url { host, path } => vec![format!("http://{host}{path}"), host.clone()],
        IndicatorValues::Sha256(h) => vec![hex::encode(h)],
        IndicatorValues::Md5(h) => vec![hex::encode(h)],
        IndicatorValues::X509Sha1(h) => vec![hex::encode(h)],
        IndicatorValues::Ipv4OrDomain { ip, domain } => vec![ip.to_string(), domain.clone()],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn indicator_values_are_pairwise_distinct(seed in any::<u64>(), n in 1u32..400) {
        let w = Workload::new(Config::new(n, 0, seed)).unwrap();
        let mut seen = HashSet::new();
        let mut nets = HashSet::new();
        let mut suffixes = HashSet::new();
        let mut singles = Vec::new();
        let mut names = Vec::new();
        for i in 0..n {
            let facts = w.spec().facts(i).unwrap();
            for atom in atoms(&facts.values) {
                prop_assert!(seen.insert(atom.clone()), "indicator {i} repeats {atom}");
                if let Some(net) = atom.strip_prefix("net:") {
                    nets.insert(net.to_owned());
                } else if let Some(p) = atom.strip_prefix("suffix:") {
                    suffixes.insert(p.to_owned());
                } else if atom.parse::<std::net::Ipv4Addr>().is_ok() {
                    singles.push(atom);
                } else if !atom.contains('/') && !atom.contains('@') && atom.contains('.') {
                    names.push(atom);
                }
            }
        }
        // No single address lies in an indicator /24, and no name is under a suffix.
        for ip in &singles {
            let prefix = &ip[..ip.rfind('.').unwrap()];
            prop_assert!(!nets.contains(prefix), "{ip} is inside an indicator /24");
        }
        for name in &names {
            let mut rest = name.as_str();
            while let Some(dot) = rest.find('.') {
                rest = &rest[dot + 1..];
                prop_assert!(!suffixes.contains(rest), "{name} is under suffix {rest}");
            }
        }
    }

    #[test]
    fn background_events_carry_no_indicator_value(
        seed in any::<u64>(),
        zeek in any::<bool>(),
        ipv6_share in 0.0f64..1.0,
    ) {
        let format = if zeek { TelemetryFormat::Zeek } else { TelemetryFormat::Eve };
        let w = Workload::new(Config {
            format,
            ipv6_share,
            hit_rate: 0.2,
            ..Config::new(300, 400, seed)
        })
        .unwrap();
        let index = ValueIndex::new(w.spec());
        for record in w.events() {
            let line = record.event.to_json(format).unwrap();
            let found = index.matches_line(format, line.as_bytes(), record.event.index).unwrap();
            let mut planted = record.hits.as_slice().to_vec();
            planted.sort_unstable();
            prop_assert_eq!(found, planted, "event {}", record.event.index);
        }
    }
}
