//! One error type for every surface. It carries the status, a message that is safe to show,
//! optional OAuth/validation detail, and (for 500s) the source, which is logged, never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub message: String,
    pub description: Option<String>,
    pub details: Option<Value>,
    source: Option<anyhow::Error>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            description: None,
            details: None,
            source: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Record not found")
    }
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
    pub fn too_many_requests() -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests")
    }

    /// An RFC 6749 error: `{"error": code, "error_description": text}`.
    pub fn oauth(status: StatusCode, code: &str, description: impl Into<String>) -> Self {
        Self {
            description: Some(description.into()),
            ..Self::new(status, code)
        }
    }

    /// A 422 in Mastodon's shape: `Validation failed: Field text` with per-field details.
    pub fn validation(field: &str, code: &str, text: &str) -> Self {
        let mut details = serde_json::Map::new();
        details.insert(
            field.to_string(),
            json!([{ "error": code, "description": text }]),
        );
        Self {
            details: Some(Value::Object(details)),
            ..Self::unprocessable(format!("Validation failed: {}", text_for(field, text)))
        }
    }

    /// An unexpected failure: the client sees a generic 500, the log gets the cause.
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(source.into()),
            ..Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
        }
    }

    /// A backing service (the file store) did not answer: 503 with a message the client can
    /// act on; the cause is logged, never shown.
    pub fn unavailable(message: impl Into<String>, source: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(source.into()),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
        }
    }

    /// An internal failure described by a message (no error value to carry).
    pub fn internal_msg(message: impl std::fmt::Display) -> Self {
        Self::internal(anyhow::anyhow!("{message}"))
    }

    pub fn body(&self) -> Value {
        let mut body = json!({ "error": self.message });
        if let Some(d) = &self.description {
            body["error_description"] = json!(d);
        }
        if let Some(d) = &self.details {
            body["details"] = d.clone();
        }
        body
    }
}

fn text_for(field: &str, text: &str) -> String {
    let mut name = field.replace('_', " ");
    if let Some(first) = name.get(0..1) {
        name = first.to_uppercase() + &name[1..];
    }
    format!("{name} {text}")
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Some(source) = &self.source {
            tracing::error!(error = ?source, "request failed");
        }
        (self.status, Json(self.body())).into_response()
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if crate::storage::is_connection_loss(&e) {
            crate::storage::connection_lost();
        }
        Self::internal(e)
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        Self::internal(e)
    }
}

impl From<tera::Error> for AppError {
    fn from(e: tera::Error) -> Self {
        Self::internal(e)
    }
}
