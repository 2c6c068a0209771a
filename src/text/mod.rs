//! Text utilities shared by the engine and the deal parser: normalization
//! and string distance. Pure functions, no IO.

mod normalize;

pub use normalize::{normalize, Normalizer};

/// Errors of the normalizer.
pub mod normalize_error {
    pub use super::normalize::ConverterError;
}

/// Levenshtein distance in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Clauses joined with `sep` (`；`), each without its own closing
/// punctuation, so no "。；" comes of it.
pub fn join_clauses(items: &[String], sep: &str) -> String {
    items
        .iter()
        .map(|i| i.trim().trim_end_matches(['。', '；', ';', '，', ',', '.']))
        .filter(|i| !i.is_empty())
        .collect::<Vec<_>>()
        .join(sep)
}
