//! Message normalization: the one canonical form every matcher sees.
//!
//! Steps, in order: drop control and zero-width characters; full-width →
//! half-width; lower-case; traditional → simplified (OpenCC `t2s`, then
//! `tw2sp` for Taiwan vocabulary, but only when `t2s` changed something, so
//! simplified input is never rewritten); punctuation → space; collapse
//! whitespace.

use ferrous_opencc::config::BuiltinConfig;
use ferrous_opencc::OpenCC;

/// Converter state, built once (the OpenCC dictionaries are embedded).
pub struct Normalizer {
    t2s: OpenCC,
    tw2sp: OpenCC,
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
        Ok(Normalizer { t2s, tw2sp })
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
        let pre = prenormalize(s);
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
