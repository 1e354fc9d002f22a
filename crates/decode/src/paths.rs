//! The fact paths decoders emit.

use phalanx_matcher::{PathError, PathId, well_known};

/// The fact paths of decoded observations that `phalanx_matcher::well_known` does not
/// catalogue, interned once when a decoder is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paths {
    /// `email-message:from_ref.type`
    pub email_from_type: PathId,
    /// `email-message:to_refs[*].type`
    pub email_to_type: PathId,
}

impl Paths {
    /// Interns the paths (once per process; later calls find them).
    ///
    /// Fails only when the matcher's path registry is full.
    pub fn new() -> Result<Paths, PathError> {
        Ok(Paths {
            email_from_type: PathId::parse("email-message:from_ref.type")?,
            email_to_type: PathId::parse("email-message:to_refs[*].type")?,
        })
    }

    /// Every path a decoded observation can have facts on, as text.
    pub fn all() -> Vec<&'static str> {
        let mut out: Vec<&'static str> = well_known::ALL.iter().map(|(text, _)| *text).collect();
        out.extend([
            "email-message:from_ref.type",
            "email-message:to_refs[*].type",
        ]);
        out
    }
}
