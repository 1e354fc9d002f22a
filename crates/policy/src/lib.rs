//! Outbound sharing policy of a Phalanx node (documentation in progress).

pub mod config;
pub mod context;
pub mod decision;
pub mod error;
mod granular;
mod peer_rules;
pub mod pseudonym;
pub mod rule;
pub mod tlp;
