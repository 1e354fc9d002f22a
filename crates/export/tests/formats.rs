//! Each format on the fixture, with the exact expected output.
#![allow(clippy::unwrap_used)]

mod common;

use common::{fixture, id, indicator, now};
use phalanx_export::{
    DATASET_RULES_FILE, ExportError, Format, ListType, Options, Reason, export, latest_versions,
    write_datasets,
};
use serde_json::json;

fn run(format: Format) -> (String, phalanx_export::Export) {
    let mut out = Vec::new();
    let report = export(&fixture(), format, &Options::new(now()), &mut out).unwrap();
    (String::from_utf8(out).unwrap(), report)
}

/// The skipped indicators as `(number, reason text)`.
fn skipped(report: &phalanx_export::Export) -> Vec<(String, String)> {
    report
        .skipped
        .iter()
        .map(|s| (s.indicator_id.clone(), s.reason.to_string()))
        .collect()
}

#[test]
fn zeek_intel() {
    let (text, report) = run(Format::ZeekIntel);
    let expected = "\
#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url
198.51.100.7\tIntel::ADDR\tindicator--00000000-0000-4000-8000-000000000001\tC2 server\thttps://intel.example/r/1
c2.example\tIntel::DOMAIN\tindicator--00000000-0000-4000-8000-000000000001\tC2 server\thttps://intel.example/r/1
dl.example/a;b.php?x=1\tIntel::URL\tindicator--00000000-0000-4000-8000-000000000002\tDropper \"x\"; v2 with tab\t-
abababababababababababababababababababababababababababababababab\tIntel::FILE_HASH\tindicator--00000000-0000-4000-8000-000000000003\tpayload\t-
203.0.113.0/24\tIntel::SUBNET\tindicator--00000000-0000-4000-8000-000000000004\tscanner net\t-
0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f\tIntel::CERT_HASH\tindicator--00000000-0000-4000-8000-000000000009\tbad cert\t-
Boss@corp.example\tIntel::EMAIL\tindicator--00000000-0000-4000-8000-000000000010\tphisher\t-
";
    assert_eq!(text, expected);
    assert_eq!(
        (
            report.written,
            report.values,
            report.records,
            report.inactive
        ),
        (6, 7, 7, 2)
    );
    assert_eq!(
        skipped(&report),
        vec![
            (
                id(5),
                "the domain suffix '.evil.example' (Intel::DOMAIN matches whole names only) \
                 cannot be expressed in zeek-intel"
                    .to_owned()
            ),
            (
                id(6),
                "the FOLLOWEDBY operator (observations in sequence) cannot be expressed in \
                 zeek-intel"
                    .to_owned()
            ),
        ]
    );
}

#[test]
fn suricata_rules() {
    let (text, report) = run(Format::SuricataRules);
    let expected = r#"# Suricata rules written by phalanx export from STIX indicators
alert ip [198.51.100.7] any <> any any (msg:"Phalanx C2 server"; metadata:stix_id indicator--00000000-0000-4000-8000-000000000001; sid:871108518; rev:1;)
alert dns any any -> any any (msg:"Phalanx C2 server"; dns.query; content:"c2.example"; nocase; bsize:10; metadata:stix_id indicator--00000000-0000-4000-8000-000000000001; sid:865249791; rev:1;)
alert tls any any -> any any (msg:"Phalanx C2 server"; tls.sni; content:"c2.example"; nocase; bsize:10; metadata:stix_id indicator--00000000-0000-4000-8000-000000000001; sid:695690817; rev:1;)
alert http any any -> any any (msg:"Phalanx C2 server"; http.host; content:"c2.example"; nocase; bsize:10; metadata:stix_id indicator--00000000-0000-4000-8000-000000000001; sid:734669868; rev:1;)
alert http any any -> any any (msg:"Phalanx Dropper \"x\"\; v2 with tab"; http.host; content:"dl.example"; nocase; bsize:10; http.uri.raw; content:"/a|3B|b.php?x=1"; bsize:12; metadata:stix_id indicator--00000000-0000-4000-8000-000000000002; sid:941227338; rev:1;)
alert ip any any -> [203.0.113.0/24] any (msg:"Phalanx scanner net"; metadata:stix_id indicator--00000000-0000-4000-8000-000000000004; sid:202169724; rev:1;)
alert dns any any -> any any (msg:"Phalanx phishing kit"; dns.query; content:".evil.example"; nocase; endswith; metadata:stix_id indicator--00000000-0000-4000-8000-000000000005; sid:449912867; rev:1;)
alert tls any any -> any any (msg:"Phalanx phishing kit"; tls.sni; content:".evil.example"; nocase; endswith; metadata:stix_id indicator--00000000-0000-4000-8000-000000000005; sid:191161947; rev:1;)
alert http any any -> any any (msg:"Phalanx phishing kit"; http.host; content:".evil.example"; nocase; endswith; metadata:stix_id indicator--00000000-0000-4000-8000-000000000005; sid:240779722; rev:1;)
alert tls any any -> any any (msg:"Phalanx bad cert"; tls.cert_fingerprint; content:"0f:0f:0f:0f:0f:0f:0f:0f:0f:0f:0f:0f:0f:0f:0f:0f:0f:0f:0f:0f"; bsize:59; metadata:stix_id indicator--00000000-0000-4000-8000-000000000009; sid:968843691; rev:1;)
"#;
    assert_eq!(text, expected);
    assert_eq!(
        (
            report.written,
            report.values,
            report.records,
            report.inactive
        ),
        (5, 6, 10, 2)
    );
    let reasons = skipped(&report);
    assert_eq!(
        reasons.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(),
        vec![id(3), id(6), id(10)]
    );
    assert!(reasons[0].1.starts_with("a file hash"), "{reasons:?}");
    assert!(
        reasons[2]
            .1
            .ends_with("cannot be expressed in suricata-rules"),
        "{reasons:?}"
    );
}

#[test]
fn sids_are_the_documented_hash_and_do_not_depend_on_other_indicators() {
    // sid = base + (first 4 bytes of SHA-256(key), big-endian) >> 2
    // with key "indicator--…0001|ip|any" (checked independently: 871108518 - 9000000).
    let alone = vec![fixture().remove(0)];
    let mut out = Vec::new();
    export(
        &alone,
        Format::SuricataRules,
        &Options::new(now()),
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("sid:871108518;"), "{text}");
    let options = Options {
        sid_base: 100,
        ..Options::new(now())
    };
    let mut out = Vec::new();
    export(&alone, Format::SuricataRules, &options, &mut out).unwrap();
    assert!(
        String::from_utf8(out)
            .unwrap()
            .contains(&format!("sid:{};", 871108518 - 9_000_000 + 100))
    );
}

#[test]
fn csv() {
    let (text, report) = run(Format::Csv);
    let expected = "\
indicator_id,name,type,value,valid_from,valid_until,tlp
indicator--00000000-0000-4000-8000-000000000001,C2 server,ipv4-addr,198.51.100.7,2025-01-01T00:00:00Z,2030-01-01T00:00:00Z,TLP:AMBER
indicator--00000000-0000-4000-8000-000000000001,C2 server,domain-name,c2.example,2025-01-01T00:00:00Z,2030-01-01T00:00:00Z,TLP:AMBER
indicator--00000000-0000-4000-8000-000000000002,\"Dropper \"\"x\"\"; v2\twith tab\",url,http://dl.example/a;b.php?x=1,2025-01-01T00:00:00Z,,
indicator--00000000-0000-4000-8000-000000000003,payload,file-sha256,abababababababababababababababababababababababababababababababab,2025-01-01T00:00:00Z,,
indicator--00000000-0000-4000-8000-000000000004,scanner net,dst:ipv4-net,203.0.113.0/24,2025-01-01T00:00:00Z,,
indicator--00000000-0000-4000-8000-000000000005,phishing kit,domain-suffix,.evil.example,2025-01-01T00:00:00Z,,
indicator--00000000-0000-4000-8000-000000000009,bad cert,x509-sha1,0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f,2025-01-01T00:00:00Z,,
indicator--00000000-0000-4000-8000-000000000010,phisher,email-addr,Boss@corp.example,2025-01-01T00:00:00Z,,
";
    assert_eq!(text, expected);
    assert_eq!((report.written, report.values, report.inactive), (7, 8, 2));
    assert_eq!(
        skipped(&report),
        vec![(
            id(6),
            "the FOLLOWEDBY operator (observations in sequence) cannot be expressed in csv"
                .to_owned()
        )]
    );
}

#[test]
fn suricata_datasets() {
    let datasets = write_datasets(&fixture(), &Options::new(now())).unwrap();
    let files: Vec<(&str, ListType, Vec<&str>)> = datasets
        .files
        .iter()
        .map(|f| {
            (
                f.file_name.as_str(),
                f.list_type,
                f.lines.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        files,
        vec![
            ("phalanx-ip.lst", ListType::Ip, vec!["198.51.100.7"]),
            // base64("c2.example")
            (
                "phalanx-domains.lst",
                ListType::String,
                vec!["YzIuZXhhbXBsZQ=="]
            ),
            // base64("0f:0f:…:0f"), the form of tls.cert_fingerprint
            (
                "phalanx-tls-sha1.lst",
                ListType::String,
                vec![
                    "MGY6MGY6MGY6MGY6MGY6MGY6MGY6MGY6MGY6MGY6MGY6MGY6MGY6MGY6MGY6MGY6MGY6MGY6MGY6MGY="
                ]
            ),
            (
                "phalanx-file-sha256.lst",
                ListType::Sha256,
                vec!["abababababababababababababababababababababababababababababababab"]
            ),
        ]
    );
    assert_eq!(datasets.files[0].name, "phalanx-ip");
    let mut lines = Vec::new();
    datasets.files[0].write_to(&mut lines).unwrap();
    assert_eq!(lines, b"198.51.100.7\n");
    let expected_rules = r#"# Suricata rules written by phalanx export from STIX indicators (suricata-dataset)
alert ip any any -> any any (msg:"Phalanx dataset phalanx-ip (ip.src)"; ip.src; dataset:isset,phalanx-ip, type ip, load phalanx-ip.lst, hashsize 1024; sid:138411183; rev:1;)
alert ip any any -> any any (msg:"Phalanx dataset phalanx-ip (ip.dst)"; ip.dst; dataset:isset,phalanx-ip, type ip, load phalanx-ip.lst, hashsize 1024; sid:716425373; rev:1;)
alert dns any any -> any any (msg:"Phalanx dataset phalanx-domains (dns.query)"; dns.query; dataset:isset,phalanx-domains, type string, load phalanx-domains.lst, hashsize 1024; sid:451010456; rev:1;)
alert tls any any -> any any (msg:"Phalanx dataset phalanx-domains (tls.sni)"; tls.sni; dataset:isset,phalanx-domains, type string, load phalanx-domains.lst, hashsize 1024; sid:919249941; rev:1;)
alert http any any -> any any (msg:"Phalanx dataset phalanx-domains (http.host)"; http.host; dataset:isset,phalanx-domains, type string, load phalanx-domains.lst, hashsize 1024; sid:1047937412; rev:1;)
alert tls any any -> any any (msg:"Phalanx dataset phalanx-tls-sha1 (tls.cert_fingerprint)"; tls.cert_fingerprint; dataset:isset,phalanx-tls-sha1, type string, load phalanx-tls-sha1.lst, hashsize 1024; sid:256494294; rev:1;)
alert http any any -> any any (msg:"Phalanx file hash list phalanx-file-sha256.lst (http)"; filesha256:phalanx-file-sha256.lst; sid:841534147; rev:1;)
alert smtp any any -> any any (msg:"Phalanx file hash list phalanx-file-sha256.lst (smtp)"; filesha256:phalanx-file-sha256.lst; sid:459631247; rev:1;)
"#;
    assert_eq!(datasets.rules, expected_rules);
    assert_eq!(DATASET_RULES_FILE, "phalanx-datasets.rules");
    let report = &datasets.export;
    assert_eq!(
        (
            report.written,
            report.values,
            report.records,
            report.inactive
        ),
        (3, 4, 4, 2)
    );
    assert_eq!(
        report
            .skipped
            .iter()
            .map(|s| s.indicator_id.clone())
            .collect::<Vec<_>>(),
        vec![id(2), id(4), id(5), id(6), id(10)]
    );
}

#[test]
fn datasets_merge_and_sort_values_and_keep_directions_apart() {
    let indicators = vec![
        indicator(
            1,
            "a",
            "[ipv6-addr:value = '2001:DB8::2'] OR [domain-name:value = 'b.example']",
        ),
        indicator(
            2,
            "b",
            "[ipv4-addr:value IN ('192.0.2.9', '192.0.2.1')] OR [domain-name:value = 'a.example']",
        ),
        indicator(3, "c", "[network-traffic:src_ref.value = '192.0.2.1']"),
        indicator(
            4,
            "d",
            "[domain-name:value = 'B.example'] OR [file:hashes.MD5 = '0123456789ABCDEF0123456789ABCDEF']",
        ),
    ];
    let datasets = write_datasets(&indicators, &Options::new(now())).unwrap();
    let lines = |name: &str| {
        datasets
            .files
            .iter()
            .find(|f| f.file_name == name)
            .map(|f| f.lines.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        lines("phalanx-ip.lst"),
        vec!["192.0.2.1", "192.0.2.9", "2001:db8::2"]
    );
    assert_eq!(lines("phalanx-ip-src.lst"), vec!["192.0.2.1"]);
    assert!(lines("phalanx-ip-dst.lst").is_empty());
    // base64 of a.example, b.example (once, though two indicators name it)
    assert_eq!(
        lines("phalanx-domains.lst"),
        vec!["YS5leGFtcGxl", "Yi5leGFtcGxl"]
    );
    assert_eq!(
        lines("phalanx-file-md5.lst"),
        vec!["0123456789abcdef0123456789abcdef"]
    );
    assert!(
        datasets
            .rules
            .contains("ip.src; dataset:isset,phalanx-ip-src, type ip, load phalanx-ip-src.lst")
    );
    assert!(!datasets.rules.contains("phalanx-ip-dst"));
    assert!(datasets.rules.contains("filemd5:phalanx-file-md5.lst;"));
    assert_eq!((datasets.export.written, datasets.export.values), (4, 8));
}

#[test]
fn invalid_and_foreign_indicators_are_reported() {
    let mut sigma = indicator(1, "sigma", "title: x");
    sigma["pattern_type"] = json!("sigma");
    let mut bad_id = indicator(2, "bad id", "[ipv4-addr:value = '192.0.2.1']");
    bad_id["id"] = json!("malware--00000000-0000-4000-8000-000000000002");
    let mut bad_until = indicator(3, "bad until", "[ipv4-addr:value = '192.0.2.1']");
    bad_until["valid_until"] = json!("tomorrow");
    let mut future = indicator(4, "future", "[ipv4-addr:value = '192.0.2.1']");
    future["valid_from"] = json!("2099-01-01T00:00:00Z");
    let indicators = vec![
        sigma,
        bad_id,
        bad_until,
        future,
        indicator(5, "unparsable", "[ipv4-addr:value = "),
        indicator(
            6,
            "invalid",
            "[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS WITHIN 6 SECONDS",
        ),
        indicator(7, "wrong value", "[ipv4-addr:value = 'example.com']"),
        indicator(8, "fine", "[ipv4-addr:value = '192.0.2.8']"),
    ];
    let mut out = Vec::new();
    let report = export(&indicators, Format::Csv, &Options::new(now()), &mut out).unwrap();
    assert_eq!(
        (report.written, report.inactive, report.skipped.len()),
        (1, 1, 6)
    );
    let reasons = skipped(&report);
    assert_eq!(
        reasons[0].1,
        "pattern_type 'sigma' (only STIX patterns are translated) cannot be expressed in csv"
    );
    assert!(matches!(report.skipped[1].reason, Reason::Invalid(_)));
    assert!(reasons[1].1.contains("not an indicator id"), "{reasons:?}");
    assert!(reasons[2].1.contains("valid_until"), "{reasons:?}");
    assert!(reasons[3].1.contains("does not parse"), "{reasons:?}");
    assert!(reasons[4].1.contains("invalid"), "{reasons:?}");
    assert!(
        reasons[5].1.contains("is not an IPv4 address"),
        "{reasons:?}"
    );
}

#[test]
fn whole_run_errors() {
    let options = Options {
        sid_base: u32::MAX - 10,
        ..Options::new(now())
    };
    let mut out = Vec::new();
    assert!(matches!(
        export(&fixture(), Format::SuricataRules, &options, &mut out),
        Err(ExportError::SidBase(_))
    ));
    assert!(matches!(
        export(
            &fixture(),
            Format::SuricataDataset,
            &Options::new(now()),
            &mut out
        ),
        Err(ExportError::SeveralFiles)
    ));
}

#[test]
fn latest_versions_keep_the_newest_in_first_place() {
    let mut old = indicator(1, "old", "[ipv4-addr:value = '192.0.2.1']");
    let mut new = old.clone();
    new["modified"] = json!("2025-03-01T00:00:00.000Z");
    new["name"] = json!("new");
    old["modified"] = json!("2025-01-01T00:00:00.000Z");
    let other = indicator(2, "other", "[ipv4-addr:value = '192.0.2.2']");
    let (objects, dropped) = latest_versions(vec![old.clone(), other.clone(), new.clone()]);
    assert_eq!((objects, dropped), (vec![new.clone(), other.clone()], 1));
    let (objects, dropped) = latest_versions(vec![new.clone(), old, other.clone()]);
    assert_eq!((objects, dropped), (vec![new, other], 1));
}
