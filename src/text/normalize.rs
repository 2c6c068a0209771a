//! Message normalization: the one canonical form every matcher sees.
//!
//! Steps, in order: drop control and zero-width characters; full-width →
//! half-width; lower-case; regional words (Cantonese 睇, 冇, 點樣, given by
//! the knowledge) → the Mandarin they mean; traditional → simplified (OpenCC `t2s`, then
//! `tw2sp` for Taiwan vocabulary, but only when `t2s` changed something, so
//! simplified input is never rewritten); punctuation → space; collapse
//! whitespace.

use ferrous_opencc::config::BuiltinConfig;
use ferrous_opencc::OpenCC;

/// Converter state, built once (the OpenCC dictionaries are embedded).
pub struct Normalizer {
    t2s: OpenCC,
    tw2sp: OpenCC,
    /// Regional words as one alternation (longest first), and what each
    /// means.
    regional: Option<(regex::Regex, std::collections::HashMap<String, String>)>,
}

impl std::fmt::Debug for Normalizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Normalizer")
    }
}

/// The script converter could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot load the traditional-to-simplified tables: {0}")]
pub struct ConverterError(String);

impl Normalizer {
    /// Build the converters.
    pub fn new() -> Result<Self, ConverterError> {
        let t2s =
            OpenCC::from_config(BuiltinConfig::T2s).map_err(|e| ConverterError(e.to_string()))?;
        let tw2sp =
            OpenCC::from_config(BuiltinConfig::Tw2sp).map_err(|e| ConverterError(e.to_string()))?;
        Ok(Normalizer {
            t2s,
            tw2sp,
            regional: None,
        })
    }

    /// Rewrite these regional words (as typed, lower case) to the Mandarin
    /// they mean before script conversion. Written in traditional script,
    /// they never occur in simplified text.
    pub fn with_regional(mut self, pairs: &[(String, String)]) -> Self {
        let mut from: Vec<&str> = pairs.iter().map(|(f, _)| f.as_str()).collect();
        from.sort_by_key(|f| std::cmp::Reverse(f.len()));
        let alt: Vec<String> = from.iter().map(|f| regex::escape(f)).collect();
        self.regional = (!alt.is_empty())
            .then(|| regex::Regex::new(&alt.join("|")).ok())
            .flatten()
            .map(|re| (re, pairs.iter().cloned().collect()));
        self
    }

    /// Convert traditional to simplified; simplified text comes back as is.
    pub fn to_simplified(&self, s: &str) -> String {
        if s.is_ascii() {
            return s.to_string();
        }
        let simplified = self.t2s.convert(s);
        if simplified == s {
            simplified
        } else {
            self.tw2sp.convert(s)
        }
    }

    /// The canonical form of a message (see the module docs).
    pub fn normalize(&self, s: &str) -> String {
        let mut pre = prenormalize(s);
        if let Some((re, to)) = &self.regional {
            let rewritten = re.replace_all(&pre, |c: &regex::Captures| {
                to.get(&c[0]).cloned().unwrap_or_else(|| c[0].to_string())
            });
            if let std::borrow::Cow::Owned(s) = rewritten {
                pre = s;
            }
        }
        let simplified = self.to_simplified(&pre);
        finish(&simplified)
    }
}

/// Width, case and control-character folding, before script conversion.
fn prenormalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_invisible(c) {
            continue;
        }
        let c = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c if c.is_control() => ' ',
            c => c,
        };
        out.extend(c.to_lowercase());
    }
    out
}

/// Zero-width and formatting characters that carry no meaning.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// Punctuation to space and whitespace collapsed.
fn finish(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.chars() {
        let keep =
            c.is_alphanumeric() || matches!(c, '+' | '&' | '-' | '_' | '.' | '#' | '%' | '/');
        if keep {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Normalize without script conversion (for callers that have no
/// [`Normalizer`], such as tests of width and punctuation handling).
pub fn normalize(s: &str) -> String {
    finish(&prenormalize(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_case_punctuation_and_invisibles() {
        assert_eq!(normalize("ＮＣ\u{200B}太慢了！！ Ｈｉ\t"), "nc太慢了 hi");
    }

    #[test]
    fn regional_words_become_mandarin_and_simplified_text_is_left_alone() {
        let pairs: Vec<(String, String)> = [
            ("睇", "看"),
            ("幾間", "几家"),
            ("關係", "关系"),
            ("係", "是"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let n = Normalizer::new().unwrap().with_regional(&pairs);
        assert_eq!(n.normalize("要睇多幾間先決定"), "要看多几家先决定");
        assert_eq!(n.normalize("佢係老闆，關係好"), "佢是老板 关系好");
        assert_eq!(n.normalize("客户说关系一般"), "客户说关系一般");
    }

    #[test]
    fn converts_traditional_and_taiwan_vocabulary_only_when_traditional() {
        let n = Normalizer::new().unwrap();
        assert_eq!(
            n.normalize("客戶說要回去跟老闆商量"),
            "客户说要回去跟老板商量"
        );
        assert_eq!(n.normalize("這套軟體"), "这套软件");
        // Simplified input is never rewritten by the Taiwan phrase table.
        assert_eq!(n.normalize("小程序在宁波"), "小程序在宁波");
    }
}
