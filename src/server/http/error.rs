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
    /// Seconds for a `Retry-After` header (429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), extra: None, retry_after: None }
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
        let mut res = (self.status, Json(json!({ "error": error }))).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        res
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
            StoreError::DuplicateUser(_) => ApiError::new(StatusCode::CONFLICT, "conflict", "用户名已被使用"),
            StoreError::ConcurrentWrite => {
                ApiError::new(StatusCode::CONFLICT, "conflict", "同一时间有其他导入写入了相同的记录，本次未写入任何数据，请重新导入")
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
            ServiceError::Index(fairtender_index::IndexError::Query(problem)) => {
                use fairtender_index::QueryProblem;
                ApiError::bad_request(match problem {
                    QueryProblem::NoSearchableCharacters => "检索词须包含文字、字母或数字，不能只有标点".to_string(),
                    QueryProblem::TooLong { max } => format!("检索式过长（最多 {max} 个字）"),
                    QueryProblem::TooManyTerms { max } => format!("检索词过多（最多 {max} 个）"),
                    QueryProblem::OffsetTooLarge { max } => format!("翻页过深（offset 最大为 {max}）"),
                })
            }
            ServiceError::Invalid(m) => ApiError::invalid(m),
            ServiceError::Forbidden(what) => {
                tracing::warn!(refused = what, "forbidden");
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", "无权执行此操作（角色不允许，或不能操作其他机构的项目）")
            }
            ServiceError::Account(e) => ApiError::invalid(e.message_zh()),
            ServiceError::BadCredentials => ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials", "用户名或密码错误"),
            ServiceError::LoginThrottled { retry_after_secs } => {
                let mut e = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    format!("登录失败次数过多，请 {} 分钟后再试", retry_after_secs.div_ceil(60)),
                );
                e.retry_after = Some(retry_after_secs);
                e
            }
            ServiceError::Decision(e) => ApiError::invalid(e.message_zh()),
            ServiceError::BadTransition { from, to } => ApiError::new(
                StatusCode::CONFLICT,
                "bad_transition",
                format!("项目状态为“{}”，不能变为“{}”", from.label_zh(), to.label_zh()),
            ),
            ServiceError::ApprovalBlocked(blocking) => {
                let mut e = ApiError::new(
                    StatusCode::CONFLICT,
                    "approval_blocked",
                    format!("当前版本还有 {} 个未处理或已确认的违规问题，不能通过审查", blocking.len()),
                );
                e.extra = Some(json!({ "blocking": blocking }));
                e
            }
            other => internal(&other),
        }
    }
}

/// A JSON body problem in Chinese, without serde's English (which goes to the log).
pub fn json_problem(what: &str, e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    tracing::info!(error = %e, "request body refused");
    let quoted = |prefix: &str| {
        let msg = e.to_string();
        msg.strip_prefix(prefix).and_then(|rest| rest.split('`').next()).map(str::to_string)
    };
    let detail = match e.classify() {
        Category::Syntax | Category::Eof => format!("JSON 格式错误（第{}行第{}列）", e.line(), e.column()),
        Category::Data => match (quoted("missing field `"), quoted("unknown field `")) {
            (Some(f), _) => format!("缺少字段 {f}"),
            (_, Some(f)) => format!("不认识的字段 {f}"),
            _ => format!("字段的类型或取值不正确（第{}行第{}列）", e.line(), e.column()),
        },
        Category::Io => "请求体读取失败".to_string(),
    };
    ApiError::bad_request(format!("请求体不是有效的{what}：{detail}"))
}

/// The Chinese message for a failure axum or hyper produced before a handler ran (a plain-text
/// rejection); the code is the status's.
fn rejection(status: StatusCode) -> ApiError {
    let (code, message) = match status {
        StatusCode::BAD_REQUEST => ("bad_request", "请求格式不正确：查询参数、路径或请求体无法解析"),
        StatusCode::NOT_FOUND => ("not_found", "接口不存在"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "该接口不支持此请求方法"),
        StatusCode::PAYLOAD_TOO_LARGE => ("file_too_large", "上传内容过大"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "不支持的内容类型（Content-Type）"),
        StatusCode::UNPROCESSABLE_ENTITY => ("invalid", "请求内容无法处理"),
        s if s.is_server_error() => ("internal", "服务器内部错误，请稍后重试"),
        _ => ("error", "请求失败"),
    };
    ApiError::new(status, code, message)
}

/// Middleware: every error leaves as `{"error":{"code","message"}}` — including axum's own
/// plain-text rejections (multipart, body limit, query and path parsing, 405) — and every
/// response carries `X-Content-Type-Options: nosniff`, HTML also a strict
/// `Content-Security-Policy` (the reports use inline styles, no scripts, no external assets).
pub async fn uniform_responses(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::http::{header, HeaderValue};
    let mut res = next.run(req).await;
    let status = res.status();
    let content_type = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    // JSON errors and the web pages' own HTML error pages pass as they are.
    let own = content_type.starts_with("application/json") || content_type.starts_with("text/html");
    if (status.is_client_error() || status.is_server_error()) && !own {
        let allow = res.headers().get(header::ALLOW).cloned();
        let body = axum::body::to_bytes(std::mem::take(res.body_mut()), 4096).await.unwrap_or_default();
        tracing::warn!(status = %status, detail = %String::from_utf8_lossy(&body), "request rejected before a handler");
        res = rejection(status).into_response();
        if let Some(allow) = allow {
            res.headers_mut().insert(header::ALLOW, allow);
        }
    }
    let headers = res.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if content_type.starts_with("text/html") {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
        );
    }
    res
}
