//! Any bytes as one Zeek JSON record (see `fuzz/common/decode.rs` for what is checked).
#![no_main]

#[path = "../common/decode.rs"]
mod decode;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| decode::check(phalanx_decode::Format::Zeek, data));
