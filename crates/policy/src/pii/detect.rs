//! Finding covered personal data: deciding whether a value is covered by a
//! rule, and finding covered e-mail addresses and internal addresses inside
//! free text.
//!
//! Text search is a safety net for values that no SCO carries (an address in
//! a report's description). It recognises ASCII-dotted IPv4 (also inside
//! longer digit runs), IPv6 in any RFC 4291 text form, IPv4-mapped IPv6, and
//! e-mail addresses with Unicode letters. Values that an SCO of the batch
//! carries are also replaced by exact text, whatever their spelling in the
//! text (see [`super::Redactor`]).

use std::net::IpAddr;
use std::sync::LazyLock;

use ipnet::IpNet;
use regex::Regex;

use phalanx_stix::canonical::{canonical_domain, canonical_email, canonical_ip};

use crate::config::{PiiAction, PiiRules};
use crate::pseudonym::{PseudonymKey, TOKEN_DOMAIN, ValueKind, is_token_address, placeholder};

// The expressions are constants: they compile, as the unit test
// `patterns_compile` checks, so `expect` cannot fire on any input.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"[\w.!#$%&*+/=?^{|}~-]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+[\p{L}\p{N}][\p{L}\p{N}-]*[\p{L}\p{N}]")
        .expect("constant e-mail expression")
});
static IPV4_AT_START: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"\A\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?").expect("constant IPv4 expression")
});
static PREFIX_AT_START: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"\A/\d{1,3}").expect("constant prefix expression")
});

/// A covered value found in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset after the last byte.
    pub end: usize,
    /// What replaces it.
    pub replacement: String,
}

/// The rules, prepared for matching.
#[derive(Debug, Clone)]
pub(crate) struct Detector<'k> {
    email_action: PiiAction,
    email_domains: Vec<String>,
    account_action: PiiAction,
    ranges: Vec<IpNet>,
    internal_action: PiiAction,
    key: &'k PseudonymKey,
}

impl<'k> Detector<'k> {
    pub fn new(rules: &PiiRules, key: &'k PseudonymKey) -> Detector<'k> {
        Detector {
            email_action: rules.emails.action,
            email_domains: rules
                .emails
                .domains
                .iter()
                .map(|d| canonical_domain(d.trim()).into_owned())
                .filter(|d| !d.is_empty())
                .collect(),
            account_action: rules.user_accounts,
            ranges: rules.internal_ranges.clone(),
            internal_action: rules.internal_addresses,
            key,
        }
    }

    /// The action for user-account names.
    pub fn account_action(&self) -> PiiAction {
        self.account_action
    }

    /// Whether any rule can change anything.
    pub fn is_active(&self) -> bool {
        self.email_action != PiiAction::Keep
            || self.account_action != PiiAction::Keep
            || (self.internal_action != PiiAction::Keep && !self.ranges.is_empty())
    }

    /// What replaces a value of `kind` (canonical text) under `action`.
    pub fn replacement(&self, kind: ValueKind, canonical: &str, action: PiiAction) -> String {
        match action {
            PiiAction::Drop => placeholder(kind).to_string(),
            _ => self.key.token(kind, canonical),
        }
    }

    /// When `value` is an e-mail address the rule covers: its canonical form
    /// and the action.
    pub fn email(&self, value: &str) -> Option<(String, PiiAction)> {
        if self.email_action == PiiAction::Keep {
            return None;
        }
        let canonical = canonical_email(value.trim());
        let (_, domain) = canonical.rsplit_once('@')?;
        let domain = domain.to_lowercase();
        if domain == TOKEN_DOMAIN {
            return None;
        }
        let covered = self.email_domains.is_empty()
            || self.email_domains.iter().any(|d| {
                domain == *d
                    || domain
                        .strip_suffix(d.as_str())
                        .is_some_and(|head| head.ends_with('.'))
            });
        covered.then(|| (canonical.into_owned(), self.email_action))
    }

    /// When `value` is an IP address or CIDR block inside an internal range
    /// (and not a token address): its kind, canonical form and the action.
    pub fn internal(&self, value: &str) -> Option<(ValueKind, String, PiiAction)> {
        if self.internal_action == PiiAction::Keep || self.ranges.is_empty() {
            return None;
        }
        let value = value.trim();
        let net = match value.parse::<IpNet>() {
            Ok(net) => net,
            Err(_) => IpNet::from(value.parse::<IpAddr>().ok()?),
        };
        let net = unmap(net);
        if is_token_address(net.network()) {
            return None;
        }
        if !self.ranges.iter().any(|r| r.contains(&net)) {
            return None;
        }
        let kind = match net {
            IpNet::V4(_) => ValueKind::Ipv4,
            IpNet::V6(_) => ValueKind::Ipv6,
        };
        let text = if net.prefix_len() == net.max_prefix_len() {
            net.addr().to_string()
        } else {
            net.to_string()
        };
        Some((kind, canonical_ip(&text).into_owned(), self.internal_action))
    }

    /// Every covered e-mail or internal address in `text`. Hits may overlap;
    /// the caller chooses among them.
    pub fn find(&self, text: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        if self.email_action != PiiAction::Keep && text.contains('@') {
            for m in EMAIL.find_iter(text) {
                if let Some((canonical, action)) = self.email(m.as_str()) {
                    hits.push(Hit {
                        start: m.start(),
                        end: m.end(),
                        replacement: self.replacement(ValueKind::Email, &canonical, action),
                    });
                }
            }
        }
        if self.internal_action != PiiAction::Keep && !self.ranges.is_empty() {
            self.find_ipv4(text, &mut hits);
            self.find_ipv6(text, &mut hits);
        }
        hits
    }

    fn push_internal(&self, text: &str, start: usize, end: usize, hits: &mut Vec<Hit>) -> bool {
        match self.internal(&text[start..end]) {
            Some((kind, canonical, action)) => {
                hits.push(Hit {
                    start,
                    end,
                    replacement: self.replacement(kind, &canonical, action),
                });
                true
            }
            None => false,
        }
    }

    /// Tries a dotted quad at every digit that does not follow a digit, so
    /// `1.10.0.0.1` yields `10.0.0.1` too.
    fn find_ipv4(&self, text: &str, hits: &mut Vec<Hit>) {
        let bytes = text.as_bytes();
        for start in 0..bytes.len() {
            if !bytes[start].is_ascii_digit() || (start > 0 && bytes[start - 1].is_ascii_digit()) {
                continue;
            }
            let Some(m) = IPV4_AT_START.find(&text[start..]) else {
                continue;
            };
            let end = start + m.end();
            // A prefix that does not parse (`/40`) is left out.
            if !self.push_internal(text, start, end, hits) && m.as_str().contains('/') {
                let bare = m.as_str().find('/').map_or(end, |slash| start + slash);
                self.push_internal(text, start, bare, hits);
            }
        }
    }

    /// Takes every maximal run of hex digits, colons and dots that holds at
    /// least two colons (plus a following `/len`), and tries it, then it
    /// without trailing punctuation or a stray leading colon.
    fn find_ipv6(&self, text: &str, hits: &mut Vec<Hit>) {
        let bytes = text.as_bytes();
        let is_run = |b: u8| b.is_ascii_hexdigit() || b == b':' || b == b'.';
        let mut i = 0;
        while i < bytes.len() {
            if !is_run(bytes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && is_run(bytes[i]) {
                i += 1;
            }
            let mut end = i;
            if bytes[start..end].iter().filter(|&&b| b == b':').count() < 2 {
                continue;
            }
            if let Some(m) = PREFIX_AT_START.find(&text[end..]) {
                end += m.end();
            }
            for (s, e) in candidates(text, start, end) {
                if self.push_internal(text, s, e, hits) {
                    break;
                }
            }
        }
    }
}

/// Spans to try for an IPv6 run: as found, without a `/len`, without
/// trailing dots or single colons, and without a single leading colon.
fn candidates(text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut out = vec![(start, end)];
    let run = &text[start..end];
    let bare_end = run.find('/').map_or(end, |slash| start + slash);
    out.push((start, bare_end));
    let mut e = bare_end;
    while e > start
        && (text[..e].ends_with('.') || (text[..e].ends_with(':') && !text[..e].ends_with("::")))
    {
        e -= 1;
    }
    out.push((start, e));
    if text[start..].starts_with(':') && !text[start..].starts_with("::") {
        out.push((start + 1, e));
    }
    out
}

/// An IPv4-mapped IPv6 address or block as IPv4, so `::ffff:10.1.2.3` is
/// checked against the IPv4 ranges.
fn unmap(net: IpNet) -> IpNet {
    if let IpNet::V6(v6) = net
        && let Some(v4) = v6.addr().to_ipv4_mapped()
        && v6.prefix_len() >= 96
        && let Ok(mapped) = ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96)
    {
        return IpNet::V4(mapped);
    }
    net
}

/// Picks non-overlapping hits, earliest first and longest at one start, and
/// applies them. `None` when there is nothing to replace.
pub(crate) fn apply(text: &str, mut hits: Vec<Hit>) -> Option<String> {
    if hits.is_empty() {
        return None;
    }
    hits.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for hit in hits {
        if hit.start < at {
            continue;
        }
        out.push_str(&text[at..hit.start]);
        out.push_str(&hit.replacement);
        at = hit.end;
    }
    out.push_str(&text[at..]);
    (out != text).then_some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::EmailRule;

    fn rules() -> PiiRules {
        PiiRules {
            emails: EmailRule {
                action: PiiAction::Pseudonymise,
                domains: vec!["Ministry.Example".into()],
            },
            user_accounts: PiiAction::Pseudonymise,
            internal_ranges: vec!["10.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()],
            internal_addresses: PiiAction::Pseudonymise,
        }
    }

    fn key() -> PseudonymKey {
        PseudonymKey::new(&[9; 32]).unwrap()
    }

    fn rewrite(d: &Detector<'_>, text: &str) -> String {
        apply(text, d.find(text)).unwrap_or_else(|| text.to_string())
    }

    #[test]
    fn patterns_compile() {
        assert!(EMAIL.is_match("a@b.cc"));
        assert!(IPV4_AT_START.is_match("1.2.3.4"));
        assert!(PREFIX_AT_START.is_match("/64"));
    }

    #[test]
    fn emails_by_domain_and_subdomain() {
        let k = key();
        let d = Detector::new(&rules(), &k);
        assert!(d.email("alice@ministry.example").is_some());
        assert!(d.email("alice@MAIL.Ministry.example").is_some());
        assert!(d.email("alice@notministry.example").is_none());
        assert!(d.email("alice@example.org").is_none());
        assert!(d.email("pseudo-00@redacted.invalid").is_none());
        let out = rewrite(&d, "mail 'Alice@Ministry.EXAMPLE', then bob@example.org.");
        assert!(
            out.starts_with("mail 'pseudo-") && out.contains("@redacted.invalid',"),
            "{out}"
        );
        assert!(!out.contains("Alice"), "{out}");
        assert!(out.contains("bob@example.org."), "{out}");
        assert_eq!(
            out,
            rewrite(&d, "mail 'Alice@ministry.example', then bob@example.org.")
        );
    }

    #[test]
    fn internal_addresses_in_text() {
        let k = key();
        let d = Detector::new(&rules(), &k);
        let out = rewrite(
            &d,
            "hosts 10.1.2.3, 8.8.8.8, net 10.9.0.0/16, fd00::1:2. and [FD00:0::1:2]:443 and ::ffff:10.1.2.3 and 1.10.0.0.1",
        );
        for raw in [
            "10.1.2.3",
            "10.9.0.0",
            "fd00::1:2",
            "FD00:0::1:2",
            "10.0.0.1",
        ] {
            assert!(!out.contains(raw), "{raw} in {out}");
        }
        assert!(out.contains("8.8.8.8"));
        // Two spellings of one address give one token.
        let a = rewrite(&d, "fd00::1:2");
        assert_eq!(a, rewrite(&d, "FD00:0:0::1:2"));
        assert!(a.starts_with("2001:db8:"), "{a}");
        // Tokens are never treated as internal.
        assert_eq!(rewrite(&d, &a), a);
    }

    #[test]
    fn cidr_values_inside_and_outside() {
        let k = key();
        let d = Detector::new(&rules(), &k);
        assert!(d.internal("10.1.0.0/16").is_some());
        assert!(d.internal("10.0.0.0/7").is_none());
        assert!(d.internal("10.1.2.3/32").is_some());
        assert!(d.internal("192.168.0.1").is_none());
        assert!(d.internal("not an address").is_none());
        let (kind, canonical, _) = d.internal("::ffff:10.0.0.1").unwrap();
        assert_eq!((kind, canonical.as_str()), (ValueKind::Ipv4, "10.0.0.1"));
    }

    #[test]
    fn overlapping_hits_keep_the_earliest_longest() {
        let hits = vec![
            Hit {
                start: 2,
                end: 4,
                replacement: "X".into(),
            },
            Hit {
                start: 0,
                end: 3,
                replacement: "Y".into(),
            },
            Hit {
                start: 0,
                end: 1,
                replacement: "Z".into(),
            },
        ];
        assert_eq!(apply("abcdef", hits).unwrap(), "Ydef");
        assert_eq!(apply("abc", Vec::new()), None);
    }
}
