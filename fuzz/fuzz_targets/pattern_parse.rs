//! Any text as a STIX pattern: parsing never panics or overflows the stack, checking never
//! panics, and the canonical printer round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phalanx_pattern::Pattern;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(pattern) = Pattern::parse(text) else {
        return;
    };
    let _ = phalanx_pattern::check(&pattern);
    let printed = pattern.to_string();
    let reparsed = Pattern::parse(&printed).expect("the canonical form parses");
    assert_eq!(reparsed, pattern, "print/parse round trip changed {printed}");
    let _ = phalanx_pattern::CompiledPattern::new(&pattern);
});
