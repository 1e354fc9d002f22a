//! `phalanx export --format …`: sensor formats from a file and from the node's store.
#![allow(clippy::unwrap_used)]

mod common;

use common::{cli, indicator};
use serde_json::{Value, json};

/// Two versions of one indicator (the later one counts), a FOLLOWEDBY, a revoked one, an
/// identity, and a C2 indicator with an address and a domain.
fn objects() -> Vec<Value> {
    let mut old = indicator(1);
    old["name"] = json!("old name");
    let mut new = indicator(1);
    new["modified"] = json!("2024-02-01T00:00:00.000Z");
    new["name"] = json!("current\tname");
    let mut sequence = indicator(2);
    sequence["pattern"] =
        json!("[ipv4-addr:value = '10.0.0.2'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.3']");
    let mut revoked = indicator(3);
    revoked["revoked"] = json!(true);
    revoked["modified"] = json!("2024-02-01T00:00:00.000Z");
    let mut c2 = indicator(4);
    c2["pattern"] =
        json!("[ipv4-addr:value = '198.51.100.7'] OR [domain-name:value = 'C2.Example']");
    vec![
        old,
        sequence,
        json!({"type": "identity", "spec_version": "2.1", "id": "identity--0b5ff1b1-4a0b-4b1d-9e36-0b1f0c7b8e4a",
               "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "name": "CSIRT"}),
        new,
        revoked,
        c2,
    ]
}

fn bundle_file(dir: &tempfile::TempDir) -> String {
    let bundle = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objects()});
    let path = dir.path().join("indicators.json");
    std::fs::write(&path, bundle.to_string()).unwrap();
    path.to_str().unwrap().to_owned()
}

fn id(n: u64) -> String {
    indicator(n)["id"].as_str().unwrap().to_owned()
}

#[test]
fn zeek_intel_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = bundle_file(&dir);
    let (code, out, err) = cli(
        &["export", "--format", "zeek-intel", "--indicators", &file],
        None,
    );
    assert_eq!(code, 0, "{err}");
    // Id order; the latest version of indicator 1; the revoked and the FOLLOWEDBY ones left out.
    let expected = format!(
        "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n\
         10.0.0.1\tIntel::ADDR\t{one}\tcurrent name\t-\n\
         198.51.100.7\tIntel::ADDR\t{four}\ttest indicator 4\t-\n\
         c2.example\tIntel::DOMAIN\t{four}\ttest indicator 4\t-\n",
        one = id(1),
        four = id(4),
    );
    assert_eq!(out, expected);
    assert!(
        err.contains(
            "exported 2 indicators (3 values) as zeek-intel; 1 not expressible; 1 inactive"
        ),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "  {}: the FOLLOWEDBY operator (observations in sequence) cannot be expressed in zeek-intel",
            id(2)
        )),
        "{err}"
    );

    // The same through standard input and into a file.
    let target = dir.path().join("intel.dat");
    let input = json!(objects()).to_string();
    let (code, _, err) = cli(
        &[
            "export",
            "--format",
            "zeek-intel",
            "--indicators",
            "-",
            "-o",
            target.to_str().unwrap(),
        ],
        Some(&input),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), expected);
}

#[test]
fn suricata_datasets_need_a_folder_and_fill_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = bundle_file(&dir);
    let (code, _, err) = cli(
        &[
            "export",
            "--format",
            "suricata-dataset",
            "--indicators",
            &file,
        ],
        None,
    );
    assert_eq!(code, 1);
    assert!(err.contains("give --output DIR"), "{err}");

    let folder = dir.path().join("suricata");
    let stale = folder.join("phalanx-file-md5.lst");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(&stale, "0123456789abcdef0123456789abcdef\n").unwrap();
    let (code, _, err) = cli(
        &[
            "export",
            "--format",
            "suricata-dataset",
            "--indicators",
            &file,
            "--output",
            folder.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(folder.join("phalanx-ip.lst")).unwrap(),
        "10.0.0.1\n198.51.100.7\n"
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("phalanx-domains.lst")).unwrap(),
        "YzIuZXhhbXBsZQ==\n"
    );
    let rules = std::fs::read_to_string(folder.join("phalanx-datasets.rules")).unwrap();
    assert!(
        rules.contains(
            "dns.query; dataset:isset,phalanx-domains, type string, load phalanx-domains.lst"
        ),
        "{rules}"
    );
    assert!(!stale.exists(), "a list that is empty now is removed");
}

#[test]
fn sensor_formats_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("node");
    let data = data.to_str().unwrap();
    let file = bundle_file(&dir);
    let (code, _, err) = cli(&["import", "--data", data, &file], None);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = cli(
        &["export", "--format", "suricata-rules", "--data", data],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("exported 2 indicators (3 values) as suricata-rules"),
        "{err}"
    );
    assert!(
        out.contains("alert ip [10.0.0.1] any <> any any (msg:\"Phalanx current name\";"),
        "{out}"
    );
    assert!(
        out.contains("dns.query; content:\"c2.example\"; nocase; bsize:10;"),
        "{out}"
    );
    let (code, out, err) = cli(
        &[
            "export",
            "--format",
            "csv",
            "--data",
            data,
            "--collection",
            "default",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(
        out.starts_with("indicator_id,name,type,value,valid_from,valid_until,tlp\n"),
        "{out}"
    );

    // A missing store is an error, not a new empty node.
    let missing = dir.path().join("missing");
    let (code, _, err) = cli(
        &[
            "export",
            "--format",
            "csv",
            "--data",
            missing.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 1);
    assert!(err.contains("no store at"), "{err}");
    assert!(!missing.exists());
    // Bundle-only options are refused with a sensor format.
    let (code, _, err) = cli(
        &[
            "export",
            "--format",
            "csv",
            "--data",
            data,
            "--type",
            "indicator",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert!(err.contains("--type"), "{err}");
}
