//! The detection engine: decoded sensor telemetry against the live indicator index; alerts
//! and aggregated STIX sightings out.
//!
//! - [`read_indicator`] turns a STIX `indicator` into an [`ActiveIndicator`] (pattern parsed
//!   and analysed once, shareable between workers), or says why it cannot be matched.
//! - An [`Engine`] owns a `phalanx_decode::Decoder` and one replica of the
//!   `phalanx_matcher` index. [`Engine::process`] decodes one record, describes it to the
//!   index as facts, and reports every matching indicator with the values that hit it;
//!   [`Engine::activate`], [`Engine::deactivate`] and [`Engine::expire`] change the index in
//!   place while matching goes on.
//! - [`alert`] builds the alert record of one match; [`Sightings`] aggregates matches into
//!   one STIX `sighting` per (indicator, node, time bucket).
//! - [`bench`] measures events per second against the floor of decoding alone.
//!
//! ```
//! use std::sync::Arc;
//! use phalanx_decode::{Decoder, Format};
//! use phalanx_detect::{Engine, Offer, read_indicator};
//!
//! let indicator = serde_json::json!({
//!     "type": "indicator", "spec_version": "2.1",
//!     "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
//!     "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
//!     "pattern": "[domain-name:value = 'evil.example']", "pattern_type": "stix",
//!     "valid_from": "2024-01-01T00:00:00Z"
//! });
//! let mut engine = Engine::new(Decoder::new(Format::Eve)?, Default::default());
//! if let Offer::Activate(active) = read_indicator(&indicator)? {
//!     engine.activate(Arc::new(active))?;
//! }
//! let line = br#"{"timestamp":"2024-03-01T00:00:00.5+0000","event_type":"dns","src_ip":"10.0.0.1","dest_ip":"10.0.0.53","proto":"UDP","dns":{"rrname":"EVIL.example"}}"#;
//! let mut alerts = Vec::new();
//! engine.process(line, |_, indicator, matched| alerts.push((indicator.id.clone(), matched)))?;
//! assert_eq!(alerts.len(), 1);
//! assert_eq!(alerts[0].1[0].path, "domain-name:value");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Invariants
//!
//! - **Exactly the evaluator's answers.** A record matches an indicator exactly when the
//!   STIX evaluator matches the indicator's pattern on the record's observed-data (the index
//!   and the decoders each guarantee their half; `tests/ground_truth.rs` checks the whole
//!   against the workload generator's ground truth).
//! - **Bad input costs only itself.** A malformed record is counted and returned as an
//!   error; an indicator that cannot be matched is refused with the reason; neither affects
//!   anything else.
//! - **Bounded.** The engine keeps no per-record state beyond the index's bounded windows;
//!   [`Sightings`] holds at most its configured number of open buckets.

mod alert;
pub mod bench;
mod engine;
mod error;
mod indicators;
mod sighting;

pub use alert::{EventSource, alert};
pub use engine::{Activation, Engine, EngineStats, MatchedValue};
pub use error::IndicatorError;
pub use indicators::{ActiveIndicator, Offer, objects_of, read_indicator};
pub use sighting::Sightings;
