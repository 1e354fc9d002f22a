//! Authentication (HTTP Basic and bearer API keys) and per-collection authorisation.
//!
//! Principals, their password hashes, API-key hashes and grants live in the node's store, so
//! one backup covers them. Passwords are hashed with Argon2id; API keys are 256-bit random
//! secrets, so a single SHA-256 is enough to store them safely (no dictionary to attack) and
//! cheap enough to check on every request.
//!
//! Verified credentials are cached for [`CACHE_TTL`] so a client paging through a collection
//! does not pay for an Argon2 verification per page; a revoked key or changed grant takes
//! effect within that time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore as _;
use sha2::{Digest, Sha256};

use phalanx_store::Store;

use crate::error::ApiError;

/// How long a verified credential is trusted without asking the store again.
pub const CACHE_TTL: Duration = Duration::from_secs(5);
const CACHE_CAPACITY: usize = 10_000;
/// Prefix of every API key, so leaked keys are easy to recognise in logs and scanners.
pub const API_KEY_PREFIX: &str = "phx_";

/// What a principal may do with one collection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Access {
    /// May read objects, manifests and versions.
    pub can_read: bool,
    /// May add objects.
    pub can_write: bool,
}

/// An authenticated requester and its rights.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Unique name.
    pub name: String,
    /// Administrators may read and write every collection.
    pub admin: bool,
    /// Rights per collection id (UUID text).
    pub grants: HashMap<String, Access>,
}

impl Principal {
    /// The principal's rights on one collection.
    pub fn access(&self, collection_id: &str) -> Access {
        if self.admin {
            return Access {
                can_read: true,
                can_write: true,
            };
        }
        self.grants.get(collection_id).copied().unwrap_or_default()
    }

    /// Whether the principal may see the collection at all (appears in listings).
    pub fn sees(&self, collection_id: &str) -> bool {
        let access = self.access(collection_id);
        access.can_read || access.can_write
    }
}

/// A newly minted API key: the secret (shown once) and what the store keeps.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// The bearer token to hand to the client. Never stored.
    pub secret: String,
    /// SHA-256 of the secret, hex: what the store keeps.
    pub hash: String,
}

/// Mints a random API key.
pub fn generate_api_key() -> NewApiKey {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{API_KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_api_key(&secret);
    NewApiKey { secret, hash }
}

/// The stored form of an API key.
pub fn hash_api_key(secret: &str) -> String {
    hex_lower(&Sha256::digest(secret.as_bytes()))
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes a password with Argon2id (PHC string format) for storage.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| format!("cannot encode salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash password: {e}"))
}

/// Checks a password against a stored Argon2 hash.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Recently authenticated credentials: their digest, the principal, and when it was looked up.
type CredentialCache = Arc<Mutex<HashMap<[u8; 32], (Principal, Instant)>>>;

/// Resolves the `Authorization` header of a request to a [`Principal`].
#[derive(Clone)]
pub struct Authenticator {
    store: Arc<dyn Store>,
    cache: CredentialCache,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator").finish_non_exhaustive()
    }
}

enum Credential {
    Basic { user: String, password: String },
    Bearer(String),
}

fn parse_authorization(headers: &HeaderMap) -> Result<Credential, ApiError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Err(ApiError::unauthorized(
            "this node requires authentication: send HTTP Basic credentials or `Authorization: Bearer <API key>`",
        ));
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not visible ASCII"))?;
    let (scheme, rest) = text.split_once(' ').unwrap_or((text, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        if rest.is_empty() {
            return Err(ApiError::unauthorized("the bearer token is empty"));
        }
        return Ok(Credential::Bearer(rest.to_owned()));
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD
            .decode(rest)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "the Basic credentials are not base64 of UTF-8 `user:password`",
                )
            })?;
        let (user, password) = decoded.split_once(':').ok_or_else(|| {
            ApiError::unauthorized("the Basic credentials lack the ':' between user and password")
        })?;
        return Ok(Credential::Basic {
            user: user.to_owned(),
            password: password.to_owned(),
        });
    }
    Err(ApiError::unauthorized(format!(
        "authorization scheme `{scheme}` is not supported; use Basic or Bearer"
    )))
}

impl Authenticator {
    /// An authenticator backed by the node's store.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Authenticator {
            store,
            cache: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Authenticates a request. Blocking: it may query the store and verify an Argon2 hash, so
    /// call it from a blocking-capable context.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Principal, ApiError> {
        let credential = parse_authorization(headers)?;
        let cache_key: [u8; 32] = match &credential {
            Credential::Basic { user, password } => {
                Sha256::digest(format!("basic\0{user}\0{password}").as_bytes()).into()
            }
            Credential::Bearer(token) => {
                Sha256::digest(format!("bearer\0{token}").as_bytes()).into()
            }
        };
        if let Some(principal) = self.cached(&cache_key) {
            return Ok(principal);
        }
        let name = match &credential {
            Credential::Bearer(token) => {
                let hash = hash_api_key(token);
                let key = self
                    .store
                    .find_api_key_by_hash(&hash)
                    .map_err(|e| ApiError::internal(format!("cannot read API keys: {e}")))?;
                match key {
                    Some(key) if key.revoked.is_none() => key.principal,
                    Some(_) => return Err(ApiError::unauthorized("this API key has been revoked")),
                    None => return Err(ApiError::unauthorized("unknown API key")),
                }
            }
            Credential::Basic { user, password } => {
                let record = self
                    .store
                    .get_principal(user)
                    .map_err(|e| ApiError::internal(format!("cannot read principals: {e}")))?;
                let ok = record
                    .as_ref()
                    .and_then(|p| p.password_hash.as_deref())
                    .is_some_and(|stored| verify_password(password, stored));
                if !ok {
                    return Err(ApiError::unauthorized("wrong user name or password"));
                }
                user.clone()
            }
        };
        let principal = self.load(&name)?;
        self.remember(cache_key, principal.clone());
        Ok(principal)
    }

    fn load(&self, name: &str) -> Result<Principal, ApiError> {
        let record = self
            .store
            .get_principal(name)
            .map_err(|e| ApiError::internal(format!("cannot read principals: {e}")))?
            .ok_or_else(|| {
                ApiError::unauthorized(format!("principal `{name}` no longer exists"))
            })?;
        let grants = self
            .store
            .list_grants(Some(name))
            .map_err(|e| ApiError::internal(format!("cannot read grants: {e}")))?
            .into_iter()
            .map(|g| {
                (
                    g.collection,
                    Access {
                        can_read: g.can_read,
                        can_write: g.can_write,
                    },
                )
            })
            .collect();
        Ok(Principal {
            name: record.name,
            admin: record.admin,
            grants,
        })
    }

    fn cached(&self, key: &[u8; 32]) -> Option<Principal> {
        let cache = self.cache.lock().ok()?;
        let (principal, at) = cache.get(key)?;
        (at.elapsed() < CACHE_TTL).then(|| principal.clone())
    }

    fn remember(&self, key: [u8; 32], principal: Principal) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_CAPACITY {
                cache.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
                if cache.len() >= CACHE_CAPACITY {
                    cache.clear();
                }
            }
            cache.insert(key, (principal, Instant::now()));
        }
    }

    /// Forgets every cached credential (after keys or grants change in this process).
    pub fn clear_cache(&self) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn api_keys_are_random_prefixed_and_hash_stably() {
        let a = generate_api_key();
        let b = generate_api_key();
        assert_ne!(a.secret, b.secret);
        assert!(a.secret.starts_with(API_KEY_PREFIX));
        assert_eq!(a.hash, hash_api_key(&a.secret));
        assert_eq!(a.hash.len(), 64);
    }

    #[test]
    fn passwords_verify_only_with_the_right_secret() {
        let stored = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &stored));
        assert!(!verify_password("wrong", &stored));
        assert!(!verify_password("correct horse", "not a phc string"));
    }

    #[test]
    fn admins_have_every_right_and_grants_are_per_collection() {
        let mut grants = HashMap::new();
        grants.insert(
            "c1".to_owned(),
            Access {
                can_read: true,
                can_write: false,
            },
        );
        let p = Principal {
            name: "a".into(),
            admin: false,
            grants,
        };
        assert!(p.access("c1").can_read && !p.access("c1").can_write);
        assert!(!p.sees("c2"));
        let admin = Principal {
            name: "root".into(),
            admin: true,
            grants: HashMap::new(),
        };
        assert!(admin.access("anything").can_write);
    }

    #[test]
    fn authorization_header_forms() {
        let mut headers = HeaderMap::new();
        assert!(parse_authorization(&headers).is_err());
        headers.insert(AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert!(matches!(parse_authorization(&headers), Ok(Credential::Bearer(t)) if t == "abc"));
        headers.insert(
            AUTHORIZATION,
            format!("Basic {}", STANDARD.encode("u:p:q"))
                .parse()
                .unwrap(),
        );
        assert!(
            matches!(parse_authorization(&headers), Ok(Credential::Basic { user, password }) if user == "u" && password == "p:q")
        );
        headers.insert(AUTHORIZATION, "Digest x".parse().unwrap());
        assert_eq!(parse_authorization(&headers).err().unwrap().status, 401);
        headers.insert(AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert_eq!(parse_authorization(&headers).err().unwrap().status, 401);
    }
}
