//! Rule-engine throughput on a synthetic 300-page tender document.
//!
//! `cargo bench --bench check` (harness = false; needs `[[bench]] name = "check" harness = false`).
//!
//! The document is generated deterministically (no randomness crate): ~7,500 clauses of lawful
//! boilerplate across every section kind (notice, instructions, qualification, conformity,
//! scoring tables, technical parameters, commercial and contract terms, blank forms), with the
//! `hit` examples of every rule of the library sprinkled in as violating clauses. It prints the
//! clause-text size, the time per document (best and median of 10), MB/s on one core, the
//! findings count, and the 10 slowest rules (each timed alone with a one-rule rulebook, minus
//! the per-document baseline of an empty rulebook).

use std::time::{Duration, Instant};

use fairtender::core::document::{Clause, Format, SectionKind, SegmentedDocument};
use fairtender::core::rules::Rulebook;

/// Deterministic linear congruential generator.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

const ITEMS: &[&str] = &["台式计算机", "便携式计算机", "激光打印机", "投影仪", "交换机", "服务器", "不间断电源", "液晶显示器", "彩色超声诊断仪", "监护仪", "办公桌椅", "空调", "录播系统", "网络存储设备", "防火墙"];
const SERVICES: &[&str] = &["物业管理服务", "食堂餐饮服务", "保洁服务", "安保服务", "绿化养护服务", "信息系统运维服务", "档案数字化服务", "车辆租赁服务"];
const DOCS: &[&str] = &["营业执照", "法定代表人身份证明", "授权委托书", "财务状况报告", "依法缴纳税收的证明材料", "社会保障资金缴纳证明", "书面声明", "投标函", "开标一览表", "分项报价表"];
const PARAMS: &[&str] = &["处理器主频", "内存容量", "硬盘容量", "显示分辨率", "亮度", "对比度", "噪声", "功率", "端口数量", "存储容量", "重量", "工作温度"];
const UNITS: &[&str] = &["GHz", "GB", "TB", "流明", "dB", "W", "个", "kg", "℃", "Hz"];

fn notice(g: &mut Lcg, i: usize) -> String {
    let budget = 50 + g.below(900);
    match i % 12 {
        0 => format!("项目名称：安澜市第{}中学{}采购项目", 1 + g.below(30), g.pick(ITEMS)),
        1 => format!("项目编号：ALZC-2025-{:04}", g.below(10_000)),
        2 => format!("采购方式：{}", g.pick(&["公开招标", "竞争性磋商", "询价", "竞争性谈判"])),
        3 => format!("预算金额：{budget}.00万元；最高限价：{}万元。", budget - g.below(10)),
        4 => format!("采购需求：{}{}台（套），具体详见采购需求。", g.pick(ITEMS), 10 + g.below(200)),
        5 => "合同履行期限：合同签订之日起30日内交货并安装调试完毕。".into(),
        6 => "本项目不接受联合体投标。".into(),
        7 => format!("获取招标文件时间：2025年{}月{}日至2025年{}月{}日，每天上午9:00至12:00，下午14:00至17:00（北京时间，法定节假日除外）。", 3 + g.below(3), 1 + g.below(9), 6, 10 + g.below(10)),
        8 => "获取方式：供应商登录安澜市政府采购网免费下载招标文件，无需注册报名。".into(),
        9 => format!("提交投标文件截止时间、开标时间：2025年7月{}日9点30分（北京时间）。", 1 + g.below(28)),
        10 => "本次招标公告在安澜市政府采购网、中国政府采购网上发布，招标公告期限为五个工作日。".into(),
        _ => format!("采购人信息：名称：安澜市{}局；地址：安澜市人民路{}号；联系方式：0513-{:08}。", g.pick(&["教育", "卫生健康", "财政", "交通运输", "民政"]), 1 + g.below(300), g.below(100_000_000)),
    }
}

fn instructions(g: &mut Lcg, i: usize) -> String {
    let n = 1 + g.below(20);
    match i % 16 {
        0 => format!("{n}.1 本招标文件由招标公告、投标人须知、评标方法和标准、采购需求、合同条款及格式、投标文件格式组成。"),
        1 => format!("{n}.2 投标人应仔细阅读招标文件的全部内容，按照招标文件要求编制投标文件，投标文件应对招标文件的实质性要求和条件作出响应。"),
        2 => "投标人对招标文件有疑问的，应在投标截止时间15日前以书面形式向采购人或采购代理机构提出。".into(),
        3 => "采购人可以对已发出的招标文件进行必要的澄清或者修改，澄清或者修改的内容可能影响投标文件编制的，应当在投标截止时间至少15日前书面通知所有获取招标文件的潜在投标人。".into(),
        4 => format!("投标文件应用不褪色的材料书写或打印，正本一份，副本{}份，电子文档一份。", 2 + g.below(5)),
        5 => "投标文件的正本和副本均须由投标人的法定代表人或其授权代表签字并加盖单位公章。".into(),
        6 => format!("投标报价应包括{}的价款、运输、保险、安装调试、培训、税费及售后服务等全部费用。", g.pick(ITEMS)),
        7 => "投标人的投标报价不得高于最高限价，否则其投标无效。".into(),
        8 => format!("投标有效期为投标截止之日起{}日历日。", 60 + 30 * g.below(3)),
        9 => "逾期送达的或者未送达指定地点的投标文件，采购人不予受理。".into(),
        10 => "开标由采购代理机构主持，邀请所有投标人代表参加。投标人不足3家的，不得开标。".into(),
        11 => "评标委员会由采购人代表和评审专家组成，成员人数为5人以上单数，其中评审专家不少于成员总数的三分之二。".into(),
        12 => "评标委员会认为投标人的报价明显低于其他通过符合性审查投标人的报价，有可能影响产品质量或者不能诚信履约的，应当要求其在评标现场合理的时间内提供书面说明，必要时提交相关证明材料。".into(),
        13 => format!("采购人应当自收到评标报告之日起{}个工作日内，在评标报告推荐的中标候选人中按顺序确定中标人。", 5),
        14 => "供应商认为采购文件、采购过程、中标或者成交结果使自己的权益受到损害的，可以在知道或者应知其权益受到损害之日起7个工作日内，以书面形式向采购人、采购代理机构提出质疑。".into(),
        _ => format!("中标人应当在中标通知书发出之日起{}日内，按照招标文件和中标人投标文件的约定，与采购人签订书面合同。", 30),
    }
}

fn qualification(g: &mut Lcg, i: usize) -> String {
    match i % 9 {
        0 => "具有独立承担民事责任的能力（提供营业执照或事业单位法人证书等证明文件复印件）。".into(),
        1 => "具有良好的商业信誉和健全的财务会计制度（提供2024年度经审计的财务报告或基本开户银行出具的资信证明）。".into(),
        2 => "具有履行合同所必需的设备和专业技术能力（提供书面声明）。".into(),
        3 => "有依法缴纳税收和社会保障资金的良好记录（提供投标截止日前6个月内任意一个月的缴纳凭据）。".into(),
        4 => "参加政府采购活动前三年内，在经营活动中没有重大违法记录（提供书面声明）。".into(),
        5 => "投标人未被列入“信用中国”网站失信被执行人、重大税收违法失信主体名单及中国政府采购网政府采购严重违法失信行为记录名单。".into(),
        6 => format!("单位负责人为同一人或者存在直接控股、管理关系的不同投标人，不得参加同一合同项下的{}采购活动。", g.pick(ITEMS)),
        7 => "为采购项目提供整体设计、规范编制或者项目管理、监理、检测等服务的供应商，不得再参加该采购项目的其他采购活动。".into(),
        _ => "本项目的特定资格要求：无。".into(),
    }
}

fn conformity(g: &mut Lcg, i: usize) -> String {
    match i % 6 {
        0 => format!("{} | 按招标文件要求签署、盖章 | 是", g.pick(DOCS)),
        1 => "投标报价未超过采购预算或最高限价 | 是".into(),
        2 => format!("投标有效期满足招标文件要求（不少于{}日） | 是", 90),
        3 => "投标文件未含有采购人不能接受的附加条件 | 是".into(),
        4 => "符合法律、法规和招标文件中规定的其他实质性要求 | 是".into(),
        _ => "未通过符合性审查的投标，不得进入比较与评价。".into(),
    }
}

fn scoring(g: &mut Lcg, i: usize) -> String {
    let p = g.pick(PARAMS);
    match i % 10 {
        0 => "评标方法：综合评分法。评标委员会对满足招标文件全部实质性要求的投标文件，按照评审因素的量化指标评审得分最高的投标人为中标候选人。".into(),
        1 => "价格分采用低价优先法计算，即满足招标文件要求且投标价格最低的投标报价为评标基准价，其价格分为满分。".into(),
        2 => "投标报价得分=(评标基准价/投标报价)×30×100%".into(),
        3 => format!("技术参数 | 完全满足招标文件技术要求的得{}分；{}每有一项负偏离扣2分，扣完为止 | {}", 30 + g.below(10), p, 40),
        4 => format!("实施方案 | 方案完整、科学合理、针对性强的得{}分；方案基本可行的得{}分；方案存在缺陷的得{}分 | 10", 10, 6, 2),
        5 => "售后服务 | 售后服务承诺内容具体、响应及时、保障措施得力的得5分，一般的得3分，较差的得1分 | 5".into(),
        6 => format!("培训方案 | 培训计划详细、培训内容全面的得{}分，其余酌情得0-2分 | 3", 3),
        7 => "对小型和微型企业产品的价格给予10%的扣除，用扣除后的价格参加评审。".into(),
        8 => "评审因素的设定与投标人所提供货物服务的质量相关，评分标准中的分值设置与评审因素的量化指标相对应。".into(),
        _ => format!("{}质量保证期 | 在满足招标文件要求的基础上，每延长一年得1分，最多得{}分 | {}", g.pick(ITEMS), 3, 3),
    }
}

fn technical(g: &mut Lcg, i: usize) -> String {
    let p = g.pick(PARAMS);
    let u = g.pick(UNITS);
    let it = g.pick(ITEMS);
    let v = 1 + g.below(4000);
    match i % 14 {
        0 => format!("{p}：≥{v}{u}"),
        1 => format!("{p} | ≥{v}{u} | 提供产品彩页或检测报告"),
        2 => format!("{it}：数量{}台，{p}不低于{v}{u}，支持远程管理。", 1 + g.below(100)),
        3 => format!("★{p}须达到{v}{u}及以上（提供产品技术白皮书或官网截图）。"),
        4 => format!("▲所投{it}须具备{}个以上USB3.0接口，支持HDMI和DP双输出。", 2 + g.below(4)),
        5 => "操作系统：预装正版国产操作系统，提供原厂授权。".into(),
        6 => format!("整机噪声≤{}dB，符合国家相关能效及环保标准。", 20 + g.below(20)),
        7 => format!("设备工作电压220V±10%，频率50Hz，最大功耗不超过{v}W。"),
        8 => "所投产品如属于节能产品、环境标志产品品目清单范围的，应提供国家确定的认证机构出具的、处于有效期之内的认证证书。".into(),
        9 => format!("{}：提供7×24小时技术支持服务，接到故障通知后{}小时内响应。", g.pick(SERVICES), 1 + g.below(4)),
        10 => format!("服务内容包括{}的日常巡检、故障处理、数据备份及年度健康检查。", g.pick(SERVICES)),
        11 => format!("人员配置：项目经理1名，技术人员{}名，均须具备相关工作经验。", 2 + g.below(8)),
        12 => format!("投标人应对{it}的安装、调试、试运行及验收承担全部责任，所需辅材由投标人提供。"),
        _ => format!("{p}测试方法应符合GB/T {}-{}的规定。", 9000 + g.below(9000), 2010 + g.below(15)),
    }
}

fn commercial(g: &mut Lcg, i: usize) -> String {
    match i % 8 {
        0 => format!("交货期：合同签订后{}日内交货并安装调试完毕。", 15 + g.below(45)),
        1 => "交货地点：采购人指定地点。".into(),
        2 => format!("质量保证期：自验收合格之日起不少于{}年，质保期内免费上门维修及更换零配件。", 1 + g.below(5)),
        3 => "付款方式：合同签订后支付合同金额的30%作为预付款，验收合格后支付余款。".into(),
        4 => "验收标准：按照国家有关标准、招标文件要求及投标文件承诺进行验收。".into(),
        5 => format!("培训：中标人须对采购人的操作人员进行不少于{}学时的免费培训。", 4 + g.below(20)),
        6 => "履约保证金：合同金额的5%，以支票、汇票、本票或保函形式提交。".into(),
        _ => "投标人须对所投产品提供完整的备品备件及易损件清单。".into(),
    }
}

fn contract(g: &mut Lcg, i: usize) -> String {
    let n = 1 + g.below(30);
    match i % 10 {
        0 => format!("第{n}条 甲方应按合同约定的时间和方式向乙方支付合同价款。"),
        1 => format!("第{n}条 乙方应保证所提供的货物是全新的、未使用过的，并完全符合合同规定的质量、规格和性能要求。"),
        2 => "乙方逾期交货的，每逾期一日，按合同总价的千分之五向甲方支付违约金，但违约金累计不超过合同总价的10%。".into(),
        3 => "甲方无正当理由拒收货物的，应当承担由此给乙方造成的损失。".into(),
        4 => "因不可抗力不能履行合同的，根据不可抗力的影响，部分或者全部免除责任，但法律另有规定的除外。".into(),
        5 => "本合同在履行过程中发生的争议，由双方协商解决；协商不成的，依法向甲方所在地人民法院提起诉讼。".into(),
        6 => "乙方应保证甲方在使用该货物或其任何一部分时免受第三方提出的侵犯其专利权、商标权或工业设计权的起诉。".into(),
        7 => "合同一式六份，甲乙双方各执三份，自双方签字盖章之日起生效。".into(),
        8 => format!("甲方：安澜市{}局（盖章） 乙方：（盖章）", g.pick(&["教育", "卫生健康", "财政"])),
        _ => "合同价款为固定总价，包含完成本合同全部工作内容所需的一切费用。".into(),
    }
}

fn forms(g: &mut Lcg, i: usize) -> String {
    match i % 8 {
        0 => format!("{}（格式）", g.pick(DOCS)),
        1 => "致：安澜市政府采购中心".into(),
        2 => "我方已仔细研究了招标文件的全部内容，愿意以人民币（大写）__________元（¥________）的投标总报价完成本项目。".into(),
        3 => "投标人名称（盖章）：______________ 法定代表人或授权代表（签字）：__________".into(),
        4 => "日期：____年____月____日".into(),
        5 => "序号 | 货物名称 | 品牌型号 | 数量 | 单价 | 小计 | 备注".into(),
        6 => format!("{} | {} | ________ | ____ | ____ | ____ | ", 1 + g.below(50), g.pick(ITEMS)),
        _ => "注：本表可按投标人实际情况扩展，须加盖投标人公章。".into(),
    }
}

fn other(g: &mut Lcg, i: usize) -> String {
    match i % 4 {
        0 => format!("第{}章", ["一", "二", "三", "四", "五", "六", "七"][g.below(7)]),
        1 => "（本页以下无正文）".into(),
        2 => "本招标文件的解释权归采购人。".into(),
        _ => format!("附件{}：{}", 1 + g.below(9), g.pick(DOCS)),
    }
}

/// The synthetic 300-page document: every section kind in tender order, with each rule's
/// `hit` examples (its violating clauses) spread over the document.
pub fn synthetic_document(book: &Rulebook) -> SegmentedDocument {
    type Gen = fn(&mut Lcg, usize) -> String;
    // (section kind, section heading, generator, pages)
    let plan: &[(SectionKind, &str, Gen, u32)] = &[
        (SectionKind::Notice, "第一章 招标公告", notice, 6),
        (SectionKind::Instructions, "第二章 投标人须知", instructions, 40),
        (SectionKind::Qualification, "第三章 资格审查", qualification, 6),
        (SectionKind::Conformity, "第四章 符合性审查", conformity, 4),
        (SectionKind::Scoring, "第五章 评标办法", scoring, 18),
        (SectionKind::Technical, "第六章 采购需求", technical, 120),
        (SectionKind::Commercial, "第七章 商务要求", commercial, 20),
        (SectionKind::Contract, "第八章 合同条款", contract, 40),
        (SectionKind::Forms, "第九章 投标文件格式", forms, 40),
        (SectionKind::Other, "附件", other, 6),
    ];
    let mut violating: Vec<(SectionKind, String)> = Vec::new();
    for r in book.rules() {
        for ex in &r.examples.hit {
            violating.push((ex.section, ex.text.clone()));
        }
    }
    let mut g = Lcg(0x5eed_f00d);
    let mut parts: Vec<(u32, SectionKind, &str, String)> = Vec::new();
    let mut page = 1u32;
    let mut v = 0usize;
    for &(kind, heading, gen, pages) in plan {
        for p in 0..pages {
            for j in 0..25 {
                let i = (p as usize) * 25 + j;
                parts.push((page, kind, heading, gen(&mut g, i)));
                // One violating clause per ~150 clauses, in its own section kind.
                if !violating.is_empty() && g.below(150) == 0 {
                    let (k, t) = &violating[v % violating.len()];
                    v += 1;
                    parts.push((page, *k, heading, t.clone()));
                }
            }
            page += 1;
        }
    }
    let mut text = String::new();
    let mut clauses = Vec::with_capacity(parts.len());
    let mut pos = 0usize;
    for (i, (page, kind, heading, t)) in parts.into_iter().enumerate() {
        if i > 0 {
            text.push('\n');
            pos += 1;
        }
        let len = t.chars().count();
        text.push_str(&t);
        clauses.push(Clause {
            ordinal: i as u32,
            page,
            section: heading.to_string(),
            section_kind: kind,
            start: pos,
            end: pos + len,
            is_table_row: t.contains(" | "),
            text: t,
        });
        pos += len;
    }
    SegmentedDocument { format: Format::Text, pages: page - 1, text, sections: Vec::new(), clauses }
}

fn time_check(book: &Rulebook, doc: &SegmentedDocument, runs: usize) -> (Vec<Duration>, usize) {
    let mut times = Vec::with_capacity(runs);
    let mut n = 0;
    for _ in 0..runs {
        let t = Instant::now();
        n = std::hint::black_box(book.check(doc, None)).len();
        times.push(t.elapsed());
    }
    times.sort();
    (times, n)
}

#[allow(dead_code)]
fn main() {
    let book = match Rulebook::builtin() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let doc = synthetic_document(&book);
    let clause_bytes: usize = doc.clauses.iter().map(|c| c.text.len()).sum();
    let mb = clause_bytes as f64 / 1e6;
    println!("rulebook {} ({} rules)", book.version(), book.rules().len());
    println!("document: {} pages, {} clauses, {:.2} MB clause text ({} chars)", doc.pages, doc.clauses.len(), mb, doc.text.chars().count());

    let _ = book.check(&doc, None); // warm-up (lazy regex caches, exception regexes)
    let (times, n) = time_check(&book, &doc, 10);
    let best = times[0].as_secs_f64();
    let median = (times[4].as_secs_f64() + times[5].as_secs_f64()) / 2.0;
    println!("check: best {:.2} ms, median {:.2} ms per document (10 runs, 1 thread)", best * 1e3, median * 1e3);
    println!("throughput: {:.1} MB/s per core (best), {:.1} MB/s (median)", mb / best, mb / median);
    println!("findings: {n}");

    if std::env::var_os("CHECK_BENCH_NO_RULES").is_some() {
        return;
    }
    // Per-rule cost: each rule alone, minus the baseline of a one-rule book whose rule never
    // passes the prefilter but applies to every section and stage of the library (document
    // normalisation and facts, clause normalisation, the keyword scan).
    let only = |rules: Vec<fairtender::core::rules::Rule>| match book.with_rules(rules) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let baseline = {
        let mut r = book.rules()[0].clone();
        r.keywords = vec!["\u{E000}\u{E001}".to_string()];
        r.sections = book.rules().iter().flat_map(|x| x.sections.clone()).collect();
        r.stages = book.rules().iter().flat_map(|x| x.stages.clone()).collect();
        let b = only(vec![r]);
        let _ = b.check(&doc, None);
        time_check(&b, &doc, 10).0[0].as_secs_f64()
    };
    println!("baseline (normalisation, document facts, keyword scan; no rule evaluated): {:.2} ms", baseline * 1e3);
    let mut per_rule: Vec<(f64, String, usize)> = Vec::new();
    for r in book.rules() {
        let one = only(vec![r.clone()]);
        let _ = one.check(&doc, None);
        let (t, n) = time_check(&one, &doc, 5);
        per_rule.push(((t[0].as_secs_f64() - baseline).max(0.0), r.id.clone(), n));
    }
    per_rule.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total: f64 = per_rule.iter().map(|r| r.0).sum();
    println!("rules alone, sum over rules: {:.2} ms", total * 1e3);
    println!("10 slowest rules (time alone minus baseline):");
    for (t, id, n) in per_rule.iter().take(10) {
        println!("  {id:<6} {:>8.3} ms  {n:>4} findings", t * 1e3);
    }
}
