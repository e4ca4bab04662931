//! API errors: `{"error":{"code","message"}}` with the right status. `message` is Chinese
//! for users; the English cause chain goes to the operator log.

use crate::core::ingest::IngestError;
use crate::server::service::ServiceError;
use crate::server::store::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Extra fields merged into the error object (e.g. the stored document for needs_ocr).
    pub extra: Option<serde_json::Value>,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), extra: None }
    }

    /// 400 with a Chinese message.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 422 validation failure.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    /// 404.
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("{what}不存在"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let (Some(serde_json::Value::Object(extra)), Some(obj)) = (self.extra, error.as_object_mut()) {
            obj.extend(extra);
        }
        (self.status, Json(json!({ "error": error }))).into_response()
    }
}

/// Logs the full English cause chain of an internal error, never document text.
fn log_chain(err: &dyn std::error::Error) {
    let mut chain = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    tracing::error!(error = %chain, "request failed");
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> ApiError {
        let status = match e {
            IngestError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            IngestError::UnsupportedFormat(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        tracing::warn!(code = e.code(), reason = %e, "document refused");
        ApiError::new(status, e.code(), e.user_message())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(what.label_zh()),
            StoreError::DuplicateProject { .. } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", "记录已存在（项目编号重复）")
            }
            StoreError::ClauseOutsideProject { .. } => {
                ApiError::invalid("该条款不属于被质疑项目的采购文件，不能关联")
            }
            // Db, Io and Corrupt are the service's fault, not the caller's.
            other => internal(&other),
        }
    }
}

/// 500 with a generic Chinese message; the English cause chain goes to the log.
fn internal(err: &dyn std::error::Error) -> ApiError {
    log_chain(err);
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "服务器内部错误，请稍后重试")
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        match e {
            ServiceError::Ingest(e) => e.into(),
            ServiceError::Store(e) => e.into(),
            ServiceError::Index(fairtender_index::IndexError::Query(q)) => {
                ApiError::bad_request(format!("检索式无效：{q}"))
            }
            ServiceError::Invalid(m) => ApiError::invalid(m),
            ServiceError::Forbidden(what) => {
                tracing::warn!(refused = what, "forbidden");
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", "无权执行此操作（不能操作其他机构的项目）")
            }
            other => internal(&other),
        }
    }
}
