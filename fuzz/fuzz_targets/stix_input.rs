//! Any bytes as a STIX input file: body parsing, then validation of every object in it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = phalanx_stix::Timestamp::parse(text);
        let _ = phalanx_stix::Timestamp::parse_lenient(text);
        let _ = phalanx_stix::Identifier::parse(text);
    }
    let Ok(body) = phalanx_stix::parse_body(data) else {
        return;
    };
    for raw in body.objects() {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(raw.get()) {
            if let Ok(summary) = phalanx_stix::validate(&value) {
                // A valid object survives the text round trip unchanged.
                let text = serde_json::to_string(&value).expect("serialise");
                let again: serde_json::Value = serde_json::from_str(&text).expect("reparse");
                assert_eq!(again, value, "round trip changed {}", summary.id);
            }
        }
    }
});
