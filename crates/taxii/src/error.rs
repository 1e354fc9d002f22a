//! The TAXII error resource (TAXII 2.1 §3.6.1) and the HTTP status of every failure.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::media::TAXII_MEDIA_TYPE;

/// A failed request, rendered as a TAXII error resource with the matching HTTP status.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status of the response.
    pub status: StatusCode,
    /// Short, human-readable title.
    pub title: String,
    /// What was wrong, where, and what to do about it.
    pub description: String,
    /// A stable machine-readable code (`invalid-query`, `not-found`, ...).
    pub code: &'static str,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    title: &'a str,
    description: &'a str,
    error_code: &'a str,
    http_status: String,
}

impl ApiError {
    fn new(
        status: StatusCode,
        code: &'static str,
        title: &str,
        description: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            title: title.to_owned(),
            description: description.into(),
            code,
        }
    }

    /// 400: the request or one of its parameters was not understood.
    pub fn bad_request(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad request",
            description,
        )
    }

    /// 401: credentials are missing or wrong.
    pub fn unauthorized(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
            description,
        )
    }

    /// 403: authenticated, but not allowed to do this.
    pub fn forbidden(description: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", description)
    }

    /// 404: no such resource, or the requester may not see it.
    pub fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", description)
    }

    /// 406: the `Accept` header names no media type this endpoint produces.
    pub fn not_acceptable(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            "not-acceptable",
            "Not acceptable",
            description,
        )
    }

    /// 413: the request body is larger than the API root's `max_content_length`.
    pub fn too_large(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Request body too large",
            description,
        )
    }

    /// 415: the `Content-Type` of a POST is not the TAXII media type.
    pub fn unsupported_media_type(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            description,
        )
    }

    /// 422: the body is JSON but not a TAXII envelope.
    pub fn unprocessable(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unprocessable",
            "Unprocessable content",
            description,
        )
    }

    /// 503: the server is temporarily unable to serve (for example the store is busy).
    pub fn unavailable(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            description,
        )
    }

    /// 500: a fault on the server's side. The description must not leak internals beyond what
    /// an operator needs to find the log line.
    pub fn internal(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal server error",
            description,
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.title,
            self.status.as_u16(),
            self.description
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        metrics::counter!("phalanx_taxii_errors_total", "code" => self.code).increment(1);
        let body = ErrorBody {
            title: &self.title,
            description: &self.description,
            error_code: self.code,
            http_status: self.status.as_u16().to_string(),
        };
        let json = serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"title\":\"error\"}".to_vec());
        let mut response = (self.status, json).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(TAXII_MEDIA_TYPE),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"phalanx\", Bearer realm=\"phalanx\""),
            );
        }
        response
    }
}
