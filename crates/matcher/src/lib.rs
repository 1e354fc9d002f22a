//! One index that evaluates millions of STIX indicators against sensor
//! observations at once.
//!
//! The facts API ([`Facts`], [`FactValue`], [`PathId`], [`well_known`]) is the
//! contract with sensor decoders; see [`facts`] for its rules.

mod analyze;
pub mod bench;
mod cidr;
mod eq;
pub mod error;
pub mod facts;
mod feed;
mod flatten;
mod key;
mod matcher;
pub mod paths;
mod posting;
mod sharded;
mod text;
mod window;

pub use analyze::{Indicator, Mode};
pub use error::{FlattenError, InsertError, PathError};
pub use facts::{Fact, FactValue, Facts};
pub use feed::{ApplyReport, Update, UpdateFeed, UpdateQueue};
pub use flatten::{OwnedFacts, OwnedValue, facts_from_observation};
pub use matcher::{Hit, IndicatorKey, MatchStats, Matcher, MatcherConfig, MemoryReport};
pub use paths::{MAX_PATHS, PathId, PathInfo, TypeId, well_known};
pub use window::{StateConfig, StateStats};
