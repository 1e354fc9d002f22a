//! Any bytes as the parts of a TAXII request: the query string of every endpoint, a media
//! range, and a POST body judged object by object.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phalanx_taxii::query::{self, Endpoint};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for endpoint in [Endpoint::Objects, Endpoint::Object, Endpoint::Versions, Endpoint::Delete] {
            if let Ok(filters) = query::parse(Some(text), endpoint, 1000) {
                assert!(filters.limit >= 1 && filters.limit <= 1000);
            }
        }
        let _ = phalanx_taxii::media::parse_media_range(text);
    }
    if let Ok(judged) = phalanx_taxii::ingest::judge_envelope(data) {
        assert_eq!(judged.accepted.len() + judged.refused.len(), judged.total);
    }
});
