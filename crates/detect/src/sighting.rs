//! Aggregated STIX 2.1 sightings: one per (indicator, sighting node, time bucket).
//!
//! Every match is counted in the bucket of its *event* time. [`Sightings::flush`] turns the
//! buckets that changed since the last flush into `sighting` objects; a bucket flushed again
//! is a new version of the same object (same id, later `modified`, the running `count`), so a
//! store or a TAXII client keeps the latest. Ids are UUIDv5 over the indicator, the node's
//! identity, the bucket start and the retrospective flag, so the same bucket always maps to
//! the same sighting, across restarts too.
//!
//! A bucket is kept in memory until nothing has matched in it for two bucket lengths of
//! processing time, and at most [`Sightings::with_max_open`] buckets are open; a bucket
//! evicted earlier (a flood of distinct indicators) is flushed first, and if it matches again
//! it starts a new count under the same id, whose next version then carries only the newer
//! count. Retrospective matches (a retro-hunt over archived telemetry) are counted apart and
//! marked `x_phalanx_retrospective: true`.

use std::collections::HashMap;

use phalanx_decode::time;
use serde_json::{Map, Value};
use uuid::Uuid;

/// The namespace of sighting ids (a UUIDv5 of the Phalanx project URL in the URL namespace).
fn namespace() -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        b"https://phalanx.invalid/stix/sighting",
    )
}

/// STIX caps `count` at 999,999,999.
const MAX_COUNT: u64 = 999_999_999;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    indicator: String,
    bucket: i64,
    retrospective: bool,
}

#[derive(Debug, Clone)]
struct Bucket {
    count: u64,
    first: i64,
    last: i64,
    created: Option<i64>,
    modified: i64,
    touched: i64,
    dirty: bool,
}

/// The open sighting buckets of one node.
#[derive(Debug)]
pub struct Sightings {
    identity: String,
    bucket_ns: i64,
    max_open: usize,
    open: HashMap<Key, Bucket>,
    evicted: Vec<Value>,
}

impl Sightings {
    /// Buckets of `bucket_seconds` (at least 1) for the node whose STIX `identity` id is
    /// `identity`.
    pub fn new(identity: &str, bucket_seconds: u64) -> Sightings {
        Sightings {
            identity: identity.to_string(),
            bucket_ns: i64::try_from(bucket_seconds.max(1))
                .unwrap_or(i64::MAX / 1_000_000_000)
                .saturating_mul(1_000_000_000),
            max_open: 100_000,
            open: HashMap::new(),
            evicted: Vec::new(),
        }
    }

    /// At most `max_open` buckets in memory (at least 1).
    pub fn with_max_open(mut self, max_open: usize) -> Sightings {
        self.max_open = max_open.max(1);
        self
    }

    /// Open buckets.
    pub fn open_buckets(&self) -> usize {
        self.open.len()
    }

    /// Counts one match of `indicator_id` by an event at `event_time`, processed at `now`
    /// (nanoseconds since the Unix epoch).
    pub fn record(&mut self, indicator_id: &str, event_time: i64, now: i64, retrospective: bool) {
        let key = Key {
            indicator: indicator_id.to_string(),
            bucket: event_time.div_euclid(self.bucket_ns) * self.bucket_ns,
            retrospective,
        };
        if !self.open.contains_key(&key) && self.open.len() >= self.max_open {
            self.evict_oldest(now);
        }
        let bucket = self.open.entry(key).or_insert(Bucket {
            count: 0,
            first: event_time,
            last: event_time,
            created: None,
            modified: 0,
            touched: now,
            dirty: true,
        });
        bucket.count = bucket.count.saturating_add(1);
        bucket.first = bucket.first.min(event_time);
        bucket.last = bucket.last.max(event_time);
        bucket.touched = now;
        bucket.dirty = true;
    }

    fn evict_oldest(&mut self, now: i64) {
        let Some(oldest) = self
            .open
            .iter()
            .min_by_key(|(_, b)| b.touched)
            .map(|(k, _)| k.clone())
        else {
            return;
        };
        if let Some(mut bucket) = self.open.remove(&oldest)
            && bucket.dirty
        {
            let object = sighting(&self.identity, &oldest, &mut bucket, now);
            self.evicted.push(object);
        }
    }

    /// The sightings of every bucket that changed since the last flush (new versions of
    /// earlier ones), and of buckets evicted since; forgets buckets idle for two bucket
    /// lengths.
    pub fn flush(&mut self, now: i64) -> Vec<Value> {
        let mut out = std::mem::take(&mut self.evicted);
        let mut keys: Vec<Key> = self
            .open
            .iter()
            .filter(|(_, b)| b.dirty)
            .map(|(k, _)| k.clone())
            .collect();
        keys.sort_by(|a, b| {
            (a.bucket, &a.indicator, a.retrospective).cmp(&(
                b.bucket,
                &b.indicator,
                b.retrospective,
            ))
        });
        for key in keys {
            if let Some(bucket) = self.open.get_mut(&key) {
                out.push(sighting(&self.identity, &key, bucket, now));
            }
        }
        let idle = self.bucket_ns.saturating_mul(2);
        self.open
            .retain(|_, b| b.dirty || now.saturating_sub(b.touched) < idle);
        out
    }

    /// Flushes everything and closes every bucket (at shutdown, or the end of a file).
    pub fn drain(&mut self, now: i64) -> Vec<Value> {
        let out = self.flush(now);
        self.open.clear();
        out
    }
}

/// The sighting object of one bucket, as a new version (its `modified` later than the last).
fn sighting(identity: &str, key: &Key, bucket: &mut Bucket, now: i64) -> Value {
    // `modified` must grow with every version, at the millisecond precision it is written.
    let now_ms = now.div_euclid(1_000_000) * 1_000_000;
    let modified = if now_ms > bucket.modified {
        now_ms
    } else {
        bucket.modified + 1_000_000
    };
    let created = *bucket.created.get_or_insert(modified);
    bucket.modified = modified;
    bucket.dirty = false;
    let name = format!(
        "{}|{}|{}|{}",
        key.indicator, identity, key.bucket, key.retrospective
    );
    let id = format!("sighting--{}", Uuid::new_v5(&namespace(), name.as_bytes()));
    let mut out = Map::new();
    out.insert("type".into(), "sighting".into());
    out.insert("spec_version".into(), "2.1".into());
    out.insert("id".into(), id.into());
    out.insert("created".into(), time::stix_millis(created).into());
    out.insert("modified".into(), time::stix_millis(modified).into());
    out.insert("created_by_ref".into(), identity.into());
    out.insert("sighting_of_ref".into(), key.indicator.clone().into());
    out.insert("first_seen".into(), time::stix_text(bucket.first).into());
    // `last_seen` must not be before `first_seen`; equal is allowed.
    out.insert("last_seen".into(), time::stix_text(bucket.last).into());
    out.insert("count".into(), bucket.count.min(MAX_COUNT).into());
    out.insert(
        "where_sighted_refs".into(),
        vec![Value::from(identity)].into(),
    );
    if key.retrospective {
        out.insert("x_phalanx_retrospective".into(), true.into());
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const IDENTITY: &str = "identity--0c4cd9a5-3b40-4a6d-9e41-7f1f8a1c2b3d";
    const IND: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    const S: i64 = 1_000_000_000;
    const T0: i64 = 1_709_251_200 * S;

    #[test]
    fn one_sighting_per_bucket_with_counts_and_times() {
        let mut s = Sightings::new(IDENTITY, 3600);
        s.record(IND, T0 + 5 * S, T0, false);
        s.record(IND, T0 + 2 * S, T0, false);
        s.record(IND, T0 + 3700 * S, T0, false);
        let out = s.flush(T0 + 10 * S);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0]["count"], 2);
        assert_eq!(out[0]["first_seen"], time::stix_text(T0 + 2 * S));
        assert_eq!(out[0]["last_seen"], time::stix_text(T0 + 5 * S));
        assert_eq!(out[0]["sighting_of_ref"], IND);
        assert_eq!(out[0]["where_sighted_refs"][0], IDENTITY);
        assert_eq!(out[1]["count"], 1);
        assert_ne!(out[0]["id"], out[1]["id"]);
        let checked = phalanx_stix::validate(&out[0]);
        assert!(checked.is_ok(), "{checked:?}");
    }

    #[test]
    fn later_flushes_are_new_versions_of_the_same_object() {
        let mut s = Sightings::new(IDENTITY, 3600);
        s.record(IND, T0, T0, false);
        let first = s.flush(T0);
        assert!(s.flush(T0).is_empty(), "nothing changed");
        s.record(IND, T0 + S, T0, false);
        let second = s.flush(T0);
        assert_eq!(first[0]["id"], second[0]["id"]);
        assert_eq!(second[0]["count"], 2);
        assert_eq!(first[0]["created"], second[0]["created"]);
        assert!(second[0]["modified"].as_str() > first[0]["modified"].as_str());
    }

    #[test]
    fn retrospective_matches_are_apart_and_marked() {
        let mut s = Sightings::new(IDENTITY, 60);
        s.record(IND, T0, T0, false);
        s.record(IND, T0, T0, true);
        let out = s.drain(T0);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1]["x_phalanx_retrospective"], true);
        assert_eq!(s.open_buckets(), 0);
    }

    #[test]
    fn bounded_buckets_flush_what_they_evict() {
        let mut s = Sightings::new(IDENTITY, 60).with_max_open(2);
        for k in 0..5 {
            s.record(IND, T0 + k * 60 * S, T0 + k, false);
        }
        assert_eq!(s.open_buckets(), 2);
        let out = s.flush(T0 + 10);
        assert_eq!(out.len(), 5);
        let total: u64 = out.iter().map(|o| o["count"].as_u64().unwrap()).sum();
        assert_eq!(total, 5);
    }

    #[test]
    fn idle_buckets_are_forgotten() {
        let mut s = Sightings::new(IDENTITY, 60);
        s.record(IND, T0, T0, false);
        s.flush(T0);
        assert_eq!(s.open_buckets(), 1);
        s.flush(T0 + 121 * S);
        assert_eq!(s.open_buckets(), 0);
    }
}
