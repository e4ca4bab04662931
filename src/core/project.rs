//! A procurement project (采购项目) as a purchaser or agency registers it: the typed record
//! and the validation of what a form or a JSON body sends.

use crate::core::money::Fen;
use crate::core::vocab::{Method, ProcurementType};
use chrono::{DateTime, NaiveDate, Utc};

/// Longest accepted 项目编号, 项目名称, purchaser or agency name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Largest accepted budget: 1万亿元 (10^12 yuan) in 分 — far above any single procurement, and
/// far below where integer 分 could overflow in sums.
pub const MAX_BUDGET: Fen = Fen(100_000_000_000_000);

/// A new project, valid by construction (see [`ProjectDraft::validate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProject {
    pub project_no: String,
    pub name: String,
    pub purchaser: String,
    pub agency: String,
    pub method: Method,
    pub procurement_type: ProcurementType,
    pub budget: Fen,
    pub publish_date: Option<NaiveDate>,
    pub deadline: Option<DateTime<Utc>>,
}

/// A project as submitted, before validation: free text everywhere.
#[derive(Debug, Clone, Default)]
pub struct ProjectDraft {
    pub project_no: String,
    pub name: String,
    pub purchaser: String,
    pub agency: String,
    pub method: String,
    pub procurement_type: String,
    /// Yuan as a decimal string ("1560000.00").
    pub budget: String,
    pub publish_date: Option<NaiveDate>,
    pub deadline: Option<DateTime<Utc>>,
}

impl ProjectDraft {
    /// Checks every field and returns all problems at once, in Chinese, or the project.
    pub fn validate(self) -> Result<NewProject, Vec<String>> {
        let mut problems = Vec::new();
        let text = |v: &str, label: &str, problems: &mut Vec<String>| {
            let v = v.trim();
            if v.is_empty() {
                problems.push(format!("{label}不能为空"));
            } else if v.chars().count() > MAX_NAME_CHARS {
                problems.push(format!("{label}过长（最多{MAX_NAME_CHARS}个字符）"));
            }
            v.to_string()
        };
        let project_no = text(&self.project_no, "项目编号", &mut problems);
        let name = text(&self.name, "项目名称", &mut problems);
        let purchaser = text(&self.purchaser, "采购人", &mut problems);
        let agency = text(&self.agency, "采购代理机构", &mut problems);
        let method = Method::parse(&self.method);
        if method.is_none() {
            problems.push(format!("采购方式“{}”无效，应为：{}", self.method.trim(), Method::labels_zh()));
        }
        let procurement_type = ProcurementType::parse(&self.procurement_type);
        if procurement_type.is_none() {
            problems.push("采购类型应为 goods、services 或 works（货物、服务或工程）".to_string());
        }
        let budget = Fen::parse_yuan(self.budget.trim()).ok();
        match budget {
            None => problems.push("预算金额应为以元为单位的数字字符串，最多两位小数，例如 \"1560000.00\"".to_string()),
            Some(b) if b.0 < 0 || b > MAX_BUDGET => problems.push("预算金额超出范围（0 至 1 万亿元）".to_string()),
            Some(_) => {}
        }
        match (method, procurement_type, budget) {
            (Some(method), Some(procurement_type), Some(budget)) if problems.is_empty() => Ok(NewProject {
                project_no,
                name,
                purchaser,
                agency,
                method,
                procurement_type,
                budget,
                publish_date: self.publish_date,
                deadline: self.deadline,
            }),
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ProjectDraft {
        ProjectDraft {
            project_no: " QL-2026-01 ".into(),
            name: "多媒体教室设备采购".into(),
            purchaser: "青岚市第二中学".into(),
            agency: "青岚市采购中心".into(),
            method: "竞争性磋商".into(),
            procurement_type: "货物".into(),
            budget: "1560000.5".into(),
            ..ProjectDraft::default()
        }
    }

    #[test]
    fn a_valid_draft_becomes_a_typed_project() {
        let p = draft().validate().unwrap();
        assert_eq!(p.project_no, "QL-2026-01");
        assert_eq!((p.method, p.procurement_type, p.budget), (Method::Consultation, ProcurementType::Goods, Fen(156_000_050)));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let bad = ProjectDraft { name: " ".into(), method: "招标".into(), budget: "1.234".into(), agency: "机".repeat(201), ..draft() };
        let problems = bad.validate().unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("项目名称不能为空")));
        assert!(problems.iter().any(|p| p.contains("公开招标、邀请招标")));
        assert!(problems.iter().any(|p| p.contains("过长")));
        let too_big = ProjectDraft { budget: "92233720368547758.07".into(), ..draft() }.validate().unwrap_err();
        assert!(too_big.iter().any(|p| p.contains("预算金额")), "{too_big:?}");
    }
}
