//! The event stream and its ground truth.

use crate::background::{self, Frame};
use crate::config::{Config, DnsLayout, EventMix, TelemetryFormat};
use crate::draw::{Draw, Stream};
use crate::error::WorkloadError;
use crate::event::{Event, EventType};
use crate::plant::{self, Slot};
use crate::spec::{IpSlot, Spec};
use crate::timefmt;

/// The indicators an event must match: none, one, or two (a multi-hit event), as indices
/// into the indicator bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Hits {
    ids: [u32; 2],
    len: u8,
}

impl Hits {
    /// The matched indicator indices, in planting order.
    pub fn as_slice(&self) -> &[u32] {
        &self.ids[..usize::from(self.len)]
    }

    /// Whether the event matches nothing.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of matched indicators.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    fn push(&mut self, i: u32) {
        if let Some(slot) = self.ids.get_mut(usize::from(self.len)) {
            *slot = i;
            self.len += 1;
        }
    }
}

/// One generated event with the indicators it must match.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// The event.
    pub event: Event,
    /// Its ground truth.
    pub hits: Hits,
}

impl EventRecord {
    /// Appends the event's JSON line (with the trailing newline) to `out`.
    pub fn write_line(
        &self,
        format: TelemetryFormat,
        out: &mut Vec<u8>,
    ) -> Result<(), WorkloadError> {
        self.event.write_json(format, out)?;
        out.push(b'\n');
        Ok(())
    }
}

/// Streams a workload's events in order, drawing from the events stream only. Memory use
/// is constant: nothing about earlier events is kept.
///
/// Hit events are chosen by selection sampling (Knuth's Algorithm S): event `k` of the
/// remaining `r` is a hit with probability `hits_left / r`, which gives exactly the
/// configured number of hits, uniformly placed, in one pass. Multi-hit events are chosen
/// among the hits the same way.
#[derive(Debug)]
pub struct EventStream<'a> {
    spec: &'a Spec,
    draw: Draw,
    format: TelemetryFormat,
    dns_layout: DnsLayout,
    mix: EventMix,
    ipv6_share: f64,
    next: u64,
    total: u64,
    time_us: i64,
    hits_left: u64,
    hits_remaining_for_multi: u64,
    multi_left: u64,
}

impl<'a> EventStream<'a> {
    /// The event stream of `config` over the indicators of `spec` (which must have been
    /// built from the same configuration).
    pub fn new(config: &Config, spec: &'a Spec) -> Result<Self, WorkloadError> {
        config.validate()?;
        Ok(Self::from_validated(config, spec))
    }

    /// [`EventStream::new`] for a configuration already validated.
    pub(crate) fn from_validated(config: &Config, spec: &'a Spec) -> Self {
        let hits = if spec.is_empty() {
            0
        } else {
            config.hit_events()
        };
        let multi = ((hits as f64 * config.multi_rate).round() as u64).min(hits);
        EventStream {
            spec,
            draw: Draw::at(spec.seed(), Stream::Events, 0),
            format: config.format,
            dns_layout: config.dns_layout,
            mix: config.event_mix(),
            ipv6_share: config.ipv6_share,
            next: 0,
            total: config.events,
            time_us: timefmt::EVENTS_EPOCH_S * 1_000_000,
            hits_left: hits,
            hits_remaining_for_multi: hits,
            multi_left: multi,
        }
    }

    fn generate(&mut self) -> EventRecord {
        let d = &mut self.draw;
        let index = self.next;
        self.next += 1;
        self.time_us += d.below(2_000) as i64;
        let flow_id = d.u64() >> 13;
        let remaining = self.total - index;
        let is_hit = self.hits_left > 0 && d.below(remaining) < self.hits_left;
        let mut frame = Frame {
            index,
            time_us: self.time_us,
            flow_id,
            ipv6: false,
            format: self.format,
            dns_layout: self.dns_layout,
        };
        let mut hits = Hits::default();
        if !is_hit {
            let ty = EventType::ALL
                .get(d.weighted(self.mix.as_slice()))
                .copied()
                .unwrap_or(EventType::Flow);
            frame.ipv6 = d.chance(self.ipv6_share);
            let event = background::event(d, ty, &frame);
            return EventRecord { event, hits };
        }
        self.hits_left -= 1;

        let first = d.below32(self.spec.len());
        let Some(facts) = self.spec.facts(first) else {
            let event = background::event(d, EventType::Flow, &frame);
            return EventRecord { event, hits };
        };
        let (slot, ipv6) = plant::choose_slot(d, &facts, self.ipv6_share);
        frame.ipv6 = ipv6;
        let ty = plant::choose_type(d, self.format, self.mix.as_slice(), slot);
        let mut event = background::event(d, ty, &frame);
        if plant::plant(d, &mut event, &facts, slot) {
            hits.push(first);
        }

        let is_multi =
            self.multi_left > 0 && d.below(self.hits_remaining_for_multi) < self.multi_left;
        self.hits_remaining_for_multi -= 1;
        if is_multi {
            self.multi_left -= 1;
            let free = match slot {
                Slot::Ip(IpSlot::Src) => IpSlot::Dst,
                Slot::Ip(IpSlot::Dst) => IpSlot::Src,
                _ if d.below(3) == 0 => IpSlot::Src,
                _ => IpSlot::Dst,
            };
            let second = self
                .spec
                .pick_address(d, event.src.is_ipv6(), free, first)
                .and_then(|j| self.spec.facts(j));
            if let Some(second) = second
                && plant::plant(d, &mut event, &second, Slot::Ip(free))
            {
                hits.push(second.index);
            }
        }
        EventRecord { event, hits }
    }
}

impl Iterator for EventStream<'_> {
    type Item = EventRecord;

    fn next(&mut self) -> Option<EventRecord> {
        (self.next < self.total).then(|| self.generate())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.total - self.next).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}
