//! One index that evaluates millions of STIX indicators against sensor
//! observations at once.
//!
//! The facts API ([`Facts`], [`FactValue`], [`PathId`], [`well_known`]) is the
//! contract with sensor decoders; see [`facts`] for its rules.

pub mod error;
pub mod facts;
mod flatten;
pub mod paths;

pub use error::{FlattenError, InsertError, PathError};
pub use facts::{Fact, FactValue, Facts};
pub use flatten::{OwnedFacts, OwnedValue, facts_from_observation};
pub use paths::{MAX_PATHS, PathId, PathInfo, TypeId, well_known};
