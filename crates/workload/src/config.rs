//! Workload configuration and its validation.

use std::fmt;
use std::str::FromStr;

use crate::error::WorkloadError;
use crate::event::EventType;
use crate::kind::IndicatorKind;
use crate::space::IOC_NETS;
use crate::tlp::Tlp;

/// The largest number of indicators a workload may have: one distinct `/24` network per
/// indicator index must fit in the 50 first octets reserved for them (50 × 65 536).
pub const MAX_INDICATORS: u32 = IOC_NETS as u32;

/// The largest number of events a workload may have (keeps every event time within a few
/// decades of 2024 and every count exact in `f64`).
pub const MAX_EVENTS: u64 = 1_000_000_000_000;

/// Which sensor's JSON the telemetry imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TelemetryFormat {
    /// Suricata EVE JSON lines.
    #[default]
    Eve,
    /// Zeek JSON logs (`LogAscii::use_json = T`), all log streams interleaved in one file;
    /// each record carries `_path` naming its log, as Zeek's JSON streaming output does.
    Zeek,
}

impl TelemetryFormat {
    /// The CLI spelling: `eve` or `zeek`.
    pub fn name(self) -> &'static str {
        match self {
            TelemetryFormat::Eve => "eve",
            TelemetryFormat::Zeek => "zeek",
        }
    }
}

impl fmt::Display for TelemetryFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TelemetryFormat {
    type Err = WorkloadError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "eve" | "suricata" => Ok(TelemetryFormat::Eve),
            "zeek" => Ok(TelemetryFormat::Zeek),
            _ => Err(WorkloadError::UnknownOption {
                what: "telemetry format",
                given: s.to_owned(),
                expected: "`eve`, `zeek`",
            }),
        }
    }
}

/// Which Suricata DNS logging layout EVE `dns` events use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DnsLayout {
    /// Version 2 (Suricata 7): one event per query, `type: query`, flat `rrname`/`rrtype`.
    V2,
    /// Version 3 (Suricata 8): `version: 3`, `type: request`, a `queries` array.
    V3,
    /// Each DNS event picks v2 or v3 at random, so consumers meet both layouts.
    #[default]
    Mixed,
}

impl FromStr for DnsLayout {
    type Err = WorkloadError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "v2" | "2" => Ok(DnsLayout::V2),
            "v3" | "3" => Ok(DnsLayout::V3),
            "mixed" => Ok(DnsLayout::Mixed),
            _ => Err(WorkloadError::UnknownOption {
                what: "DNS layout",
                given: s.to_owned(),
                expected: "`v2`, `v3`, `mixed`",
            }),
        }
    }
}

/// Relative weights of the indicator kinds. Only ratios matter; a zero weight removes a
/// kind. The default mix imitates a national CSIRT feed: mostly addresses, domains, URLs
/// and file hashes, with a small share of `LIKE`/`MATCHES` domain patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KindWeights([u32; 13]);

impl Default for KindWeights {
    fn default() -> Self {
        // Order: IndicatorKind::ALL. Sums to 100, so each weight is a percentage.
        KindWeights([20, 8, 5, 16, 2, 2, 12, 10, 5, 4, 5, 6, 5])
    }
}

impl KindWeights {
    /// All weights zero; add kinds with [`KindWeights::with`].
    pub fn none() -> Self {
        KindWeights([0; 13])
    }

    /// Only `kind`.
    pub fn only(kind: IndicatorKind) -> Self {
        KindWeights::none().with(kind, 1)
    }

    /// These weights with `kind` set to `weight`.
    pub fn with(mut self, kind: IndicatorKind, weight: u32) -> Self {
        self.0[kind as usize] = weight;
        self
    }

    /// The weight of `kind`.
    pub fn get(&self, kind: IndicatorKind) -> u32 {
        self.0[kind as usize]
    }

    pub(crate) fn as_slice(&self) -> &[u32] {
        &self.0
    }
}

/// Relative weights of the TLP 2.0 markings on indicators, including "unmarked" (no
/// `object_marking_refs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TlpWeights([u32; 6]);

impl Default for TlpWeights {
    fn default() -> Self {
        // unmarked, clear, green, amber, amber+strict, red
        TlpWeights([40, 15, 25, 12, 4, 4])
    }
}

impl TlpWeights {
    /// Weights with `unmarked` for unmarked indicators and one weight per level in the
    /// order of [`Tlp::ALL`].
    pub fn new(unmarked: u32, levels: [u32; 5]) -> Self {
        let [a, b, c, d, e] = levels;
        TlpWeights([unmarked, a, b, c, d, e])
    }

    /// The weight of a level, `None` meaning unmarked.
    pub fn get(&self, tlp: Option<Tlp>) -> u32 {
        match tlp {
            None => self.0[0],
            Some(t) => self.0[1 + Tlp::ALL.iter().position(|&x| x == t).unwrap_or(0)],
        }
    }

    pub(crate) fn as_slice(&self) -> &[u32] {
        &self.0
    }
}

/// Relative weights of the event types in background telemetry. Hit events use the types
/// that can carry the planted value (weighted the same way), whatever their weight here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventMix([u32; 8]);

impl EventMix {
    /// The default mix for a format. EVE: `dns` 30, `flow` 22, `tls` 18, `http` 14,
    /// `fileinfo` 6, `alert` 6, `smtp` 4. Zeek: `dns` 30, `conn` 25, `ssl` 18, `http` 14,
    /// `files` 6 (plus certificates 2), `smtp` 5; Zeek `notice` is off by default.
    pub fn default_for(format: TelemetryFormat) -> Self {
        // Order: EventType::ALL = dns, http, tls, flow, file, smtp, alert, certificate.
        match format {
            TelemetryFormat::Eve => EventMix([30, 14, 18, 22, 6, 4, 6, 0]),
            TelemetryFormat::Zeek => EventMix([30, 14, 18, 25, 6, 5, 0, 2]),
        }
    }

    /// All weights zero; add types with [`EventMix::with`].
    pub fn none() -> Self {
        EventMix([0; 8])
    }

    /// This mix with `ty` set to `weight`.
    pub fn with(mut self, ty: EventType, weight: u32) -> Self {
        self.0[ty as usize] = weight;
        self
    }

    /// The weight of `ty`.
    pub fn get(&self, ty: EventType) -> u32 {
        self.0[ty as usize]
    }

    pub(crate) fn as_slice(&self) -> &[u32] {
        &self.0
    }
}

/// Everything that determines a workload. Equal configurations give byte-identical output.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Seed of every random stream.
    pub seed: u64,
    /// Number of indicators (at most [`MAX_INDICATORS`]).
    pub indicators: u32,
    /// Number of telemetry events (at most [`MAX_EVENTS`]).
    pub events: u64,
    /// Fraction of events that carry at least one indicator value, in `[0, 1]`. The number
    /// of hit events is exactly `round(events × hit_rate)` (zero without indicators).
    pub hit_rate: f64,
    /// Fraction of hit events that carry a second indicator's address in their free IP
    /// slot, in `[0, 1]`; exactly `round(hits × multi_rate)` events get one when the
    /// workload has an address indicator other than the first hit's.
    pub multi_rate: f64,
    /// Fraction of background events on IPv6, in `[0, 1]`.
    pub ipv6_share: f64,
    /// Which sensor format the telemetry imitates.
    pub format: TelemetryFormat,
    /// EVE DNS layout (ignored for Zeek).
    pub dns_layout: DnsLayout,
    /// Indicator kind mix.
    pub kinds: KindWeights,
    /// TLP marking mix.
    pub tlp: TlpWeights,
    /// Event type mix; `None` uses [`EventMix::default_for`] the format.
    pub mix: Option<EventMix>,
    /// Write `observed.json` for the first K events (`None`: do not write it).
    pub observed_limit: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 7,
            indicators: 10_000,
            events: 100_000,
            hit_rate: 0.01,
            multi_rate: 0.1,
            ipv6_share: 0.08,
            format: TelemetryFormat::Eve,
            dns_layout: DnsLayout::Mixed,
            kinds: KindWeights::default(),
            tlp: TlpWeights::default(),
            mix: None,
            observed_limit: None,
        }
    }
}

impl Config {
    /// The default configuration with the given sizes and seed.
    pub fn new(indicators: u32, events: u64, seed: u64) -> Self {
        Config {
            indicators,
            events,
            seed,
            ..Config::default()
        }
    }

    /// The event mix in effect.
    pub fn event_mix(&self) -> EventMix {
        self.mix
            .unwrap_or_else(|| EventMix::default_for(self.format))
    }

    /// Checks every field; the generator relies on this before it draws anything.
    pub fn validate(&self) -> Result<(), WorkloadError> {
        if self.indicators > MAX_INDICATORS {
            return Err(WorkloadError::config(
                "indicators",
                format!(
                    "is {}, above the maximum {MAX_INDICATORS} (each indicator owns a distinct /24)",
                    self.indicators
                ),
            ));
        }
        if self.events > MAX_EVENTS {
            return Err(WorkloadError::config(
                "events",
                format!("is {}, above the maximum {MAX_EVENTS}", self.events),
            ));
        }
        for (field, value) in [
            ("hit-rate", self.hit_rate),
            ("multi-rate", self.multi_rate),
            ("ipv6-share", self.ipv6_share),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(WorkloadError::config(
                    field,
                    format!("is {value}; give a fraction between 0 and 1"),
                ));
            }
        }
        if self.indicators > 0 && self.kinds.as_slice().iter().all(|&w| w == 0) {
            return Err(WorkloadError::config(
                "kinds",
                "gives every indicator kind weight 0; give at least one kind a positive weight",
            ));
        }
        if self.tlp.as_slice().iter().all(|&w| w == 0) {
            return Err(WorkloadError::config(
                "tlp",
                "gives every marking (and unmarked) weight 0; give at least one a positive weight",
            ));
        }
        if self.events > 0 && self.event_mix().as_slice().iter().all(|&w| w == 0) {
            return Err(WorkloadError::config(
                "mix",
                "gives every event type weight 0; give at least one type a positive weight",
            ));
        }
        Ok(())
    }

    /// Number of hit events this configuration asks for.
    pub fn hit_events(&self) -> u64 {
        if self.indicators == 0 {
            return 0;
        }
        ((self.events as f64 * self.hit_rate).round() as u64).min(self.events)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn defaults_validate() {
        Config::default().validate().unwrap();
        Config {
            format: TelemetryFormat::Zeek,
            ..Config::default()
        }
        .validate()
        .unwrap();
    }

    #[test]
    fn rejects_bad_rates_and_sizes() {
        for bad in [-0.1, 1.5, f64::NAN] {
            let c = Config {
                hit_rate: bad,
                ..Config::default()
            };
            let err = c.validate().unwrap_err().to_string();
            assert!(err.contains("hit-rate"), "{err}");
        }
        let c = Config::new(MAX_INDICATORS + 1, 1, 0);
        assert!(c.validate().unwrap_err().to_string().contains("indicators"));
        let c = Config::new(1, MAX_EVENTS + 1, 0);
        assert!(c.validate().unwrap_err().to_string().contains("events"));
    }

    #[test]
    fn rejects_all_zero_weights() {
        let c = Config {
            kinds: KindWeights::none(),
            ..Config::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("kinds"));
        let c = Config {
            mix: Some(EventMix::none()),
            ..Config::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("mix"));
    }

    #[test]
    fn default_kind_weights_are_percentages() {
        let total: u32 = KindWeights::default().as_slice().iter().sum();
        assert_eq!(total, 100);
        assert_eq!(KindWeights::default().get(IndicatorKind::Ipv4), 20);
    }

    #[test]
    fn hit_count_is_rounded_and_needs_indicators() {
        let c = Config {
            hit_rate: 0.015,
            ..Config::new(10, 1000, 1)
        };
        assert_eq!(c.hit_events(), 15);
        assert_eq!(Config { indicators: 0, ..c }.hit_events(), 0);
    }

    #[test]
    fn parses_options() {
        assert_eq!(
            "zeek".parse::<TelemetryFormat>().unwrap(),
            TelemetryFormat::Zeek
        );
        assert_eq!(
            "EVE".parse::<TelemetryFormat>().unwrap(),
            TelemetryFormat::Eve
        );
        assert!("pcap".parse::<TelemetryFormat>().is_err());
        assert_eq!("v3".parse::<DnsLayout>().unwrap(), DnsLayout::V3);
    }

    #[test]
    fn tlp_weights_lookup() {
        let w = TlpWeights::new(1, [2, 3, 4, 5, 6]);
        assert_eq!(w.get(None), 1);
        assert_eq!(w.get(Some(Tlp::Red)), 6);
    }
}
