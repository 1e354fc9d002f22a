//! Deterministic STIX 2.1 indicator and sensor-telemetry workloads with exact ground truth.
//!
//! Phalanx's pattern benchmarks, detection tests and TAXII benchmarks need large, realistic
//! inputs whose correct answers are known in advance. This crate generates them:
//!
//! * **indicators**: STIX 2.1 `indicator` objects of thirteen kinds
//!   ([`IndicatorKind`]: IPv4, `/24` `ISSUBSET`, IPv6, domain, `LIKE`/`MATCHES` domain,
//!   URL, file SHA-256 and MD5, X.509 SHA-1, email, `[ipv4] OR [domain]`,
//!   `network-traffic:dst_ref`), weighted by [`KindWeights`], TLP 2.0 marked by
//!   [`TlpWeights`];
//! * **telemetry**: Suricata EVE or Zeek JSON lines ([`TelemetryFormat`]) of which a
//!   configured fraction carries indicator values;
//! * **ground truth**: for every event, the indicators it must match ([`Hits`],
//!   [`GroundTruth`]), plus an independent re-derivation from the written lines
//!   ([`recheck()`]);
//! * **STIX observed-data** for the same events ([`Workload::observed_bundle`]), so
//!   pattern evaluators can be scored on the same data as detection engines.
//!
//! ```
//! use phalanx_workload::{Config, Workload};
//!
//! let workload = Workload::new(Config { hit_rate: 0.2, ..Config::new(100, 1_000, 7) })?;
//! let first = workload.indicators().next().map(|i| i.pattern);
//! let hits = workload.events().filter(|r| !r.hits.is_empty()).count();
//! assert_eq!(hits, 200);
//! assert!(first.is_some());
//! # Ok::<(), phalanx_workload::WorkloadError>(())
//! ```
//!
//! [`write_to_dir`] writes `indicators.json`, `events.jsonl`, `expected.json` and
//! optionally `observed.json` for the `phalanx workload` command.
//!
//! # Invariants
//!
//! **Determinism.** All randomness comes from ChaCha8 key streams keyed by the seed
//! (`rand_chacha`; range reduction and weighted choice are written in this crate so they
//! never change with a `rand` release). Indicators, events and object ids use separate streams, so the same
//! configuration gives byte-identical files, and changing the number of events leaves the
//! indicators unchanged. Indicator `i` is drawn from its own fixed block of the indicator
//! stream, so it can be rebuilt alone, in any order ([`Spec::facts`]).
//!
//! **Exact ground truth by construction.** Indicator values and background values come
//! from disjoint spaces (see the table in `space.rs`: reserved address ranges, `.example` /
//! `.test` names carrying a per-indicator token, hashes whose first bit says "indicator"),
//! and each indicator's values embed a keyed bijection of its index, so no two indicators
//! share a value. A hit event is a background event with one indicator's value planted in
//! a slot that can carry it (an address, a host name, a URL, a file hash, a certificate
//! fingerprint, an email address), and sometimes a second address indicator in its free
//! address slot. So an event matches exactly the indicators planted in it.
//!
//! **Independent check.** [`recheck()`] reads the written lines back, extracts their
//! observable values and looks them up in tables of every indicator's values, without
//! parsing any pattern; the tests require it to agree with the planted ground truth.
//!
//! **Exact counts.** Hit events are placed by selection sampling, so a workload has exactly
//! `round(events × hit_rate)` hit events and `round(hits × multi_rate)` multi-hit events
//! (fewer only when no second address indicator exists).
//!
//! **Streaming.** [`Workload::indicators`] and [`Workload::events`] are iterators with
//! constant memory; the indicator table ([`Spec`]) holds under 5 bytes per indicator
//! (writing 1M indicators and 2M events peaks at about 7 MB of memory). Lines are
//! serialised with `sonic-rs` (SIMD string escaping), which writes the same bytes as
//! `serde_json` for these records.
//!
//! # Where values appear
//!
//! These are the fields that carry indicator values, so the fields a detection engine
//! must read; the observed-data builder ([`event_to_stix`]) and [`recheck()`] read
//! exactly these.
//!
//! | value | EVE | Zeek |
//! |---|---|---|
//! | address | `src_ip`, `dest_ip` of every event | `id.orig_h`, `id.resp_h` of every log |
//! | host name | `dns.rrname` (v2), `dns.queries[].rrname` (v3), `http.hostname` (`http`, `fileinfo`), `tls.sni`, `smtp.helo` | `dns` `query`, `http` `host`, `ssl` `server_name`, `smtp` `helo` |
//! | URL | `http://` + `http.hostname` + `http.url` (always port 80 when it matches) | `http://` + `host` + `uri` |
//! | file hash | `fileinfo.md5`, `fileinfo.sha256` | `files` `md5`, `sha256` (non-certificate files) |
//! | certificate SHA-1 | `tls.fingerprint` (colon hex) | `files` `sha1` where `mime_type` is `application/x-x509-…` |
//! | email address | `smtp.mail_from`, `smtp.rcpt_to[]` (in `<…>`), copies in `email.from`/`email.to` | `smtp` `mailfrom`, `rcptto[]`, copies in `from`/`to` |
//!
//! `network-traffic:dst_ref` indicators match the destination address only; `ISSUBSET`
//! indicators match any address of their `/24`; `LIKE '%.p'` matches any subdomain of
//! `p` and `MATCHES '^[a-z0-9]+[.]p$'` one-label subdomains (the generator plants
//! one-label subdomains for both).

mod background;
mod config;
mod draw;
mod error;
mod eve;
mod event;
mod indicator;
mod kind;
mod observed;
mod output;
mod plant;
mod recheck;
mod space;
mod spec;
mod stream;
mod text;
mod timefmt;
mod tlp;
mod truth;
mod workload;
mod zeek;

pub use config::{
    Config, DnsLayout, EventMix, KindWeights, MAX_EVENTS, MAX_INDICATORS, TelemetryFormat,
    TlpWeights,
};
pub use error::WorkloadError;
pub use event::{
    AlertInfo, Body, CertFile, DnsQuery, DnsVersion, Event, EventType, FileTransfer, FlowStats,
    HttpTx, SmtpTx, TlsSession, Transport,
};
pub use indicator::{Indicator, IndicatorFacts, IndicatorValues};
pub use kind::IndicatorKind;
pub use observed::event_to_stix;
pub use output::{
    EVENTS_FILE, EXPECTED_FILE, INDICATORS_FILE, OBSERVED_FILE, Summary, verify_dir, write_to_dir,
};
pub use recheck::{ValueIndex, recheck};
pub use spec::Spec;
pub use stream::{EventRecord, EventStream, Hits};
pub use tlp::Tlp;
pub use truth::GroundTruth;
pub use workload::{Indicators, Workload};
