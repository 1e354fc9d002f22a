//! The STIX 2.1 object model of Phalanx: identifiers, timestamps, the type
//! catalogue, validation, deterministic SCO ids, canonical values, TLP
//! markings and body parsing.
//!
//! # Design
//!
//! Objects stay JSON (`serde_json::Value` / `Map` with `preserve_order`, or
//! raw text as `Box<RawValue>`) from the moment they arrive until they leave,
//! so what goes in comes back out equal: custom properties (`x_…`),
//! `extensions`, unknown object types and property order are never lost.
//! Nothing here deserialises an object into a per-type struct.
//!
//! Validation ([`validate::validate`]) is table-driven: [`types`] describes
//! every STIX 2.1 type (19 SDOs, 2 SROs, 18 SCOs, 3 meta objects, 12
//! predefined SCO extensions) as a table of properties with value kinds,
//! requiredness and cross-property constraints, and the validator walks an
//! object against its table, reporting every problem with a JSON-pointer path.
//!
//! # Modules
//!
//! - [`timestamp`]: [`Timestamp`], strict STIX parsing (and lenient RFC 3339
//!   for TAXII query parameters), keeps the original text, orders by instant.
//! - [`id`]: [`Identifier`] (`type--uuid`) and [`id::is_valid_type_name`].
//! - [`types`]: the catalogue and [`ObjectKind`].
//! - [`validate`]: [`validate()`], [`Problem`], [`ObjectSummary`].
//! - [`sco_id`]: [`deterministic_id`] (UUIDv5 over JCS, STIX 2.1 §2.9).
//! - [`canonical`]: [`canonical_value`] and [`build_sco`], the one canonical
//!   form of observable values used for every comparison.
//! - [`marking`]: [`Tlp`], TLP 2.0 marking-definitions, TLP 1.0 recognition,
//!   statement markings.
//! - [`input`]: [`parse_body`] (bundle, object, array, JSON lines) and
//!   [`Bundle`].
//!
//! # Invariants
//!
//! - **No I/O**: no files, no network, no clock. Callers pass time in. (UUIDv4
//!   generation reads the OS random source; nothing else touches the system.)
//! - **Lossless**: no function here rewrites an object it was not asked to
//!   build; [`build_sco`] is the only place values are changed, and only for
//!   SCOs Phalanx creates itself.
//! - **No panics on input**: every function that takes external data returns
//!   an error or a problem list instead.
//! - **Bounded recursion**: `serde_json` refuses documents nested deeper than
//!   128 levels (an item error from [`parse_body`]); the validator descends
//!   only into structures the tables describe, never into custom values, so
//!   its depth does not depend on the input.
//! - **One canonical form**: comparisons of observable values (hashes,
//!   domains, emails, URLs, IPs, MACs) go through [`canonical_value`].
//!
//! # Deliberate differences from the reference tools
//!
//! The integration test `tests/stix2_validator.rs` cross-checks [`validate()`]
//! against the OASIS `stix2-validator` 3.2.0 on generated valid and invalid
//! objects. The differences kept on purpose:
//!
//! - **Not-applicable common properties are errors.** `created_by_ref`,
//!   `revoked`, `labels`, `confidence`, `lang` and `external_references` on an
//!   SCO, or `defanged` on an SDO, are rejected following the §3.2 table; the
//!   JSON schema lets them through as if they were custom properties.
//! - **Vocabulary and naming advice are warnings, never errors**: open
//!   vocabulary terms outside the suggested list, custom property names without
//!   the `x_` prefix, non-standard hash algorithm spellings, deprecated
//!   `*-ext` custom extensions and the deprecated observed-data `objects`.
//! - **Timestamps get a real calendar check** (`2023-02-29` is rejected; a
//!   leap second only at 23:59:60 on a month's last day); the schema's regex
//!   accepts any day 01–31.
//! - **SCO reference properties are type-checked** (e.g. `src_ref` must be an
//!   address, `parent_directory_ref` a directory), as python-stix2 does; the
//!   SCO schemas only require strings.
//! - **Granular markings take exactly one of `marking_ref` and `lang`**
//!   (§7.2.3); the schema requires `marking_ref` and allows both, so it
//!   accepts both together and rejects `lang` alone.
//! - **Custom property names are checked on marking-definitions too**; the
//!   marking-definition schema does not apply the naming rule.
//! - **`grouping.name` is optional**, as in the JSON schema (the Errata 01
//!   text marks it required).
//! - **Indicator patterns are not parsed here**; the `pattern` crate does.

pub mod canonical;
pub mod id;
pub mod input;
pub mod marking;
pub mod sco_id;
pub mod timestamp;
pub mod types;
pub mod validate;

pub use canonical::{build_sco, canonical_value};
pub use id::{IdError, Identifier};
pub use input::{Bundle, InputError, ItemError, ParsedBody, parse_body};
pub use marking::{Tlp, tlp_of};
pub use sco_id::deterministic_id;
pub use timestamp::{Timestamp, TimestampError};
pub use types::ObjectKind;
pub use validate::{ObjectSummary, Problem, Severity, validate};
