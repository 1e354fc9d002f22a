//! Interned object paths: the `path` half of a fact.
//!
//! A decoder names the property a fact describes with a [`PathId`], a small
//! integer, so that building facts never hashes or copies a path. Ids come from
//! one process-wide registry:
//!
//! - the [`well_known`] catalogue: constants for the paths sensor decoders emit
//!   most (`ipv4-addr:value`, `file:hashes.'SHA-256'`, …), registered first so
//!   their ids are fixed;
//! - [`PathId::intern`] / [`PathId::parse`] for any other path, once, at
//!   start-up (decoders) or when an indicator is inserted (the matcher);
//! - [`PathId::lookup`], which never registers anything: the reference
//!   flattening uses it, so observation content (attacker-controlled) cannot
//!   grow the registry. A path no indicator mentions has no atom, so a fact on it
//!   could never match anything anyway.
//!
//! # Fact paths
//!
//! A fact path is an [`ObjectPath`] in a normal form: list indices are `[*]`
//! (facts do not keep list positions), it follows at most one reference
//! (`network-traffic:dst_ref.value`, `email-message:to_refs[*].value`), and it
//! does not end at a reference (a reference is not a value a comparison can
//! meet). Patterns may name `[n]` indices; their atoms use the `[*]` path and are
//! then only candidates.
//!
//! The registry holds at most [`MAX_PATHS`] paths; interning beyond that is an
//! error, so a flood of indicators with invented property names cannot exhaust
//! memory.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use phalanx_pattern::{ObjectPath, ObservationExpr, PathStep, Pattern};

use crate::error::PathError;

/// The most paths the process-wide registry holds.
pub const MAX_PATHS: usize = 1 << 20;

/// An interned fact path. Cheap to copy and compare; valid for the whole
/// process (ids are never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PathId(u32);

/// An interned SCO type name (the part of a path before `:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(u32);

impl PathId {
    /// The id as an index (ids are dense, starting at 0).
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// Interns `path` (after normalising list indices to `[*]`) and returns
    /// its id; the same path always gets the same id.
    ///
    /// Fails when the path follows more than one reference, ends at a
    /// reference, or the registry is full.
    pub fn intern(path: &ObjectPath) -> Result<PathId, PathError> {
        let normal = normalize(path)?;
        if let Some(id) = read_registry().ids.get(&normal) {
            return Ok(*id);
        }
        let mut registry = REGISTRY
            .write()
            .unwrap_or_else(|poison| poison.into_inner());
        registry.insert(normal)
    }

    /// Parses a path written as in a pattern (`file:hashes.'SHA-256'`,
    /// `network-traffic:dst_ref.value`) and interns it.
    pub fn parse(text: &str) -> Result<PathId, PathError> {
        PathId::intern(&parse_path(text)?)
    }

    /// The id of `path` when it is already registered; never registers.
    /// `None` also for paths that cannot be fact paths.
    pub fn lookup(path: &ObjectPath) -> Option<PathId> {
        let normal = normalize(path).ok()?;
        read_registry().ids.get(&normal).copied()
    }

    /// What the registry knows about this path, or `None` for an id that was
    /// never handed out.
    pub fn info(self) -> Option<Arc<PathInfo>> {
        read_registry().paths.get(self.index()).cloned()
    }
}

impl std::fmt::Display for PathId {
    /// The path as written in a pattern, or `#n` for an unknown id.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.info() {
            Some(info) => write!(f, "{}", info.path),
            None => write!(f, "#{}", self.0),
        }
    }
}

impl TypeId {
    /// The id as an index (ids are dense, starting at 0).
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// Interns an SCO type name.
    pub fn intern(name: &str) -> Result<TypeId, PathError> {
        if let Some(id) = read_registry().types.get(name) {
            return Ok(*id);
        }
        let mut registry = REGISTRY
            .write()
            .unwrap_or_else(|poison| poison.into_inner());
        registry.intern_type(name)
    }

    /// The id of a registered type name; never registers.
    pub fn lookup(name: &str) -> Option<TypeId> {
        read_registry().types.get(name).copied()
    }
}

/// What the registry records about a fact path.
#[derive(Debug, Clone, PartialEq)]
pub struct PathInfo {
    /// The normal form (`[*]` for every list step).
    pub path: ObjectPath,
    /// The root object type.
    pub object_type: TypeId,
    /// The number of the key step that follows a reference, counting the
    /// first property as key 0; `None` when the path stays on its root
    /// object. For `network-traffic:dst_ref.value` it is `Some(1)`.
    pub deref_at: Option<usize>,
    /// The keys of the path joined by `.` (list steps left out), from the
    /// object the value belongs to: the whole property path for a path that
    /// stays on its root object (`hashes.SHA-256`), the part after the
    /// reference otherwise (`value`). This is the property name canonical
    /// comparison uses.
    pub property: String,
}

impl PathInfo {
    /// True when the path follows a reference to another object.
    pub fn dereferences(&self) -> bool {
        self.deref_at.is_some()
    }
}

struct Registry {
    ids: HashMap<ObjectPath, PathId>,
    paths: Vec<Arc<PathInfo>>,
    types: HashMap<String, TypeId>,
    type_names: Vec<String>,
}

impl Registry {
    fn insert(&mut self, normal: ObjectPath) -> Result<PathId, PathError> {
        if let Some(id) = self.ids.get(&normal) {
            return Ok(*id);
        }
        if self.paths.len() >= MAX_PATHS {
            return Err(PathError::RegistryFull {
                path: normal.to_string(),
                limit: MAX_PATHS,
            });
        }
        let object_type = self.intern_type(&normal.object_type)?;
        let info = describe(&normal, object_type);
        let id = PathId(u32::try_from(self.paths.len()).unwrap_or(u32::MAX));
        self.paths.push(Arc::new(info));
        self.ids.insert(normal, id);
        Ok(id)
    }

    fn intern_type(&mut self, name: &str) -> Result<TypeId, PathError> {
        if let Some(id) = self.types.get(name) {
            return Ok(*id);
        }
        if self.type_names.len() >= MAX_PATHS {
            return Err(PathError::RegistryFull {
                path: name.to_string(),
                limit: MAX_PATHS,
            });
        }
        let id = TypeId(u32::try_from(self.type_names.len()).unwrap_or(u32::MAX));
        self.type_names.push(name.to_string());
        self.types.insert(name.to_string(), id);
        Ok(id)
    }
}

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(|| {
    let mut registry = Registry {
        ids: HashMap::new(),
        paths: Vec::new(),
        types: HashMap::new(),
        type_names: Vec::new(),
    };
    for (text, _) in well_known::ALL {
        // The catalogue is fixed and tested; a failure would leave a gap that
        // the `catalogue_ids_are_positions` test reports.
        if let Ok(path) = parse_path(text).and_then(|p| normalize(&p)) {
            let _ = registry.insert(path);
        }
    }
    RwLock::new(registry)
});

fn read_registry() -> std::sync::RwLockReadGuard<'static, Registry> {
    REGISTRY.read().unwrap_or_else(|poison| poison.into_inner())
}

/// True for property names that hold references (`*_ref`, `*_refs`).
pub(crate) fn is_reference_key(key: &str) -> bool {
    key.ends_with("_ref") || key.ends_with("_refs")
}

/// The fact-path normal form of `path`, or why it cannot be one.
pub(crate) fn normalize(path: &ObjectPath) -> Result<ObjectPath, PathError> {
    let mut normal = path.clone();
    for step in &mut normal.steps {
        if let PathStep::Index(_) = step {
            *step = PathStep::AnyIndex;
        }
    }
    let keys: Vec<&str> = std::iter::once(normal.property.as_str())
        .chain(normal.steps.iter().filter_map(|s| match s {
            PathStep::Key(k) => Some(k.as_str()),
            _ => None,
        }))
        .collect();
    let references = keys.iter().filter(|k| is_reference_key(k)).count();
    if references > 1 {
        return Err(PathError::NotAFactPath {
            path: path.to_string(),
            reason: "it follows more than one reference; facts reach one reference step only",
        });
    }
    if keys.last().is_some_and(|k| is_reference_key(k)) {
        return Err(PathError::NotAFactPath {
            path: path.to_string(),
            reason: "it ends at a reference, which is not a comparable value",
        });
    }
    Ok(normal)
}

fn describe(normal: &ObjectPath, object_type: TypeId) -> PathInfo {
    let keys: Vec<&str> = std::iter::once(normal.property.as_str())
        .chain(normal.steps.iter().filter_map(|s| match s {
            PathStep::Key(k) => Some(k.as_str()),
            _ => None,
        }))
        .collect();
    let deref_at = keys
        .iter()
        .position(|k| is_reference_key(k))
        .map(|position| position + 1);
    let property = keys[deref_at.unwrap_or(0)..].join(".");
    PathInfo {
        path: normal.clone(),
        object_type,
        deref_at,
        property,
    }
}

/// Parses `type:property...` by parsing `[EXISTS path]` with the pattern
/// parser, so paths are written exactly as in patterns.
pub(crate) fn parse_path(text: &str) -> Result<ObjectPath, PathError> {
    let pattern = Pattern::parse(&format!("[EXISTS {text}]")).map_err(|e| PathError::Syntax {
        path: text.to_string(),
        message: e.to_string(),
    })?;
    match pattern.expr {
        ObservationExpr::Observation(phalanx_pattern::ComparisonExpr::Comparison(c)) => Ok(c.path),
        _ => Err(PathError::Syntax {
            path: text.to_string(),
            message: "not a single object path".to_string(),
        }),
    }
}

/// Paths sensor decoders emit most, with fixed ids (their position in
/// [`well_known::ALL`]).
pub mod well_known {
    use super::PathId;

    macro_rules! catalogue {
        ($( $(#[$doc:meta])* $name:ident = $index:literal => $text:literal; )*) => {
            $( $(#[$doc])* pub const $name: PathId = PathId($index); )*
            /// Every catalogue path: its text and its id.
            pub const ALL: &[(&str, PathId)] = &[ $( ($text, $name), )* ];
        };
    }

    catalogue! {
        /// `ipv4-addr:type`
        IPV4_TYPE = 0 => "ipv4-addr:type";
        /// `ipv4-addr:value`
        IPV4_VALUE = 1 => "ipv4-addr:value";
        /// `ipv6-addr:type`
        IPV6_TYPE = 2 => "ipv6-addr:type";
        /// `ipv6-addr:value`
        IPV6_VALUE = 3 => "ipv6-addr:value";
        /// `domain-name:type`
        DOMAIN_TYPE = 4 => "domain-name:type";
        /// `domain-name:value`
        DOMAIN_VALUE = 5 => "domain-name:value";
        /// `url:type`
        URL_TYPE = 6 => "url:type";
        /// `url:value`
        URL_VALUE = 7 => "url:value";
        /// `file:type`
        FILE_TYPE = 8 => "file:type";
        /// `file:hashes.MD5`
        FILE_MD5 = 9 => "file:hashes.MD5";
        /// `file:hashes.'SHA-1'`
        FILE_SHA1 = 10 => "file:hashes.'SHA-1'";
        /// `file:hashes.'SHA-256'`
        FILE_SHA256 = 11 => "file:hashes.'SHA-256'";
        /// `file:name`
        FILE_NAME = 12 => "file:name";
        /// `file:size`
        FILE_SIZE = 13 => "file:size";
        /// `x509-certificate:type`
        X509_TYPE = 14 => "x509-certificate:type";
        /// `x509-certificate:hashes.'SHA-1'`
        X509_SHA1 = 15 => "x509-certificate:hashes.'SHA-1'";
        /// `x509-certificate:hashes.'SHA-256'`
        X509_SHA256 = 16 => "x509-certificate:hashes.'SHA-256'";
        /// `x509-certificate:serial_number`
        X509_SERIAL = 17 => "x509-certificate:serial_number";
        /// `x509-certificate:subject`
        X509_SUBJECT = 18 => "x509-certificate:subject";
        /// `x509-certificate:issuer`
        X509_ISSUER = 19 => "x509-certificate:issuer";
        /// `email-addr:type`
        EMAIL_TYPE = 20 => "email-addr:type";
        /// `email-addr:value`
        EMAIL_VALUE = 21 => "email-addr:value";
        /// `email-message:type`
        EMAIL_MESSAGE_TYPE = 22 => "email-message:type";
        /// `email-message:from_ref.value`
        EMAIL_FROM = 23 => "email-message:from_ref.value";
        /// `email-message:to_refs[*].value`
        EMAIL_TO = 24 => "email-message:to_refs[*].value";
        /// `email-message:subject`
        EMAIL_SUBJECT = 25 => "email-message:subject";
        /// `email-message:is_multipart`
        EMAIL_IS_MULTIPART = 26 => "email-message:is_multipart";
        /// `network-traffic:type`
        NT_TYPE = 27 => "network-traffic:type";
        /// `network-traffic:src_ref.type`
        NT_SRC_TYPE = 28 => "network-traffic:src_ref.type";
        /// `network-traffic:src_ref.value`
        NT_SRC_VALUE = 29 => "network-traffic:src_ref.value";
        /// `network-traffic:dst_ref.type`
        NT_DST_TYPE = 30 => "network-traffic:dst_ref.type";
        /// `network-traffic:dst_ref.value`
        NT_DST_VALUE = 31 => "network-traffic:dst_ref.value";
        /// `network-traffic:src_port`
        NT_SRC_PORT = 32 => "network-traffic:src_port";
        /// `network-traffic:dst_port`
        NT_DST_PORT = 33 => "network-traffic:dst_port";
        /// `network-traffic:protocols[*]`
        NT_PROTOCOLS = 34 => "network-traffic:protocols[*]";
        /// `network-traffic:start`
        NT_START = 35 => "network-traffic:start";
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn catalogue_ids_are_positions() {
        for (position, (text, id)) in well_known::ALL.iter().enumerate() {
            assert_eq!(id.index(), position, "{text}");
            assert_eq!(PathId::parse(text).unwrap(), *id, "{text}");
            assert_eq!(id.to_string(), *text);
        }
    }

    #[test]
    fn indices_normalise_to_any() {
        let a = PathId::parse("x-test:list[3].name").unwrap();
        let b = PathId::parse("x-test:list[*].name").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "x-test:list[*].name");
    }

    #[test]
    fn reference_rules() {
        let info = well_known::NT_DST_VALUE.info().unwrap();
        assert_eq!(info.deref_at, Some(1));
        assert_eq!(info.property, "value");
        let info = well_known::FILE_SHA256.info().unwrap();
        assert_eq!(info.deref_at, None);
        assert_eq!(info.property, "hashes.SHA-256");
        assert!(matches!(
            PathId::parse("network-traffic:dst_ref"),
            Err(PathError::NotAFactPath { .. })
        ));
        assert!(matches!(
            PathId::parse("email-message:to_refs[*]"),
            Err(PathError::NotAFactPath { .. })
        ));
        assert!(matches!(
            PathId::parse("network-traffic:src_ref.resolves_to_refs[*].value"),
            Err(PathError::NotAFactPath { .. })
        ));
        assert!(matches!(
            PathId::parse("not a path"),
            Err(PathError::Syntax { .. })
        ));
    }

    #[test]
    fn lookup_never_registers() {
        let path = parse_path("x-never-interned:prop").unwrap();
        assert_eq!(PathId::lookup(&path), None);
        assert_eq!(PathId::lookup(&path), None);
        let id = PathId::intern(&path).unwrap();
        assert_eq!(PathId::lookup(&path), Some(id));
    }
}
