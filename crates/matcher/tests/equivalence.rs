//! The index answers exactly what evaluating every pattern one by one
//! answers: for random pattern sets and random observations, after random
//! inserts, replacements and removals, and for stateful patterns over
//! sequences of observations.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::Gen;
use phalanx_matcher::{Hit, Matcher, MatcherConfig, Mode, StateConfig, facts_from_observation};
use phalanx_pattern::{CompiledPattern, ObservationSet, Pattern};
use proptest::prelude::*;
use serde_json::Value;

/// The reference: a compiled pattern per live key (`None` for an invalid
/// pattern, which never matches).
type Reference = BTreeMap<u32, Option<CompiledPattern>>;

thread_local! {
    static TEXTS: std::cell::RefCell<BTreeMap<u32, String>> = Default::default();
}

fn compile(text: &str) -> Option<CompiledPattern> {
    CompiledPattern::new(&Pattern::parse(text).ok()?).ok()
}

fn matched_keys(hits: &[Hit<u32>]) -> BTreeSet<u32> {
    hits.iter().map(|h| h.key).collect()
}

/// Inserts `text` under `key` in both; an invalid pattern is refused by the
/// index and never matches in the reference.
fn insert(matcher: &mut Matcher<u32>, reference: &mut Reference, key: u32, text: &str) {
    let compiled = compile(text);
    match Pattern::parse(text) {
        Ok(pattern) => match matcher.insert(key, &pattern) {
            Ok(_) => assert!(
                compiled.is_some(),
                "index accepted an invalid pattern: {text}"
            ),
            Err(e) => {
                assert!(
                    compiled.is_none(),
                    "index refused a valid pattern {text}: {e}"
                );
                matcher.remove(&key);
            }
        },
        Err(_) => {
            matcher.remove(&key);
        }
    }
    TEXTS.with(|t| t.borrow_mut().insert(key, text.to_string()));
    reference.insert(key, compiled);
}

/// Applies one random insert, replacement or removal; returns the key it
/// replaced or removed.
fn random_update(
    rng: &mut Gen,
    matcher: &mut Matcher<u32>,
    reference: &mut Reference,
    next_key: &mut u32,
    stateful: bool,
) -> Option<u32> {
    match rng.range(0, 2) {
        0 => {
            let kind = stateful && rng.chance(0.5);
            let text = rng.pattern(kind);
            insert(matcher, reference, *next_key, &text);
            *next_key += 1;
            None
        }
        1 => {
            if let Some(&key) = reference
                .keys()
                .nth(rng.range(0, reference.len().max(1) - 1))
            {
                let kind = stateful && rng.chance(0.5);
                let text = rng.pattern(kind);
                insert(matcher, reference, key, &text);
                return Some(key);
            }
            None
        }
        _ => {
            if let Some(&key) = reference
                .keys()
                .nth(rng.range(0, reference.len().max(1) - 1))
            {
                assert_eq!(
                    matcher.remove(&key),
                    reference.remove(&key).unwrap().is_some()
                );
                return Some(key);
            }
            None
        }
    }
}

fn check_stateless(seed: u64) {
    let mut rng = Gen::new(seed);
    let mut matcher: Matcher<u32> = Matcher::default();
    let mut reference = Reference::new();
    let mut next_key = 0;
    for _ in 0..40 {
        let text = rng.pattern(false);
        insert(&mut matcher, &mut reference, next_key, &text);
        next_key += 1;
    }
    let live = reference.values().filter(|c| c.is_some()).count();
    assert_eq!(matcher.len(), live);
    let mut hits = Vec::new();
    let mut by_mode = [0usize; 3];
    for round in 0..40 {
        if round % 4 == 3 {
            for _ in 0..rng.range(1, 4) {
                random_update(&mut rng, &mut matcher, &mut reference, &mut next_key, false);
            }
        }
        let at = rng.range(0, 60) as i64;
        let objects = rng.observation(at);
        let set = ObservationSet::from_stix(&objects).unwrap();
        let owned = facts_from_observation(&objects).unwrap().remove(0);
        let facts = owned.facts();
        hits.clear();
        let mut built = 0;
        let stats = matcher.match_facts(
            &facts,
            || {
                built += 1;
                ObservationSet::from_stix(&objects)
            },
            &mut hits,
        );
        assert!(built <= 1);
        assert_eq!(stats.undecided, 0, "{stats:?}");
        let expected: BTreeSet<u32> = reference
            .iter()
            .filter(|(_, c)| c.as_ref().is_some_and(|c| c.matches(&set).unwrap()))
            .map(|(k, _)| *k)
            .collect();
        let got = matched_keys(&hits);
        if got != expected {
            let texts: Vec<String> = got
                .symmetric_difference(&expected)
                .map(|k| format!("{k}: {}", TEXTS.with(|t| t.borrow()[k].clone())))
                .collect();
            panic!(
                "seed {seed} round {round}: index {got:?} != evaluator {expected:?} ({texts:?})\nobservation: {}",
                serde_json::to_string(&objects).unwrap()
            );
        }
        for hit in &hits {
            by_mode[hit.mode as usize] += 1;
            if hit.mode == Mode::Exact {
                assert!(!hit.facts.is_empty(), "an exact hit names its facts");
            }
        }
    }
    // The generator must exercise both ways of deciding.
    assert!(
        by_mode[0] > 0 && by_mode[1] > 0,
        "seed {seed}: hits by mode {by_mode:?}"
    );
}

fn check_stateful(seed: u64) -> usize {
    let mut rng = Gen::new(seed);
    let config = MatcherConfig {
        state: StateConfig {
            horizon_ns: i64::MAX / 4,
            window_capacity: 10_000,
            state_max_bytes: usize::MAX / 4,
            eval_budget: phalanx_pattern::DEFAULT_STEP_BUDGET,
        },
    };
    let mut matcher: Matcher<u32> = Matcher::new(config);
    let mut reference = Reference::new();
    let mut history: BTreeMap<u32, Vec<Value>> = BTreeMap::new();
    let mut next_key = 0;
    for _ in 0..16 {
        let stateful = rng.chance(0.8);
        let text = rng.pattern(stateful);
        insert(&mut matcher, &mut reference, next_key, &text);
        next_key += 1;
    }
    let mut at = 0i64;
    let mut hits = Vec::new();
    let mut stateful_hits = 0;
    for round in 0..30 {
        if round % 6 == 5 {
            // A replaced or removed indicator starts over.
            if let Some(key) =
                random_update(&mut rng, &mut matcher, &mut reference, &mut next_key, true)
            {
                history.remove(&key);
            }
        }
        at += rng.pick(&[0, 1, 1, 2, 4]);
        let objects = rng.observation(at);
        let owned = facts_from_observation(&objects).unwrap().remove(0);
        let facts = owned.facts();
        hits.clear();
        let stats = matcher.match_facts(&facts, || ObservationSet::from_stix(&objects), &mut hits);
        assert_eq!(stats.undecided, 0, "{stats:?}");
        let mut expected = BTreeSet::new();
        for (key, compiled) in &reference {
            let Some(compiled) = compiled else { continue };
            let past = history.entry(*key).or_default();
            let mut all = past.clone();
            all.extend(objects.iter().cloned());
            let set = ObservationSet::from_stix(&all).unwrap();
            if compiled.matches(&set).unwrap() {
                expected.insert(*key);
                past.clear();
            } else {
                past.extend(objects.iter().cloned());
            }
        }
        stateful_hits += hits.iter().filter(|h| h.mode == Mode::Stateful).count();
        let got = matched_keys(&hits);
        if got != expected {
            let texts: Vec<String> = got
                .symmetric_difference(&expected)
                .map(|k| format!("{k}: {}", TEXTS.with(|t| t.borrow()[k].clone())))
                .collect();
            panic!(
                "seed {seed} round {round}: index {got:?} != evaluator {expected:?} ({texts:?})\nobservation: {}",
                serde_json::to_string(&objects).unwrap()
            );
        }
    }
    stateful_hits
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn stateless_index_equals_the_evaluator(seed in any::<u64>()) {
        check_stateless(seed);
    }

    #[test]
    fn stateful_index_equals_the_evaluator_over_history(seed in any::<u64>()) {
        check_stateful(seed);
    }
}

#[test]
fn fixed_seeds() {
    let mut stateful_hits = 0;
    for seed in 0..16 {
        check_stateless(seed);
        stateful_hits += check_stateful(seed);
    }
    assert!(
        stateful_hits > 10,
        "stateful patterns matched only {stateful_hits} times"
    );
}
