//! Nearest labelled examples: how similar a message is to the ways reps
//! have asked for each entry (`[[example]]` in the knowledge).
//!
//! Every example becomes a tf-idf vector over the tokenizer's words and
//! character bigrams (weighted up, see [`BIGRAM_BOOST`]), normalized to unit
//! length; a message becomes one over the same terms plus its homophone-typo
//! words (the engine's query terms).
//! A message's similarity to an example is the cosine of the two vectors;
//! an entry gets the cosine of its nearest example and the cosine with the
//! centroid of all its examples (so words from several phrasings add up).
//! Examples labelled `none` (the handbook cannot answer them) give the
//! similarity to out-of-scope requests.

use rustc_hash::FxHashMap as HashMap;

use super::tokenize::{is_bigram, Tokenizer, BIGRAM_WEIGHT, PINYIN_WEIGHT};

/// Character bigrams count this many times their ranking weight here: in
/// short messages they carry more of the meaning than in long entries.
const BIGRAM_BOOST: f32 = 2.0;

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

/// The labelled examples as sparse unit vectors with inverted indexes.
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
    /// Term id → (entry, weight in the entry's unit centroid).
    centroids: Vec<Vec<(u32, f32)>>,
    /// One more than the highest entry position labelled.
    entry_count: usize,
}

/// The terms of an example with their counts: words 1 each, character
/// bigrams [`BIGRAM_WEIGHT`] × [`BIGRAM_BOOST`] each.
fn example_terms(tokenizer: &Tokenizer, normalized: &str) -> HashMap<String, f32> {
    let mut out: HashMap<String, f32> = HashMap::default();
    let mut buf = Vec::new();
    tokenizer.words(normalized, &mut buf);
    for w in buf.drain(..) {
        *out.entry(w).or_insert(0.0) += 1.0;
    }
    tokenizer.bigrams(normalized, &mut buf);
    for b in buf.drain(..) {
        *out.entry(b).or_insert(0.0) += BIGRAM_WEIGHT * BIGRAM_BOOST;
    }
    out
}

impl Examples {
    /// Index `(label, normalized text)` pairs.
    pub fn build<'a>(
        tokenizer: &Tokenizer,
        examples: impl IntoIterator<Item = (Option<usize>, &'a str)>,
    ) -> Self {
        let mut terms: HashMap<String, u32> = HashMap::default();
        let mut labels = Vec::new();
        let mut docs: Vec<Vec<(u32, f32)>> = Vec::new();
        for (label, text) in examples {
            let f = example_terms(tokenizer, text);
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
        let entry_count = labels.iter().flatten().map(|e| e + 1).max().unwrap_or(0);
        let mut postings = vec![Vec::new(); terms.len()];
        let mut sums: Vec<HashMap<u32, f32>> = vec![HashMap::default(); entry_count];
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
                    *sums[entry].entry(*id).or_insert(0.0) += x;
                }
            }
        }
        let mut centroids = vec![Vec::new(); terms.len()];
        for (entry, sum) in sums.into_iter().enumerate() {
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
            entry_count,
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

    /// Similarity of a message, given as the engine's weighted query terms,
    /// to each entry's examples, for entries `allowed` accepts.
    pub fn similar(
        &self,
        query_terms: &[(String, f32)],
        allowed: impl Fn(usize) -> bool,
    ) -> Similar {
        if self.labels.is_empty() {
            return Similar::default();
        }
        let mut query: Vec<(u32, f32)> = Vec::with_capacity(query_terms.len());
        let mut norm = 0.0f32;
        for (t, w) in query_terms {
            let w = &if is_bigram(t) { w * BIGRAM_BOOST } else { *w };
            match self.terms.get(t) {
                Some(&id) => {
                    let x = w * self.idf[id as usize];
                    norm += x * x;
                    query.push((id, x));
                }
                // Words nobody used count against the message; homophone
                // guesses and bigrams that match nothing do not.
                None if *w > PINYIN_WEIGHT => {
                    let x = w * self.unknown_idf;
                    norm += x * x;
                }
                None => {}
            }
        }
        let norm = norm.sqrt();
        if norm <= 0.0 || query.is_empty() {
            return Similar::default();
        }
        let mut dots = vec![0.0f32; self.labels.len()];
        let mut cdots = vec![0.0f32; self.entry_count];
        for (id, x) in &query {
            for (e, w) in &self.postings[*id as usize] {
                dots[*e as usize] += x * w;
            }
            for (entry, w) in &self.centroids[*id as usize] {
                cdots[*entry as usize] += x * w;
            }
        }
        let mut best = vec![0.0f32; self.entry_count];
        let mut off_topic = 0.0f32;
        for (e, dot) in dots.into_iter().enumerate() {
            if dot <= 0.0 {
                continue;
            }
            let sim = dot / norm;
            match self.labels[e] {
                None => off_topic = off_topic.max(sim),
                Some(entry) => best[entry] = best[entry].max(sim),
            }
        }
        let ranked = |v: Vec<f32>| {
            let mut out: Vec<(usize, f32)> = v
                .into_iter()
                .enumerate()
                .filter(|&(e, s)| s > 0.0 && allowed(e))
                .collect();
            out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            out
        };
        let entries = ranked(best);
        let centroid = ranked(cdots.into_iter().map(|d| d / norm).collect());
        Similar {
            entries,
            off_topic,
            centroid,
        }
    }
}
