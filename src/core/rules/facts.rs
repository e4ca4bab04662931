//! Document facts that several rules need: budget (per lot), ceiling price, procurement method
//! and type, whether imported goods are admitted, whether the project is reserved for SMEs.
//!
//! Facts are read from the whole document once; a clause that states a fact itself
//! ("（竞争性磋商服务项目）价格分40分", "预算200万元，投标保证金5万元") overrides the document,
//! which is also how single clauses are judged on their own.

use regex::Regex;
use std::sync::OnceLock;

use super::schema::ProcType;
use crate::core::quantity;

/// The procurement method, as the core defines it once.
pub use crate::core::vocab::Method;

/// Facts of a document or of a single clause.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Budgets found, in fen, with the lot number when one precedes the amount.
    pub budgets: Vec<(Option<u32>, i64)>,
    /// Ceiling prices (最高限价), in fen.
    pub ceilings: Vec<(Option<u32>, i64)>,
    pub method: Option<Method>,
    pub proc_type: Option<ProcType>,
    /// The document admits imported products (进口产品): manufacturer authorisation is then
    /// lawful (财政部令第87号 第十七条).
    pub import_allowed: bool,
    /// The project is reserved for SMEs (财库〔2020〕46号): no price deduction is due.
    pub sme_reserved: bool,
}

fn rx(cell: &'static OnceLock<Regex>, pat: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pat).expect("built-in facts regex"))
}

fn lot_before(text: &str, byte: usize) -> Option<u32> {
    static LOT: OnceLock<Regex> = OnceLock::new();
    let r = rx(&LOT, r"第?([0-9一二三四五六七八九十]+)(?:包|标段|分包|采购包)");
    let from = text.floor_char_boundary_compat(byte.saturating_sub(45));
    let window = text.get(from..byte)?;
    let c = r.captures_iter(window).last()?;
    quantity::parse_number(c.get(1)?.as_str())?.times_int(1).and_then(|v| u32::try_from(v).ok())
}

/// `str::floor_char_boundary` is unstable; this is the stable equivalent.
trait FloorBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl FloorBoundary for str {
    fn floor_char_boundary_compat(&self, i: usize) -> usize {
        let mut i = i.min(self.len());
        while i > 0 && !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

fn amounts_after(text: &str, trigger: &Regex, window_chars: usize) -> Vec<(Option<u32>, i64)> {
    let mut out = Vec::new();
    for m in trigger.find_iter(text) {
        let rest = &text[m.end()..];
        let limit: usize = rest.char_indices().nth(window_chars).map(|(b, _)| b).unwrap_or(rest.len());
        let window = &rest[..limit];
        if let Some(first) = quantity::money(window).first() {
            out.push((lot_before(text, m.start()), first.value));
        }
    }
    out
}

impl Facts {
    /// Reads facts from normalised text (a whole document or one clause).
    pub fn read(text: &str) -> Facts {
        static BUDGET: OnceLock<Regex> = OnceLock::new();
        static CEILING: OnceLock<Regex> = OnceLock::new();
        static METHOD: OnceLock<Regex> = OnceLock::new();
        static TYPE: OnceLock<Regex> = OnceLock::new();
        static IMPORT_YES: OnceLock<Regex> = OnceLock::new();
        static IMPORT_NO: OnceLock<Regex> = OnceLock::new();
        static SME: OnceLock<Regex> = OnceLock::new();
        static TENDER_WORDS: OnceLock<Regex> = OnceLock::new();
        let budget = rx(&BUDGET, r"预算金额|采购预算|项目预算|预算资金|预算价|预算为|预算:");
        let ceiling = rx(&CEILING, r"最高限价|最高投标限价|控制价|拦标价");
        // The method by name, or by the name of its document ("磋商文件", "询价通知书").
        let method = rx(&METHOD, r"公开招标|邀请招标|竞争性磋商|竞争性谈判|询价|单一来源|磋商文件|磋商公告|首次响应文件|谈判文件|谈判公告");
        // Besides the explicit words, the object names the type ("保洁服务", "医疗设备采购").
        // Group 5: the type word in brackets or before a comma ("（货物）", "货物类，"); group 6: goods
        // named after the verb ("采购实验室仪器").
        let ptype = rx(&TYPE, r"(货物|服务|工程)类?(?:项目|采购)|(?:采购品目|项目类型|采购类别|品目)[:]?[^。;]{0,12}?(货物|服务|工程)|(?:保洁|物业|运维|维保|维护|安保|保安|咨询|餐饮|配送|审计|监理|设计|培训|测绘|评估|检测|运营|托管|印刷|维修|租赁|保险|法律|会计|体检|宣传|广告|开发|外包|绿化|养护)[\p{Han}]{0,3}?(服务)|(?:设备|仪器|器械|车辆|家具|计算机|电脑|耗材|材料)(?:采购|购置)()|[(,·](货物|服务|工程)类?[),]|(?:采购|购置|购买)[\p{Han}]{0,8}?(?:设备|仪器|器械|车辆|家具|计算机|电脑|耗材|用品)()");
        let import_yes = rx(&IMPORT_YES, r"(?:允许|接受|可以|可)(?:采购|投报|提供|投标)?进口产品|进口产品[^。;]{0,12}(?:核准|批准|审批)|采购进口产品");
        let import_no = rx(&IMPORT_NO, r"不(?:接受|允许|得|可)(?:采购|投报|提供)?进口");
        // "(?:^|[^非])专门面向(?:中小|小微)", searched as a literal and then looking one char back:
        // the leading class defeats the regex literal optimisations (1 ms per 1 MB document).
        let sme = rx(&SME, r"专门面向(?:中小|小微)");
        let tender_words = rx(&TENDER_WORDS, r"招标文件|投标截止|投标人|投标文件|招标公告");

        let mut f = Facts {
            budgets: amounts_after(text, budget, 20),
            ceilings: amounts_after(text, ceiling, 20),
            ..Facts::default()
        };
        f.method = method.find(text).and_then(|m| match m.as_str() {
            "磋商文件" | "磋商公告" | "首次响应文件" => Some(Method::Consultation),
            "谈判文件" | "谈判公告" => Some(Method::Negotiation),
            w => Method::parse(w),
        });
        if f.method.is_none() && tender_words.is_match(text) {
            // 投标/招标 vocabulary belongs to tendering (公开/邀请招标 share thresholds).
            f.method = Some(Method::OpenTender);
        }
        f.proc_type = ptype.captures(text).and_then(|c| {
            if c.get(4).is_some() || c.get(6).is_some() {
                return Some(ProcType::Goods);
            }
            let w = c.get(1).or_else(|| c.get(2)).or_else(|| c.get(3)).or_else(|| c.get(5))?.as_str();
            Some(match w {
                "货物" => ProcType::Goods,
                "服务" => ProcType::Services,
                _ => ProcType::Works,
            })
        });
        f.import_allowed = import_yes.is_match(text) && !import_no.is_match(text);
        f.sme_reserved = sme.find_iter(text).any(|m| !text[..m.start()].ends_with('非'));
        f
    }

    /// Empty facts, for exceptions that do not read them.
    pub fn none() -> &'static Facts {
        static NONE: Facts = Facts { budgets: Vec::new(), ceilings: Vec::new(), method: None, proc_type: None, import_allowed: false, sme_reserved: false };
        &NONE
    }

    /// Clause facts override document facts where the clause states them.
    pub fn overlay(doc: &Facts, clause: &Facts) -> Facts {
        Facts {
            budgets: if clause.budgets.is_empty() { doc.budgets.clone() } else { clause.budgets.clone() },
            ceilings: if clause.ceilings.is_empty() { doc.ceilings.clone() } else { clause.ceilings.clone() },
            method: clause.method.or(doc.method),
            proc_type: clause.proc_type.or(doc.proc_type),
            import_allowed: doc.import_allowed || clause.import_allowed,
            sme_reserved: doc.sme_reserved || clause.sme_reserved,
        }
    }

    /// The reference amount for a ratio check (实施条例 第三十三条: "采购项目预算金额"; per lot).
    /// With several lots and no lot named in the clause the LARGEST lot budget is used, so a
    /// finding is never produced by picking the wrong lot. The ceiling price is the fallback.
    pub fn reference_amount(&self, clause_lot: Option<u32>) -> Option<i64> {
        for list in [&self.budgets, &self.ceilings] {
            if list.is_empty() {
                continue;
            }
            if let Some(lot) = clause_lot {
                if let Some((_, v)) = list.iter().find(|(l, _)| *l == Some(lot)) {
                    return Some(*v);
                }
            }
            return list.iter().map(|(_, v)| *v).max();
        }
        None
    }

    /// The lot a clause names ("第二包"), if any.
    pub fn lot_in(text: &str) -> Option<u32> {
        lot_before(text, text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_budget_method_type() {
        let f = Facts::read("某单位计算机设备采购(公开招标)货物类项目。预算金额:156.00万元;最高限价:150万元。本项目不接受进口产品。");
        assert_eq!(f.budgets, vec![(None, 156_000_000)]);
        assert_eq!(f.method, Some(Method::OpenTender));
        assert_eq!(f.proc_type, Some(ProcType::Goods));
        assert!(!f.import_allowed);
        assert_eq!(f.reference_amount(None), Some(156_000_000));
    }

    #[test]
    fn type_from_the_object_of_procurement() {
        assert_eq!(Facts::read("(竞争性磋商,保洁服务)价格分8分").proc_type, Some(ProcType::Services));
        assert_eq!(Facts::read("本项目(货物)采用竞争性磋商").proc_type, Some(ProcType::Goods));
        assert_eq!(Facts::read("磋商文件发出日期2024年7月1日").method, Some(Method::Consultation));
        assert_eq!(Facts::read("竞争性磋商方式采购检验仪器,价格分值为总分的25%").proc_type, Some(ProcType::Goods));
        assert_eq!(Facts::read("(公开招标,物业管理服务)价格分5分").proc_type, Some(ProcType::Services));
        assert_eq!(Facts::read("(竞争性磋商,医疗设备采购)价格权重为65%").proc_type, Some(ProcType::Goods));
        assert_eq!(Facts::read("某某学校食堂改造工程项目").proc_type, Some(ProcType::Works));
    }

    #[test]
    fn lots() {
        let f = Facts::read("第1包预算金额:100万元;第2包预算金额:300万元。");
        assert_eq!(f.reference_amount(Some(1)), Some(100_000_000));
        assert_eq!(f.reference_amount(None), Some(300_000_000));
    }

    #[test]
    fn reserved_and_import() {
        assert!(Facts::read("本项目专门面向中小企业采购").sme_reserved);
        assert!(!Facts::read("本项目为非专门面向中小企业采购项目").sme_reserved);
        assert!(Facts::read("专门面向小微企业").sme_reserved);
        assert!(Facts::read("非专门面向中小企业。本项目专门面向中小企业").sme_reserved);
        assert!(Facts::read("\n专门面向中小企业").sme_reserved);
        assert!(Facts::read("本项目允许采购进口产品").import_allowed);
    }
}
