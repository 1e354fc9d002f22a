//! Property tests over random policies, markings, provenance, topologies and
//! batches. The expectations are restated here from the rules, not taken
//! from the code under test.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::*;
use phalanx_policy::{
    BatchItem, EmailRule, IdentityId, NodeContext, PeerPolicy, PiiAction, PiiRules, Provenance,
    RECIPIENTS_PROPERTY, Role, SharingDefaults, TlpSetting, Trust, WhenMissing, decide_batch,
};
use phalanx_stix::Tlp;
use proptest::prelude::*;
use serde_json::{Value, json};

/// The TLP marking ids this test knows, with their level (TLP 2.0 and 1.0).
const MARKINGS: &[(&str, Tlp)] = &[
    (
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp::Clear,
    ),
    (
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp::Green,
    ),
    (
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp::Amber,
    ),
    (
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp::AmberStrict,
    ),
    (
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        Tlp::Red,
    ),
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        Tlp::Clear,
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        Tlp::Green,
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        Tlp::Amber,
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        Tlp::Red,
    ),
];
const STATEMENT: &str = "marking-definition--00000000-0000-4000-8000-0000000000aa";

/// Identity number 0 is this node; 1..=6 are others.
fn who(n: u32) -> String {
    if n == 0 { NODE.to_string() } else { ident(n) }
}

fn tlp() -> impl Strategy<Value = Tlp> {
    prop::sample::select(Tlp::ALL.to_vec())
}

fn role() -> impl Strategy<Value = Role> {
    prop::sample::select(vec![
        Role::NationalCsirt,
        Role::Hub,
        Role::CriticalInfrastructure,
        Role::Partner,
    ])
}

fn trust() -> impl Strategy<Value = Trust> {
    prop::sample::select(vec![Trust::Member, Trust::Partner, Trust::External])
}

fn when() -> impl Strategy<Value = WhenMissing> {
    prop::sample::select(vec![WhenMissing::Allow, WhenMissing::Deny])
}

#[derive(Debug, Clone)]
struct Scenario {
    node_role: Role,
    represents: bool,
    unmarked: Tlp,
    peer: PeerPolicy,
    object: Value,
    provenance: Provenance,
}

fn ids(max: u32) -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(0..=max, 0..3)
}

prop_compose! {
    fn peer_policy(hub: bool)(
        n in 0u32..=6, trust in trust(), member in any::<bool>(),
        denied in ids(6), allowed in ids(6), labels_denied in prop::collection::vec("[ab]", 0..2),
        labels_required in prop::collection::vec("[ab]", 0..2),
        types in prop::collection::vec(prop::sample::select(vec!["indicator", "malware", "report"]), 0..2),
        min_confidence in prop::option::of(0u8..=100), without_confidence in when(),
        sectors in prop::collection::vec("(energy|water)", 0..2), without_sectors in when(),
    ) -> PeerPolicy {
        let id = |n: &u32| IdentityId::parse(&who(*n)).unwrap();
        let mut p = PeerPolicy::new("peer", id(&n), Role::NationalCsirt, trust);
        p.hub_member = hub && member;
        p.originators_denied = denied.iter().map(id).collect();
        p.originators_allowed = allowed.iter().map(id).collect();
        p.labels_denied = labels_denied;
        p.labels_required = labels_required;
        p.allowed_types = types.into_iter().map(String::from).collect();
        p.min_confidence = min_confidence;
        p.without_confidence = without_confidence;
        p.sectors = sectors;
        p.without_sectors = without_sectors;
        p
    }
}

prop_compose! {
    fn object()(
        object_type in prop::sample::select(vec!["indicator", "malware", "report"]),
        created_by in prop::option::of(0u32..=6),
        markings in prop::collection::vec(0usize..=MARKINGS.len(), 0..3),
        recipients in ids(6),
        labels in prop::collection::vec("[abc]", 0..3),
        confidence in prop::option::of(0i64..=100),
        sectors in prop::collection::vec("(energy|water|finance)", 0..2),
        granular in prop::option::of(tlp()),
    ) -> Value {
        let mut o = indicator(None, None);
        o["type"] = json!(object_type);
        o["id"] = json!(sdo_id(object_type, 1));
        if let Some(by) = created_by {
            o["created_by_ref"] = json!(who(by));
        }
        if !markings.is_empty() {
            let refs: Vec<&str> = markings.iter().map(|&i| MARKINGS.get(i).map_or(STATEMENT, |m| m.0)).collect();
            o["object_marking_refs"] = json!(refs);
        }
        let recipients: Vec<String> = recipients.iter().map(|&n| who(n)).collect();
        o[RECIPIENTS_PROPERTY] = json!(recipients);
        if !labels.is_empty() {
            o["labels"] = json!(labels);
        }
        match confidence {
            Some(c) => o["confidence"] = json!(c),
            None => { o.as_object_mut().unwrap().remove("confidence"); }
        }
        if !sectors.is_empty() {
            o["x_phalanx_sectors"] = json!(sectors);
        }
        if let Some(level) = granular {
            o["granular_markings"] = json!([{"selectors": ["name"], "marking_ref": level.marking_id()}]);
        }
        o
    }
}

prop_compose! {
    fn scenario()(hub in any::<bool>())(
        node_role in if hub { Just(Role::Hub).boxed() } else { role().prop_filter("not hub", |r| *r != Role::Hub).boxed() },
        represents in any::<bool>(),
        unmarked in tlp(),
        peer in peer_policy(hub),
        object in object(),
        hops in ids(6),
        sender in prop::option::of(0u32..=6),
    ) -> Scenario {
        let provenance = match sender {
            None => Provenance { hops: hops.iter().map(|&n| who(n)).collect(), arrival: phalanx_policy::Arrival::CreatedHere },
            Some(s) => Provenance::received(&who(s), hops.iter().map(|&n| who(n)).collect()),
        };
        Scenario { node_role, represents, unmarked, peer, object, provenance }
    }
}

fn level_of(object: &Value, unmarked: Tlp) -> Tlp {
    object["object_marking_refs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            MARKINGS
                .iter()
                .find(|(id, _)| Some(*id) == m.as_str())
                .map(|(_, l)| *l)
        })
        .max()
        .unwrap_or(unmarked)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn decisions_respect_tlp_loops_and_explain_themselves(s in scenario()) {
        let mut identity = node(s.node_role);
        if s.represents {
            identity.represents.push(IdentityId::parse(&ident(6)).unwrap());
        }
        let defaults = SharingDefaults { unmarked_tlp: TlpSetting(s.unmarked), ..SharingDefaults::default() };
        let d = decide_with(&identity, &defaults, &s.provenance, &s.peer, &s.object);

        // Deterministic.
        prop_assert_eq!(&d, &decide_with(&identity, &defaults, &s.provenance, &s.peer, &s.object));

        // `explain` names the deciding rule, once.
        let text = d.explain();
        let by_rule = format!("by rule {}", d.rule());
        prop_assert!(text.contains(&by_rule), "{}", text);
        let decided: Vec<&str> = text.lines().filter(|l| l.ends_with("<= decided")).collect();
        prop_assert!(decided.len() == 1 && decided[0].contains(d.rule().as_str()), "{}", text);

        if !d.is_allowed() {
            return Ok(());
        }
        let is_self = |id: &str| identity.is_self(id);
        let peer_id = s.peer.identity.as_str().to_string();
        let origin = s.object["created_by_ref"].as_str().map(String::from)
            .or_else(|| s.provenance.hops.first().cloned())
            .or_else(|| s.provenance.sender().map(String::from))
            .unwrap_or_else(|| NODE.to_string());
        let originated_here = is_self(&origin);
        let level = level_of(&s.object, s.unmarked);
        let recipients: Vec<&str> = s.object[RECIPIENTS_PROPERTY].as_array().unwrap().iter().filter_map(Value::as_str).collect();

        // Loops.
        prop_assert!(!is_self(&peer_id));
        prop_assert!(origin != peer_id);
        prop_assert!(!s.provenance.hops.contains(&peer_id));
        prop_assert!(s.provenance.sender() != Some(peer_id.as_str()));
        // TLP.
        match level {
            Tlp::Red => prop_assert!(originated_here && recipients.contains(&peer_id.as_str()), "RED leaked\n{}", text),
            Tlp::Amber | Tlp::AmberStrict => prop_assert!(originated_here, "AMBER forwarded\n{}", text),
            Tlp::Green => {
                prop_assert!(s.peer.trust != Trust::External);
                if !originated_here {
                    prop_assert!(s.node_role == Role::Hub && s.peer.hub_member, "GREEN forwarded\n{}", text);
                }
            }
            Tlp::Clear => {}
        }
        // A property under a granular marking the peer may not receive never leaves.
        if let Some(m) = s.object["granular_markings"][0]["marking_ref"].as_str() {
            let g = MARKINGS.iter().find(|(id, _)| *id == m).unwrap().1;
            let may = match g {
                Tlp::Clear => true,
                Tlp::Green => s.peer.trust != Trust::External
                    && (originated_here || (s.node_role == Role::Hub && s.peer.hub_member)),
                Tlp::Amber | Tlp::AmberStrict => originated_here,
                Tlp::Red => originated_here && recipients.contains(&peer_id.as_str()),
            };
            let out = sent(&d, &s.object).unwrap();
            if g > level && !may {
                prop_assert!(out.get("name").is_none(), "granular content leaked\n{}", text);
            } else {
                prop_assert_eq!(&out["name"], &s.object["name"]);
            }
        }
    }
}

// ---- PII over random batches ----

#[derive(Debug, Clone)]
struct PiiCase {
    internal4: Vec<(u8, u8, u8)>,
    external4: Vec<u8>,
    internal6: Vec<(u16, u16)>,
    victims: Vec<(String, bool)>,
    others: Vec<String>,
    accounts: Vec<String>,
    email_action: PiiAction,
    domains_listed: bool,
    account_action: PiiAction,
    internal_action: PiiAction,
    picks: Vec<usize>,
}

fn action() -> impl Strategy<Value = PiiAction> {
    prop::sample::select(vec![
        PiiAction::Keep,
        PiiAction::Pseudonymise,
        PiiAction::Drop,
    ])
}

prop_compose! {
    fn pii_case()(
        internal4 in prop::collection::vec((any::<u8>(), any::<u8>(), 1u8..=254), 1..4),
        external4 in prop::collection::vec(1u8..=254, 0..3),
        internal6 in prop::collection::vec((1u16.., 1u16..), 0..3),
        victims in prop::collection::vec(("[A-Z][a-z]{3,8}\\.[A-Z][a-z]{2,6}", any::<bool>()), 1..3),
        others in prop::collection::vec("[A-Z][a-z]{3,8}", 0..2),
        accounts in prop::collection::vec("[A-Z][a-z]{3,8}[0-9]{2}", 0..3),
        email_action in action(), domains_listed in any::<bool>(),
        account_action in action(), internal_action in action(),
        picks in prop::collection::vec(0usize..64, 3..12),
    ) -> PiiCase {
        PiiCase { internal4, external4, internal6, victims, others, accounts, email_action, domains_listed, account_action, internal_action, picks }
    }
}

impl PiiCase {
    fn internal4_text(&self) -> Vec<String> {
        self.internal4
            .iter()
            .map(|(a, b, c)| format!("10.{a}.{b}.{c}"))
            .collect()
    }
    fn internal6_text(&self) -> Vec<String> {
        self.internal6
            .iter()
            .map(|(a, b)| format!("fd00:abcd::{a:x}:{b:x}"))
            .collect()
    }
    fn victim_emails(&self) -> Vec<String> {
        self.victims
            .iter()
            .map(|(l, sub)| {
                if *sub {
                    format!("{l}@Soc.Ministry.example")
                } else {
                    format!("{l}@ministry.example")
                }
            })
            .collect()
    }
    fn other_emails(&self) -> Vec<String> {
        self.others
            .iter()
            .map(|l| format!("{l}@partner.example"))
            .collect()
    }

    /// Raw values the rules must keep in the node.
    fn covered(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.internal_action != PiiAction::Keep {
            out.extend(self.internal4_text());
            out.extend(self.internal6_text());
        }
        if self.email_action != PiiAction::Keep {
            out.extend(self.victim_emails());
            if !self.domains_listed {
                out.extend(self.other_emails());
            }
        }
        if self.account_action != PiiAction::Keep {
            out.extend(self.accounts.iter().cloned());
        }
        out
    }

    fn rules(&self) -> PiiRules {
        PiiRules {
            emails: EmailRule {
                action: self.email_action,
                domains: if self.domains_listed {
                    vec!["ministry.example".into()]
                } else {
                    Vec::new()
                },
            },
            user_accounts: self.account_action,
            internal_ranges: vec!["10.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()],
            internal_addresses: self.internal_action,
        }
    }

    fn batch(&self) -> Vec<Value> {
        let clear = |mut o: Value| {
            o["object_marking_refs"] = json!([Tlp::Clear.marking_id()]);
            o
        };
        let mut scos = Vec::new();
        for v in self.internal4_text() {
            scos.push(clear(sco("ipv4-addr", json!({"value": v}))));
        }
        for v in &self.external4 {
            scos.push(clear(sco(
                "ipv4-addr",
                json!({"value": format!("203.0.113.{v}")}),
            )));
        }
        for v in self.internal6_text() {
            scos.push(clear(sco("ipv6-addr", json!({"value": v}))));
        }
        for v in self.victim_emails().into_iter().chain(self.other_emails()) {
            scos.push(clear(sco("email-addr", json!({"value": v}))));
        }
        for a in &self.accounts {
            scos.push(clear(sco(
                "user-account",
                json!({"user_id": a, "account_login": format!("{a}-adm"), "account_type": "unix"}),
            )));
        }
        let pick = |i: usize| &scos[self.picks[i % self.picks.len()] % scos.len()];
        let addrs: Vec<&Value> = scos
            .iter()
            .filter(|o| o["type"] == "ipv4-addr" || o["type"] == "ipv6-addr")
            .collect();
        let mut out = scos.clone();
        if addrs.len() >= 2 {
            let t = clear(sco(
                "network-traffic",
                json!({"src_ref": addrs[0]["id"], "dst_ref": addrs[addrs.len() - 1]["id"], "protocols": ["tcp"]}),
            ));
            out.push(t);
        }
        let emails: Vec<&Value> = scos.iter().filter(|o| o["type"] == "email-addr").collect();
        out.push(clear(sco("email-message", json!({"is_multipart": false, "from_ref": emails[0]["id"], "subject": format!("to {}", emails[emails.len() - 1]["value"].as_str().unwrap())}))));
        let refs: Vec<String> = (0..self.picks.len())
            .map(|i| pick(i)["id"].as_str().unwrap().to_string())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        out.push(clear(json!({
            "type": "observed-data", "spec_version": "2.1", "id": sdo_id("observed-data", 1), "created_by_ref": NODE,
            "created": "2024-05-03T09:00:00.000Z", "modified": "2024-05-03T09:00:00.000Z",
            "first_observed": "2024-05-03T08:00:00Z", "last_observed": "2024-05-03T08:00:00Z", "number_observed": 1,
            "object_refs": refs,
        })));
        // Free text mentioning every raw value, in other spellings too.
        let mut words = Vec::new();
        for (i, _) in self.picks.iter().enumerate() {
            let o = pick(i);
            let v = o["value"].as_str().or(o["user_id"].as_str()).unwrap_or("x");
            words.push(format!("seen {v}, again {}.", v.to_uppercase()));
        }
        words.extend(self.covered());
        let text = words.join(" ");
        out.push(clear(json!({
            "type": "note", "spec_version": "2.1", "id": sdo_id("note", 2), "created_by_ref": NODE,
            "created": "2024-05-03T09:00:00.000Z", "modified": "2024-05-03T09:00:00.000Z",
            "content": text, "abstract": words[0],
            "object_refs": [sdo_id("observed-data", 1)],
            "external_references": [{"source_name": "case", "description": words.last().unwrap()}],
            "x_phalanx_context": {"list": words, "nested": {"first": words[0]}},
        })));
        out
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn redacted_values_never_leave_and_references_hold(case in pii_case()) {
        let batch = case.batch();
        for o in &batch {
            prop_assert!(phalanx_stix::validate(o).is_ok(), "fixture invalid: {}", o);
        }
        let identity = node(Role::NationalCsirt);
        let defaults = defaults_with(case.rules());
        let key = key();
        let ctx = NodeContext { identity: &identity, defaults: &defaults, key: &key };
        let p = peer("p", &ident(50), Trust::External);
        let here = Provenance::created_here();
        let items: Vec<BatchItem<'_>> = batch.iter().map(|o| BatchItem { object: o, provenance: &here }).collect();
        let result = decide_batch(&ctx, &p, &items);
        prop_assert_eq!(&result, &decide_batch(&ctx, &p, &items), "not deterministic");

        let out: Vec<Value> = result.decisions.iter().zip(&batch).filter_map(|(d, o)| sent(d, o)).collect();
        let covered = case.covered();
        for o in &out {
            let bytes = serde_json::to_string(o).unwrap().to_lowercase();
            for raw in &covered {
                prop_assert!(!bytes.contains(&raw.to_lowercase()), "{} leaked in {}", raw, bytes);
            }
            prop_assert!(phalanx_stix::validate(o).is_ok(), "invalid output {}", o);
            if let Some(det) = phalanx_stix::deterministic_id(o.as_object().unwrap()) {
                prop_assert_eq!(o["id"].as_str().unwrap(), det.as_str());
            }
        }
        let ids: BTreeSet<String> = out.iter().filter_map(|o| o["id"].as_str()).map(str::to_ascii_lowercase).collect();
        for o in &out {
            let mut refs = Vec::new();
            references(o, &mut refs);
            for r in refs {
                let r = r.to_ascii_lowercase();
                prop_assert!(ids.contains(&r) || !result.id_map.contains_key(&r), "dangling {} in {}", r, o);
            }
        }
        // With every rule on `keep`, nothing changes.
        if covered.is_empty() {
            prop_assert_eq!(out.len(), batch.len());
        }
    }
}
