//! Shared state of the TAXII server.

use std::sync::Arc;

use phalanx_store::Store;

use crate::auth::{Authenticator, Principal};
use crate::config::{ApiRootConfig, CollectionConfig, TaxiiConfig};
use crate::error::ApiError;

/// Everything the handlers share: configuration, store and authenticator. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: TaxiiConfig,
    store: Arc<dyn Store>,
    auth: Authenticator,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State for a server over `store` serving `config` (which must have been validated).
    pub fn new(config: TaxiiConfig, store: Arc<dyn Store>) -> Self {
        let auth = Authenticator::new(store.clone());
        AppState {
            inner: Arc::new(Inner {
                config,
                store,
                auth,
            }),
        }
    }

    /// The served configuration.
    pub fn config(&self) -> &TaxiiConfig {
        &self.inner.config
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The authenticator.
    pub fn auth(&self) -> &Authenticator {
        &self.inner.auth
    }

    /// Runs blocking work (store access, Argon2, validation) off the async workers.
    pub async fn blocking<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || work(&state))
            .await
            .map_err(|e| ApiError::internal(format!("request worker failed: {e}")))?
    }

    /// Authenticates the request (blocking; see [`AppState::blocking`]).
    pub fn principal(&self, headers: &axum::http::HeaderMap) -> Result<Principal, ApiError> {
        self.inner.auth.authenticate(headers)
    }

    /// The API root named in the path, or 404.
    pub fn api_root(&self, name: &str) -> Result<&ApiRootConfig, ApiError> {
        self.inner.config.api_root(name).ok_or_else(|| {
            ApiError::not_found(format!(
                "there is no API root `{name}` on this server; see /taxii2/ for the list"
            ))
        })
    }

    /// The collection named in the path (by id or alias) that the principal may see, or 404.
    pub fn collection<'a>(
        &'a self,
        root: &'a ApiRootConfig,
        key: &str,
        principal: &Principal,
    ) -> Result<&'a CollectionConfig, ApiError> {
        root.collection(key)
            .filter(|c| principal.sees(&c.id.to_string()))
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "there is no collection `{key}` in API root `{}` that you may see; list them at /{}/collections/",
                    root.name, root.name
                ))
            })
    }
}
