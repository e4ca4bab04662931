//! Text analysis for the clause field: character folding, the `cjk2` tokenizer used at index
//! time, and the matching query-side tokenization.
//!
//! Positions are **character indices** into the (folded) text, not token ordinals. That is what
//! makes a phrase query over the tokens of a search term equivalent to an exact substring match:
//! the query's tokens must appear at the same relative character offsets in the document.
//! (tantivy's `NgramTokenizer` puts every token at position 0, so phrase queries degrade to
//! "all n-grams occur somewhere"; see stack-notes §5.)
//!
//! Index time emits, for every CJK character at index `k`, its unigram at position `k` and (when
//! the next character is CJK too) the bigram starting there, also at position `k`. Query time
//! emits, for a CJK run of two or more characters, just enough bigrams to cover every character
//! (positions 0, 2, 4, … and the last pair), and a unigram for a lone CJK character. Indexing every unigram (not only lone ones) is what lets one-character terms
//! ("元") and terms whose CJK part is a single character next to ASCII ("A级", "3C认证" has
//! "认证" but "AAA级信用" needs "级" inside the run "级信用") match as substrings.
//!
//! Runs of other letters and digits (after full-width folding and lowercasing) are tokenized the
//! same way, as their own runs (no bigram spans a CJK/Latin boundary), so Latin letters and
//! digits match as substrings too: "ISO" finds "ISO9001", "9001" finds "ISO9001", and "500"
//! finds "1500" as well as "500" (the price of one rule for every script; quote the context,
//! "不少于500万元", to be exact). Everything else (punctuation, whitespace) produces no token
//! but still occupies a position. [`ANALYSIS_VERSION`] names this scheme: an index built by
//! another is emptied on open and rebuilt from the database.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The tokenization scheme's version, stored beside the index: 2 made Latin letters and digits
/// substrings like CJK (1 made them whole words).
pub const ANALYSIS_VERSION: u32 = 2;

/// Name under which [`CjkBigramTokenizer`] is registered on the index.
pub const TOKENIZER_NAME: &str = "cjk2";

/// Folds full-width ASCII variants (U+FF01..=U+FF5E) to ASCII and the ideographic space to a
/// space, so "ＩＳＯ９００１" and "ISO9001" analyse the same. Always maps one char to one char,
/// which keeps char indices stable for highlighting.
pub fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// [`fold_char`] followed by a one-to-one lowercase (multi-char lowercasings such as 'İ' are
/// left as is, again to keep the text-to-char-index mapping one-to-one).
pub fn normalize_char(c: char) -> char {
    let c = fold_char(c);
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// How a (folded) character takes part in tokenization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharClass {
    /// Han ideographs, kana, hangul: bigram-tokenized.
    Cjk,
    /// Letters and digits of other scripts (after folding): grouped into word tokens.
    Word,
    /// Punctuation, whitespace, symbols: no token.
    Other,
}

fn classify(c: char) -> CharClass {
    let cp = c as u32;
    let cjk = matches!(cp,
        0x3040..=0x30FF      // hiragana, katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x3FFFF  // CJK extensions B..
    ) || c == '\u{3007}'; // 〇, used in dates like 二〇二四
    if cjk {
        CharClass::Cjk
    } else if c.is_alphanumeric() {
        CharClass::Word
    } else {
        CharClass::Other
    }
}

/// Whether a (normalized) char belongs to some token, i.e. is not punctuation or space.
pub fn is_token_char(c: char) -> bool {
    classify(c) != CharClass::Other
}

/// One token produced by [`analyze`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedToken {
    /// Character index of the token's first character.
    pub position: usize,
    /// Byte range in the original text.
    pub offset_from: usize,
    pub offset_to: usize,
    /// Normalized token text.
    pub text: String,
}

/// Whether to emit every CJK unigram (index time) or only lone ones (query time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Index,
    Query,
}

/// Splits `text` into tokens; see the module docs for the scheme.
pub fn analyze(text: &str, mode: Mode) -> Vec<AnalyzedToken> {
    // (byte offset, normalized char, class) for every char; positions are indices into this.
    let chars: Vec<(usize, char, CharClass)> = text
        .char_indices()
        .map(|(b, c)| {
            let n = normalize_char(c);
            (b, n, classify(n))
        })
        .collect();
    let byte_end = |i: usize| chars.get(i).map_or(text.len(), |c| c.0);
    let mut tokens = Vec::with_capacity(chars.len() * 2);
    let mut i = 0;
    while i < chars.len() {
        let class = chars[i].2;
        let mut j = i + 1;
        while j < chars.len() && chars[j].2 == class {
            j += 1;
        }
        match class {
            CharClass::Other => {}
            CharClass::Cjk | CharClass::Word if mode == Mode::Query => {
                // A lone char: its unigram. Otherwise a minimal cover: bigrams at every other char, plus the last bigram when the
                // run has odd length. Pinned at their char offsets they still force every char
                // of the run, but a phrase query has half as many posting lists to intersect.
                let mut starts: Vec<usize> = (i..j - 1).step_by(2).collect();
                if (j - i) % 2 == 1 && j - i > 1 {
                    starts.push(j - 2);
                }
                if j - i == 1 {
                    starts.push(i);
                }
                let width = if j - i == 1 { 1 } else { 2 };
                for k in starts {
                    tokens.push(AnalyzedToken {
                        position: k,
                        offset_from: chars[k].0,
                        offset_to: byte_end(k + width),
                        text: chars[k..k + width].iter().map(|c| c.1).collect(),
                    });
                }
            }
            CharClass::Cjk | CharClass::Word => {
                for k in i..j {
                    tokens.push(AnalyzedToken {
                        position: k,
                        offset_from: chars[k].0,
                        offset_to: byte_end(k + 1),
                        text: chars[k].1.to_string(),
                    });
                    if k + 1 < j {
                        let mut bigram = String::with_capacity(8);
                        bigram.push(chars[k].1);
                        bigram.push(chars[k + 1].1);
                        tokens.push(AnalyzedToken {
                            position: k,
                            offset_from: chars[k].0,
                            offset_to: byte_end(k + 2),
                            text: bigram,
                        });
                    }
                }
            }
        }
        i = j;
    }
    tokens
}

/// The index-time tokenizer registered as [`TOKENIZER_NAME`].
#[derive(Debug, Clone, Default)]
pub struct CjkBigramTokenizer;

/// Token stream over a pre-computed token vector (clauses are short, so materializing is cheap
/// and keeps the tokenizer logic in one plain function shared with the query side).
pub struct CjkTokenStream {
    tokens: Vec<Token>,
    /// Index of the current token plus one (0 = before the first `advance`).
    cursor: usize,
}

impl TokenStream for CjkTokenStream {
    fn advance(&mut self) -> bool {
        if self.cursor < self.tokens.len() {
            self.cursor += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.cursor - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.cursor - 1]
    }
}

impl Tokenizer for CjkBigramTokenizer {
    type TokenStream<'a> = CjkTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CjkTokenStream {
        let tokens = analyze(text, Mode::Index)
            .into_iter()
            .map(|t| Token {
                offset_from: t.offset_from,
                offset_to: t.offset_to,
                position: t.position,
                text: t.text,
                position_length: 1,
            })
            .collect();
        CjkTokenStream { tokens, cursor: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str, mode: Mode) -> Vec<(usize, String)> {
        analyze(text, mode)
            .into_iter()
            .map(|t| (t.position, t.text))
            .collect()
    }

    #[test]
    fn index_mode_emits_bigrams_and_unigrams_at_char_positions() {
        assert_eq!(
            texts("本地注册", Mode::Index),
            vec![
                (0, "本".into()),
                (0, "本地".into()),
                (1, "地".into()),
                (1, "地注".into()),
                (2, "注".into()),
                (2, "注册".into()),
                (3, "册".into()),
            ]
        );
    }

    #[test]
    fn query_mode_emits_a_bigram_cover_of_runs() {
        assert_eq!(
            texts("本地注册", Mode::Query),
            vec![(0, "本地".into()), (2, "注册".into())]
        );
        assert_eq!(
            texts("注册资本金", Mode::Query),
            vec![(0, "注册".into()), (2, "资本".into()), (3, "本金".into())]
        );
        assert_eq!(texts("元", Mode::Query), vec![(0, "元".into())]);
    }

    #[test]
    fn latin_runs_are_lowercased_bigrams_and_punctuation_keeps_its_position() {
        // Like CJK: a minimal cover of the run at query time, every unigram and bigram at
        // index time; no bigram crosses from Latin to CJK.
        assert_eq!(
            texts("通过ISO9001，认证", Mode::Query),
            vec![(0, "通过".into()), (2, "is".into()), (4, "o9".into()), (6, "00".into()), (7, "01".into()), (10, "认证".into())]
        );
        let index: Vec<String> = texts("A3级", Mode::Index).into_iter().map(|t| t.1).collect();
        assert_eq!(index, ["a", "a3", "3", "级"]);
    }

    #[test]
    fn full_width_is_folded() {
        assert_eq!(texts("ＩＳＯ９００１", Mode::Query), texts("iso9001", Mode::Query));
        assert_eq!(fold_char('\u{3000}'), ' ');
    }

    #[test]
    fn offsets_are_byte_ranges_of_the_original() {
        let text = "Ａ级资质";
        for t in analyze(text, Mode::Index) {
            assert!(text.get(t.offset_from..t.offset_to).is_some());
        }
    }
}
