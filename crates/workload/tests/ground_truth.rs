//! The planted ground truth agrees with an independent value lookup on the written lines,
//! at several sizes, hit rates and in both formats; the counts are exact.
#![allow(clippy::unwrap_used)]

use phalanx_workload::{
    Config, DnsLayout, GroundTruth, IndicatorKind, KindWeights, TelemetryFormat, Workload, recheck,
    verify_dir, write_to_dir,
};

/// Renders every event, returning the lines and the planted ground truth.
fn render(workload: &Workload) -> (Vec<u8>, GroundTruth) {
    let mut lines = Vec::new();
    let mut truth = GroundTruth::default();
    for record in workload.events() {
        record
            .write_line(workload.config().format, &mut lines)
            .unwrap();
        truth.record(record.event.index, record.hits.as_slice());
    }
    (lines, truth)
}

fn self_check(config: Config) -> GroundTruth {
    let workload = Workload::new(config.clone()).unwrap();
    let (lines, planted) = render(&workload);
    let derived = recheck(workload.spec(), config.format, &lines[..]).unwrap();
    if let Some(diff) = planted.diff(&derived) {
        panic!("planted (left) and derived (right) differ for {config:?}: {diff}");
    }
    assert_eq!(
        planted.hit_events() as u64,
        config.hit_events(),
        "{config:?}"
    );
    planted
}

#[test]
fn agrees_at_several_sizes_and_rates() {
    for format in [TelemetryFormat::Eve, TelemetryFormat::Zeek] {
        for (indicators, events, hit_rate, multi_rate) in [
            (1, 200, 0.5, 0.5),
            (10, 1_000, 0.1, 0.0),
            (300, 3_000, 0.3, 0.3),
            (2_000, 20_000, 0.05, 0.1),
            (500, 2_000, 1.0, 1.0),
            (50, 1_000, 0.0, 0.5),
        ] {
            for seed in [1, 99] {
                self_check(Config {
                    hit_rate,
                    multi_rate,
                    format,
                    ..Config::new(indicators, events, seed)
                });
            }
        }
    }
}

#[test]
fn every_kind_alone_is_planted_and_found() {
    for format in [TelemetryFormat::Eve, TelemetryFormat::Zeek] {
        for kind in IndicatorKind::ALL {
            let truth = self_check(Config {
                kinds: KindWeights::only(kind),
                hit_rate: 0.5,
                multi_rate: 0.0,
                format,
                ..Config::new(40, 400, 5)
            });
            assert_eq!(truth.hit_events(), 200, "{format} {kind}");
            assert_eq!(truth.total_matches(), 200, "{format} {kind}");
        }
    }
}

#[test]
fn multi_hit_count_is_exact_when_address_indicators_exist() {
    let config = Config {
        hit_rate: 0.2,
        multi_rate: 0.25,
        ..Config::new(1_000, 5_000, 3)
    };
    let truth = self_check(config);
    assert_eq!(truth.hit_events(), 1_000);
    assert_eq!(truth.multi_hit_events(), 250);
    assert_eq!(truth.total_matches(), 1_250);
}

#[test]
fn no_indicators_means_no_hits() {
    let truth = self_check(Config {
        hit_rate: 0.5,
        ..Config::new(0, 500, 3)
    });
    assert_eq!(truth.hit_events(), 0);
}

#[test]
fn dns_layouts_agree() {
    for layout in [DnsLayout::V2, DnsLayout::V3, DnsLayout::Mixed] {
        self_check(Config {
            dns_layout: layout,
            hit_rate: 0.4,
            kinds: KindWeights::only(IndicatorKind::DomainLike).with(IndicatorKind::Domain, 1),
            ..Config::new(100, 2_000, 8)
        });
    }
}

#[test]
fn written_directory_verifies() {
    for format in [TelemetryFormat::Eve, TelemetryFormat::Zeek] {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            hit_rate: 0.1,
            format,
            observed_limit: Some(100),
            ..Config::new(500, 4_000, 21)
        };
        let summary = write_to_dir(&config, dir.path()).unwrap();
        assert_eq!(summary.hit_events, 400);
        assert_eq!(summary.observed_events, 100);
        assert_eq!(summary.files.len(), 4);
        assert_eq!(verify_dir(&config, dir.path()).unwrap(), 400);

        let expected: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("expected.json")).unwrap())
                .unwrap();
        assert_eq!(expected["format"], format.name());
        assert_eq!(expected["counts"]["hit_events"], 400);
        assert_eq!(expected["matches"].as_object().unwrap().len(), 400);
        assert_eq!(expected["params"]["seed"], 21);
    }
}

#[test]
fn verify_dir_catches_a_tampered_expected_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        hit_rate: 0.1,
        ..Config::new(50, 300, 2)
    };
    write_to_dir(&config, dir.path()).unwrap();
    let path = dir.path().join("expected.json");
    let mut expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let matches = expected["matches"].as_object_mut().unwrap();
    let first = matches.keys().next().unwrap().clone();
    matches.remove(&first);
    std::fs::write(&path, serde_json::to_vec(&expected).unwrap()).unwrap();
    let err = verify_dir(&config, dir.path()).unwrap_err().to_string();
    assert!(err.contains(&format!("event {first}")), "{err}");
}

#[test]
fn recheck_notices_a_value_the_generator_did_not_plant() {
    use phalanx_workload::IndicatorValues;
    let config = Config {
        kinds: KindWeights::only(IndicatorKind::Ipv4),
        hit_rate: 0.0,
        ..Config::new(5, 20, 4)
    };
    let workload = Workload::new(config.clone()).unwrap();
    let IndicatorValues::Ipv4(ip) = workload.spec().facts(3).unwrap().values else {
        panic!("expected an IPv4 indicator")
    };
    let mut lines = Vec::new();
    for mut record in workload.events() {
        if record.event.index == 7 {
            record.event.dst = ip.into();
        }
        record.write_line(config.format, &mut lines).unwrap();
    }
    let derived = recheck(workload.spec(), config.format, &lines[..]).unwrap();
    assert_eq!(derived.matches.len(), 1);
    assert_eq!(derived.matches[&7], vec![3]);
}
