//! Downloads and the printable report: the review report of a document (HTML for the
//! browser's print to PDF, and XLSX), the findings list, the challenge list and the metrics as
//! XLSX and CSV. Workbooks are written by `rust_xlsxwriter` (through `records::xlsx`), CSV by
//! the one CSV writer of the records module.

use super::*;
use crate::core::records::xlsx::{write_xlsx, OutCell};
use crate::server::store::StoredFinding;

/// A table to download.
struct Sheet {
    name: &'static str,
    /// Leading label/value rows (the report header), before the table.
    head: Vec<(String, String)>,
    columns: Vec<&'static str>,
    rows: Vec<Vec<OutCell>>,
}

impl Sheet {
    fn csv(&self) -> String {
        let text = |c: &OutCell| match c {
            OutCell::Text(s) | OutCell::Number(s) => s.clone(),
            OutCell::Date(d) => d.to_string(),
            OutCell::Empty => String::new(),
        };
        let rows: Vec<Vec<String>> = self.rows.iter().map(|r| r.iter().map(text).collect()).collect();
        // A BOM so that Excel on a Chinese Windows opens the UTF-8 file correctly.
        format!("\u{feff}{}", crate::core::records::csv::write_csv(&self.columns, &rows))
    }

    fn xlsx(&self) -> Result<Vec<u8>, crate::core::records::xlsx::XlsxError> {
        let mut rows: Vec<Vec<OutCell>> = self.head.iter().map(|(k, v)| vec![OutCell::Text(k.clone()), OutCell::Text(v.clone())]).collect();
        if !rows.is_empty() {
            rows.push(Vec::new());
        }
        rows.push(self.columns.iter().map(|c| OutCell::Text(c.to_string())).collect());
        rows.extend(self.rows.iter().cloned());
        write_xlsx(self.name, &rows)
    }

    /// The sheet as a download in `format` (`csv` or `xlsx`), named `file` (+ extension).
    fn download(&self, format: &str, file: &str, actor: &Actor) -> Response {
        let (body, mime) = match format {
            "csv" => (self.csv().into_bytes(), "text/csv; charset=utf-8"),
            _ => match self.xlsx() {
                Ok(b) => (b, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                Err(e) => {
                    tracing::error!(error = %e, "writing a workbook failed");
                    return page_error(StatusCode::INTERNAL_SERVER_ERROR, "导出失败", "生成 Excel 文件失败", Some(actor));
                }
            },
        };
        let mut res = body.into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
        attach(res, file, format)
    }
}

/// `csv` or `xlsx` from the last path segment's extension.
fn format_of(uri: &axum::http::Uri) -> &'static str {
    if uri.path().ends_with(".csv") {
        "csv"
    } else {
        "xlsx"
    }
}

/// What the report says about a document: the conclusion and who reviewed it.
struct Conclusion {
    text: &'static str,
    reviewers: String,
}

fn conclusion(project: &crate::server::store::ProjectView, findings: &[StoredFinding]) -> Conclusion {
    let blocking = findings.iter().filter(|f| crate::core::workflow::blocking(f.finding.severity, f.status)).count();
    let text = match project.status {
        ProjectStatus::Draft if findings.is_empty() => "未发现问题（尚未提交审查）",
        ProjectStatus::Draft | ProjectStatus::InReview if blocking > 0 => "存在未处理或已确认的违规问题，需修改后重新提交",
        ProjectStatus::Draft => "待提交审查",
        ProjectStatus::InReview => "审查中",
        _ => "审查通过",
    };
    let mut reviewers: Vec<&str> = findings.iter().filter_map(|f| f.decided_by.as_deref()).collect();
    reviewers.sort_unstable();
    reviewers.dedup();
    Conclusion { text, reviewers: if reviewers.is_empty() { "—".into() } else { reviewers.join("、") } }
}

fn finding_rows(findings: &[StoredFinding]) -> Vec<Vec<OutCell>> {
    findings
        .iter()
        .map(|f| {
            let basis: Vec<String> = f.finding.basis.iter().map(|b| format!("{} {}", b.law, b.article)).collect();
            vec![
                OutCell::Number(f.finding.clause_ordinal.to_string()),
                OutCell::Number(f.finding.page.to_string()),
                OutCell::Text(f.finding.section.clone()),
                OutCell::Text(f.finding.rule.clone()),
                OutCell::Text(f.finding.category.label_zh().into()),
                OutCell::Text(f.finding.severity.label_zh().into()),
                OutCell::Text(f.status.label_zh().into()),
                OutCell::Text(f.finding.quote.clone()),
                OutCell::Text(f.finding.message.clone()),
                OutCell::Text(basis.join("；")),
                OutCell::Text(f.finding.suggestion.clone()),
                OutCell::Text(f.reason.clone().unwrap_or_default()),
                OutCell::Text(f.decided_by.clone().unwrap_or_default()),
            ]
        })
        .collect()
}

const FINDING_COLUMNS: [&str; 13] =
    ["条款序号", "页码", "章节", "规则", "类别", "严重程度", "状态", "命中文字", "问题", "法律依据", "修改建议", "处理理由", "处理人"];

async fn report_data(
    st: &AppState,
    actor: &Actor,
    id: &str,
) -> Result<(crate::server::store::DocumentView, crate::server::store::ProjectView, Vec<StoredFinding>), Response> {
    let Ok(id) = id.parse::<i64>() else { return Err(page_error(StatusCode::NOT_FOUND, "未找到", "文件不存在", Some(actor))) };
    let scope = actor.scope();
    let (doc, findings) = st.service.findings(&scope, id, Page::ALL).await.map_err(|e| failure(e, actor))?;
    let project = st.service.project(&scope, doc.project_id).await.map_err(|e| failure(e, actor))?;
    Ok((doc, project, findings.items))
}

fn report_head(doc: &crate::server::store::DocumentView, project: &crate::server::store::ProjectView, c: &Conclusion) -> Vec<(String, String)> {
    [
        ("项目名称", project.name.clone()),
        ("项目编号", project.project_no.clone()),
        ("采购人", project.purchaser.clone()),
        ("代理机构", project.agency.clone()),
        ("文件", format!("第 {} 版 {}", doc.version, doc.file_name)),
        ("文件 SHA-256", doc.sha256.clone()),
        ("规则库版本", doc.rulebook_version.clone().unwrap_or_else(|| "—".into())),
        ("审查日期", chrono::Utc::now().date_naive().to_string()),
        ("审查结论", c.text.to_string()),
        ("审查人员", c.reviewers.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// `GET /documents/{id}/report`: the review report as a printable page (A4, page numbers
/// from the print stylesheet).
pub async fn report(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let csrf = csrf_of(&headers);
    let (doc, project, findings) = match report_data(&st, &actor, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let c = conclusion(&project, &findings);
    let head: Vec<minijinja::Value> = report_head(&doc, &project, &c).into_iter().map(|(k, v)| context! { k, v }).collect();
    let rows: Vec<minijinja::Value> = findings
        .iter()
        .map(|f| {
            context! {
                ordinal => f.finding.clause_ordinal, page => f.finding.page, section => &f.finding.section, rule => &f.finding.rule,
                category => f.finding.category.label_zh(), severity => f.finding.severity.label_zh(), sev => f.finding.severity.as_str(),
                status => f.status.label_zh(), quote => &f.finding.quote, clause => &f.finding.clause, message => &f.finding.message,
                basis => &f.finding.basis, suggestion => &f.finding.suggestion, reason => &f.reason, decided_by => &f.decided_by,
            }
        })
        .collect();
    let ctx = context! { user => &actor, role_label => actor.role.label_zh(), csrf => &csrf.0, document => &doc, project => &project, head, rows };
    render("report.html", ctx, &csrf)
}

/// `GET /documents/{id}/report.xlsx` and `/documents/{id}/findings.csv`: the report header and
/// the findings as a workbook, or the findings as CSV.
pub async fn report_download(State(st): State<AppState>, actor: Actor, uri: axum::http::Uri, Path(id): Path<String>) -> Response {
    let (doc, project, findings) = match report_data(&st, &actor, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let format = format_of(&uri);
    let c = conclusion(&project, &findings);
    let sheet = Sheet {
        name: "审查报告",
        head: if format == "xlsx" { report_head(&doc, &project, &c) } else { Vec::new() },
        columns: FINDING_COLUMNS.to_vec(),
        rows: finding_rows(&findings),
    };
    sheet.download(format, &format!("审查报告-{}-v{}", project.project_no, doc.version), &actor)
}

/// `GET /challenges.xlsx` and `/challenges.csv`: the challenge list of the user's scope.
pub async fn challenges_download(State(st): State<AppState>, actor: Actor, uri: axum::http::Uri) -> Response {
    let today = chrono::Utc::now().date_naive();
    let list = match st.service.challenge_list(&actor, today).await {
        Ok(l) => l,
        Err(e) => return failure(e, &actor),
    };
    let date = |d: Option<chrono::NaiveDate>| d.map_or(OutCell::Empty, OutCell::Date);
    let rows = list
        .iter()
        .map(|r| {
            let c = &r.challenge;
            let complaints: Vec<String> = r.complaints.iter().map(|k| format!("{}（{}）", k.id.as_str(), k.filed_date)).collect();
            vec![
                OutCell::Text(c.id.as_str().into()),
                OutCell::Text(c.project_no.as_str().into()),
                OutCell::Text(r.project_name.clone().unwrap_or_default()),
                OutCell::Text(c.supplier.clone()),
                OutCell::Text(c.category.label_zh().into()),
                OutCell::Date(c.received_date),
                date(r.reply_due),
                date(c.reply_date),
                OutCell::Text(if c.outcome.zh().is_empty() { "待处理".into() } else { c.outcome.zh().into() }),
                OutCell::Text(if r.overdue { "是".into() } else { "否".into() }),
                OutCell::Number(r.clauses.to_string()),
                OutCell::Text(complaints.join("；")),
                OutCell::Text(c.claim.clone()),
            ]
        })
        .collect();
    let sheet = Sheet {
        name: "质疑",
        head: Vec::new(),
        columns: vec!["质疑编号", "项目编号", "项目名称", "质疑供应商", "类别", "收到日期", "答复期限", "答复日期", "结果", "逾期", "关联条款", "投诉", "质疑事项"],
        rows,
    };
    sheet.download(format_of(&uri), &format!("质疑清单-{today}"), &actor)
}

/// `GET /dashboard.xlsx` and `/dashboard.csv`: the dashboard's figures per year and group.
pub async fn metrics_download(State(st): State<AppState>, actor: Actor, uri: axum::http::Uri, Query(q): Query<DashboardQuery>) -> Response {
    let (from, to, group) = q.range();
    let report = match st.service.metrics(&actor.scope(), q.metrics(from, to, group)).await {
        Ok(r) => r,
        Err(e) => return failure(e, &actor),
    };
    let name = format!("质疑投诉统计-{from}-{to}");
    match format_of(&uri) {
        "csv" => {
            let mut res = format!("\u{feff}{}", crate::core::records::report::to_csv(&report)).into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
            attach(res, &name, "csv")
        }
        _ => match crate::core::records::report::to_xlsx(&report) {
            Ok(b) => {
                let mut res = b.into_response();
                res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
                attach(res, &name, "xlsx")
            }
            Err(e) => {
                tracing::error!(error = %e, "writing the metrics workbook failed");
                page_error(StatusCode::INTERNAL_SERVER_ERROR, "导出失败", "生成 Excel 文件失败", Some(&actor))
            }
        },
    }
}

fn attach(mut res: Response, file: &str, ext: &str) -> Response {
    let ascii: String = file.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    let utf8 = percent_encoding::utf8_percent_encode(file, percent_encoding::NON_ALPHANUMERIC);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}.{ext}\"; filename*=UTF-8''{utf8}.{ext}")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
