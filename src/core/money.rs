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
    /// Parses an amount in 元 written as a decimal, exactly: `1560000`, `1,560,000.50`,
    /// `￥1560000.00`, full-width digits, a trailing `元`, and the exponent form Excel writes
    /// (`1.2E6`). At most two decimal places unless the extra digits are zeros; negative
    /// amounts are refused (a budget cannot be negative).
    pub fn parse_yuan(s: &str) -> Result<Fen, InvalidYuan> {
        let bad = || InvalidYuan(s.to_string());
        let norm: String = s
            .trim()
            .trim_start_matches(['¥', '￥'])
            .trim_end_matches('元')
            .chars()
            .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                '．' => '.',
                _ => c,
            })
            .collect();
        if norm.is_empty() {
            return Err(bad());
        }
        let (mantissa, exp) = match norm.find(['e', 'E']) {
            Some(i) => {
                let e: i32 = norm[i + 1..].trim_start_matches('+').parse().map_err(|_| bad())?;
                if !(-20..=20).contains(&e) {
                    return Err(bad());
                }
                (&norm[..i], e)
            }
            None => (norm.as_str(), 0),
        };
        let (int_part, frac_part) = match mantissa.split_once('.') {
            Some((a, b)) => (a, b),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(bad());
        }
        if !int_part.chars().all(|c| c.is_ascii_digit()) || !frac_part.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        // All digits as one string, with the decimal point position shifted by the exponent.
        let digits: String = format!("{int_part}{frac_part}");
        let point = int_part.len() as i32 + exp; // digits before the decimal point
        let digits = digits.trim_start_matches('0');
        let lead_zeros = (int_part.len() + frac_part.len()) as i32 - digits.len() as i32;
        let point = point - lead_zeros;
        let mut fen: i64 = 0;
        for (i, ch) in digits.chars().enumerate() {
            let pos = i as i32; // digit index; its power of ten relative to 分 is point + 1 - pos
            let d = i64::from(ch as u8 - b'0');
            let power = point + 1 - pos; // 10^power 分 … power 0 means 1 分
            if power < 0 {
                if d != 0 {
                    return Err(bad()); // a fraction of a 分
                }
                continue;
            }
            let mut v = d;
            for _ in 0..power {
                v = v.checked_mul(10).ok_or_else(bad)?;
            }
            fen = fen.checked_add(v).ok_or_else(bad)?;
        }
        Ok(Fen(fen))
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
