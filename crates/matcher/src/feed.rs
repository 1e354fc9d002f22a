//! How matching threads and indicator updates coexist: replicas fed by an
//! update log.
//!
//! Each detection worker owns a [`Matcher`]: matching takes `&mut self`, reads
//! no lock and shares no cache line with other workers. Indicator changes are
//! prepared once ([`Indicator`], shared by `Arc`) and published on an
//! [`UpdateFeed`]; every worker holds an [`UpdateQueue`] and, between batches
//! of observations, calls [`Matcher::apply_updates`] with a time budget. One
//! update costs microseconds (hash-table inserts; tables grow one sixty-fourth
//! at a time, see `sharded`), so with a budget of about a millisecond no
//! observation waits longer than that for the index, and updates are never
//! starved: whatever is left waits for the next batch.
//!
//! A worker that starts late subscribes first, then loads the current
//! indicators (from the store), then applies its queue: the queue replays
//! every change made since it subscribed, in order, and an insert replaces
//! while a removal of an absent key does nothing, so the replica converges to
//! the publisher's state.
//!
//! The price is memory: each replica holds its own index. Stateful windows
//! are per replica too, so a stateful indicator correlates the observations
//! its worker sees; route observations that must correlate (for example by
//! sensor, or by flow) to one worker.

use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::analyze::Indicator;
use crate::matcher::{IndicatorKey, Matcher};

/// One change to the indicator set.
#[derive(Debug, Clone)]
pub enum Update<K> {
    /// Insert, or replace the indicator with this key (a new version).
    Insert {
        /// The indicator's key.
        key: K,
        /// The prepared indicator.
        indicator: Arc<Indicator>,
    },
    /// Remove the indicator with this key (revoked, or `valid_until` passed).
    Remove {
        /// The indicator's key.
        key: K,
    },
    /// Remove every indicator whose `valid_until` is at or before `now`
    /// (nanoseconds since the Unix epoch).
    Expire {
        /// The current time.
        now: i64,
    },
}

/// The publishing side: clone it freely; every clone feeds the same
/// subscribers.
#[derive(Debug, Clone)]
pub struct UpdateFeed<K> {
    subscribers: Arc<Mutex<Vec<Sender<Update<K>>>>>,
}

impl<K> Default for UpdateFeed<K> {
    fn default() -> Self {
        UpdateFeed {
            subscribers: Arc::new(Mutex::new(Vec::new())),
        }
    }
}

impl<K: Clone> UpdateFeed<K> {
    /// A feed without subscribers.
    pub fn new() -> Self {
        UpdateFeed::default()
    }

    /// A new queue that receives every update published from now on.
    pub fn subscribe(&self) -> UpdateQueue<K> {
        let (sender, receiver) = mpsc::channel();
        self.lock().push(sender);
        UpdateQueue { receiver }
    }

    /// Sends `update` to every live subscriber; returns how many received it
    /// (queues that were dropped are forgotten).
    pub fn publish(&self, update: Update<K>) -> usize {
        let mut subscribers = self.lock();
        subscribers.retain(|s| s.send(update.clone()).is_ok());
        subscribers.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Sender<Update<K>>>> {
        // A panic while holding the lock leaves the list intact: keep going.
        self.subscribers
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

/// One subscriber's queue of updates, applied with
/// [`Matcher::apply_updates`].
#[derive(Debug)]
pub struct UpdateQueue<K> {
    receiver: Receiver<Update<K>>,
}

/// What one [`Matcher::apply_updates`] call did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// Updates applied.
    pub applied: usize,
    /// Inserts refused (the index was full); the key is then absent.
    pub refused: usize,
    /// True when updates were left for the next call because the budget ran
    /// out.
    pub more: bool,
    /// The longest single update, in microseconds.
    pub longest_us: u64,
}

impl<K: IndicatorKey> Matcher<K> {
    /// Applies queued updates until the queue is empty or `budget` has
    /// passed (at least one update is applied per call, so progress never
    /// stops). Call it between batches of observations.
    pub fn apply_updates(&mut self, queue: &UpdateQueue<K>, budget: Duration) -> ApplyReport {
        let start = Instant::now();
        let mut report = ApplyReport::default();
        loop {
            if report.applied > 0 && start.elapsed() >= budget {
                report.more = true;
                break;
            }
            let update = match queue.receiver.try_recv() {
                Ok(update) => update,
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            };
            let began = Instant::now();
            self.apply(update, &mut report);
            let took = u64::try_from(began.elapsed().as_micros()).unwrap_or(u64::MAX);
            report.longest_us = report.longest_us.max(took);
            report.applied += 1;
        }
        report
    }

    /// Applies one update.
    pub fn apply(&mut self, update: Update<K>, report: &mut ApplyReport) {
        match update {
            Update::Insert { key, indicator } => {
                if self.insert_indicator(key.clone(), indicator).is_err() {
                    self.remove(&key);
                    report.refused += 1;
                }
            }
            Update::Remove { key } => {
                self.remove(&key);
            }
            Update::Expire { now } => {
                self.expire(now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::facts::{FactValue, Facts};
    use crate::paths::well_known;

    fn hits(matcher: &mut Matcher<u64>, address: u32) -> Vec<u64> {
        let mut facts = Facts::new();
        facts.push(well_known::IPV4_VALUE, FactValue::Ipv4(address));
        let mut hits = Vec::new();
        matcher.match_facts(
            &facts,
            || Err::<phalanx_pattern::ObservationSet, _>("no observation"),
            &mut hits,
        );
        let mut keys: Vec<u64> = hits.into_iter().map(|h| h.key).collect();
        keys.sort_unstable();
        keys
    }

    #[test]
    fn replicas_follow_the_feed_from_another_thread() {
        let feed: UpdateFeed<u64> = UpdateFeed::new();
        let queue = feed.subscribe();
        let publisher = {
            let feed = feed.clone();
            std::thread::spawn(move || {
                for i in 0..2_000u64 {
                    let text = format!("[ipv4-addr:value = '10.0.{}.{}']", i / 256, i % 256);
                    let indicator = Arc::new(Indicator::parse(&text).unwrap());
                    feed.publish(Update::Insert { key: i, indicator });
                }
                feed.publish(Update::Remove { key: 5 });
            })
        };
        let mut replica: Matcher<u64> = Matcher::default();
        let mut reports = Vec::new();
        while replica.len() < 1_999 || !publisher.is_finished() {
            reports.push(replica.apply_updates(&queue, Duration::from_micros(500)));
            // Matching goes on between update batches.
            let _ = hits(&mut replica, 0x0a00_0001);
        }
        publisher.join().unwrap();
        reports.push(replica.apply_updates(&queue, Duration::from_secs(1)));
        assert_eq!(replica.len(), 1_999);
        assert_eq!(hits(&mut replica, 0x0a00_0001), vec![1]);
        assert!(hits(&mut replica, 0x0a00_0005).is_empty());
        assert_eq!(reports.iter().map(|r| r.applied).sum::<usize>(), 2_001);
    }

    #[test]
    fn a_late_replica_converges_by_snapshot_then_queue() {
        let feed: UpdateFeed<u64> = UpdateFeed::new();
        let mut primary: Matcher<u64> = Matcher::default();
        let one = Arc::new(Indicator::parse("[ipv4-addr:value = '10.0.0.1']").unwrap());
        let two = Arc::new(Indicator::parse("[ipv4-addr:value = '10.0.0.2']").unwrap());
        primary.insert_indicator(1, Arc::clone(&one)).unwrap();
        // The late replica subscribes, then changes happen, then it loads.
        let queue = feed.subscribe();
        for update in [
            Update::Remove { key: 1 },
            Update::Insert {
                key: 2,
                indicator: Arc::clone(&two),
            },
            Update::Insert {
                key: 1,
                indicator: Arc::clone(&two),
            },
        ] {
            let mut report = ApplyReport::default();
            primary.apply(update.clone(), &mut report);
            assert_eq!(feed.publish(update), 1);
        }
        let mut replica = primary.clone();
        let report = replica.apply_updates(&queue, Duration::from_secs(1));
        assert_eq!(report.applied, 3);
        assert_eq!(replica.len(), primary.len());
        assert_eq!(hits(&mut replica, 0x0a00_0002), vec![1, 2]);
        assert!(hits(&mut replica, 0x0a00_0001).is_empty());
        drop(queue);
        assert_eq!(feed.publish(Update::Expire { now: 0 }), 0);
    }
}
