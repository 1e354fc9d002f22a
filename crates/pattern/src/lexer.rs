//! The lexer: pattern text to tokens (STIX 2.1 pattern grammar, lexer rules).
//!
//! Hand-written because the lexical rules are the product's core and are
//! small: keywords are upper case only; identifiers may contain `-` (object
//! types) or not (property names); `h'..'`, `b'..'` and `t'..'` literals are
//! validated here so the error points at the bad character; Unicode
//! whitespace (the `White_Space` property, as the grammar's `WS` rule lists)
//! and `/* */` and `//` comments are skipped. One pass, linear time.

use crate::ast::Timestamp;
use crate::error::PatternError;
use crate::literal;

/// The upper-case keywords of the grammar (`LAST` is reserved and unused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyword {
    And,
    Or,
    Not,
    FollowedBy,
    Like,
    Matches,
    IsSuperset,
    IsSubset,
    Exists,
    Last,
    In,
    Start,
    Stop,
    Seconds,
    Within,
    Repeats,
    Times,
}

impl Keyword {
    fn from_text(text: &str) -> Option<Keyword> {
        Some(match text {
            "AND" => Keyword::And,
            "OR" => Keyword::Or,
            "NOT" => Keyword::Not,
            "FOLLOWEDBY" => Keyword::FollowedBy,
            "LIKE" => Keyword::Like,
            "MATCHES" => Keyword::Matches,
            "ISSUPERSET" => Keyword::IsSuperset,
            "ISSUBSET" => Keyword::IsSubset,
            "EXISTS" => Keyword::Exists,
            "LAST" => Keyword::Last,
            "IN" => Keyword::In,
            "START" => Keyword::Start,
            "STOP" => Keyword::Stop,
            "SECONDS" => Keyword::Seconds,
            "WITHIN" => Keyword::Within,
            "REPEATS" => Keyword::Repeats,
            "TIMES" => Keyword::Times,
            _ => return None,
        })
    }
}

/// True when `text` lexes as a keyword or boolean, not as an identifier.
pub(crate) fn is_reserved_word(text: &str) -> bool {
    Keyword::from_text(text).is_some() || text == "true" || text == "false"
}

/// True when `text` is an `IdentifierWithoutHyphen` that is not reserved,
/// i.e. it can be written bare as a property name.
pub(crate) fn is_bare_property(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_reserved_word(text)
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    /// An identifier; `hyphen` is true when it contains `-`.
    Ident {
        hyphen: bool,
    },
    Keyword(Keyword),
    Str(String),
    /// An integer; `negative` is true when written with `-` (even `-0`).
    Int {
        value: i128,
        negative: bool,
    },
    /// A float; `negative` is true when written with `-`.
    Float {
        value: f64,
        negative: bool,
    },
    Bool(bool),
    Hex(Vec<u8>),
    Binary(Vec<u8>),
    Timestamp(Timestamp),
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Colon,
    Dot,
    Comma,
    LParen,
    RParen,
    LBrack,
    RBrack,
    Star,
    Eof,
}

/// A token and its byte range in the source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

/// The 1-based character column of a byte offset.
pub(crate) fn column_of(src: &str, offset: usize) -> usize {
    let offset = offset.min(src.len());
    src.get(..offset)
        .map_or(offset, |prefix| prefix.chars().count())
        + 1
}

/// Splits `src` into tokens, ending with one [`TokenKind::Eof`].
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, PatternError> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        tokens: Vec::new(),
    };
    lexer.run()?;
    Ok(lexer.tokens)
}

struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    tokens: Vec<Token>,
}

impl<'s> Lexer<'s> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(ahead)
    }

    fn error(&self, offset: usize, problem: impl Into<String>) -> PatternError {
        PatternError::Lexical {
            column: column_of(self.src, offset),
            problem: problem.into(),
        }
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(Token {
            kind,
            start,
            end: self.pos,
        });
    }

    fn run(&mut self) -> Result<(), PatternError> {
        while let Some(c) = self.peek() {
            let start = self.pos;
            if c.is_whitespace() {
                self.pos += c.len_utf8();
                continue;
            }
            if self.src[start..].starts_with("/*") {
                match self.src[start + 2..].find("*/") {
                    Some(end) => self.pos = start + 2 + end + 2,
                    None => {
                        return Err(self.error(start, "unterminated /* comment; close it with */"));
                    }
                }
                continue;
            }
            if self.src[start..].starts_with("//") {
                let rest = &self.src[start..];
                self.pos = start + rest.find(['\n', '\r']).unwrap_or(rest.len());
                continue;
            }
            if matches!(c, 'h' | 'b' | 't') && self.peek_at(1) == Some('\'') {
                self.prefixed_literal(c)?;
                continue;
            }
            if c.is_ascii_alphabetic() || c == '_' {
                self.identifier();
                continue;
            }
            if c.is_ascii_digit()
                || ((c == '+' || c == '-' || c == '.')
                    && self
                        .peek_at(1)
                        .is_some_and(|n| n.is_ascii_digit() || (n == '.' && c != '.')))
            {
                self.number()?;
                continue;
            }
            let two = self.src[start..].get(..2);
            let (kind, len) = match (c, two) {
                (_, Some("==")) => (TokenKind::Eq, 2),
                (_, Some("!=")) | (_, Some("<>")) => (TokenKind::Ne, 2),
                (_, Some("<=")) => (TokenKind::Le, 2),
                (_, Some(">=")) => (TokenKind::Ge, 2),
                ('=', _) => (TokenKind::Eq, 1),
                ('<', _) => (TokenKind::Lt, 1),
                ('>', _) => (TokenKind::Gt, 1),
                (':', _) => (TokenKind::Colon, 1),
                ('.', _) => (TokenKind::Dot, 1),
                (',', _) => (TokenKind::Comma, 1),
                ('(', _) => (TokenKind::LParen, 1),
                (')', _) => (TokenKind::RParen, 1),
                ('[', _) => (TokenKind::LBrack, 1),
                (']', _) => (TokenKind::RBrack, 1),
                ('*', _) => (TokenKind::Star, 1),
                ('\'', _) => {
                    self.string()?;
                    continue;
                }
                _ => {
                    return Err(self.error(
                        start,
                        format!("unexpected character '{}'", c.escape_debug()),
                    ));
                }
            };
            self.pos += len;
            self.push(kind, start);
        }
        let end = self.src.len();
        self.tokens.push(Token {
            kind: TokenKind::Eof,
            start: end,
            end,
        });
        Ok(())
    }

    fn identifier(&mut self) {
        let start = self.pos;
        let rest = &self.src[start..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        self.pos = start + len;
        let text = &rest[..len];
        let kind = if text.contains('-') {
            TokenKind::Ident { hyphen: true }
        } else if let Some(keyword) = Keyword::from_text(text) {
            TokenKind::Keyword(keyword)
        } else if text == "true" || text == "false" {
            TokenKind::Bool(text == "true")
        } else {
            TokenKind::Ident { hyphen: false }
        };
        self.push(kind, start);
    }

    /// `[+-]? digits` (no leading zero) or `[+-]? digits? '.' digits`.
    fn number(&mut self) -> Result<(), PatternError> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let mut pos = start;
        let negative = bytes[pos] == b'-';
        if bytes[pos] == b'+' || bytes[pos] == b'-' {
            pos += 1;
        }
        let int_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        let int_digits = &self.src[int_start..pos];
        let is_float =
            pos + 1 < bytes.len() && bytes[pos] == b'.' && bytes[pos + 1].is_ascii_digit();
        if is_float {
            pos += 1;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                pos += 1;
            }
            self.pos = pos;
            let text = &self.src[start..pos];
            let value: f64 = text
                .parse()
                .map_err(|_| self.error(start, format!("invalid float literal '{text}'")))?;
            if !value.is_finite() {
                return Err(self.error(start, format!("float literal '{text}' is out of range")));
            }
            self.push(TokenKind::Float { value, negative }, start);
            return Ok(());
        }
        self.pos = pos;
        if int_digits.is_empty() {
            return Err(self.error(start, "expected digits after the sign of a number"));
        }
        if int_digits.len() > 1 && int_digits.starts_with('0') {
            return Err(self.error(
                int_start,
                format!("integer literal '{int_digits}' has a leading zero; write it without one"),
            ));
        }
        let text = &self.src[start..pos];
        let value: i128 = text.parse().map_err(|_| {
            self.error(
                start,
                format!("integer literal '{text}' is out of range (128 bits)"),
            )
        })?;
        self.push(TokenKind::Int { value, negative }, start);
        Ok(())
    }

    /// Scans `'...'` starting at the quote and returns the body's byte range.
    /// Only `\'` and `\\` escape; other escapes are reported by the caller.
    fn quoted_body(&mut self, quote: usize, what: &str) -> Result<(usize, usize), PatternError> {
        let body_start = quote + 1;
        let bytes = self.src.as_bytes();
        let mut pos = body_start;
        while pos < bytes.len() {
            match bytes[pos] {
                b'\\' => pos += 2,
                b'\'' => {
                    self.pos = pos + 1;
                    return Ok((body_start, pos));
                }
                _ => pos += 1,
            }
        }
        Err(self.error(quote, format!("unterminated {what}; close it with '")))
    }

    fn string(&mut self) -> Result<(), PatternError> {
        let start = self.pos;
        let (body_start, body_end) = self.quoted_body(start, "string literal")?;
        let value = literal::unescape_string(&self.src[body_start..body_end])
            .map_err(|(offset, problem)| self.error(body_start + offset, problem))?;
        self.push(TokenKind::Str(value), start);
        Ok(())
    }

    fn prefixed_literal(&mut self, prefix: char) -> Result<(), PatternError> {
        let start = self.pos;
        let what = match prefix {
            'h' => "hex literal",
            'b' => "binary literal",
            _ => "timestamp literal",
        };
        let (body_start, body_end) = self.quoted_body(start + 1, what)?;
        let body = &self.src[body_start..body_end];
        let located = |(offset, problem): literal::BodyError| (body_start + offset, problem);
        let kind = match prefix {
            'h' => literal::decode_hex(body)
                .map(TokenKind::Hex)
                .map_err(located),
            'b' => literal::decode_binary(body)
                .map(TokenKind::Binary)
                .map_err(located),
            _ => literal::parse_timestamp(body)
                .map(TokenKind::Timestamp)
                .map_err(located),
        }
        .map_err(|(offset, problem)| self.error(offset, problem))?;
        self.push(kind, start);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        tokenize(src).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn numbers() {
        assert_eq!(
            kinds("+5 -0 -.5 00.25 7"),
            vec![
                TokenKind::Int {
                    value: 5,
                    negative: false
                },
                TokenKind::Int {
                    value: 0,
                    negative: true
                },
                TokenKind::Float {
                    value: -0.5,
                    negative: true
                },
                TokenKind::Float {
                    value: 0.25,
                    negative: false
                },
                TokenKind::Int {
                    value: 7,
                    negative: false
                },
                TokenKind::Eof
            ]
        );
        assert!(
            tokenize("007")
                .unwrap_err()
                .to_string()
                .contains("leading zero")
        );
        assert!(tokenize("- 5").is_err());
    }

    #[test]
    fn keywords_are_upper_case_only() {
        assert_eq!(kinds("AND and")[0], TokenKind::Keyword(Keyword::And));
        assert_eq!(kinds("AND and")[1], TokenKind::Ident { hyphen: false });
        assert_eq!(kinds("True")[0], TokenKind::Ident { hyphen: false });
        assert_eq!(kinds("true")[0], TokenKind::Bool(true));
        assert_eq!(kinds("ipv4-addr")[0], TokenKind::Ident { hyphen: true });
    }

    #[test]
    fn operators_and_comments() {
        assert_eq!(
            kinds("= == != <> < <= > >= /* c */ // rest\n:"),
            vec![
                TokenKind::Eq,
                TokenKind::Eq,
                TokenKind::Ne,
                TokenKind::Ne,
                TokenKind::Lt,
                TokenKind::Le,
                TokenKind::Gt,
                TokenKind::Ge,
                TokenKind::Colon,
                TokenKind::Eof
            ]
        );
        assert!(
            tokenize("/* open")
                .unwrap_err()
                .to_string()
                .contains("unterminated")
        );
    }

    #[test]
    fn unicode_whitespace_is_skipped() {
        assert_eq!(
            kinds("\u{3000}[\u{2028}]\u{a0}"),
            vec![TokenKind::LBrack, TokenKind::RBrack, TokenKind::Eof]
        );
    }

    #[test]
    fn columns_count_characters() {
        let err = tokenize("[x:y = 'é' OR x:y = 'a\\b']").unwrap_err();
        assert_eq!(err.column(), 23);
        assert!(err.to_string().contains("invalid escape"), "{err}");
    }

    #[test]
    fn prefixed_literals() {
        assert_eq!(kinds("h'ff'")[0], TokenKind::Hex(vec![0xff]));
        assert_eq!(kinds("b'AA=='")[0], TokenKind::Binary(vec![0]));
        assert!(matches!(
            kinds("t'2020-01-01T00:00:00Z'")[0],
            TokenKind::Timestamp(_)
        ));
        assert_eq!(tokenize("x = h'abc'").unwrap_err().column(), 7);
        assert_eq!(tokenize("x = h'ag'").unwrap_err().column(), 8);
        assert_eq!(tokenize("x = h'ab").unwrap_err().column(), 6);
        assert_eq!(
            tokenize("x = t'2020-02-30T00:00:00Z'")
                .unwrap_err()
                .column(),
            15
        );
    }
}
