//! Recursive-descent parser for the STIX 2.1 pattern grammar.
//!
//! Precedence, lowest first: `FOLLOWEDBY`, observation `OR`, observation
//! `AND`, then qualifiers (postfix, binding to the bracketed or parenthesised
//! expression just before them). Inside brackets comparison `OR` binds looser
//! than comparison `AND`. All operators are left-associative and associative
//! in meaning, so the parser builds flat n-ary nodes (see [`crate::ast`]).
//!
//! Recursion happens only at `(` and `[`, and the depth is capped at
//! [`MAX_NESTING_DEPTH`], so no input can overflow the stack. Every other
//! repetition is a loop, so parsing is linear in the input.
//!
//! Beyond the OASIS grammar, the parser accepts `NOT EXISTS path` (the
//! negation of `EXISTS`, which the 2.1 ANTLR grammar lacks).

use crate::ast::{
    Comparison, ComparisonExpr, Literal, ObjectPath, ObservationExpr, Operator, PathStep, Pattern,
    Qualifier, Seconds,
};
use crate::error::PatternError;
use crate::lexer::{Keyword, Token, TokenKind, column_of, tokenize};

/// How deeply parentheses and brackets may nest, counting both observation
/// and comparison levels. Deeper input is a [`PatternError::TooDeep`], never a
/// stack overflow. Real patterns rarely nest more than a handful of levels.
pub const MAX_NESTING_DEPTH: usize = 64;

/// Parses a whole pattern.
pub(crate) fn parse(src: &str) -> Result<Pattern, PatternError> {
    let tokens = tokenize(src)?;
    let mut parser = Parser {
        src,
        tokens,
        pos: 0,
        depth: 0,
    };
    let expr = parser.observation_expressions()?;
    let token = parser.peek();
    if token.kind != TokenKind::Eof {
        return Err(parser.unexpected("FOLLOWEDBY, AND, OR, a qualifier or the end of the pattern"));
    }
    Ok(Pattern { expr })
}

struct Parser<'s> {
    src: &'s str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl<'s> Parser<'s> {
    fn peek(&self) -> &Token {
        // `tokenize` always ends with Eof and `advance` never passes it.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn advance(&mut self) -> Token {
        let token = self.peek().clone();
        if token.kind != TokenKind::Eof {
            self.pos += 1;
        }
        token
    }

    fn at_keyword(&self, keyword: Keyword) -> bool {
        self.peek().kind == TokenKind::Keyword(keyword)
    }

    fn text(&self, token: &Token) -> &'s str {
        &self.src[token.start..token.end]
    }

    /// How the current token is shown in "found ..." messages.
    fn describe(&self, token: &Token) -> String {
        if token.kind == TokenKind::Eof {
            return "end of pattern".to_string();
        }
        let text = self.text(token);
        let mut shown: String = text.chars().take(40).collect();
        if shown.len() < text.len() {
            shown.push_str("...");
        }
        match token.kind {
            TokenKind::Str(_) => format!("string {shown}"),
            TokenKind::Int { .. } | TokenKind::Float { .. } => format!("number {shown}"),
            TokenKind::Hex(_) | TokenKind::Binary(_) | TokenKind::Timestamp(_) => {
                format!("literal {shown}")
            }
            _ => format!("'{shown}'"),
        }
    }

    fn unexpected(&self, expected: &str) -> PatternError {
        let token = self.peek();
        PatternError::Unexpected {
            column: column_of(self.src, token.start),
            expected: expected.to_string(),
            found: self.describe(token),
        }
    }

    fn expect(&mut self, kind: TokenKind, expected: &str) -> Result<Token, PatternError> {
        if self.peek().kind == kind {
            Ok(self.advance())
        } else {
            Err(self.unexpected(expected))
        }
    }

    fn expect_keyword(&mut self, keyword: Keyword, expected: &str) -> Result<(), PatternError> {
        self.expect(TokenKind::Keyword(keyword), expected)
            .map(|_| ())
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        if self.depth >= MAX_NESTING_DEPTH {
            return Err(PatternError::TooDeep {
                column: column_of(self.src, self.peek().start),
                limit: MAX_NESTING_DEPTH,
            });
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ---- observation level ----

    fn observation_expressions(&mut self) -> Result<ObservationExpr, PatternError> {
        let mut operands = vec![self.observation_or()?];
        while self.at_keyword(Keyword::FollowedBy) {
            self.advance();
            operands.push(self.observation_or()?);
        }
        Ok(flatten_observations(operands, ObsKind::FollowedBy))
    }

    fn observation_or(&mut self) -> Result<ObservationExpr, PatternError> {
        let mut operands = vec![self.observation_and()?];
        while self.at_keyword(Keyword::Or) {
            self.advance();
            operands.push(self.observation_and()?);
        }
        Ok(flatten_observations(operands, ObsKind::Or))
    }

    fn observation_and(&mut self) -> Result<ObservationExpr, PatternError> {
        let mut operands = vec![self.qualified_observation()?];
        while self.at_keyword(Keyword::And) {
            self.advance();
            operands.push(self.qualified_observation()?);
        }
        Ok(flatten_observations(operands, ObsKind::And))
    }

    fn qualified_observation(&mut self) -> Result<ObservationExpr, PatternError> {
        let primary = match self.peek().kind {
            TokenKind::LBrack => {
                self.enter()?;
                self.advance();
                let inner = self.comparison_or()?;
                self.expect(TokenKind::RBrack, "']'")?;
                self.leave();
                ObservationExpr::Observation(inner)
            }
            TokenKind::LParen => {
                self.enter()?;
                self.advance();
                let inner = self.observation_expressions()?;
                self.expect(TokenKind::RParen, "')'")?;
                self.leave();
                inner
            }
            _ => return Err(self.unexpected("'[' or '(' to start an observation expression")),
        };
        let mut qualifiers = Vec::new();
        loop {
            let qualifier = match self.peek().kind {
                TokenKind::Keyword(Keyword::Within) => self.within()?,
                TokenKind::Keyword(Keyword::Repeats) => self.repeats()?,
                TokenKind::Keyword(Keyword::Start) => self.start_stop()?,
                _ => break,
            };
            qualifiers.push(qualifier);
        }
        Ok(if qualifiers.is_empty() {
            primary
        } else {
            ObservationExpr::Qualified(Box::new(primary), qualifiers)
        })
    }

    fn within(&mut self) -> Result<Qualifier, PatternError> {
        self.advance();
        const EXPECTED: &str = "a non-negative number of seconds after WITHIN";
        let seconds = match self.peek().kind {
            TokenKind::Int {
                value,
                negative: false,
            } => match u64::try_from(value) {
                Ok(value) => Seconds::Int(value),
                Err(_) => return Err(self.unexpected("a number of seconds that fits in 64 bits")),
            },
            TokenKind::Float {
                value,
                negative: false,
            } => Seconds::Float(value),
            _ => return Err(self.unexpected(EXPECTED)),
        };
        self.advance();
        self.expect_keyword(Keyword::Seconds, "SECONDS (the only unit)")?;
        Ok(Qualifier::Within(seconds))
    }

    fn repeats(&mut self) -> Result<Qualifier, PatternError> {
        self.advance();
        let count = match self.peek().kind {
            TokenKind::Int {
                value,
                negative: false,
            } => match u64::try_from(value) {
                Ok(value) => value,
                Err(_) => return Err(self.unexpected("a repeat count that fits in 64 bits")),
            },
            _ => return Err(self.unexpected("a non-negative integer after REPEATS")),
        };
        self.advance();
        self.expect_keyword(Keyword::Times, "TIMES")?;
        Ok(Qualifier::Repeats(count))
    }

    fn start_stop(&mut self) -> Result<Qualifier, PatternError> {
        self.advance();
        let start = self.timestamp("a timestamp literal t'...' after START")?;
        self.expect_keyword(Keyword::Stop, "STOP")?;
        let stop = self.timestamp("a timestamp literal t'...' after STOP")?;
        Ok(Qualifier::StartStop { start, stop })
    }

    fn timestamp(&mut self, expected: &str) -> Result<crate::ast::Timestamp, PatternError> {
        match self.peek().kind {
            TokenKind::Timestamp(ts) => {
                self.advance();
                Ok(ts)
            }
            _ => Err(self.unexpected(expected)),
        }
    }

    // ---- comparison level ----

    fn comparison_or(&mut self) -> Result<ComparisonExpr, PatternError> {
        let mut operands = vec![self.comparison_and()?];
        while self.at_keyword(Keyword::Or) {
            self.advance();
            operands.push(self.comparison_and()?);
        }
        Ok(flatten_comparisons(operands, false))
    }

    fn comparison_and(&mut self) -> Result<ComparisonExpr, PatternError> {
        let mut operands = vec![self.comparison_primary()?];
        while self.at_keyword(Keyword::And) {
            self.advance();
            operands.push(self.comparison_primary()?);
        }
        Ok(flatten_comparisons(operands, true))
    }

    fn comparison_primary(&mut self) -> Result<ComparisonExpr, PatternError> {
        match self.peek().kind {
            TokenKind::LParen => {
                self.enter()?;
                self.advance();
                let inner = self.comparison_or()?;
                self.expect(TokenKind::RParen, "')'")?;
                self.leave();
                Ok(inner)
            }
            TokenKind::Keyword(Keyword::Exists) => {
                self.advance();
                let path = self.object_path()?;
                Ok(ComparisonExpr::Comparison(Comparison {
                    path,
                    negated: false,
                    operator: Operator::Exists,
                }))
            }
            TokenKind::Keyword(Keyword::Not) => {
                self.advance();
                self.expect_keyword(Keyword::Exists, "EXISTS after a leading NOT")?;
                let path = self.object_path()?;
                Ok(ComparisonExpr::Comparison(Comparison {
                    path,
                    negated: true,
                    operator: Operator::Exists,
                }))
            }
            _ => self.comparison().map(ComparisonExpr::Comparison),
        }
    }

    fn comparison(&mut self) -> Result<Comparison, PatternError> {
        let path = self.object_path()?;
        let negated = self.at_keyword(Keyword::Not);
        if negated {
            self.advance();
        }
        const OPERATORS: &str =
            "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)";
        let operator = match self.peek().kind {
            TokenKind::Eq => {
                self.advance();
                Operator::Eq(self.primitive_literal()?)
            }
            TokenKind::Ne => {
                self.advance();
                Operator::Ne(self.primitive_literal()?)
            }
            TokenKind::Lt => {
                self.advance();
                Operator::Lt(self.orderable_literal()?)
            }
            TokenKind::Le => {
                self.advance();
                Operator::Le(self.orderable_literal()?)
            }
            TokenKind::Gt => {
                self.advance();
                Operator::Gt(self.orderable_literal()?)
            }
            TokenKind::Ge => {
                self.advance();
                Operator::Ge(self.orderable_literal()?)
            }
            TokenKind::Keyword(Keyword::In) => {
                self.advance();
                Operator::In(self.set_literal()?)
            }
            TokenKind::Keyword(Keyword::Like) => {
                self.advance();
                Operator::Like(self.string_literal("a string literal after LIKE")?)
            }
            TokenKind::Keyword(Keyword::Matches) => {
                self.advance();
                Operator::Matches(
                    self.string_literal("a string literal (the regex) after MATCHES")?,
                )
            }
            TokenKind::Keyword(Keyword::IsSubset) => {
                self.advance();
                Operator::IsSubset(
                    self.string_literal("a string literal (an IP or CIDR) after ISSUBSET")?,
                )
            }
            TokenKind::Keyword(Keyword::IsSuperset) => {
                self.advance();
                Operator::IsSuperset(
                    self.string_literal("a string literal (an IP or CIDR) after ISSUPERSET")?,
                )
            }
            TokenKind::Keyword(Keyword::Exists) if negated => {
                return Err(
                    self.unexpected("a comparison operator; write NOT EXISTS before the path")
                );
            }
            _ => return Err(self.unexpected(OPERATORS)),
        };
        Ok(Comparison {
            path,
            negated,
            operator,
        })
    }

    fn object_path(&mut self) -> Result<ObjectPath, PatternError> {
        let object_type = match self.peek().kind {
            TokenKind::Ident { .. } => {
                let token = self.advance();
                self.text(&token).to_string()
            }
            _ => return Err(self.unexpected("an object path such as file:name")),
        };
        self.expect(TokenKind::Colon, "':' after the object type")?;
        const PROPERTY: &str =
            "a property name (quote names with '-' or '.', or that are keywords, e.g. 'SHA-256')";
        let property = self.property_name(PROPERTY)?;
        let mut path = ObjectPath::new(object_type, property);
        loop {
            match self.peek().kind {
                TokenKind::Dot => {
                    self.advance();
                    let key = self.property_name(PROPERTY)?;
                    path.steps.push(PathStep::Key(key));
                }
                TokenKind::LBrack => {
                    self.advance();
                    let step = match self.peek().kind {
                        TokenKind::Star => PathStep::AnyIndex,
                        TokenKind::Int { value, .. } => match i64::try_from(value) {
                            Ok(index) => PathStep::Index(index),
                            Err(_) => {
                                return Err(self.unexpected("a list index that fits in 64 bits"));
                            }
                        },
                        _ => return Err(self.unexpected("a list index (an integer or '*')")),
                    };
                    self.advance();
                    self.expect(TokenKind::RBrack, "']' to close the list index")?;
                    path.steps.push(step);
                }
                _ => return Ok(path),
            }
        }
    }

    fn property_name(&mut self, expected: &str) -> Result<String, PatternError> {
        match &self.peek().kind {
            TokenKind::Ident { hyphen: false } => {
                let token = self.advance();
                Ok(self.text(&token).to_string())
            }
            TokenKind::Str(name) => {
                let name = name.clone();
                self.advance();
                Ok(name)
            }
            _ => Err(self.unexpected(expected)),
        }
    }

    fn string_literal(&mut self, expected: &str) -> Result<String, PatternError> {
        match &self.peek().kind {
            TokenKind::Str(value) => {
                let value = value.clone();
                self.advance();
                Ok(value)
            }
            _ => Err(self.unexpected(expected)),
        }
    }

    fn primitive_literal(&mut self) -> Result<Literal, PatternError> {
        if let TokenKind::Bool(value) = self.peek().kind {
            self.advance();
            return Ok(Literal::Bool(value));
        }
        self.literal_or("a literal (string, number, boolean, b'..', h'..' or t'..')")
    }

    fn orderable_literal(&mut self) -> Result<Literal, PatternError> {
        self.literal_or("an orderable literal (string, number, b'..', h'..' or t'..')")
    }

    /// A literal other than a boolean.
    fn literal_or(&mut self, expected: &str) -> Result<Literal, PatternError> {
        let literal = match &self.peek().kind {
            TokenKind::Int { value, .. } => Literal::Int(*value),
            TokenKind::Float { value, .. } => Literal::Float(*value),
            TokenKind::Str(value) => Literal::String(value.clone()),
            TokenKind::Hex(bytes) => Literal::Hex(bytes.clone()),
            TokenKind::Binary(bytes) => Literal::Binary(bytes.clone()),
            TokenKind::Timestamp(ts) => Literal::Timestamp(*ts),
            _ => return Err(self.unexpected(expected)),
        };
        self.advance();
        Ok(literal)
    }

    fn set_literal(&mut self) -> Result<Vec<Literal>, PatternError> {
        self.expect(TokenKind::LParen, "'(' to open the IN set")?;
        let mut members = Vec::new();
        if self.peek().kind == TokenKind::RParen {
            self.advance();
            return Ok(members);
        }
        loop {
            members.push(self.primitive_literal()?);
            match self.peek().kind {
                TokenKind::Comma => {
                    self.advance();
                }
                TokenKind::RParen => {
                    self.advance();
                    return Ok(members);
                }
                _ => return Err(self.unexpected("',' or ')' in the IN set")),
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum ObsKind {
    And,
    Or,
    FollowedBy,
}

/// Builds an n-ary observation node, splicing in children of the same kind
/// (from parentheses) so the tree stays flat.
fn flatten_observations(mut operands: Vec<ObservationExpr>, kind: ObsKind) -> ObservationExpr {
    if operands.len() == 1 {
        return operands.remove(0);
    }
    let mut flat = Vec::with_capacity(operands.len());
    for operand in operands {
        match (kind, operand) {
            (ObsKind::And, ObservationExpr::And(children))
            | (ObsKind::Or, ObservationExpr::Or(children))
            | (ObsKind::FollowedBy, ObservationExpr::FollowedBy(children)) => flat.extend(children),
            (_, other) => flat.push(other),
        }
    }
    match kind {
        ObsKind::And => ObservationExpr::And(flat),
        ObsKind::Or => ObservationExpr::Or(flat),
        ObsKind::FollowedBy => ObservationExpr::FollowedBy(flat),
    }
}

/// Builds an n-ary comparison node (`and` selects AND, else OR), splicing in
/// children of the same kind.
fn flatten_comparisons(mut operands: Vec<ComparisonExpr>, and: bool) -> ComparisonExpr {
    if operands.len() == 1 {
        return operands.remove(0);
    }
    let mut flat = Vec::with_capacity(operands.len());
    for operand in operands {
        match operand {
            ComparisonExpr::And(children) if and => flat.extend(children),
            ComparisonExpr::Or(children) if !and => flat.extend(children),
            other => flat.push(other),
        }
    }
    if and {
        ComparisonExpr::And(flat)
    } else {
        ComparisonExpr::Or(flat)
    }
}
