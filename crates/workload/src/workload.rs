//! The workload facade: one configuration, its indicators, events and STIX views.

use serde_json::{Value, json};

use crate::config::Config;
use crate::draw::{Draw, Stream};
use crate::error::WorkloadError;
use crate::event::Event;
use crate::indicator::Indicator;
use crate::observed::event_to_stix;
use crate::spec::Spec;
use crate::stream::EventStream;
use crate::truth::GroundTruth;

/// Words of [`Stream::Ids`] reserved for bundle ids before the observed-data ids start.
const BUNDLE_ID_WORDS: u128 = 64;

/// A validated configuration with its indicator table.
#[derive(Debug, Clone)]
pub struct Workload {
    config: Config,
    spec: Spec,
}

/// Streams the STIX `indicator` objects of a workload in bundle order.
#[derive(Debug, Clone)]
pub struct Indicators<'a> {
    spec: &'a Spec,
    next: u32,
}

impl Iterator for Indicators<'_> {
    type Item = Indicator;

    fn next(&mut self) -> Option<Indicator> {
        let facts = self.spec.facts(self.next)?;
        self.next += 1;
        Some(facts.to_indicator())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.spec.len() - self.next) as usize;
        (left, Some(left))
    }
}

impl Workload {
    /// Validates `config` and builds its indicator table (a fraction of a second per
    /// million indicators).
    pub fn new(config: Config) -> Result<Self, WorkloadError> {
        let spec = Spec::new(&config)?;
        Ok(Workload { config, spec })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The indicator table.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The indicators, in bundle order, generated on the fly.
    pub fn indicators(&self) -> Indicators<'_> {
        Indicators {
            spec: &self.spec,
            next: 0,
        }
    }

    /// The events with their ground truth, generated on the fly.
    pub fn events(&self) -> EventStream<'_> {
        // `new` validated the configuration.
        EventStream::from_validated(&self.config, &self.spec)
    }

    /// The ground truth of every event (runs the event stream without rendering it).
    pub fn ground_truth(&self) -> GroundTruth {
        GroundTruth::from_records(self.events())
    }

    /// The id of the indicator bundle.
    pub fn indicator_bundle_id(&self) -> String {
        bundle_id(self.config.seed, 0)
    }

    /// The id of the observed-data bundle.
    pub fn observed_bundle_id(&self) -> String {
        bundle_id(self.config.seed, 1)
    }

    /// The id of the observed-data object of event `index` (a UUIDv4 from the ids stream,
    /// independent of how many events are converted).
    pub fn observed_data_id(&self, index: u64) -> String {
        let pos = BUNDLE_ID_WORDS + u128::from(index) * 4;
        let mut d = Draw::at(self.config.seed, Stream::Ids, pos);
        format!("observed-data--{}", d.uuid_v4())
    }

    /// The observed-data object and SCOs of one event of this workload.
    pub fn event_stix(&self, event: &Event) -> Result<(Value, Vec<Value>), WorkloadError> {
        event_to_stix(
            event,
            self.config.format,
            &self.observed_data_id(event.index),
        )
    }

    /// The STIX bundle of the first `limit` events: for each, its observed-data object
    /// followed by the SCOs it refers to that no earlier object introduced.
    pub fn observed_bundle(&self, limit: u64) -> Result<Value, WorkloadError> {
        let mut objects = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for record in self
            .events()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
        {
            let (od, scos) = self.event_stix(&record.event)?;
            objects.push(od);
            for s in scos {
                if let Some(id) = s.get("id").and_then(Value::as_str)
                    && seen.insert(id.to_owned())
                {
                    objects.push(s);
                }
            }
        }
        Ok(json!({
            "type": "bundle",
            "id": self.observed_bundle_id(),
            "objects": objects,
        }))
    }

    /// The STIX bundle of all indicators, in memory (use [`Workload::indicators`] to
    /// stream large workloads instead).
    pub fn indicator_bundle(&self) -> Value {
        let objects: Vec<Value> = self.indicators().map(|i| i.to_value()).collect();
        json!({
            "type": "bundle",
            "id": self.indicator_bundle_id(),
            "objects": objects,
        })
    }
}

fn bundle_id(seed: u64, which: u128) -> String {
    let mut d = Draw::at(seed, Stream::Ids, which * 4);
    format!("bundle--{}", d.uuid_v4())
}
