//! Global exceptions (legal-basis §14): lawful look-alikes checked before any finding is emitted.
//!
//! Each exception applies by default to the categories where the look-alike occurs; a rule can
//! opt out of an exception with `skip_exceptions`.

use regex::Regex;
use std::sync::OnceLock;

use super::facts::Facts;
use super::schema::ExceptionKind;
use crate::core::finding::Category;

fn rx(cell: &'static OnceLock<Regex>, pat: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pat).expect("built-in exception regex"))
}

/// What an exception looks at: the normalised clause, the anchor (byte range in it), facts and
/// the sentences of the law.
pub struct Context<'a> {
    pub clause: &'a str,
    pub anchor: (usize, usize),
    pub facts: &'a Facts,
    pub category: Category,
    pub statutes: &'a Statutes,
}

/// Sentences of laws and regulations (the lexicon `statute`, generated from the verified quotes
/// of legal-basis.md), reduced to letters and digits: a clause that restates the law is not a
/// violation of it, even when it contains the words a rule looks for (政府采购法 第五十五条 on
/// the complaint period, 第二十二条 on supplier conditions).
#[derive(Debug, Clone, Default)]
pub struct Statutes {
    sentences: Vec<Vec<char>>,
}

/// A sentence shorter than this (letters and digits) is too short to call a quotation.
const MIN_QUOTE: usize = 10;

fn reduce(s: &str) -> Vec<char> {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

fn find(hay: &[char], needle: &[char]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Statutes {
    /// The statute sentences of a library (none when it has no `statute` lexicon).
    pub fn from_lexicon(lex: Option<&super::lexicon::Lexicon>) -> Statutes {
        let sentences = lex.map(|l| l.terms().map(reduce).filter(|s| s.len() >= MIN_QUOTE).collect()).unwrap_or_default();
        Statutes { sentences }
    }

    /// Whether `sentence` restates the law: reduced to letters and digits it lies inside one
    /// statute sentence, or statute sentences cover at least three quarters of it (a quote
    /// introduced by "根据《政府采购法》第五十五条规定") and what is left adds no rule of the
    /// purchaser's own: no number, points or restriction ("…没有重大违法记录的，加1分" scores a
    /// statutory condition, which is the purchaser's rule, not the law's).
    pub fn restates(&self, sentence: &str) -> bool {
        // The citation itself ("根据《政府采购法》第五十五条", "（一）") is neither law text nor
        // a rule of the purchaser's.
        static CITATION: OnceLock<Regex> = OnceLock::new();
        let citation = rx(&CITATION, r"《[^》]{1,40}》|第[一二三四五六七八九十百零〇0-9]+(?:条|款|项)|[(（][一二三四五六七八九十0-9]{1,3}[)）]|根据|依据|依照|按照");
        let s = reduce(&citation.replace_all(sentence, ""));
        if s.len() < MIN_QUOTE || self.sentences.is_empty() {
            return false;
        }
        let mut covered = vec![false; s.len()];
        for law in &self.sentences {
            if find(law, &s).is_some() {
                return true;
            }
            let mut from = 0;
            while let Some(i) = find(&s[from..], law) {
                covered[from + i..from + i + law.len()].iter_mut().for_each(|c| *c = true);
                from += i + law.len();
            }
        }
        /// Characters that make the rest of a sentence a rule of its own.
        const OWN_RULE: &str = "0123456789〇零一二两三四五六七八九十百千万分扣加须仅限只优";
        let residue_adds_rule = s.iter().zip(&covered).any(|(c, cov)| !cov && OWN_RULE.contains(*c));
        !residue_adds_rule && covered.iter().filter(|c| **c).count() * 4 >= s.len() * 3
    }
}

/// Categories an exception applies to by default.
fn applies(kind: ExceptionKind, cat: Category) -> bool {
    use Category::*;
    match kind {
        ExceptionKind::Negation | ExceptionKind::LegalQuote | ExceptionKind::BlankForm | ExceptionKind::Withdrawn => true,
        ExceptionKind::ReferenceBrand => matches!(cat, Designation | TailoredSpec),
        ExceptionKind::ImportedGoods => matches!(cat, Authorization),
        ExceptionKind::SmeReserved => matches!(cat, Sme),
        ExceptionKind::PostAwardService => matches!(cat, Region),
        ExceptionKind::StatutoryLicence => matches!(cat, Certification | Scale | Ownership),
    }
}

const ALL: [ExceptionKind; 9] = [
    ExceptionKind::Negation,
    ExceptionKind::LegalQuote,
    ExceptionKind::BlankForm,
    ExceptionKind::ReferenceBrand,
    ExceptionKind::ImportedGoods,
    ExceptionKind::SmeReserved,
    ExceptionKind::PostAwardService,
    ExceptionKind::StatutoryLicence,
    ExceptionKind::Withdrawn,
];

/// The first exception (not skipped by the rule) that covers the match, if any.
pub fn excepted(ctx: &Context, skip: &[ExceptionKind]) -> Option<ExceptionKind> {
    ALL.into_iter()
        .filter(|k| applies(*k, ctx.category) && !skip.contains(k))
        .find(|k| holds(*k, ctx))
}

/// Whether an exception that reads the facts (imported goods, SME reservation) can apply to a
/// rule of `cat` that skips `skip`; if not, the clause facts need not be computed.
pub fn uses_facts(cat: Category, skip: &[ExceptionKind]) -> bool {
    [ExceptionKind::ImportedGoods, ExceptionKind::SmeReserved].into_iter().any(|k| applies(k, cat) && !skip.contains(&k))
}

/// The sentence (between 。；;！？!? or line breaks) that contains the anchor, as a byte range.
fn sentence(clause: &str, anchor: (usize, usize)) -> (usize, usize) {
    let is_stop = |c: char| matches!(c, '。' | ';' | '；' | '!' | '！' | '?' | '？' | '\n');
    let start = clause.get(..anchor.0).and_then(|s| s.rfind(is_stop).map(|i| i + s[i..].chars().next().map_or(1, |c| c.len_utf8()))).unwrap_or(0);
    let end = clause.get(anchor.1..).and_then(|s| s.find(is_stop).map(|i| i + anchor.1)).unwrap_or(clause.len());
    (start.min(anchor.0), end.max(anchor.1))
}

fn holds(kind: ExceptionKind, ctx: &Context) -> bool {
    static NEG: OnceLock<Regex> = OnceLock::new();
    static LAW: OnceLock<Regex> = OnceLock::new();
    static PROHIBIT: OnceLock<Regex> = OnceLock::new();
    static BLANK: OnceLock<Regex> = OnceLock::new();
    static REFERENCE: OnceLock<Regex> = OnceLock::new();
    static IMPORT_CLAUSE: OnceLock<Regex> = OnceLock::new();
    static IMPORT_NO: OnceLock<Regex> = OnceLock::new();
    static POST_AWARD: OnceLock<Regex> = OnceLock::new();
    static LICENCE: OnceLock<Regex> = OnceLock::new();
    static WITHDRAWN: OnceLock<Regex> = OnceLock::new();
    let text = ctx.clause;
    let (a0, a1) = ctx.anchor;
    let (s0, s1) = sentence(text, ctx.anchor);
    let before = text.get(s0..a0).unwrap_or("");
    let sent = text.get(s0..s1).unwrap_or("");
    match kind {
        // "不得将注册资本作为资格条件", "不以成立年限作为评审因素", "不限项目所在地区".
        ExceptionKind::Negation => {
            let r = rx(&NEG, r"不得(?:将|以|把|要求|设置|设定|限定|限制|指定|对|作为|排斥|歧视|采用|收取)|不以|不将|不把|不作为|不设|不限|不要求|不收取|严禁|禁止|无需|不需|不论|不区分|无论");
            // "不收取任何质疑费用": the negation may end right where the match begins.
            r.is_match(before) || before.ends_with(['不', '未', '勿'])
        }
        // Quotations of the law: "《政府采购法实施条例》第二十条规定…不得…".
        ExceptionKind::LegalQuote => {
            let law = rx(&LAW, r"《[^》]{2,40}》(?:第[一二三四五六七八九十百零〇0-9]+条|规定)");
            let prohibit = rx(&PROHIBIT, r"不得|禁止|严禁|不能|不应");
            (law.is_match(text) && prohibit.is_match(sent)) || ctx.statutes.restates(sent)
        }
        // "注册资本：______万元": a blank to fill in, not a requirement.
        ExceptionKind::BlankForm => {
            let r = rx(&BLANK, r"_{2,}|＿|□|\(\s*\)|【\s*】|\[\s*\]|…{2,}|(?:\.{3,})");
            let end = text.get(a1..).map(|s| s.char_indices().nth(12).map_or(s.len(), |(b, _)| b) + a1).unwrap_or(a1);
            // A blank followed by the condition it must meet ("注册资本___万元（须≥500万元）")
            // is a requirement written into the form.
            static BOUND: OnceLock<Regex> = OnceLock::new();
            let bound = rx(&BOUND, r"(?:须|必须|应|不得)\s*(?:≥|>|≤|<|不低于|不少于|不小于|达到|早于|晚于|满|超过)");
            text.get(a0..end).is_some_and(|w| r.is_match(w)) && !text.get(a1..s1).is_some_and(|w| bound.is_match(w))
        }
        // Reference brands with an equivalence allowance (legal-basis §14.6).
        ExceptionKind::ReferenceBrand => {
            let r = rx(&REFERENCE, r"或相当于|相当于或|或同等|同等档次|同档次|仅供参考|仅作参考|或其他同等|相当或更优|或优于|或更优|性能相当|参考品牌|参考型号|不低于|及以上档次");
            r.is_match(text)
        }
        // Imported goods may require manufacturer authorisation (财政部令第87号 第十七条).
        ExceptionKind::ImportedGoods => {
            let yes = rx(&IMPORT_CLAUSE, r"(?:允许|接受|可以|可)(?:采购|投报|提供|投标)?进口|进口(?:产品|货物|设备)|(?:核准|批准)(?:采购)?(?:的)?进口|进口[\p{Han}]{1,6}?(?:仪|机|设备|系统|器)");
            let no = rx(&IMPORT_NO, r"不(?:接受|允许|得|可)(?:采购|投报|提供)?进口");
            !no.is_match(text) && (ctx.facts.import_allowed || yes.is_match(text))
        }
        // Projects reserved for SMEs need no price deduction (财库〔2020〕46号).
        ExceptionKind::SmeReserved => ctx.facts.sme_reserved,
        // Place of performance and post-award service obligations (§14.10).
        ExceptionKind::PostAwardService => {
            let r = rx(&POST_AWARD, r"中标后|成交后|合同签订后|签订合同后|签约后|合同履行期|履约期间|服务期间|中标人(?:须|应|承诺)|成交供应商(?:须|应|承诺)|驻场|驻点|常驻|服务地点|交货地点|履约地点|实施地点|项目所在地|到达现场|小时内(?:响应|到场|到达)");
            // A word inside the match itself ("注册地与项目所在地一致") is what the rule found,
            // not a place of performance around it.
            [text.get(s0..a0).unwrap_or(""), text.get(a1..s1).unwrap_or("")].iter().any(|t| r.is_match(t))
        }
        // A correction that removes the condition: the match lies inside the quoted old text of
        // "删除原资格要求第4条“注册资本不低于1000万元”" or "原“…”修改为“…”" (the old side only).
        ExceptionKind::Withdrawn => {
            let r = rx(&WITHDRAWN, r"删除|删去|予以删除|予以取消|取消原|不再要求|修改为|调整为|更正为|变更为");
            // Where the match begins decides (not where it ends): its span may reach beyond the
            // quote when a rule's `all` word lies outside it.
            let open = text.get(..a0).and_then(|s| s.rfind('“'));
            let inside = open.is_some_and(|o| text.get(o..a0).is_some_and(|s| !s.contains('”')));
            let Some(close) = text.get(a0..).and_then(|s| s.find('”')).map(|i| i + a0) else { return false };
            // The old text is the quote before "修改为/调整为"; after it comes the new condition.
            let after = text.get(close..).unwrap_or("");
            let before_quote = text.get(..open.unwrap_or(0)).unwrap_or("");
            // `after` starts at the closing quote.
            let next = after.get("”".len()..).unwrap_or("").trim_start_matches(['，', ',']);
            let replaced_later = ["修改为", "调整为", "更正为", "变更为"].iter().any(|w| next.starts_with(w));
            let deleted = ["删除", "删去", "取消"].iter().any(|w| before_quote.contains(w)) || after.contains("删除") || after.contains("予以取消");
            inside && r.is_match(sent) && (deleted || replaced_later)
        }
        // Statutory licences (政府采购法 第二十二条第一款第(六)项; §14.1) near the match.
        ExceptionKind::StatutoryLicence => {
            let r = rx(&LICENCE, r"食品(?:经营|生产)许可|保安服务许可|医疗器械|药品(?:经营|生产)许可|安全生产许可|建筑业企业资质|特种设备|劳务派遣经营许可|人力资源服务许可|道路运输经营许可|危险废物经营许可|测绘资质|增值电信业务经营许可|涉密|保密资质|强制性产品认证|CCC|特种作业操作证|保安员证|执业资格|注册建造师|律师事务所|会计师事务所|出版物经营许可|印刷经营许可|排污许可|卫生许可|节能产品|环境标志产品|信用中国|失信被执行人|重大违法记录");
            let lo = text.get(..a0).map(|s| s.char_indices().rev().nth(14).map_or(0, |(b, _)| b)).unwrap_or(0);
            let hi = text.get(a1..).map(|s| s.char_indices().nth(15).map_or(s.len(), |(b, _)| b) + a1).unwrap_or(a1);
            text.get(lo..hi).is_some_and(|w| r.is_match(w))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(kind: ExceptionKind, clause: &str, anchor: &str, cat: Category) -> bool {
        let a0 = clause.find(anchor).unwrap();
        let facts = Facts::default();
        let statutes = Statutes::default();
        let ctx = Context { clause, anchor: (a0, a0 + anchor.len()), facts: &facts, category: cat, statutes: &statutes };
        holds(kind, &ctx)
    }

    #[test]
    fn negation_only_before_anchor() {
        assert!(check(ExceptionKind::Negation, "不得将注册资本作为资格条件", "注册资本", Category::Scale));
        assert!(!check(ExceptionKind::Negation, "外商投资企业不得参加本项目", "外商投资企业", Category::Ownership));
        assert!(!check(ExceptionKind::Negation, "不接受联合体。投标人须在本市注册", "本市注册", Category::Region));
    }

    #[test]
    fn approved_imports_are_recognised_in_the_clause() {
        let f = Facts::default();
        for clause in ["(本项目采购经核准的进口质谱仪)投标人须提供制造商出具的授权书", "所投进口彩色超声诊断仪须提供厂家授权"] {
            let a0 = clause.find("授权").unwrap();
            let ctx = Context { clause, anchor: (a0, a0 + 6), facts: &f, category: Category::Authorization, statutes: &Statutes::default() };
            assert!(holds(ExceptionKind::ImportedGoods, &ctx), "{clause}");
        }
        let clause = "本项目不接受进口产品,投标人须提供制造商授权书";
        let a0 = clause.find("授权").unwrap();
        let ctx = Context { clause, anchor: (a0, a0 + 6), facts: &f, category: Category::Authorization, statutes: &Statutes::default() };
        assert!(!holds(ExceptionKind::ImportedGoods, &ctx));
    }

    #[test]
    fn quotes_of_the_law_are_recognised() {
        let law = Statutes { sentences: vec![reduce("质疑供应商对采购人、采购代理机构的答复不满意或者采购人、采购代理机构未在规定的时间内作出答复的，可以在答复期满后十五个工作日内向同级政府采购监督管理部门投诉")] };
        // Word for word, with an introduction, and a part of the sentence.
        assert!(law.restates("质疑供应商对采购人、采购代理机构的答复不满意或者采购人、采购代理机构未在规定的时间内作出答复的,可以在答复期满后十五个工作日内向同级政府采购监督管理部门投诉"));
        assert!(law.restates("根据《政府采购法》第五十五条：质疑供应商对采购人、采购代理机构的答复不满意或者采购人、采购代理机构未在规定的时间内作出答复的，可以在答复期满后十五个工作日内向同级政府采购监督管理部门投诉"));
        assert!(law.restates("可以在答复期满后十五个工作日内向同级政府采购监督管理部门投诉"));
        // The purchaser's own rule in the law's words is not a quote.
        assert!(!law.restates("供应商对答复不满意的，可以在答复期满后五个工作日内向采购人投诉，逾期不予受理"));
        assert!(!law.restates("投诉"));
        let law = Statutes { sentences: vec![reduce("参加政府采购活动前三年内，在经营活动中没有重大违法记录")] };
        assert!(!law.restates("参加政府采购活动前三年内在经营活动中没有重大违法记录的，加1分"));
        assert!(law.restates("供应商参加政府采购活动前三年内，在经营活动中没有重大违法记录"));
    }

    #[test]
    fn withdrawn_conditions_in_corrections() {
        let c = Category::Scale;
        assert!(check(ExceptionKind::Withdrawn, "原资格要求第4条“注册资本不低于1000万元”予以删除,其余不变", "注册资本不低于", c));
        assert!(check(ExceptionKind::Withdrawn, "删除原资格要求第4条“投标人须为本市供应商库入库单位”", "供应商库", Category::Roster));
        assert!(check(ExceptionKind::Withdrawn, "原“须具有三甲医院业绩”修改为“具有1个公共建筑保洁业绩”", "三甲医院业绩", Category::TrackRecord));
        // The new condition of a correction is a condition like any other.
        assert!(!check(ExceptionKind::Withdrawn, "原“具有1个同类业绩”修改为“须具有三甲医院业绩”", "三甲医院业绩", Category::TrackRecord));
        assert!(!check(ExceptionKind::Withdrawn, "投标人须为“本市供应商库”入库单位", "供应商库", Category::Roster));
    }

    #[test]
    fn blank_form() {
        assert!(check(ExceptionKind::BlankForm, "注册资本:______万元", "注册资本", Category::Scale));
        assert!(!check(ExceptionKind::BlankForm, "注册资本不低于1000万元", "注册资本", Category::Scale));
        assert!(!check(ExceptionKind::BlankForm, "注册资本___万元(须≥500万元)", "注册资本", Category::Scale));
    }

    #[test]
    fn sentence_bounds_are_char_safe() {
        let s = "甲。乙丙；丁";
        let a = s.find("丙").unwrap();
        let (x, y) = sentence(s, (a, a + "丙".len()));
        assert_eq!(&s[x..y], "乙丙");
    }
}
