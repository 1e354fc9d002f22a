//! `LIKE` and `MATCHES`: building the regexes and matching values.
//!
//! `MATCHES` uses the `regex` crate, whose matching is linear in the input, so
//! a hostile pattern cannot cause catastrophic backtracking (ReDoS). The cost
//! is that PCRE features without a linear-time algorithm — backreferences,
//! look-ahead and look-behind, atomic groups, recursion — are rejected when the
//! pattern is checked (an error, so the pattern is invalid and never matches).
//! The spec requires search semantics (an unanchored match) and DOTALL; both
//! are applied. String values and the regex are NFC-normalised first (STIX
//! 2.1 §9.6.1, §9.6.2).
//!
//! On binary values (properties ending in `_bin` or `_hex`) the regex runs
//! over the octets with Unicode off, as the spec asks. The pattern string is
//! converted to octets the way §9.6.4 converts string constants: code points
//! below U+0100 become the octet of the same value (so `'\\xd4'` and a literal
//! `Ô` both match octet 0xd4). A pattern with a code point at or above U+0100
//! cannot be converted and never matches a binary value.
//!
//! `LIKE` is translated to an anchored regex over the whole value: `%` is any
//! run of characters (including line breaks), `_` is exactly one character,
//! everything else is literal.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// NFC form of `text`, borrowing when it is already normalised.
pub(crate) fn nfc(text: &str) -> Cow<'_, str> {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => {
            let normalised: String = text.nfc().collect();
            if normalised == text {
                Cow::Borrowed(text)
            } else {
                Cow::Owned(normalised)
            }
        }
    }
}

/// A compiled `LIKE` or `MATCHES` operand: a regex for strings and, when the
/// pattern converts to octets, one for binary values. Public so that a
/// multi-pattern index confirms prefilter candidates with exactly the
/// evaluator's rules (NFC, DOTALL, anchoring, octet conversion).
#[derive(Debug, Clone)]
pub struct TextMatcher {
    /// `None` only for a `LIKE` pattern too large to compile: it never matches.
    text: Option<regex::Regex>,
    bytes: Option<regex::bytes::Regex>,
}

impl TextMatcher {
    /// Compiles a `MATCHES` regex. `dotall` is the spec's behaviour; turning
    /// it off reproduces the reference matcher. The error explains why the
    /// regex is invalid.
    pub fn matches(pattern: &str, dotall: bool) -> Result<TextMatcher, String> {
        let pattern = nfc(pattern);
        let text = regex::RegexBuilder::new(&pattern)
            .dot_matches_new_line(dotall)
            .build()
            .map_err(|e| describe_regex_error(&pattern, &e))?;
        let bytes = latin1_regex_source(&pattern).and_then(|source| {
            regex::bytes::RegexBuilder::new(&source)
                .unicode(false)
                .dot_matches_new_line(dotall)
                .build()
                .ok()
        });
        Ok(TextMatcher {
            text: Some(text),
            bytes,
        })
    }

    /// Compiles a `LIKE` pattern. With `dotall` off (the reference matcher's
    /// behaviour) `%` and `_` do not match line feeds and the end anchor also
    /// matches before a final line feed, as Python's `$` does.
    pub fn like(pattern: &str, dotall: bool) -> TextMatcher {
        let pattern = nfc(pattern);
        let (any_run, any_one, end) = if dotall {
            ("(?s:.*)", "(?s:.)", r"\z")
        } else {
            (".*", ".", r"\n?\z")
        };
        let mut text_source = String::from(r"\A");
        let mut byte_source = Some(String::from(r"\A"));
        for c in pattern.chars() {
            match c {
                '%' => {
                    text_source.push_str(any_run);
                    if let Some(s) = byte_source.as_mut() {
                        s.push_str(any_run);
                    }
                }
                '_' => {
                    text_source.push_str(any_one);
                    if let Some(s) = byte_source.as_mut() {
                        s.push_str(any_one);
                    }
                }
                _ => {
                    text_source.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
                    match u8::try_from(u32::from(c)) {
                        Ok(octet) => {
                            if let Some(s) = byte_source.as_mut() {
                                s.push_str(&format!(r"\x{octet:02x}"));
                            }
                        }
                        Err(_) => byte_source = None,
                    }
                }
            }
        }
        text_source.push_str(end);
        if let Some(s) = byte_source.as_mut() {
            s.push_str(end);
        }
        // Every character is escaped, so only the size limit can fail; a LIKE
        // pattern that large never matches anything.
        let text = regex::Regex::new(&text_source).ok();
        let bytes = byte_source.and_then(|source| {
            regex::bytes::RegexBuilder::new(&source)
                .unicode(false)
                .build()
                .ok()
        });
        TextMatcher { text, bytes }
    }

    /// Matches a string value (NFC-normalised first).
    pub fn is_match_str(&self, value: &str) -> bool {
        self.text
            .as_ref()
            .is_some_and(|regex| regex.is_match(&nfc(value)))
    }

    /// Matches a binary value's octets.
    pub fn is_match_bytes(&self, value: &[u8]) -> bool {
        self.bytes
            .as_ref()
            .is_some_and(|regex| regex.is_match(value))
    }
}

/// The regex source for matching octets: code points 0x80-0xff become
/// `\xHH` escapes (bytes, with Unicode off). `None` when the pattern has a
/// code point at or above U+0100, or a backslash before a non-ASCII character.
fn latin1_regex_source(pattern: &str) -> Option<String> {
    let mut out = String::with_capacity(pattern.len());
    let mut escaped = false;
    for c in pattern.chars() {
        let code = u32::from(c);
        if code >= 0x100 || (escaped && code >= 0x80) {
            return None;
        }
        if code >= 0x80 {
            out.push_str(&format!(r"\x{code:02x}"));
        } else {
            out.push(c);
        }
        escaped = c == '\\' && !escaped;
    }
    Some(out)
}

/// A one-line reason for a regex that does not compile.
fn describe_regex_error(pattern: &str, error: &regex::Error) -> String {
    let reason = match regex_syntax::Parser::new().parse(pattern) {
        Err(regex_syntax::Error::Parse(e)) => e.kind().to_string(),
        Err(regex_syntax::Error::Translate(e)) => e.kind().to_string(),
        Err(other) => other.to_string(),
        Ok(_) => match error {
            regex::Error::CompiledTooBig(limit) => {
                format!("the compiled regex exceeds the size limit of {limit} bytes")
            }
            other => other
                .to_string()
                .lines()
                .last()
                .unwrap_or_default()
                .trim()
                .to_string(),
        },
    };
    format!(
        "invalid regular expression '{pattern}' for MATCHES: {reason} \
         (the regex crate has no backreferences or look-around)"
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn matches_has_search_semantics_and_dotall() {
        let m = TextMatcher::matches("b.c", true).unwrap();
        assert!(m.is_match_str("ab\ncd"));
        let no_dotall = TextMatcher::matches("b.c", false).unwrap();
        assert!(!no_dotall.is_match_str("ab\ncd"));
        assert!(
            TextMatcher::matches("", true)
                .unwrap()
                .is_match_str("anything")
        );
    }

    #[test]
    fn unsupported_features_are_errors() {
        let err = TextMatcher::matches("a(?=b)", true).unwrap_err();
        assert!(err.contains("look-around"), "{err}");
        assert!(TextMatcher::matches(r"(a)\1", true).is_err());
        assert!(TextMatcher::matches("(", true).is_err());
    }

    #[test]
    fn binary_values_match_octets_without_unicode() {
        let m = TextMatcher::matches(r"^\xd4\xc3", true).unwrap();
        assert!(m.is_match_bytes(&[0xd4, 0xc3, 0xb2]));
        let latin = TextMatcher::matches("^Ô", true).unwrap();
        assert!(latin.is_match_bytes(&[0xd4]));
        let wide = TextMatcher::matches("Ā", true).unwrap();
        assert!(!wide.is_match_bytes("Ā".as_bytes()));
        let class = TextMatcher::matches(r"\w+", true).unwrap();
        assert!(!class.is_match_bytes(&[0xe9]));
    }

    #[test]
    fn like_is_anchored_sql_wildcards() {
        let m = TextMatcher::like("C:\\%.exe", true);
        assert!(m.is_match_str("C:\\Windows\\x.exe"));
        assert!(!m.is_match_str("D:\\x.exe"));
        let one = TextMatcher::like("a_c", true);
        assert!(one.is_match_str("abc"));
        assert!(one.is_match_str("a\nc"));
        assert!(!one.is_match_str("abbc"));
        assert!(TextMatcher::like("a.*", true).is_match_str("a.*"));
        assert!(!TextMatcher::like("a.*", true).is_match_str("abc"));
        assert!(TextMatcher::like("%", true).is_match_bytes(&[0xff, 0x00]));
    }

    #[test]
    fn nfc_applies_to_values_and_patterns() {
        // "é" decomposed (e + U+0301) matches the composed pattern.
        assert!(TextMatcher::like("caf\u{e9}", true).is_match_str("cafe\u{301}"));
        assert!(
            TextMatcher::matches("cafe\u{301}$", true)
                .unwrap()
                .is_match_str("caf\u{e9}")
        );
    }
}
