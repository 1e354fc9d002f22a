//! A generator of random patterns and observations for the equivalence
//! tests: every comparison operator, literal form, path form (nested keys,
//! `[*]`, `[n]`, references, `_hex`/`_bin`), observation operator and
//! qualifier, over a small schema so that patterns often hit.
//!
//! It follows the approach of the pattern crate's differential generator and
//! adds what the index cares about: literals long enough for the LIKE/MATCHES
//! prefilter, canonical spelling variants of hashes and domains, nested CIDR
//! blocks, and observation sequences in time order for stateful patterns.
#![allow(clippy::unwrap_used, dead_code)]

use base64::Engine as _;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom as _;
use rand::{Rng as _, SeedableRng as _};
use serde_json::{Value, json};

#[derive(Clone, Copy)]
pub enum Kind {
    Str(&'static [&'static str]),
    Int(&'static [i64]),
    Float(&'static [f64]),
    Bool,
    Null,
    Hex(&'static [&'static str]),
    Bin(&'static [&'static str]),
    Time(&'static [&'static str]),
    StrList(&'static [&'static str]),
    Ip(&'static [&'static str]),
    Ip6(&'static [&'static str]),
    Hashes(&'static [&'static str]),
    Ref(&'static [&'static str]),
    Refs(&'static [&'static str]),
}

const NAMES: &[&str] = &[
    "setup.exe",
    "loader.dll",
    "Report.pdf",
    "caf\u{e9}.txt",
    "cafe\u{301}.txt",
    "it's here",
    "multi\nline.exe",
];
const DOMAINS: &[&str] = &[
    "www.evil.example",
    "WWW.Evil.Example",
    "mail.evil.example.",
    "good.test",
    "a.b.evil.example",
    "evil.example",
];
const MD5S: &[&str] = &[
    "0123456789abcdef0123456789abcdef",
    "0123456789ABCDEF0123456789ABCDEF",
    "fedcba9876543210fedcba9876543210",
];
const IPV4: &[&str] = &[
    "10.0.0.1",
    "10.0.0.0/24",
    "10.1.2.3",
    "192.168.1.7",
    "11.22.33.44",
    "not an address",
];
const IPV6: &[&str] = &["2001:db8::1", "2001:DB8::1", "fe80::1", "2001:db8:1::7"];
const TIMES: &[&str] = &["2020-01-01T00:00:05Z", "2020-01-01T00:00:10Z", "soon"];
const URLS: &[&str] = &[
    "http://www.evil.example/path/x.php?id=1",
    "HTTP://WWW.EVIL.EXAMPLE/path/x.php?id=1",
    "http://good.test/",
];

pub const SCHEMA: &[(&str, &[(&str, Kind)])] = &[
    (
        "file",
        &[
            ("name", Kind::Str(NAMES)),
            ("size", Kind::Int(&[0, 10, 100])),
            ("hashes", Kind::Hashes(MD5S)),
            ("magic_number_hex", Kind::Hex(&["ffd8", "74657374", "e9"])),
            ("ctime", Kind::Time(TIMES)),
            ("x_tags", Kind::StrList(&["alpha", "beta", "gamma"])),
            ("x_ratio", Kind::Float(&[0.5, 1.0, 2.5])),
            ("x_flag", Kind::Bool),
            ("x_note", Kind::Null),
            ("parent_directory_ref", Kind::Ref(&["directory"])),
        ],
    ),
    (
        "directory",
        &[(
            "path",
            Kind::Str(&["C:\\Windows", "/tmp/evil", "C:\\Users"]),
        )],
    ),
    ("ipv4-addr", &[("value", Kind::Ip(IPV4))]),
    ("ipv6-addr", &[("value", Kind::Ip6(IPV6))]),
    (
        "network-traffic",
        &[
            ("src_ref", Kind::Ref(&["ipv4-addr"])),
            (
                "dst_ref",
                Kind::Ref(&["ipv4-addr", "ipv4-addr", "ipv6-addr", "domain-name"]),
            ),
            ("dst_port", Kind::Int(&[80, 443, 8080])),
            ("protocols", Kind::StrList(&["tcp", "udp", "TCP"])),
        ],
    ),
    (
        "domain-name",
        &[
            ("value", Kind::Str(DOMAINS)),
            ("resolves_to_refs", Kind::Refs(&["ipv4-addr", "ipv6-addr"])),
        ],
    ),
    ("url", &[("value", Kind::Str(URLS))]),
    (
        "artifact",
        &[
            (
                "payload_bin",
                Kind::Bin(&["this is a test", "abcdefgh", "ABC"]),
            ),
            ("mime_type", Kind::Str(&["text/plain"])),
        ],
    ),
    (
        "email-message",
        &[
            ("from_ref", Kind::Ref(&["email-addr"])),
            ("to_refs", Kind::Refs(&["email-addr"])),
            ("subject", Kind::Str(&["invoice", "Invoice due"])),
        ],
    ),
    (
        "email-addr",
        &[(
            "value",
            Kind::Str(&["bob@Evil.Example", "bob@evil.example", "Alice@good.test"]),
        )],
    ),
    (
        "x-event",
        &[
            ("count", Kind::Int(&[0, 1, 2])),
            ("score", Kind::Float(&[-0.5, 1.0])),
            ("ok", Kind::Bool),
        ],
    ),
];

const TYPES: &[&str] = &[
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "network-traffic",
    "domain-name",
    "url",
    "artifact",
    "email-message",
    "x-event",
    "directory",
];

pub fn properties(object_type: &str) -> &'static [(&'static str, Kind)] {
    SCHEMA
        .iter()
        .find(|(t, _)| *t == object_type)
        .map(|(_, p)| *p)
        .unwrap()
}

pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `2020-01-01T00:mm:ssZ` for an offset in seconds.
pub fn time(offset_seconds: i64) -> String {
    format!(
        "2020-01-01T00:{:02}:{:02}Z",
        offset_seconds / 60,
        offset_seconds % 60
    )
}

pub struct Gen {
    rng: StdRng,
    counter: u64,
}

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen {
            rng: StdRng::seed_from_u64(seed),
            counter: 0,
        }
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *items.choose(&mut self.rng).unwrap()
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    pub fn range(&mut self, low: usize, high: usize) -> usize {
        self.rng.random_range(low..=high)
    }

    // ---- observations ----

    /// One observed-data (at `at` seconds) with one to three objects, and
    /// the objects; ids are unique across calls.
    pub fn observation(&mut self, at: i64) -> Vec<Value> {
        self.counter += 1;
        let tag = self.counter;
        let mut scos = Vec::new();
        let mut refs = Vec::new();
        for k in 0..self.range(1, 3) {
            let object_type = self.pick(&[
                "file",
                "ipv4-addr",
                "ipv6-addr",
                "network-traffic",
                "network-traffic",
                "domain-name",
                "url",
                "artifact",
                "email-message",
                "x-event",
            ]);
            let id = self.object(object_type, &format!("{tag}-{k}"), &mut scos);
            refs.push(json!(id));
        }
        // Every object the observation carries is listed.
        let mut all_refs: Vec<Value> = scos.iter().map(|o| o["id"].clone()).collect();
        if self.chance(0.1) {
            all_refs.retain(|r| refs.contains(r));
        }
        let last = at + self.pick(&[0, 0, 0, 1, 3]);
        let mut out = vec![json!({
            "type": "observed-data",
            "id": format!("observed-data--{tag}"),
            "created": "2020-01-01T00:00:00Z",
            "modified": "2020-01-01T00:00:00Z",
            "first_observed": time(at),
            "last_observed": time(last),
            "number_observed": self.pick(&[1, 1, 1, 2]),
            "object_refs": all_refs,
        })];
        out.extend(scos);
        out
    }

    fn object(&mut self, object_type: &str, tag: &str, out: &mut Vec<Value>) -> String {
        let id = format!("{object_type}--{tag}");
        let mut object = json!({"type": object_type, "id": id});
        for (i, (name, kind)) in properties(object_type).iter().enumerate() {
            if self.chance(0.2) {
                continue;
            }
            let value = match *kind {
                Kind::Str(values) => json!(self.pick(values)),
                Kind::Int(values) => json!(self.pick(values)),
                Kind::Float(values) => json!(self.pick(values)),
                Kind::Bool => json!(self.chance(0.5)),
                Kind::Null => Value::Null,
                Kind::Hex(values) => json!(self.pick(values)),
                Kind::Bin(values) => json!(b64(self.pick(values).as_bytes())),
                Kind::Time(values) => json!(self.pick(values)),
                Kind::StrList(values) => {
                    let n = self.range(0, 3);
                    json!((0..n).map(|_| self.pick(values)).collect::<Vec<_>>())
                }
                Kind::Ip(values) | Kind::Ip6(values) => json!(self.pick(values)),
                Kind::Hashes(values) => json!({"MD5": self.pick(values)}),
                Kind::Ref(types) => {
                    if self.chance(0.15) {
                        json!(format!("{}--elsewhere", self.pick(types)))
                    } else {
                        let target = self.pick(types);
                        json!(self.object(target, &format!("{tag}-{i}"), out))
                    }
                }
                Kind::Refs(types) => {
                    let n = self.range(0, 2);
                    let ids: Vec<String> = (0..n)
                        .map(|j| {
                            let target = self.pick(types);
                            self.object(target, &format!("{tag}-{i}-{j}"), out)
                        })
                        .collect();
                    json!(ids)
                }
            };
            object[*name] = value;
        }
        out.push(object);
        id
    }

    // ---- patterns ----

    /// A pattern of one observation (stateless) or several (stateful).
    pub fn pattern(&mut self, stateful: bool) -> String {
        if stateful {
            self.observation_expr(2, true)
        } else {
            let n = self.pick(&[1, 1, 1, 2]);
            let parts: Vec<String> = (0..n)
                .map(|_| format!("[{}]", self.comparison_expr()))
                .collect();
            let mut text = parts.join(" OR ");
            if self.chance(0.1) {
                let start = self.range(0, 40) as i64;
                text = format!(
                    "({text}) START t'{}' STOP t'{}'",
                    time(start),
                    time(start + 20)
                );
            } else if self.chance(0.05) {
                text = format!("({text}) WITHIN 5 SECONDS");
            }
            text
        }
    }

    fn observation_expr(&mut self, depth: usize, top: bool) -> String {
        let mut text = if depth == 0 || (!top && self.chance(0.5)) {
            format!("[{}]", self.comparison_expr())
        } else {
            let keyword = self.pick(&["AND", "OR", "FOLLOWEDBY"]);
            let parts: Vec<String> = (0..2)
                .map(|_| self.observation_expr(depth - 1, false))
                .collect();
            format!("({})", parts.join(&format!(" {keyword} ")))
        };
        if self.chance(if top { 0.5 } else { 0.2 }) {
            let qualifier = match self.range(0, 2) {
                0 => format!("WITHIN {} SECONDS", self.pick(&["2", "5", "10", "2.5"])),
                1 => format!("REPEATS {} TIMES", self.pick(&[2, 3])),
                _ => {
                    let start = self.range(0, 30) as i64;
                    format!(
                        "START t'{}' STOP t'{}'",
                        time(start),
                        time(start + self.pick(&[5, 20, 60]))
                    )
                }
            };
            text = format!("({text} {qualifier})");
        }
        text
    }

    pub fn comparison_expr(&mut self) -> String {
        let object_type = self.pick(TYPES);
        let n = self.pick(&[1, 1, 1, 2, 2, 3]);
        let mut text = self.comparison(object_type);
        for _ in 1..n {
            let other_type = if self.chance(0.9) {
                object_type
            } else {
                self.pick(&["file", "x-event"])
            };
            let next = self.comparison(other_type);
            let keyword = self.pick(&["AND", "OR", "OR"]);
            text = if self.chance(0.3) {
                format!("({text}) {keyword} {next}")
            } else {
                format!("{text} {keyword} {next}")
            };
        }
        text
    }

    fn comparison(&mut self, object_type: &str) -> String {
        if self.chance(0.02) {
            let not = if self.chance(0.5) { "NOT " } else { "" };
            let (name, _) = self.pick(properties(object_type));
            return format!("{not}EXISTS {object_type}:{name}");
        }
        if self.chance(0.03) {
            return format!("{object_type}:x_missing = 1");
        }
        let (name, kind) = self.pick(properties(object_type));
        let (path, kind) = self.path(object_type, name, kind);
        format!("{path} {}", self.operator_for(kind))
    }

    fn path(&mut self, object_type: &str, name: &str, kind: Kind) -> (String, Kind) {
        match kind {
            Kind::Hashes(values) => {
                let key = self.pick(&["MD5", "MD5", "'MD5'"]);
                (format!("{object_type}:hashes.{key}"), Kind::Str(values))
            }
            Kind::StrList(values) => {
                let index = self.pick(&["[*]", "[*]", "[0]", "[1]", ""]);
                (format!("{object_type}:{name}{index}"), Kind::Str(values))
            }
            Kind::Ref(types) => {
                let target = self.pick(types);
                let (inner, inner_kind) = self.pick(properties(target));
                if matches!(inner_kind, Kind::Ref(_) | Kind::Refs(_)) {
                    return (format!("{object_type}:{name}.type"), Kind::Str(TYPES));
                }
                if self.chance(0.1) {
                    return (format!("{object_type}:{name}.type"), Kind::Str(TYPES));
                }
                (format!("{object_type}:{name}.{inner}"), inner_kind)
            }
            Kind::Refs(types) => {
                let target = self.pick(types);
                let (inner, inner_kind) = self.pick(properties(target));
                let index = self.pick(&["[*]", "[*]", "[0]"]);
                (format!("{object_type}:{name}{index}.{inner}"), inner_kind)
            }
            other => (format!("{object_type}:{name}"), other),
        }
    }

    fn operator_for(&mut self, kind: Kind) -> String {
        let not = if self.chance(0.12) { "NOT " } else { "" };
        let body = match kind {
            Kind::Str(values) => self.string_operator(values),
            Kind::Int(values) => {
                let v = self.pick(values);
                match self.range(0, 5) {
                    0 | 1 => format!("{} {v}", self.pick(&["=", "=", "!="])),
                    2 => format!("{} {v}", self.pick(&["<", ">="])),
                    3 => format!("= {v}.0"),
                    4 => format!("IN ({v}, {})", v + 1),
                    _ => format!("= '{v}'"),
                }
            }
            Kind::Float(values) => {
                let v = self.pick(values);
                match self.range(0, 2) {
                    0 => format!("{} {v:?}", self.pick(&["=", "!=", ">"])),
                    1 => format!("= {}", v.round() as i64),
                    _ => format!("IN ({v:?}, 7)"),
                }
            }
            Kind::Bool => match self.range(0, 2) {
                0 => format!("= {}", self.pick(&["true", "false"])),
                1 => format!("IN ({})", self.pick(&["true", "1", "true, false"])),
                _ => "!= true".to_string(),
            },
            Kind::Null => format!("{} {}", self.pick(&["=", "!="]), self.pick(&["1", "'x'"])),
            Kind::Hex(values) => {
                let hex_text = self.pick(values);
                let bytes = hex::decode(hex_text).unwrap();
                match self.range(0, 4) {
                    0 => format!("= h'{}'", hex_text.to_uppercase()),
                    1 => format!("= b'{}'", b64(&bytes)),
                    2 => {
                        let latin1: String = bytes.iter().map(|&b| char::from(b)).collect();
                        format!("= {}", quote(&latin1))
                    }
                    3 => format!(
                        "MATCHES {}",
                        quote(self.pick(&["^\\xd4", "test", "^\u{e9}"]))
                    ),
                    _ => format!("IN (h'{hex_text}', h'00')"),
                }
            }
            Kind::Bin(values) => {
                let text = self.pick(values);
                match self.range(0, 4) {
                    0 => format!("= {}", quote(text)),
                    1 => format!("= b'{}'", b64(text.as_bytes())),
                    2 => format!("LIKE {}", quote(self.pick(&["this%", "abcd%", "%test"]))),
                    3 => format!("MATCHES {}", quote(self.pick(&["^abcd", "a test$", "B"]))),
                    _ => format!("IN ({}, 'x')", quote(text)),
                }
            }
            Kind::Time(values) => {
                let value = self.pick(values);
                match self.range(0, 2) {
                    0 => "= t'2020-01-01T00:00:05Z'".to_string(),
                    1 => "> t'2020-01-01T00:00:06Z'".to_string(),
                    _ => format!("= {}", quote(value)),
                }
            }
            Kind::Ip(values) => {
                let value = self.pick(values);
                match self.range(0, 6) {
                    0 | 1 => format!("{} {}", self.pick(&["=", "=", "!="]), quote(value)),
                    2 => format!("= {}", quote(&format!("{value}/32"))),
                    3..=5 => format!(
                        "ISSUBSET {}",
                        quote(self.pick(&[
                            "10.0.0.0/8",
                            "10.0.0.0/24",
                            "10.1.0.0/16",
                            "11.22.41.123/20",
                            "10.0.0.1/32",
                            "0.0.0.0/0",
                        ]))
                    ),
                    _ => format!(
                        "ISSUPERSET {}",
                        quote(self.pick(&["10.0.0.5", "10.0.0.0/25", "10.1.2.3"]))
                    ),
                }
            }
            Kind::Ip6(values) => {
                let value = self.pick(values);
                match self.range(0, 3) {
                    0 => format!(
                        "ISSUBSET {}",
                        quote(self.pick(&["2001:db8::/32", "fe80::/10", "2001:db8:1::/48"]))
                    ),
                    1 => format!(
                        "= {}",
                        quote(self.pick(&[value, "2001:db8:0::1", "FE80::1"]))
                    ),
                    2 => format!("!= {}", quote(value)),
                    _ => format!("ISSUPERSET {}", quote("2001:db8::1")),
                }
            }
            Kind::StrList(_) | Kind::Hashes(_) | Kind::Ref(_) | Kind::Refs(_) => {
                "= 'x'".to_string()
            }
        };
        format!("{not}{body}")
    }

    fn string_operator(&mut self, values: &[&str]) -> String {
        let value = self.pick(values);
        match self.range(0, 9) {
            0..=2 => format!("{} {}", self.pick(&["=", "=", "!="]), quote(value)),
            3 => format!("{} {}", self.pick(&["<", ">="]), quote(value)),
            4 => {
                let other = self.pick(values);
                format!("IN ({}, {})", quote(value), quote(other))
            }
            5 => {
                let chars: Vec<char> = value.chars().collect();
                let like: String = match self.range(0, 3) {
                    0 => format!(
                        "{}%",
                        chars[..chars.len().min(5)].iter().collect::<String>()
                    ),
                    1 => format!(
                        "%{}",
                        chars[chars.len().saturating_sub(6)..]
                            .iter()
                            .collect::<String>()
                    ),
                    2 => chars
                        .iter()
                        .enumerate()
                        .map(|(i, c)| if i == 1 { '_' } else { *c })
                        .collect(),
                    _ => "%".to_string(),
                };
                format!("LIKE {}", quote(&like))
            }
            6 | 7 => {
                let regex = self.pick(&[
                    "^setup",
                    "\\.exe$",
                    "evil[.]example$",
                    "^[a-z]+[.]evil[.]example$",
                    "(loader|setup)\\.",
                    "e.t",
                    "multi.line",
                    "",
                    "R.*pdf",
                    "caf\u{e9}",
                    "x\\.php",
                    "(?i)EVIL",
                    "alpha|gamma",
                    "invoice",
                ]);
                format!("MATCHES {}", quote(regex))
            }
            8 => format!("= {}", quote(&value.to_uppercase())),
            _ => format!("{} 5", self.pick(&["=", "!="])),
        }
    }
}
