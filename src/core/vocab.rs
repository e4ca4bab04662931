//! The fixed vocabularies of the domain, each defined once: the procurement method, the kind
//! of procurement, the kind and status of a stored document. Every adapter (rules, registers,
//! storage, HTTP, CLI) reads and writes them through these types: the English slug
//! (`as_str`, also the serde form) in data and APIs, the Chinese label (`label_zh`) for
//! people, and [`parse`](Method::parse) accepting either (and the usual aliases).

use serde::{Deserialize, Serialize};

/// Normalises a vocabulary word for comparison: no spaces or punctuation, lower case.
pub(crate) fn norm_word(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '、' | '/' | '（' | '）' | '(' | ')' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Defines a closed vocabulary: each value with its slug, its Chinese label and aliases.
macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal, $zh:literal $(| $alias:literal)*;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
        // Slugs are the snake_case variant names; the tests hold `as_str` to the serde form.
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v,)* }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$v,)*];

            /// The stable English slug.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $code,)* }
            }

            /// The Chinese label.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$v => $zh,)* }
            }

            /// Parses the slug, the Chinese label or a known alias (case-, space- and
            /// punctuation-insensitive).
            pub fn parse(s: &str) -> Option<Self> {
                let n = $crate::core::vocab::norm_word(s);
                if n.is_empty() {
                    return None;
                }
                $(
                    if n == $crate::core::vocab::norm_word($code) || n == $crate::core::vocab::norm_word($zh)
                        $(|| n == $crate::core::vocab::norm_word($alias))* {
                        return Some($name::$v);
                    }
                )*
                None
            }

            /// The Chinese labels joined for an error message ("公开招标、邀请招标…").
            pub fn labels_zh() -> String {
                Self::ALL.iter().map(|v| v.label_zh()).collect::<Vec<_>>().join("、")
            }
        }
    };
}
pub(crate) use vocabulary;

vocabulary!(
    /// 采购方式 (政府采购法 第二十六条; 87/74/214号令; legal-basis §12.1).
    Method {
        /// 公开招标
        OpenTender = "open_tender", "公开招标";
        /// 邀请招标
        InvitedTender = "invited_tender", "邀请招标";
        /// 竞争性谈判
        Negotiation = "negotiation", "竞争性谈判";
        /// 竞争性磋商
        Consultation = "consultation", "竞争性磋商";
        /// 询价
        Rfq = "rfq", "询价";
        /// 单一来源
        SingleSource = "single_source", "单一来源" | "单一来源采购";
        /// 框架协议
        Framework = "framework", "框架协议" | "框架协议采购";
    }
);

vocabulary!(
    /// What is bought (政府采购法 第二条: 货物、工程和服务).
    ProcurementType {
        /// 货物
        Goods = "goods", "货物";
        /// 服务
        Services = "services", "服务";
        /// 工程
        Works = "works", "工程";
    }
);

vocabulary!(
    /// What an uploaded document is: the procurement documents themselves or a later
    /// amendment of them.
    DocumentKind {
        /// 采购文件 (招标文件、磋商文件、询价通知书 …)
        Tender = "tender", "采购文件" | "招标文件";
        /// 更正公告
        Correction = "correction", "更正公告";
        /// 澄清
        Clarification = "clarification", "澄清" | "澄清文件";
    }
);

vocabulary!(
    /// Where a stored document stands.
    DocumentStatus {
        /// 已解析: clauses stored, checked and indexed.
        Parsed = "parsed", "已解析";
        /// 需要文字识别: a scanned PDF kept until OCR is available.
        NeedsOcr = "needs_ocr", "需要文字识别";
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_parses_from_slug_label_and_alias_and_round_trips_through_serde() {
        for m in Method::ALL {
            assert_eq!(Method::parse(m.as_str()), Some(*m));
            assert_eq!(Method::parse(m.label_zh()), Some(*m));
            let json = serde_json::to_string(m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.as_str()));
            assert_eq!(serde_json::from_str::<Method>(&json).unwrap(), *m);
        }
        fn serde_is_slug<T: Serialize + Copy>(all: &[T], slug: fn(T) -> &'static str) {
            for v in all {
                assert_eq!(serde_json::to_string(v).unwrap(), format!("\"{}\"", slug(*v)));
            }
        }
        serde_is_slug(ProcurementType::ALL, ProcurementType::as_str);
        serde_is_slug(DocumentKind::ALL, DocumentKind::as_str);
        serde_is_slug(DocumentStatus::ALL, DocumentStatus::as_str);
        serde_is_slug(crate::core::finding::Severity::ALL, crate::core::finding::Severity::as_str);
        serde_is_slug(crate::core::finding::Stage::ALL, crate::core::finding::Stage::as_str);
        assert_eq!(Method::parse(" 单一来源采购 "), Some(Method::SingleSource));
        assert_eq!(Method::parse("Open_Tender"), Some(Method::OpenTender));
        assert_eq!(Method::parse("招标"), None);
        assert_eq!(Method::parse(""), None);
        assert_eq!(DocumentKind::parse("招标文件"), Some(DocumentKind::Tender));
        assert_eq!(ProcurementType::parse("服务"), Some(ProcurementType::Services));
        assert!(Method::labels_zh().starts_with("公开招标、邀请招标"));
    }
}
