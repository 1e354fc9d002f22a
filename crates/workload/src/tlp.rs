//! TLP 2.0 marking-definition references.

/// A TLP 2.0 level, referenced from an indicator's `object_marking_refs` by the id of the
/// OASIS TLP 2.0 marking-definition object (extension
/// `extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tlp {
    /// TLP:CLEAR
    Clear,
    /// TLP:GREEN
    Green,
    /// TLP:AMBER
    Amber,
    /// TLP:AMBER+STRICT
    AmberStrict,
    /// TLP:RED
    Red,
}

impl Tlp {
    /// Every level, in the order of [`crate::TlpWeights`] after "unmarked".
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// The id of the TLP 2.0 marking-definition object for this level.
    pub fn marking_id(self) -> &'static str {
        match self {
            Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }

    /// The `tlp_2_0` value of the level (`clear`, `green`, `amber`, `amber+strict`, `red`).
    pub fn name(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }
}
