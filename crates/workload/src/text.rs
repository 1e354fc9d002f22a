//! Small allocation-free text helpers for the JSON hot path.

use std::fmt;

/// A short ASCII string built on the stack.
#[derive(Clone, Copy)]
pub(crate) struct StackStr<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> StackStr<N> {
    pub(crate) fn new() -> Self {
        StackStr {
            buf: [0; N],
            len: 0,
        }
    }

    /// Appends ASCII bytes; anything past the capacity is dropped (callers size `N` for the
    /// longest text they write). Byte by byte: the texts are a few bytes long, where a
    /// `memcpy` call costs more than the copy.
    pub(crate) fn push_bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.push_byte(b);
        }
    }

    /// Appends one ASCII byte (dropped when full).
    pub(crate) fn push_byte(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// Appends `value` in decimal, left-padded with zeros to `width` digits (at most 20).
    pub(crate) fn push_padded(&mut self, value: u64, width: usize) {
        let mut digits = 1;
        let mut v = value / 10;
        while v > 0 {
            digits += 1;
            v /= 10;
        }
        let n = digits.max(width).min(20);
        if self.len + n > N {
            return;
        }
        let mut v = value;
        for k in (0..n).rev() {
            self.buf[self.len + k] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        self.len += n;
    }

    /// The text so far.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII is ever pushed, so this cannot fail; fall back to "" rather than panic.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl<const N: usize> fmt::Debug for StackStr<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> fmt::Display for StackStr<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> serde::Serialize for StackStr<N> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Lowercase hex of up to 32 bytes, as a JSON string.
pub(crate) fn hex(bytes: &[u8]) -> StackStr<64> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = StackStr::new();
    for b in bytes.iter().take(32) {
        out.push_byte(DIGITS[usize::from(b >> 4)]);
        out.push_byte(DIGITS[usize::from(b & 15)]);
    }
    out
}

/// Lowercase colon-separated hex of up to 32 bytes (`aa:bb:…`), as Suricata writes
/// certificate fingerprints.
pub(crate) fn colon_hex(bytes: &[u8]) -> StackStr<96> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = StackStr::new();
    for (k, b) in bytes.iter().take(32).enumerate() {
        if k > 0 {
            out.push_byte(b':');
        }
        out.push_byte(DIGITS[usize::from(b >> 4)]);
        out.push_byte(DIGITS[usize::from(b & 15)]);
    }
    out
}

/// Uppercase colon-separated hex (`0A:1B:…`), as Suricata writes certificate serials.
pub(crate) fn colon_hex_upper(bytes: &[u8]) -> StackStr<96> {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = StackStr::new();
    for (k, b) in bytes.iter().take(32).enumerate() {
        if k > 0 {
            out.push_byte(b':');
        }
        out.push_byte(DIGITS[usize::from(b >> 4)]);
        out.push_byte(DIGITS[usize::from(b & 15)]);
    }
    out
}

/// Zeek-style identifier: a letter followed by 17 base-62 characters derived from `x`.
pub(crate) fn zeek_id(prefix: u8, mut x: u64) -> StackStr<18> {
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = StackStr::new();
    out.push_byte(prefix);
    // Spread the bits so that consecutive inputs give unrelated-looking ids.
    x = (x ^ (x >> 31)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut y = x.rotate_left(29) ^ 0x5851_f42d_4c95_7f2d;
    for k in 0..17 {
        let v = if k < 10 { &mut x } else { &mut y };
        out.push_byte(DIGITS[(*v % 62) as usize]);
        *v /= 62;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_forms() {
        assert_eq!(hex(&[0xab, 0x01]).as_str(), "ab01");
        assert_eq!(colon_hex(&[0xab, 0x01, 0xff]).as_str(), "ab:01:ff");
        assert_eq!(colon_hex_upper(&[0xab, 0x01]).as_str(), "AB:01");
        assert_eq!(hex(&[0x11; 32]).as_str().len(), 64);
        assert_eq!(colon_hex(&[0x11; 20]).as_str().len(), 59);
    }

    #[test]
    fn padded_numbers() {
        let mut s = StackStr::<16>::new();
        s.push_padded(7, 3);
        s.push_padded(0, 1);
        s.push_padded(12345, 2);
        assert_eq!(s.as_str(), "007012345");
    }

    #[test]
    fn zeek_ids_look_like_zeek() {
        let a = zeek_id(b'C', 1);
        let b = zeek_id(b'C', 2);
        assert_eq!(a.as_str().len(), 18);
        assert!(a.as_str().starts_with('C'));
        assert_ne!(a.as_str(), b.as_str());
        assert!(a.as_str().bytes().all(|c| c.is_ascii_alphanumeric()));
    }
}
