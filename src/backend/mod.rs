//! Backends: the things that create resources (what Terraform calls providers).
//!
//! Owns the [`Backend`] trait — one request/response pair per operation (read, create,
//! update, delete), so fields can be added without touching every implementation — and its
//! implementations: [`sim`], a simulated Azure persisted in an embedded database, and
//! [`lab`], which builds the networks and tunnels for real on this Linux host. Later: Azure
//! itself. A backend never sees plans, configuration or the state
//! file; it receives one resource's arguments and answers with the object it holds.

pub mod lab;
pub mod retry;
pub mod sim;

use async_trait::async_trait;

/// Reads the current object of a resource.
#[derive(Debug, Clone)]
pub struct ReadRequest {
    pub resource_type: String,
    pub id: String,
}

/// Looks for an object of a type by what it holds: how a data source of a type the tool does
/// not model, and without an ARM id, finds its object.
#[derive(Debug, Clone)]
pub struct FindRequest {
    pub resource_type: String,
    /// Every one of these (a JSON object) must equal the object's attribute of the same name.
    pub arguments: serde_json::Value,
}

/// The object as the backend holds it, or `None` when it no longer exists.
#[derive(Debug, Clone)]
pub struct ReadResponse {
    pub attributes: Option<serde_json::Value>,
}

/// Creates a resource from its arguments (computed attributes null).
#[derive(Debug, Clone)]
pub struct CreateRequest {
    pub resource_type: String,
    pub attributes: serde_json::Value,
}

/// The created object, with every computed attribute filled in.
#[derive(Debug, Clone)]
pub struct CreateResponse {
    pub attributes: serde_json::Value,
}

/// Updates a resource in place.
#[derive(Debug, Clone)]
pub struct UpdateRequest {
    pub resource_type: String,
    pub prior: serde_json::Value,
    pub attributes: serde_json::Value,
}

/// The updated object.
#[derive(Debug, Clone)]
pub struct UpdateResponse {
    pub attributes: serde_json::Value,
}

/// Deletes a resource.
#[derive(Debug, Clone)]
pub struct DeleteRequest {
    pub resource_type: String,
    pub id: String,
}

/// A refused or failed operation, with Azure's error code where there is one.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error("{code}: {message}")]
#[diagnostic(code(backend::error))]
pub struct BackendError {
    pub code: String,
    pub message: String,
    /// A transient fault (HTTP 429 or a retryable 5xx): the same request may succeed later.
    pub retryable: bool,
    /// How long the server asked the client to wait before retrying (`Retry-After`).
    pub retry_after: Option<std::time::Duration>,
    /// The object a failed create left behind (Azure keeps it, `provisioningState: Failed`).
    pub left_behind: Option<serde_json::Value>,
}

impl BackendError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> BackendError {
        BackendError {
            code: code.into(),
            message: message.into(),
            retryable: false,
            retry_after: None,
            left_behind: None,
        }
    }

    /// A transient fault worth retrying, after `retry_after` when the server said so.
    pub fn transient(
        code: impl Into<String>,
        message: impl Into<String>,
        retry_after: Option<std::time::Duration>,
    ) -> BackendError {
        BackendError {
            retryable: true,
            retry_after,
            ..BackendError::new(code, message)
        }
    }

    /// Whether the server throttled the request (HTTP 429).
    pub fn is_throttling(&self) -> bool {
        self.retryable && self.retry_after.is_some()
    }
}

/// A place resources are created in.
///
/// Implementations must be safe to call concurrently: apply runs independent operations in
/// parallel.
#[async_trait]
pub trait Backend: Send + Sync {
    /// The backend's name as `init -cloud=NAME` spells it.
    fn name(&self) -> &'static str;
    /// Whether this backend can create resources of `resource_type`.
    fn models(&self, resource_type: &str) -> bool;
    async fn read(&self, req: ReadRequest) -> Result<ReadResponse, BackendError>;
    /// The first object (by id) matching the request, or `None`.
    async fn find(&self, req: FindRequest) -> Result<ReadResponse, BackendError>;
    async fn create(&self, req: CreateRequest) -> Result<CreateResponse, BackendError>;
    async fn update(&self, req: UpdateRequest) -> Result<UpdateResponse, BackendError>;
    async fn delete(&self, req: DeleteRequest) -> Result<(), BackendError>;
    /// How the backend's clock relates to real time, for retry waits: 1 for a real cloud; the
    /// simulator's latency factor (0 retries at once).
    fn time_scale(&self) -> f64 {
        1.0
    }
}
