//! Bad records: each is refused with a reason that names the problem; none panics.

#![allow(clippy::unwrap_used)]

use phalanx_decode::{DecodeError, Decoder, Format, Mapping};
use proptest::prelude::*;

fn reason(format: Format, line: &[u8]) -> &'static str {
    match Decoder::new(format).unwrap().decode(line) {
        Ok(obs) => panic!("decoded {obs:?}"),
        Err(e) => e.reason(),
    }
}

const EVE_OK: &str = r#"{"timestamp":"2024-03-01T00:00:00.5+0000","event_type":"flow","src_ip":"10.0.0.1","src_port":1,"dest_ip":"10.0.0.2","dest_port":2,"proto":"TCP"}"#;
const ZEEK_OK: &str = r#"{"_path":"conn","ts":1709251200.5,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":2,"proto":"tcp","conn_state":"SF"}"#;

#[test]
fn eve_malformed_records() {
    assert_eq!(reason(Format::Eve, b"not json"), "json");
    assert_eq!(reason(Format::Eve, b"{\"timestamp\": "), "json");
    assert_eq!(reason(Format::Eve, b"[1,2,3]"), "json");
    assert_eq!(reason(Format::Eve, b"{}"), "missing_field");
    assert_eq!(
        reason(Format::Eve, br#"{"timestamp":"yesterday"}"#),
        "bad_time"
    );
    assert_eq!(
        reason(
            Format::Eve,
            br#"{"timestamp":"2024-03-01T00:00:00+0000","src_ip":"10.0.0.999"}"#
        ),
        "bad_address"
    );
    assert_eq!(
        reason(
            Format::Eve,
            br#"{"timestamp":"2024-03-01T00:00:00+0000","src_port":"http"}"#
        ),
        "json"
    );
    assert_eq!(
        reason(
            Format::Eve,
            br#"{"timestamp":"2024-03-01T00:00:00+0000","src_port":70000}"#
        ),
        "json"
    );
    // Broken UTF-8 inside a string.
    let mut bad = br#"{"timestamp":"2024-03-01T00:00:00+0000","event_type":""#.to_vec();
    bad.extend([0xff, 0xfe]);
    bad.extend(br#""}"#);
    assert_eq!(reason(Format::Eve, &bad), "json");
    let err = Decoder::new(Format::Eve)
        .unwrap()
        .decode(br#"{"timestamp":"2024-03-01T00:00:00+0000","dest_ip":"nope"}"#)
        .unwrap_err();
    assert_eq!(err.to_string(), "`dest_ip` is not an IP address: \"nope\"");
}

#[test]
fn zeek_malformed_records() {
    assert_eq!(reason(Format::Zeek, b"#fields\tts\tuid"), "json");
    assert_eq!(
        reason(Format::Zeek, br#"{"_path":"conn"}"#),
        "missing_field"
    );
    assert_eq!(reason(Format::Zeek, br#"{"ts":"soon"}"#), "bad_time");
    assert_eq!(reason(Format::Zeek, br#"{"ts":true}"#), "json");
    assert_eq!(
        reason(Format::Zeek, br#"{"ts":1.0,"id.orig_h":"::gg"}"#),
        "bad_address"
    );
}

#[test]
fn mapped_malformed_records() {
    assert_eq!(reason(Format::Json, b"{"), "json");
    assert_eq!(reason(Format::Json, b"\"text\""), "not_object");
    assert_eq!(
        reason(Format::Json, br#"{"source":{"ip":"1.2.3.4"}}"#),
        "missing_field"
    );
    assert_eq!(
        reason(
            Format::Json,
            br#"{"@timestamp":"2024-03-01T00:00:00Z","source":{"ip":"x"}}"#
        ),
        "bad_address"
    );
}

#[test]
fn records_over_the_limit_are_refused_before_parsing() {
    let decoder = Decoder::new(Format::Eve).unwrap().max_record(100);
    let long = format!(
        r#"{{"timestamp":"2024-03-01T00:00:00+0000","x":"{}"}}"#,
        "a".repeat(200)
    );
    assert!(matches!(
        decoder.decode(long.as_bytes()),
        Err(DecodeError::TooLong { limit: 100, .. })
    ));
}

#[test]
fn unknown_fields_and_event_types_are_accepted() {
    let decoder = Decoder::new(Format::Eve).unwrap();
    let line = br#"{"timestamp":"2024-03-01T00:00:00Z","event_type":"quic","x_new":{"deep":[1,{"a":null}]},"src_ip":"2001:db8::1","dest_ip":"2001:db8::2","proto":"UDP","app_proto":"quic"}"#;
    let obs = decoder.decode(line).unwrap();
    assert_eq!(obs.kind, "quic");
    let net = obs.network.unwrap();
    assert_eq!(net.protocols.as_slice(), ["ipv6", "udp", "quic"]);
}

#[test]
fn eve_alert_with_app_metadata_and_escapes() {
    let decoder = Decoder::new(Format::Eve).unwrap();
    let line = br#"{"timestamp":"2024-03-01T00:00:00.000001+0100","event_type":"alert","src_ip":"10.0.0.1","src_port":5,"dest_ip":"10.0.0.2","dest_port":80,"proto":"TCP","app_proto":"http","alert":{"signature_id":1},"http":{"hostname":"a\u002eexample","url":"/x?y=1","http_port":8080}}"#;
    let obs = decoder.decode(line).unwrap();
    assert_eq!(obs.domains.as_slice(), ["a.example"]);
    assert_eq!(obs.urls.as_slice(), ["http://a.example:8080/x?y=1"]);
}

#[test]
fn ecs_documents_decode_with_the_default_mapping() {
    let decoder = Decoder::new(Format::Json).unwrap();
    let line = br#"{"@timestamp":"2024-03-01T00:00:00.250Z","event":{"dataset":"zeek.dns"},"source":{"ip":"10.1.1.1","port":5353},"destination":{"ip":"10.1.1.53","port":53},"network":{"transport":"udp","protocol":"dns"},"dns":{"question":{"name":"Evil.Example"}},"file":{"hash":{"sha256":"AB"}}}"#;
    let obs = decoder.decode(line).unwrap();
    assert_eq!(obs.kind, "zeek.dns");
    assert_eq!(obs.domains.as_slice(), ["Evil.Example"]);
    assert_eq!(obs.files[0].sha256.as_deref(), Some("ab"));
    assert_eq!(
        obs.network.unwrap().protocols.as_slice(),
        ["ipv4", "udp", "dns"]
    );
}

#[test]
fn custom_mapping_from_toml() {
    let mapping: Mapping = toml::from_str(
        r#"
        time = ["when"]
        src_ip = ["client"]
        domains = ["queries", "host"]
        email_to = ["rcpt"]
        "#,
    )
    .unwrap();
    let decoder = Decoder::with_mapping(mapping).unwrap();
    let obs = decoder
        .decode(br#"{"when":1709251200,"client":"10.0.0.9","queries":["a.test","b.test"],"host":"a.test","rcpt":["<x@y.test>"]}"#)
        .unwrap();
    assert_eq!(obs.domains.as_slice(), ["a.test", "b.test"]);
    assert_eq!(obs.email.unwrap().to.as_slice(), ["x@y.test"]);
    assert_eq!(obs.time, 1_709_251_200_000_000_000);
    let bad: Result<Mapping, _> = toml::from_str("tme = [\"x\"]");
    assert!(bad.unwrap_err().to_string().contains("unknown field `tme`"));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        for format in [Format::Eve, Format::Zeek, Format::Json] {
            let _ = Decoder::new(format).unwrap().decode(&bytes);
        }
    }

    #[test]
    fn mutated_good_records_never_panic(cut in 0usize..200, byte in any::<u8>()) {
        for (format, good) in [(Format::Eve, EVE_OK), (Format::Zeek, ZEEK_OK)] {
            let mut line = good.as_bytes().to_vec();
            let at = cut % line.len();
            line[at] = byte;
            let _ = Decoder::new(format).unwrap().decode(&line);
            let _ = Decoder::new(format).unwrap().decode(&line[..at]);
        }
    }
}

#[test]
fn good_records_decode() {
    assert!(
        Decoder::new(Format::Eve)
            .unwrap()
            .decode(EVE_OK.as_bytes())
            .is_ok()
    );
    assert!(
        Decoder::new(Format::Zeek)
            .unwrap()
            .decode(ZEEK_OK.as_bytes())
            .is_ok()
    );
}

#[test]
fn deep_nesting_is_refused_or_skipped_without_overflow() {
    for format in [Format::Eve, Format::Zeek, Format::Json] {
        let mut line = br#"{"timestamp":"2024-03-01T00:00:00Z","ts":1.0,"x":"#.to_vec();
        line.extend(std::iter::repeat_n(b'[', 200_000));
        line.extend(std::iter::repeat_n(b']', 200_000));
        line.push(b'}');
        assert_eq!(reason(format, &line), "too_deep");
    }
}

#[test]
fn brackets_inside_strings_do_not_count_as_depth() {
    let text = "[".repeat(500);
    let line = format!(
        r#"{{"timestamp":"2024-03-01T00:00:00Z","event_type":"{text}","ts":1.0,"@timestamp":"2024-03-01T00:00:00Z"}}"#
    );
    for format in [Format::Eve, Format::Zeek, Format::Json] {
        assert!(
            Decoder::new(format)
                .unwrap()
                .decode(line.as_bytes())
                .is_ok()
        );
    }
}
