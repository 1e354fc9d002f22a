//! The check every decoder fuzz target runs: decoding never panics, and whatever decodes
//! gives STIX the evaluator accepts and exactly as many facts as its flattening.

use phalanx_decode::{Decoder, Format};

/// Runs the check on one input for `format`.
pub fn check(format: Format, data: &[u8]) {
    let Ok(decoder) = Decoder::new(format) else {
        return;
    };
    let Ok(observation) = decoder.decode(data) else {
        return;
    };
    let start = observation.start_text();
    let mut facts = phalanx_matcher::Facts::new();
    observation.facts(decoder.paths(), start.as_str(), &mut facts);
    let (od, scos) = observation.to_stix("observed-data--00000000-0000-4000-8000-000000000000");
    let mut objects = vec![od];
    objects.extend(scos);
    phalanx_pattern::ObservationSet::from_stix(&objects).expect("decoded STIX is evaluable");
    let flat = phalanx_matcher::facts_from_observation(&objects).expect("decoded STIX flattens");
    let flat_count = flat[0]
        .entries
        .iter()
        .filter(|(path, _)| {
            let text = path.to_string();
            !text.ends_with("id") && !text.ends_with("spec_version")
        })
        .count();
    assert_eq!(facts.len(), flat_count, "facts and flattened STIX differ");
}
