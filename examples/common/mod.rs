//! What the evaluations share.

/// The chapter heading that gives a corpus clause its section.
pub fn heading(section: &str) -> &'static str {
    match section {
        "公告" => "第一章 招标公告",
        "资格要求" => "第一章 资格要求",
        "评分标准" => "第一章 评分标准",
        "技术要求" => "第一章 技术要求",
        "商务要求" => "第一章 商务要求",
        "合同条款" => "第一章 合同条款",
        "投标须知" => "第一章 投标人须知",
        "投标文件格式" => "第一章 投标文件格式",
        _ => "第一章 其他",
    }
}
