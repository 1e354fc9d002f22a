//! Facts: the flat description of one observation that the matcher reads.
//!
//! # The contract
//!
//! A decoder describes one observation (one `observed-data` with its SCOs) as
//! a list of [`Fact`]s, `(path, value)`:
//!
//! - for every SCO it would put in the observed-data, one fact per property
//!   value, with the path that names it (`ipv4-addr:value`,
//!   `file:hashes.'SHA-256'`, `network-traffic:dst_port`), including the
//!   object's `type` (`ipv4-addr:type` = `"ipv4-addr"`), so that every object
//!   contributes at least one fact;
//! - list elements under a `[*]` step (`network-traffic:protocols[*]`);
//! - the values reachable through one `_ref` / `_refs` step, under the
//!   referencing object's type (`network-traffic:dst_ref.value`,
//!   `email-message:to_refs[*].value`), when the reference resolves to an
//!   object of the same observation;
//! - `*_hex` and `*_bin` properties as their decoded octets
//!   ([`FactValue::Bytes`]); a value that does not decode has no fact.
//!
//! and nothing else: no fact for `null`, for a list or dictionary as a whole,
//! or for a reference itself (none of these can satisfy a positive comparison).
//! The facts are exactly the flattened view of the observation the decoder
//! would build: an index hit on facts is then a sound candidate, and a
//! comparison whose path the decoder never emits cannot hold.
//! [`facts_from_observation`](crate::facts_from_observation) is the generic
//! reference flattening of STIX JSON.
//!
//! Values are typed and borrowed: an address is [`FactValue::Ipv4`] /
//! [`FactValue::Ipv6`] (it stands for its canonical text, dotted quad or
//! RFC 5952), a string is a `&str` into the decoder's buffer. Paths are
//! [`PathId`]s interned once. So building facts allocates nothing once the
//! [`Facts`] buffer has grown: reuse it with [`Facts::clear`], or across input
//! buffers of different lifetimes with [`Facts::recycle`].

use crate::paths::PathId;

/// The value of one fact. Each variant stands for the JSON value an
/// observed-data object would hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FactValue<'a> {
    /// A string.
    Str(&'a str),
    /// An IPv4 address, standing for its dotted-quad text (`192.0.2.1`).
    Ipv4(u32),
    /// An IPv6 address, standing for its RFC 5952 text (`2001:db8::1`).
    Ipv6(u128),
    /// An integer.
    Int(i128),
    /// A number that is not an integer (or beyond the integer range).
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// The decoded octets of a `*_hex` or `*_bin` property.
    Bytes(&'a [u8]),
}

/// One fact: a property value of an object of the observation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fact<'a> {
    /// The property, as a fact path.
    pub path: PathId,
    /// Its value.
    pub value: FactValue<'a>,
}

/// The facts of one observation, with its time span and count.
///
/// Times are nanoseconds since the Unix epoch (`first_observed`,
/// `last_observed`); they bound the state kept for stateful indicators. The
/// defaults are 0, 0 and `number_observed` 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts<'a> {
    facts: Vec<Fact<'a>>,
    first_observed: i64,
    last_observed: i64,
    number_observed: u64,
}

impl Default for Facts<'_> {
    fn default() -> Self {
        Facts::new()
    }
}

impl<'a> Facts<'a> {
    /// An empty list.
    pub fn new() -> Self {
        Facts::with_capacity(0)
    }

    /// An empty list with room for `capacity` facts.
    pub fn with_capacity(capacity: usize) -> Self {
        Facts {
            facts: Vec::with_capacity(capacity),
            first_observed: 0,
            last_observed: 0,
            number_observed: 1,
        }
    }

    /// Adds a fact.
    #[inline]
    pub fn push(&mut self, path: PathId, value: FactValue<'a>) {
        self.facts.push(Fact { path, value });
    }

    /// Sets the observation's time span (nanoseconds since the Unix epoch) and
    /// `number_observed` (at least 1; 0 is read as 1).
    pub fn set_observed(&mut self, first_observed: i64, last_observed: i64, number_observed: u64) {
        self.first_observed = first_observed;
        self.last_observed = last_observed.max(first_observed);
        self.number_observed = number_observed.max(1);
    }

    /// Removes every fact and resets the time span, keeping the allocation.
    pub fn clear(&mut self) {
        self.facts.clear();
        self.first_observed = 0;
        self.last_observed = 0;
        self.number_observed = 1;
    }

    /// Empties the list and gives its allocation a new lifetime, so one buffer
    /// serves input buffers that do not outlive each other.
    pub fn recycle<'b>(self) -> Facts<'b> {
        let mut facts = self.facts;
        facts.clear();
        // An empty vector collected in place keeps its allocation (the
        // standard library reuses it for in-place iteration); nothing is
        // mapped because there is nothing left. The `filter_map` is what
        // changes the element lifetime.
        #[allow(clippy::unnecessary_filter_map)]
        let facts: Vec<Fact<'b>> = facts.into_iter().filter_map(|_| None).collect();
        Facts {
            facts,
            first_observed: 0,
            last_observed: 0,
            number_observed: 1,
        }
    }

    /// The facts, in the order they were pushed.
    pub fn as_slice(&self) -> &[Fact<'a>] {
        &self.facts
    }

    /// The number of facts.
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    /// True when there is no fact.
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    /// `first_observed`, nanoseconds since the Unix epoch.
    pub fn first_observed(&self) -> i64 {
        self.first_observed
    }

    /// `last_observed`, nanoseconds since the Unix epoch.
    pub fn last_observed(&self) -> i64 {
        self.last_observed
    }

    /// `number_observed`.
    pub fn number_observed(&self) -> u64 {
        self.number_observed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::well_known;

    #[test]
    fn push_clear_and_recycle_keep_the_buffer() {
        let text = String::from("example.com");
        let mut facts = Facts::with_capacity(8);
        facts.push(well_known::DOMAIN_VALUE, FactValue::Str(&text));
        facts.push(well_known::IPV4_VALUE, FactValue::Ipv4(0x0a00_0001));
        facts.set_observed(5, 3, 0);
        assert_eq!(facts.len(), 2);
        assert_eq!(facts.last_observed(), 5);
        assert_eq!(facts.number_observed(), 1);
        assert_eq!(facts.as_slice()[0].value, FactValue::Str("example.com"));
        let capacity = facts.facts.capacity();
        let recycled: Facts<'static> = facts.recycle();
        assert!(recycled.is_empty());
        assert_eq!(recycled.facts.capacity(), capacity);
    }
}
