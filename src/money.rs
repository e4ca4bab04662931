//! Money as integer 分 (fen). Never a float: a budget of 1,560,000.01 元 must stay exact.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in 分 (1 元 = 100 分).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(pub i64);

/// A yuan amount that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid amount in yuan: '{0}' (expected a decimal such as 1560000 or 1560000.50)")]
pub struct InvalidYuan(pub String);

impl Fen {
    /// Parses a decimal yuan string ("1560000", "1,560,000.5", "￥1560000.00") exactly.
    /// At most two decimal places; negative amounts are refused.
    pub fn parse_yuan(s: &str) -> Result<Fen, InvalidYuan> {
        let err = || InvalidYuan(s.to_string());
        let t: String = s
            .trim()
            .trim_start_matches(['¥', '￥'])
            .trim_end_matches('元')
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '．' => '.',
                _ => c,
            })
            .collect();
        let (int, frac) = match t.split_once('.') {
            Some((i, f)) => (i, f),
            None => (t.as_str(), ""),
        };
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let yuan: i64 = int.parse().map_err(|_| err())?;
        let mut cents: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| err())? };
        if frac.len() == 1 {
            cents *= 10;
        }
        yuan.checked_mul(100).and_then(|f| f.checked_add(cents)).map(Fen).ok_or_else(err)
    }

    /// The amount in yuan as a decimal string with two places ("1560000.00").
    pub fn to_yuan_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}元", self.to_yuan_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(Fen::parse_yuan("1560000"), Ok(Fen(156_000_000)));
        assert_eq!(Fen::parse_yuan("1,560,000.5"), Ok(Fen(156_000_050)));
        assert_eq!(Fen::parse_yuan("￥0.01"), Ok(Fen(1)));
        assert_eq!(Fen::parse_yuan("１２３"), Ok(Fen(12_300)));
        assert!(Fen::parse_yuan("1.234").is_err());
        assert!(Fen::parse_yuan("-5").is_err());
        assert!(Fen::parse_yuan("abc").is_err());
        assert!(Fen::parse_yuan("99999999999999999999").is_err());
        assert_eq!(Fen(156_000_050).to_yuan_string(), "1560000.50");
    }
}
