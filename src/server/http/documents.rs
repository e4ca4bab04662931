//! Document upload and retrieval.

use super::{parse_id, ApiError, AppState};
use crate::core::vocab::DocumentKind;
use crate::server::service::{Scope, UploadOutcome};
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// `POST /projects/{id}/documents` (multipart: `file`, optional `kind`).
pub async fn upload(
    State(st): State<AppState>,
    scope: Scope,
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
    let outcome = st.service.upload(&scope, project_id, kind, &name, bytes).await?;
    Ok(match outcome {
        UploadOutcome::Stored(d) => (StatusCode::CREATED, Json(serde_json::to_value(d).unwrap_or_default())).into_response(),
        UploadOutcome::Duplicate(d) => {
            let mut v = serde_json::to_value(d).unwrap_or_default();
            v["duplicate"] = true.into();
            (StatusCode::OK, Json(v)).into_response()
        }
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
        ApiError::bad_request(format!("上传内容不是有效的 multipart 表单：{detail}"))
    }
}

/// `GET /projects/{id}/documents`
pub async fn list(State(st): State<AppState>, scope: Scope, Path(id): Path<String>) -> Result<Json<serde_json::Value>, ApiError> {
    let id = parse_id(&id, "项目")?;
    let docs = st.service.documents_of(&scope, id).await?;
    Ok(Json(serde_json::json!({ "documents": docs })))
}

/// `GET /documents/{id}`
pub async fn show(State(st): State<AppState>, scope: Scope, Path(id): Path<String>) -> Result<Json<serde_json::Value>, ApiError> {
    let id = parse_id(&id, "文件")?;
    let d = st.service.document(&scope, id).await?;
    Ok(Json(serde_json::to_value(d).unwrap_or_default()))
}

/// `GET /documents/{id}/clauses`
pub async fn clauses(State(st): State<AppState>, scope: Scope, Path(id): Path<String>) -> Result<Json<serde_json::Value>, ApiError> {
    let id = parse_id(&id, "文件")?;
    let clauses = st.service.clauses(&scope, id).await?;
    Ok(Json(serde_json::json!({ "document_id": id, "total": clauses.len(), "clauses": clauses })))
}

/// `GET /documents/{id}/file`: the original bytes.
pub async fn file(State(st): State<AppState>, scope: Scope, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = parse_id(&id, "文件")?;
    let (name, bytes) = st.service.document_file(&scope, id).await?;
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
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static(mime)), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}
