//! Nearest labelled examples: how similar a message is to the ways reps
//! have asked for each entry (`[[example]]` in the knowledge).
//!
//! Every example becomes a tf-idf vector over the tokenizer's words,
//! character bigrams and homophone-typo words, normalized to unit length.
//! A message's similarity to an example is the cosine of the two vectors;
//! an entry's similarity is that of its nearest example. Examples labelled
//! `none` (the handbook cannot answer them) give the similarity to
//! out-of-scope requests.

use std::collections::HashMap;

use super::tokenize::{Tokenizer, BIGRAM_WEIGHT, PINYIN_WEIGHT};

/// Nearest-example similarity of a message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Similar {
    /// (entry position, cosine of its nearest example), best first.
    pub entries: Vec<(usize, f32)>,
    /// Cosine of the nearest out-of-scope example.
    pub off_topic: f32,
    /// (entry position, cosine with the centroid of its examples), best first.
    pub centroid: Vec<(usize, f32)>,
}

/// The labelled examples as sparse unit vectors with an inverted index.
#[derive(Debug, Default)]
pub struct Examples {
    /// Term → id.
    terms: HashMap<String, u32>,
    /// Inverse document frequency per term id.
    idf: Vec<f32>,
    /// Term id → (example, weight in its unit vector).
    postings: Vec<Vec<(u32, f32)>>,
    /// Label of each example: entry position, or `None` for out of scope.
    labels: Vec<Option<usize>>,
    /// idf given to a term no example contains.
    unknown_idf: f32,
    /// Term id → (entry, weight in the entry's unit centroid): the sum of
    /// an entry's example vectors, so words from all its examples count.
    centroids: Vec<Vec<(u32, f32)>>,
}

/// Weighted terms of normalized text: words 1, bigrams and homophones weak.
fn features(tokenizer: &Tokenizer, normalized: &str, typos: bool) -> HashMap<String, f32> {
    let mut out: HashMap<String, f32> = HashMap::new();
    let mut buf = Vec::new();
    tokenizer.words(normalized, &mut buf);
    for w in buf.drain(..) {
        *out.entry(w).or_insert(0.0) += 1.0;
    }
    tokenizer.bigrams(normalized, &mut buf);
    for b in buf.drain(..) {
        *out.entry(b).or_insert(0.0) += BIGRAM_WEIGHT * 2.0;
    }
    if typos {
        tokenizer.homophones(normalized, &mut buf);
        for w in buf.drain(..) {
            out.entry(w).or_insert(PINYIN_WEIGHT);
        }
    }
    out
}

impl Examples {
    /// Index `(label, normalized text)` pairs.
    pub fn build<'a>(
        tokenizer: &Tokenizer,
        examples: impl IntoIterator<Item = (Option<usize>, &'a str)>,
    ) -> Self {
        let mut terms: HashMap<String, u32> = HashMap::new();
        let mut labels = Vec::new();
        let mut docs: Vec<Vec<(u32, f32)>> = Vec::new();
        for (label, text) in examples {
            let f = features(tokenizer, text, false);
            if f.is_empty() {
                continue;
            }
            let mut doc = Vec::with_capacity(f.len());
            for (t, w) in f {
                let next = terms.len() as u32;
                let id = *terms.entry(t).or_insert(next);
                doc.push((id, w));
            }
            labels.push(label);
            docs.push(doc);
        }
        let n = docs.len() as f32;
        let mut df = vec![0u32; terms.len()];
        for doc in &docs {
            for (id, _) in doc {
                df[*id as usize] += 1;
            }
        }
        let idf: Vec<f32> = df
            .iter()
            .map(|&d| ((n + 1.0) / (d as f32 + 0.5)).ln().max(0.05))
            .collect();
        let mut postings = vec![Vec::new(); terms.len()];
        let mut sums: HashMap<usize, HashMap<u32, f32>> = HashMap::new();
        for (e, doc) in docs.iter().enumerate() {
            let norm = doc
                .iter()
                .map(|(id, w)| (w * idf[*id as usize]).powi(2))
                .sum::<f32>()
                .sqrt();
            if norm <= 0.0 {
                continue;
            }
            for (id, w) in doc {
                let x = w * idf[*id as usize] / norm;
                postings[*id as usize].push((e as u32, x));
                if let Some(entry) = labels[e] {
                    *sums.entry(entry).or_default().entry(*id).or_insert(0.0) += x;
                }
            }
        }
        let mut centroids = vec![Vec::new(); terms.len()];
        for (entry, sum) in sums {
            let norm = sum.values().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 0.0 {
                for (id, x) in sum {
                    centroids[id as usize].push((entry as u32, x / norm));
                }
            }
        }
        Examples {
            terms,
            idf,
            postings,
            labels,
            unknown_idf: ((n + 1.0) / 0.5).ln(),
            centroids,
        }
    }

    /// Number of indexed examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether no example is indexed.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Similarity of a normalized message to each entry's nearest example,
    /// for entries `allowed` accepts.
    pub fn similar(
        &self,
        tokenizer: &Tokenizer,
        normalized: &str,
        allowed: impl Fn(usize) -> bool,
    ) -> Similar {
        if self.labels.is_empty() {
            return Similar::default();
        }
        let f = features(tokenizer, normalized, true);
        let mut query: Vec<(u32, f32)> = Vec::with_capacity(f.len());
        let mut norm = 0.0f32;
        for (t, w) in &f {
            match self.terms.get(t) {
                Some(&id) => {
                    let x = w * self.idf[id as usize];
                    norm += x * x;
                    query.push((id, x));
                }
                // Homophone guesses that match nothing do not count against
                // the message; real words nobody used do.
                None if *w > PINYIN_WEIGHT => {
                    let x = w * self.unknown_idf;
                    norm += x * x;
                }
                None => {}
            }
        }
        let norm = norm.sqrt();
        if norm <= 0.0 {
            return Similar::default();
        }
        let mut dots: HashMap<u32, f32> = HashMap::new();
        for (id, x) in &query {
            for (e, w) in &self.postings[*id as usize] {
                *dots.entry(*e).or_insert(0.0) += x * w;
            }
        }
        let mut best: HashMap<usize, f32> = HashMap::new();
        let mut off_topic = 0.0f32;
        for (e, dot) in dots {
            let sim = dot / norm;
            match self.labels[e as usize] {
                None => off_topic = off_topic.max(sim),
                Some(entry) if allowed(entry) => {
                    let slot = best.entry(entry).or_insert(0.0);
                    *slot = slot.max(sim);
                }
                Some(_) => {}
            }
        }
        let mut entries: Vec<(usize, f32)> = best.into_iter().collect();
        entries.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut cdots: HashMap<u32, f32> = HashMap::new();
        for (id, x) in &query {
            for (entry, w) in &self.centroids[*id as usize] {
                if allowed(*entry as usize) {
                    *cdots.entry(*entry).or_insert(0.0) += x * w;
                }
            }
        }
        let mut centroid: Vec<(usize, f32)> = cdots
            .into_iter()
            .map(|(e, d)| (e as usize, d / norm))
            .collect();
        centroid.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Similar {
            entries,
            off_topic,
            centroid,
        }
    }
}
