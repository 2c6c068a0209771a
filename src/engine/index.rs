//! An in-memory BM25 index over weighted fields (a simplified BM25F: each
//! field's term frequency is multiplied by the field's weight before
//! saturation).

use std::cell::RefCell;
use std::collections::HashMap;

/// BM25 term-frequency saturation.
const K1: f32 = 1.2;
/// BM25 length normalization.
const B: f32 = 0.5;

/// A document to index: terms with the weight of the field they came from.
#[derive(Debug, Default)]
pub struct DocTerms {
    terms: HashMap<String, f32>,
    len: f32,
}

impl DocTerms {
    /// Add terms of one field.
    pub fn add(&mut self, terms: &[String], weight: f32) {
        for t in terms {
            *self.terms.entry(t.clone()).or_insert(0.0) += weight;
            self.len += weight;
        }
    }
}

/// The inverted index.
#[derive(Debug, Default)]
pub struct Index {
    ids: HashMap<String, u32>,
    postings: Vec<Vec<(u32, f32)>>,
    idf: Vec<f32>,
    doc_len: Vec<f32>,
    /// Per-document BM25 length factor `K1 * (1 - B + B * len / avg_len)`.
    norm: Vec<f32>,
}

thread_local! {
    static SCRATCH: RefCell<(Vec<f32>, Vec<u32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

impl Index {
    /// Build from documents, in order (document number = position).
    pub fn build(docs: Vec<DocTerms>) -> Self {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut postings: Vec<Vec<(u32, f32)>> = Vec::new();
        let mut doc_len = Vec::with_capacity(docs.len());
        for (d, doc) in docs.into_iter().enumerate() {
            doc_len.push(doc.len);
            let mut terms: Vec<_> = doc.terms.into_iter().collect();
            terms.sort_by(|a, b| a.0.cmp(&b.0));
            for (t, tf) in terms {
                let next = postings.len() as u32;
                let id = *ids.entry(t).or_insert(next);
                if id == next {
                    postings.push(Vec::new());
                }
                postings[id as usize].push((d as u32, tf));
            }
        }
        let n = doc_len.len().max(1) as f32;
        let idf = postings
            .iter()
            .map(|p| {
                let df = p.len() as f32;
                ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
            })
            .collect();
        let avg_len = (doc_len.iter().sum::<f32>() / n).max(1.0);
        let norm = doc_len
            .iter()
            .map(|len| K1 * (1.0 - B + B * len / avg_len))
            .collect();
        Index {
            ids,
            postings,
            idf,
            doc_len,
            norm,
        }
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.doc_len.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.doc_len.is_empty()
    }

    /// Every indexed term.
    pub fn terms(&self) -> impl Iterator<Item = &String> {
        self.ids.keys()
    }

    /// The id of an indexed term.
    pub fn term_id(&self, term: &str) -> Option<u32> {
        self.ids.get(term).copied()
    }

    /// Inverse document frequency of a term id.
    pub fn idf(&self, id: u32) -> f32 {
        self.idf[id as usize]
    }

    /// Whether document `doc` contains the term `id`.
    pub fn contains(&self, doc: u32, id: u32) -> bool {
        self.postings[id as usize]
            .binary_search_by_key(&doc, |p| p.0)
            .is_ok()
    }

    /// Score every document for weighted query term ids, skipping terms
    /// whose idf is below `min_idf` (they are in most documents, cost the
    /// most and tell the least); calls `f(doc, score)` for each document
    /// with a positive score.
    pub fn score(&self, query: &[(u32, f32)], min_idf: f32, mut f: impl FnMut(u32, f32)) {
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let (acc, touched) = &mut *s;
            if acc.len() < self.len() {
                acc.resize(self.len(), 0.0);
            }
            for &(id, qw) in query {
                let idf = self.idf[id as usize];
                if idf < min_idf {
                    continue;
                }
                let w = idf * qw * (K1 + 1.0);
                for &(doc, tf) in &self.postings[id as usize] {
                    let slot = &mut acc[doc as usize];
                    if *slot == 0.0 {
                        touched.push(doc);
                    }
                    *slot += w * tf / (tf + self.norm[doc as usize]);
                }
            }
            for &doc in touched.iter() {
                f(doc, acc[doc as usize]);
                acc[doc as usize] = 0.0;
            }
            touched.clear();
        });
    }
}
