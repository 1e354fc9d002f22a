//! The engine: one decoder and one index replica, records in, matches out.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use phalanx_decode::{DecodeError, Decoder, Observation};
use phalanx_matcher::{FactValue, Facts, Hit, InsertError, Matcher, MatcherConfig, Mode};
use phalanx_pattern::ObservationSet;
use serde_json::Value;

use crate::indicators::ActiveIndicator;

/// The observed-data id used when a candidate needs the exact evaluator; the object never
/// leaves the engine.
const EVALUATION_ID: &str = "observed-data--00000000-0000-4000-8000-000000000000";

/// One property value of the event that hit an indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchedValue {
    /// The object path (`domain-name:value`).
    pub path: String,
    /// The value, as STIX JSON would hold it.
    pub value: Value,
}

/// Counters of one engine (all since it was built).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Records offered.
    pub records: u64,
    /// Records decoded.
    pub decoded: u64,
    /// Records refused by the decoder.
    pub malformed: u64,
    /// Decoded records that matched at least one indicator.
    pub matched_events: u64,
    /// (record, indicator) matches.
    pub matches: u64,
    /// Candidates the index pointed at.
    pub candidates: u64,
    /// Candidates the exact evaluator had to check on the full observation.
    pub verified: u64,
    /// Candidates the evaluator could not decide (counted, never reported as matches).
    pub undecided: u64,
}

/// The result of offering one indicator version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// A new indicator, decided in this mode.
    Added(Mode),
    /// A newer version replaced the active one.
    Replaced(Mode),
    /// The engine already holds this version or a newer one; nothing changed.
    Unchanged,
}

/// Matches decoded telemetry against the active indicators.
///
/// Each detection worker owns one engine; indicators are analysed once
/// ([`crate::read_indicator`]) and the same [`ActiveIndicator`] goes into every replica.
#[derive(Debug)]
pub struct Engine {
    decoder: Decoder,
    matcher: Matcher<u32>,
    slots: Vec<Option<Arc<ActiveIndicator>>>,
    by_id: HashMap<String, u32>,
    free: Vec<u32>,
    expiry: BTreeSet<(i64, u32)>,
    facts: Facts<'static>,
    hits: Vec<Hit<u32>>,
    stats: EngineStats,
}

fn stix_nanos(text: &str) -> Option<i128> {
    phalanx_stix::Timestamp::parse(text)
        .ok()
        .map(|t| t.unix_nanos())
}

fn fact_json(value: FactValue<'_>) -> Value {
    match value {
        FactValue::Str(s) => Value::from(s),
        FactValue::Ipv4(a) => Value::from(std::net::Ipv4Addr::from(a).to_string()),
        FactValue::Ipv6(a) => Value::from(std::net::Ipv6Addr::from(a).to_string()),
        FactValue::Int(i) => {
            i64::try_from(i).map_or_else(|_| Value::from(i.to_string()), Value::from)
        }
        FactValue::Float(f) => Value::from(f),
        FactValue::Bool(b) => Value::from(b),
        FactValue::Bytes(b) => Value::from(
            b.iter()
                .map(|byte| format!("{byte:02x}"))
                .collect::<String>(),
        ),
    }
}

impl Engine {
    /// An engine decoding with `decoder`, with no indicator yet.
    pub fn new(decoder: Decoder, config: MatcherConfig) -> Engine {
        Engine {
            decoder,
            matcher: Matcher::new(config),
            slots: Vec::new(),
            by_id: HashMap::new(),
            free: Vec::new(),
            expiry: BTreeSet::new(),
            facts: Facts::new(),
            hits: Vec::new(),
            stats: EngineStats::default(),
        }
    }

    /// The decoder.
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// The counters.
    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    /// The number of active indicators.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when no indicator is active.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The active indicator with this id.
    pub fn indicator(&self, id: &str) -> Option<&Arc<ActiveIndicator>> {
        let key = *self.by_id.get(id)?;
        self.slots.get(key as usize)?.as_ref()
    }

    /// Bytes the index accounts for.
    pub fn index_bytes(&self) -> usize {
        self.matcher.memory_bytes()
    }

    /// Activates an indicator version: a new id is added, a newer `modified` replaces the
    /// active version (an older or equal one changes nothing).
    pub fn activate(&mut self, indicator: Arc<ActiveIndicator>) -> Result<Activation, InsertError> {
        if let Some(&key) = self.by_id.get(&indicator.id) {
            let newer = match (
                self.slots
                    .get(key as usize)
                    .and_then(Option::as_ref)
                    .and_then(|old| stix_nanos(&old.modified)),
                stix_nanos(&indicator.modified),
            ) {
                (Some(old), Some(new)) => new > old,
                _ => true,
            };
            if !newer {
                return Ok(Activation::Unchanged);
            }
            let mode = self
                .matcher
                .insert_indicator(key, Arc::clone(&indicator.prepared))?;
            self.unschedule(key);
            self.schedule(key, &indicator);
            self.slots[key as usize] = Some(indicator);
            return Ok(Activation::Replaced(mode));
        }
        let key = match self.free.pop() {
            Some(key) => key,
            None => {
                let key = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
                self.slots.push(None);
                key
            }
        };
        match self
            .matcher
            .insert_indicator(key, Arc::clone(&indicator.prepared))
        {
            Ok(mode) => {
                self.by_id.insert(indicator.id.clone(), key);
                self.schedule(key, &indicator);
                self.slots[key as usize] = Some(indicator);
                Ok(Activation::Added(mode))
            }
            Err(error) => {
                self.free.push(key);
                Err(error)
            }
        }
    }

    fn schedule(&mut self, key: u32, indicator: &ActiveIndicator) {
        if let Some(until) = indicator.valid_until {
            self.expiry.insert((until, key));
        }
    }

    fn unschedule(&mut self, key: u32) {
        if let Some(until) = self
            .slots
            .get(key as usize)
            .and_then(Option::as_ref)
            .and_then(|i| i.valid_until)
        {
            self.expiry.remove(&(until, key));
        }
    }

    /// Stops matching the indicator with this id (revoked or deleted); false when it is not
    /// active.
    pub fn deactivate(&mut self, id: &str) -> bool {
        let Some(key) = self.by_id.remove(id) else {
            return false;
        };
        self.unschedule(key);
        self.matcher.remove(&key);
        if let Some(slot) = self.slots.get_mut(key as usize) {
            *slot = None;
        }
        self.free.push(key);
        true
    }

    /// Deactivates every indicator whose `valid_until` is at or before `now` (nanoseconds
    /// since the Unix epoch); returns their ids.
    pub fn expire(&mut self, now: i64) -> Vec<String> {
        let due: Vec<(i64, u32)> = self.expiry.range(..=(now, u32::MAX)).copied().collect();
        let mut expired = Vec::with_capacity(due.len());
        for (_, key) in due {
            if let Some(id) = self
                .slots
                .get(key as usize)
                .and_then(Option::as_ref)
                .map(|i| i.id.clone())
            {
                self.deactivate(&id);
                expired.push(id);
            }
        }
        expired
    }

    /// Decodes one record and matches it. `on_match` is called once per matching indicator,
    /// with the decoded observation, the indicator and the values that hit it. Returns the
    /// number of matches, or the decoder's error (counted as malformed).
    pub fn process<F>(&mut self, record: &[u8], on_match: F) -> Result<usize, DecodeError>
    where
        F: FnMut(&Observation<'_>, &Arc<ActiveIndicator>, Vec<MatchedValue>),
    {
        self.process_timed(record, on_match).map(|(count, _)| count)
    }

    /// [`Engine::process`], also returning the record's event time (nanoseconds since the
    /// Unix epoch), for callers that archive what they matched.
    pub fn process_timed<F>(
        &mut self,
        record: &[u8],
        mut on_match: F,
    ) -> Result<(usize, i64), DecodeError>
    where
        F: FnMut(&Observation<'_>, &Arc<ActiveIndicator>, Vec<MatchedValue>),
    {
        self.stats.records += 1;
        let observation = match self.decoder.decode(record) {
            Ok(observation) => observation,
            Err(error) => {
                self.stats.malformed += 1;
                return Err(error);
            }
        };
        self.stats.decoded += 1;
        let count = self.match_observation(&observation, &mut on_match);
        Ok((count, observation.time))
    }

    /// Matches an observation decoded elsewhere (a retro-hunt over archived records, or a
    /// caller that keeps the observation).
    pub fn match_observation<F>(&mut self, observation: &Observation<'_>, on_match: &mut F) -> usize
    where
        F: FnMut(&Observation<'_>, &Arc<ActiveIndicator>, Vec<MatchedValue>),
    {
        let start = observation.start_text();
        let mut facts = std::mem::take(&mut self.facts).recycle();
        observation.facts(self.decoder.paths(), start.as_str(), &mut facts);
        self.hits.clear();
        let evaluate = || -> Result<ObservationSet, String> {
            let (od, scos) = observation.to_stix(EVALUATION_ID);
            let mut objects = Vec::with_capacity(scos.len() + 1);
            objects.push(od);
            objects.extend(scos);
            ObservationSet::from_stix(&objects).map_err(|e| e.to_string())
        };
        let stats = self.matcher.match_facts(&facts, evaluate, &mut self.hits);
        self.stats.undecided += u64::from(stats.undecided);
        self.stats.candidates += u64::from(stats.candidates);
        self.stats.verified += u64::from(stats.verified);
        let mut count = 0;
        for hit in &self.hits {
            let Some(indicator) = self.slots.get(hit.key as usize).and_then(Option::as_ref) else {
                continue;
            };
            let mut matched: Vec<MatchedValue> = Vec::with_capacity(hit.facts.len());
            for fact in hit.matched(&facts) {
                let value = MatchedValue {
                    path: fact.path.to_string(),
                    value: fact_json(fact.value),
                };
                if !matched.contains(&value) {
                    matched.push(value);
                }
            }
            on_match(observation, indicator, matched);
            count += 1;
        }
        self.facts = facts.recycle();
        if count > 0 {
            self.stats.matched_events += 1;
            self.stats.matches += count as u64;
        }
        count
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::indicators::{Offer, read_indicator};
    use phalanx_decode::Format;
    use serde_json::json;

    const ID: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";

    fn version(modified: &str, pattern: &str, until: Option<&str>) -> Arc<ActiveIndicator> {
        let mut v = json!({
            "type": "indicator", "spec_version": "2.1", "id": ID,
            "created": "2024-01-01T00:00:00.000Z", "modified": modified,
            "pattern": pattern, "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"
        });
        if let Some(until) = until {
            v["valid_until"] = until.into();
        }
        match read_indicator(&v).unwrap() {
            Offer::Activate(a) => Arc::new(a),
            other => panic!("{other:?}"),
        }
    }

    fn dns(name: &str) -> String {
        format!(
            r#"{{"timestamp":"2024-03-01T00:00:00Z","event_type":"dns","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","proto":"UDP","dns":{{"rrname":"{name}"}}}}"#
        )
    }

    fn count(engine: &mut Engine, line: &str) -> usize {
        engine.process(line.as_bytes(), |_, _, _| {}).unwrap()
    }

    #[test]
    fn versions_replace_older_ones_only() {
        let mut e = Engine::new(Decoder::new(Format::Eve).unwrap(), MatcherConfig::default());
        let a = "[domain-name:value = 'a.example']";
        let b = "[domain-name:value = 'b.example']";
        assert!(matches!(
            e.activate(version("2024-01-02T00:00:00.000Z", a, None))
                .unwrap(),
            Activation::Added(Mode::Exact)
        ));
        assert_eq!(count(&mut e, &dns("a.example")), 1);
        assert!(matches!(
            e.activate(version("2024-01-03T00:00:00.000Z", b, None))
                .unwrap(),
            Activation::Replaced(_)
        ));
        assert_eq!(count(&mut e, &dns("a.example")), 0);
        assert_eq!(count(&mut e, &dns("b.example")), 1);
        assert_eq!(
            e.activate(version("2024-01-01T00:00:00.000Z", a, None))
                .unwrap(),
            Activation::Unchanged
        );
        assert_eq!(count(&mut e, &dns("b.example")), 1);
        assert!(e.deactivate(ID));
        assert!(!e.deactivate(ID));
        assert_eq!(count(&mut e, &dns("b.example")), 0);
        assert!(e.is_empty());
        assert_eq!(e.stats().matches, 3);
    }

    #[test]
    fn expiry_removes_indicators_past_valid_until() {
        let mut e = Engine::new(Decoder::new(Format::Eve).unwrap(), MatcherConfig::default());
        let until = "2024-06-01T00:00:00Z";
        e.activate(version(
            "2024-01-02T00:00:00.000Z",
            "[domain-name:value = 'a.example']",
            Some(until),
        ))
        .unwrap();
        let t = phalanx_stix::Timestamp::parse(until).unwrap().unix_nanos() as i64;
        assert!(e.expire(t - 1).is_empty());
        assert_eq!(e.expire(t), vec![ID.to_string()]);
        assert_eq!(count(&mut e, &dns("a.example")), 0);
    }

    #[test]
    fn malformed_records_are_counted_and_do_not_disturb_matching() {
        let mut e = Engine::new(Decoder::new(Format::Eve).unwrap(), MatcherConfig::default());
        e.activate(version(
            "2024-01-02T00:00:00.000Z",
            "[domain-name:value = 'a.example']",
            None,
        ))
        .unwrap();
        assert!(e.process(b"{broken", |_, _, _| {}).is_err());
        assert_eq!(count(&mut e, &dns("a.example")), 1);
        assert_eq!(e.stats().malformed, 1);
        assert_eq!(e.stats().decoded, 1);
    }

    #[test]
    fn verified_and_matched_values() {
        let mut e = Engine::new(Decoder::new(Format::Eve).unwrap(), MatcherConfig::default());
        e.activate(version(
            "2024-01-02T00:00:00.000Z",
            "[network-traffic:dst_ref.value = '10.0.0.2' AND network-traffic:dst_port != 53]",
            None,
        ))
        .unwrap();
        let mut matched = Vec::new();
        let line = dns("a.example").replace("\"proto\"", "\"dest_port\":5353,\"proto\"");
        let n = e.process(line.as_bytes(), |_, _, m| matched = m).unwrap();
        assert_eq!(n, 1, "{:?}", e.stats());
        assert_eq!(matched[0].path, "network-traffic:dst_ref.value");
        assert_eq!(matched[0].value, json!("10.0.0.2"));
        let line = dns("a.example").replace("\"proto\"", "\"dest_port\":53,\"proto\"");
        assert_eq!(count(&mut e, &line), 0);
    }
}
