//! The TAXII 2.1 HTTP API of a Phalanx node.
//!
//! This crate turns a [`phalanx_store::Store`] into a complete TAXII 2.1 server
//! (OASIS TAXII 2.1, sections 3–5): discovery, API roots, collections, objects,
//! manifests, versions, status, deletion — with exact media types and content
//! negotiation, every filter, stateless pagination, the `X-TAXII-Date-Added-*`
//! headers, TAXII error bodies, and per-collection authorisation.
//!
//! # Shape
//!
//! - [`config`]: the API roots and collections this node serves (from the node's TOML file).
//! - [`media`]: `Accept` / `Content-Type` negotiation (406 and 415).
//! - [`query`]: parsing of `added_after`, `limit`, `next` and the `match[...]` filters (400 on
//!   anything malformed).
//! - [`auth`]: HTTP Basic and bearer API keys, resolved to a [`auth::Principal`] with
//!   per-collection `can_read` / `can_write`.
//! - [`ingest`]: validation of posted envelopes; one bad object never costs the good ones
//!   beside it.
//! - [`storage`]: translation of TAXII filters to the store, shared with `phalanx import`.
//! - [`routes`]: the axum router and handlers.
//! - [`error`]: the TAXII error resource and the HTTP status of every failure.
//!
//! # Architecture invariants
//!
//! - This is the only crate in the workspace that speaks HTTP to TAXII clients.
//! - A POST is answered (202 with a `complete` status) only after the store has committed the
//!   accepted objects durably; nothing acknowledged can be lost.
//! - Objects are returned byte for byte as stored: the server never re-serialises a stored
//!   object on the read path, so paging is a concatenation of stored texts.
//! - A collection the requester may not see is indistinguishable from one that does not exist
//!   (404), as TAXII 2.1 §5 allows.

pub mod auth;
pub mod config;
pub mod error;
pub mod ingest;
pub mod media;
pub mod query;
pub mod routes;
mod state;
pub mod storage;

pub use routes::router;
pub use state::AppState;
