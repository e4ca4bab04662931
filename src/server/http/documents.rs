//! Document upload and retrieval.

use super::openapi::{ErrorBody, IdPath};
use super::{page_size, parse_id, ApiError, AppState, PageParams};
use crate::core::vocab::DocumentKind;
use crate::server::service::{Scope, UploadOutcome};
use crate::server::store::{ClauseView, DocumentView};
use serde::Serialize;
use utoipa::ToSchema;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)] // only described: the handler reads the form field by field
pub struct UploadForm {
    /// The document: PDF, DOCX or text (UTF-8 or GB18030).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// What the document is (default 采购文件).
    kind: Option<DocumentKind>,
}

/// An upload of bytes already stored for this project: nothing changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateUpload {
    #[serde(flatten)]
    pub document: DocumentView,
    /// Always true.
    pub duplicate: bool,
}

/// `GET /projects/{id}/documents`
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    pub documents: Vec<DocumentView>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
}

/// `GET /documents/{id}/clauses`
#[derive(Debug, Serialize, ToSchema)]
pub struct ClauseList {
    pub document_id: i64,
    /// How many clauses the document has in all.
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
    pub clauses: Vec<ClauseView>,
}

/// `POST /projects/{id}/documents` (multipart: `file`, optional `kind`).
#[utoipa::path(post, path = "/api/v1/projects/{id}/documents", tag = "documents", params(IdPath),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "parsed, checked, stored and indexed", body = DocumentView),
        (status = 200, description = "the same bytes were uploaded to this project before", body = DuplicateUpload),
        (status = 400, description = "not a multipart form, or no `file` field", body = ErrorBody),
        (status = 404, description = "no such project", body = ErrorBody),
        (status = 413, description = "file too large", body = ErrorBody),
        (status = 415, description = "unsupported file type", body = ErrorBody),
        (status = 422, description = "encrypted, malformed, zip bomb, time limit, or a scanned PDF (`needs_ocr`: kept, with `document`)", body = ErrorBody)))]
pub async fn upload(
    State(st): State<AppState>,
    actor: crate::core::account::Actor,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, ApiError> {
    let project_id = parse_id(&id, "项目")?;
    let mut form = super::read_form(multipart).await?;
    let kind = match super::form_text(&form, "kind") {
        Some(k) if k.is_empty() => DocumentKind::Tender,
        Some(k) => DocumentKind::parse(&k)
            .ok_or_else(|| ApiError::invalid("文件类型 kind 应为 采购文件/更正公告/澄清（tender/correction/clarification）"))?,
        None => DocumentKind::Tender,
    };
    let file = form.remove("file").ok_or_else(|| ApiError::bad_request("缺少上传文件字段 file"))?;
    let name = file.file_name.unwrap_or_else(|| "upload".into());
    let bytes = file.bytes.to_vec();
    let outcome = st.service.upload(&actor, project_id, kind, &name, bytes).await?;
    Ok(match outcome {
        UploadOutcome::Stored(d) => (StatusCode::CREATED, Json(d)).into_response(),
        UploadOutcome::Duplicate(d) => (StatusCode::OK, Json(DuplicateUpload { document: d, duplicate: true })).into_response(),
        UploadOutcome::NeedsOcr(d) => {
            let mut err = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "needs_ocr",
                "PDF 没有文字层（可能是扫描件），已保存原件，需要先进行文字识别（OCR）",
            );
            err.extra = Some(serde_json::json!({ "document": d }));
            err.into_response()
        }
    })
}

pub(super) fn multipart_error(status: StatusCode, detail: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(status, "file_too_large", "上传文件过大")
    } else {
        tracing::info!(%detail, "multipart refused");
        ApiError::bad_request("上传内容不是有效的 multipart 表单（需要 multipart/form-data 及 boundary）")
    }
}

/// `GET /projects/{id}/documents`
#[utoipa::path(get, path = "/api/v1/projects/{id}/documents", tag = "documents", params(IdPath, PageParams),
    responses((status = 200, description = "document versions, oldest first (limit default 100, at most 500)", body = DocumentList),
        (status = 400, description = "bad offset or limit", body = ErrorBody), (status = 404, description = "no such project", body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    scope: Scope,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Json<DocumentList>, ApiError> {
    let id = parse_id(&id, "项目")?;
    let (default, max) = page_size::RECORDS;
    let page = q.page(default, max)?;
    let documents = st.service.documents_of(&scope, id, page).await?;
    Ok(Json(DocumentList { documents: documents.items, total: documents.total, offset: page.offset, limit: page.limit.unwrap_or(default) }))
}

/// `GET /documents/{id}`
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", params(IdPath),
    responses((status = 200, description = "the document version", body = DocumentView), (status = 404, description = "no such document", body = ErrorBody)))]
pub async fn show(State(st): State<AppState>, scope: Scope, Path(id): Path<String>) -> Result<Json<DocumentView>, ApiError> {
    let id = parse_id(&id, "文件")?;
    Ok(Json(st.service.document(&scope, id).await?))
}

/// `GET /documents/{id}/clauses`
#[utoipa::path(get, path = "/api/v1/documents/{id}/clauses", tag = "documents", params(IdPath, PageParams),
    responses((status = 200, description = "the clauses in order (limit default 500, at most 2000)", body = ClauseList),
        (status = 400, description = "bad offset or limit", body = ErrorBody), (status = 404, description = "no such document", body = ErrorBody)))]
pub async fn clauses(
    State(st): State<AppState>,
    scope: Scope,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Json<ClauseList>, ApiError> {
    let id = parse_id(&id, "文件")?;
    let (default, max) = page_size::CLAUSES;
    let page = q.page(default, max)?;
    let clauses = st.service.clauses(&scope, id, page).await?;
    Ok(Json(ClauseList {
        document_id: id,
        total: clauses.total,
        offset: page.offset,
        limit: page.limit.unwrap_or(default),
        clauses: clauses.items,
    }))
}

/// `GET /documents/{id}/file`: the original bytes.
#[utoipa::path(get, path = "/api/v1/documents/{id}/file", tag = "documents", params(IdPath),
    responses((status = 200, description = "the uploaded bytes, with the file name in Content-Disposition", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, description = "no such document", body = ErrorBody)))]
pub async fn file(State(st): State<AppState>, scope: Scope, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = parse_id(&id, "文件")?;
    let (name, blob) = st.service.document_file(&scope, id).await?;
    let mime = match name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()) {
        Some(e) if e == "pdf" => "application/pdf",
        Some(e) if e == "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some(e) if e == "txt" => "text/plain",
        _ => "application/octet-stream",
    };
    // RFC 6266/5987: the UTF-8 file name percent-encoded.
    const ATTR_CHAR: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');
    let encoded = percent_encoding::utf8_percent_encode(&name, ATTR_CHAR);
    let disposition = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}"))
        .unwrap_or(HeaderValue::from_static("attachment"));
    // Streamed chunk by chunk: a download does not hold the whole file in memory.
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
        (header::CONTENT_DISPOSITION, disposition),
        (header::CONTENT_LENGTH, HeaderValue::from(blob.size)),
    ];
    Ok((headers, axum::body::Body::from_stream(blob.chunks)).into_response())
}
