//! The OpenAPI 3.1 document served at `/api/openapi.json`, written by hand so it carries no
//! build-time download and documents exactly what the handlers do.

use axum::Json;
use serde_json::{json, Value};

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn id_param(name: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}})
}

/// `GET /api/openapi.json`
pub async fn spec() -> Json<Value> {
    Json(document())
}

/// The OpenAPI document.
pub fn document() -> Value {
    let agency_header = json!({"name": "X-Agency", "in": "header", "required": false,
        "description": "Restricts the request to one agency's records (percent-encode non-ASCII).",
        "schema": {"type": "string"}});
    json!({
      "openapi": "3.1.0",
      "info": {"title": "fairtender", "version": env!("CARGO_PKG_VERSION"),
               "description": "Fair-competition review of government procurement documents."},
      "paths": {
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "ok"}}}},
        "/api/v1/projects": {
          "post": {"summary": "Create a project", "parameters": [agency_header],
                   "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProjectInput"}}}},
                   "responses": {"201": {"description": "created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Project"}}}},
                                 "400": error_response("malformed JSON"), "409": error_response("duplicate project number"),
                                 "422": error_response("invalid fields")}},
          "get": {"summary": "List projects", "parameters": [agency_header], "responses": {"200": {"description": "projects"}}}
        },
        "/api/v1/projects/{id}": {"get": {"summary": "A project with its documents", "parameters": [id_param("id"), agency_header],
            "responses": {"200": {"description": "project"}, "404": error_response("not found")}}},
        "/api/v1/projects/{id}/documents": {
          "post": {"summary": "Upload a document version (PDF, DOCX, text)", "parameters": [id_param("id"), agency_header],
                   "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {"type": "object",
                       "properties": {"file": {"type": "string", "format": "binary"},
                                      "kind": {"type": "string", "enum": ["tender", "correction", "clarification", "采购文件", "更正公告", "澄清"]}},
                       "required": ["file"]}}}},
                   "responses": {"201": {"description": "stored", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Document"}}}},
                                 "200": {"description": "the same bytes were uploaded before (duplicate: true)"},
                                 "400": error_response("bad multipart"), "404": error_response("no such project"),
                                 "413": error_response("file too large"), "415": error_response("unsupported file type"),
                                 "422": error_response("encrypted, malformed, scanned (needs_ocr), zip bomb, timeout")}},
          "get": {"summary": "Document versions of a project", "parameters": [id_param("id"), agency_header], "responses": {"200": {"description": "documents"}}}
        },
        "/api/v1/documents/{id}": {"get": {"summary": "A stored document", "parameters": [id_param("id"), agency_header],
            "responses": {"200": {"description": "document", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Document"}}}}, "404": error_response("not found")}}},
        "/api/v1/documents/{id}/clauses": {"get": {"summary": "Clauses in order", "parameters": [id_param("id"), agency_header],
            "responses": {"200": {"description": "clauses"}, "404": error_response("not found")}}},
        "/api/v1/documents/{id}/file": {"get": {"summary": "The original bytes", "parameters": [id_param("id"), agency_header],
            "responses": {"200": {"description": "file"}, "404": error_response("not found")}}},
        "/api/v1/documents/{id}/findings": {"get": {"summary": "Findings stored for this document version (with rule-set version and review status)",
            "parameters": [id_param("id"), agency_header.clone()], "responses": {"200": {"description": "findings"}, "404": error_response("not found")}}},
        "/api/v1/documents/{id}/report": {"get": {"summary": "The stored findings as a report",
            "parameters": [id_param("id"), agency_header.clone(), {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["html", "json"], "default": "json"}}],
            "responses": {"200": {"description": "self-contained HTML or the JSON report"}, "400": error_response("bad format"), "404": error_response("not found")}}},
        "/api/v1/check": {"post": {"summary": "Check a file without storing anything",
            "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {"type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}, "stage": {"type": "string", "enum": ["pre", "mid", "post"]},
                               "format": {"type": "string", "enum": ["json", "html"]}}, "required": ["file"]}}}},
            "responses": {"200": {"description": "report: {rulebook:{version,rules}, documents:[{file,pages,clauses,findings,error}]}"},
                          "413": error_response("file too large"), "415": error_response("unsupported"), "422": error_response("refused")}}},
        "/api/v1/rules": {"get": {"summary": "The rule library (version and rules)", "responses": {"200": {"description": "rules"}}}},
        "/api/v1/rules/{id}": {"get": {"summary": "One rule with basis, suggestion and examples",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "rule"}, "404": error_response("no such rule")}}},
        "/api/v1/records/import": {"post": {"summary": "Import challenge/complaint registers (CSV UTF-8/GB18030 or XLSX); all-or-nothing unless skip_invalid",
            "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {"type": "object",
                "properties": {"projects": {"type": "string", "format": "binary"}, "challenges": {"type": "string", "format": "binary"},
                               "complaints": {"type": "string", "format": "binary"}, "skip_invalid": {"type": "boolean"}}}}}},
            "responses": {"200": {"description": "{written, rejected, unchanged, flags}"}, "422": error_response("rows rejected; nothing written (rejected rows listed)")}}},
        "/api/v1/records/checks": {"get": {"summary": "Overdue replies/decisions and process-check flags",
            "parameters": [{"name": "today", "in": "query", "schema": {"type": "string", "format": "date"}}], "responses": {"200": {"description": "overdue, uncertain, flags"}}}},
        "/api/v1/challenges/{id}/clauses": {"post": {"summary": "Link a challenge to a clause it targets",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"clause_id": {"type": "integer"}}, "required": ["clause_id"]}}}},
            "responses": {"204": {"description": "linked"}, "400": error_response("bad body"), "404": error_response("no such challenge or clause")}}},
        "/api/v1/metrics": {"get": {"summary": "Challenge/complaint figures per period (definitions in docs/metrics.md)",
            "parameters": [
              {"name": "from", "in": "query", "schema": {"type": "integer"}}, {"name": "to", "in": "query", "schema": {"type": "integer"}},
              {"name": "by", "in": "query", "schema": {"type": "string", "enum": ["year", "quarter", "month"]}},
              {"name": "group", "in": "query", "schema": {"type": "string", "enum": ["agency", "purchaser", "category", "method"]}},
              {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv", "xlsx", "text"]}},
              {"name": "as_of", "in": "query", "schema": {"type": "string", "format": "date"}}],
            "responses": {"200": {"description": "rows of figures with definitions"}, "400": error_response("bad parameter")}}},
        "/api/v1/search": {"get": {"summary": "Full-text search over clauses (each term is an exact substring)",
            "parameters": [
              {"name": "q", "in": "query", "schema": {"type": "string"}},
              {"name": "agency", "in": "query", "schema": {"type": "string"}},
              {"name": "project_id", "in": "query", "schema": {"type": "integer"}},
              {"name": "document_id", "in": "query", "schema": {"type": "integer"}},
              {"name": "year", "in": "query", "schema": {"type": "integer"}},
              {"name": "method", "in": "query", "schema": {"type": "string"}},
              {"name": "procurement_type", "in": "query", "schema": {"type": "string", "enum": ["goods", "services", "works"]}},
              {"name": "section_kind", "in": "query", "schema": {"type": "string"}},
              {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 20, "maximum": 200}},
              {"name": "offset", "in": "query", "schema": {"type": "integer", "default": 0}},
              agency_header],
            "responses": {"200": {"description": "hits (snippet with <mark>), total, facets"}, "400": error_response("bad parameter")}}}
      },
      "components": {"schemas": {
        "Error": {"type": "object", "properties": {"error": {"type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string", "description": "Chinese, for users"}},
            "required": ["code", "message"]}}},
        "ProjectInput": {"type": "object", "required": ["project_no", "name", "purchaser", "agency", "method", "procurement_type", "budget"],
            "properties": {"project_no": {"type": "string"}, "name": {"type": "string"}, "purchaser": {"type": "string"},
                           "agency": {"type": "string"}, "method": {"type": "string"},
                           "procurement_type": {"type": "string", "enum": ["goods", "services", "works"]},
                           "budget": {"type": "string", "description": "yuan, decimal, at most 2 places"},
                           "publish_date": {"type": "string", "format": "date"},
                           "deadline": {"type": "string", "format": "date-time"}}},
        "Project": {"type": "object", "properties": {"id": {"type": "integer"}, "project_no": {"type": "string"}, "budget": {"type": "string"}, "budget_fen": {"type": "integer"}}},
        "Document": {"type": "object", "properties": {"id": {"type": "integer"}, "project_id": {"type": "integer"}, "version": {"type": "integer"},
            "kind": {"type": "string"}, "file_name": {"type": "string"}, "sha256": {"type": "string"}, "size": {"type": "integer"},
            "pages": {"type": "integer"}, "status": {"type": "string", "enum": ["parsed", "needs_ocr"]}, "clauses": {"type": "integer"}}}
      }}
    })
}
