//! An in-memory BM25 index over weighted fields (a simplified BM25F: each
//! field's term frequency is multiplied by the field's weight before
//! saturation).

use std::cell::RefCell;

use super::tokenize::bigram_pair;
use rustc_hash::FxHashMap as HashMap;

/// BM25 term-frequency saturation.
const K1: f32 = 1.2;
/// BM25 length normalization.
const B: f32 = 0.5;

/// Join the terms of a later builder (`theirs`, with their lists taken
/// from `later`) into this one's: a shared term's list is extended, a new
/// term gets the next id.
fn merge_terms<K: std::hash::Hash + Eq>(
    mine: &mut HashMap<K, u32>,
    theirs: HashMap<K, u32>,
    postings: &mut Vec<Vec<(u32, f32)>>,
    later: &mut [Option<Vec<(u32, f32)>>],
) {
    for (term, id) in theirs {
        let Some(list) = later[id as usize].take() else {
            continue;
        };
        match mine.get(&term) {
            Some(&at) => postings[at as usize].extend(list),
            None => {
                let at = new_term(mine, term, postings);
                postings[at as usize] = list;
            }
        }
    }
}

/// Give a term not seen before the next id, with an empty list.
fn new_term<K: std::hash::Hash + Eq>(
    ids: &mut HashMap<K, u32>,
    term: K,
    postings: &mut Vec<Vec<(u32, f32)>>,
) -> u32 {
    let id = postings.len() as u32;
    ids.insert(term, id);
    postings.push(Vec::new());
    id
}

/// The map key of a character bigram.
fn pair_key(a: char, b: char) -> u64 {
    (u64::from(a as u32) << 32) | u64::from(b as u32)
}

/// Builds an [`Index`] one document at a time, in document order. Each
/// term string is stored once; a document's terms are collected by id.
#[derive(Debug, Default)]
pub struct IndexBuilder {
    ids: HashMap<String, u32>,
    /// Character bigram terms by their two characters.
    pairs: HashMap<u64, u32>,
    postings: Vec<Vec<(u32, f32)>>,
    /// Number of the first document this builder holds.
    first: u32,
    doc_len: Vec<f32>,
    /// The open document's weight per term id (0 for terms not in it).
    open: Vec<f32>,
    /// Term ids of the open document, in the order first seen.
    touched: Vec<u32>,
    open_len: f32,
}

impl IndexBuilder {
    /// A builder whose first document is number `first` (for building
    /// ranges of documents apart and [merging](Self::append) them).
    pub fn starting_at(first: u32) -> Self {
        IndexBuilder {
            first,
            ..Self::default()
        }
    }

    /// Add one occurrence of `term` with its field's weight to the open
    /// document.
    pub fn term(&mut self, term: &str, weight: f32) {
        let id = match self.ids.get(term) {
            Some(&id) => id,
            None => new_term(&mut self.ids, term.to_string(), &mut self.postings),
        };
        self.add(id, weight);
    }

    /// Add one occurrence of the character bigram `a b` to the open document.
    pub fn pair(&mut self, a: char, b: char, weight: f32) {
        let key = pair_key(a, b);
        let id = match self.pairs.get(&key) {
            Some(&id) => id,
            None => new_term(&mut self.pairs, key, &mut self.postings),
        };
        self.add(id, weight);
    }

    fn add(&mut self, id: u32, weight: f32) {
        let i = id as usize;
        if i >= self.open.len() {
            self.open.resize(i + 1, 0.0);
        }
        if self.open[i] == 0.0 {
            self.touched.push(id);
        }
        self.open[i] += weight;
        self.open_len += weight;
    }

    /// Close the open document (possibly empty); the next term starts the
    /// next one.
    pub fn end_doc(&mut self) {
        let doc = self.first + self.doc_len.len() as u32;
        for &id in &self.touched {
            let tf = std::mem::take(&mut self.open[id as usize]);
            self.postings[id as usize].push((doc, tf));
        }
        self.touched.clear();
        self.doc_len.push(self.open_len);
        self.open_len = 0.0;
    }

    /// Append the documents of `later`, which must start where this
    /// builder's documents end.
    pub fn append(&mut self, later: IndexBuilder) {
        debug_assert_eq!(later.first, self.first + self.doc_len.len() as u32);
        let mut postings: Vec<Option<Vec<(u32, f32)>>> =
            later.postings.into_iter().map(Some).collect();
        merge_terms(&mut self.ids, later.ids, &mut self.postings, &mut postings);
        merge_terms(
            &mut self.pairs,
            later.pairs,
            &mut self.postings,
            &mut postings,
        );
        self.doc_len.extend(later.doc_len);
    }

    /// The finished index. The postings of bigrams with an idf below
    /// `min_pair_idf` are dropped (the bigram keeps its idf): a query never
    /// scores them, so only their memory would be left.
    pub fn build(mut self, min_pair_idf: f32) -> Index {
        let n = self.doc_len.len().max(1) as f32;
        let idf: Vec<f32> = self
            .postings
            .iter()
            .map(|p| {
                let df = p.len() as f32;
                ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
            })
            .collect();
        for &id in self.pairs.values() {
            if idf[id as usize] < min_pair_idf {
                self.postings[id as usize] = Vec::new();
            }
        }
        // All lists in one block: no slack, no per-list header, and one
        // allocation instead of thousands left among the freed ones.
        let mut starts = Vec::with_capacity(self.postings.len() + 1);
        let mut flat = Vec::with_capacity(self.postings.iter().map(Vec::len).sum());
        starts.push(0);
        for p in std::mem::take(&mut self.postings) {
            flat.extend(p);
            starts.push(flat.len() as u32);
        }
        let avg_len = (self.doc_len.iter().sum::<f32>() / n).max(1.0);
        let norm = self
            .doc_len
            .iter()
            .map(|len| K1 * (1.0 - B + B * len / avg_len))
            .collect();
        self.ids.shrink_to_fit();
        self.pairs.shrink_to_fit();
        Index {
            ids: self.ids,
            pairs: self.pairs,
            postings: flat,
            starts,
            idf,
            doc_len: self.doc_len,
            norm,
        }
    }
}

/// The inverted index.
#[derive(Debug, Default)]
pub struct Index {
    /// Word terms → id.
    ids: HashMap<String, u32>,
    /// Character bigram terms, by their two characters → id.
    pairs: HashMap<u64, u32>,
    /// Every term's (document, weighted tf) list, one after the other.
    postings: Vec<(u32, f32)>,
    /// Where each term id's list starts in `postings` (and, at the next
    /// id, ends).
    starts: Vec<u32>,
    idf: Vec<f32>,
    doc_len: Vec<f32>,
    /// Per-document BM25 length factor `K1 * (1 - B + B * len / avg_len)`.
    norm: Vec<f32>,
}

thread_local! {
    static SCRATCH: RefCell<(Vec<f32>, Vec<u32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

impl Index {
    /// The postings of term `id`.
    fn list(&self, id: u32) -> &[(u32, f32)] {
        let i = id as usize;
        &self.postings[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.doc_len.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.doc_len.is_empty()
    }

    /// Every indexed word term (bigrams aside).
    pub fn words(&self) -> impl Iterator<Item = &String> {
        self.ids.keys()
    }

    /// The id of an indexed term (a word, or a bigram term).
    pub fn term_id(&self, term: &str) -> Option<u32> {
        match bigram_pair(term) {
            Some((a, b)) => self.pairs.get(&pair_key(a, b)).copied(),
            None => self.ids.get(term).copied(),
        }
    }

    /// Inverse document frequency of a term id.
    pub fn idf(&self, id: u32) -> f32 {
        self.idf[id as usize]
    }

    /// Whether document `doc` contains the term `id` (always false for a
    /// term whose postings [`IndexBuilder::build`] dropped).
    pub fn contains(&self, doc: u32, id: u32) -> bool {
        self.list(id).binary_search_by_key(&doc, |p| p.0).is_ok()
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
                for &(doc, tf) in self.list(id) {
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

#[cfg(test)]
mod tests {
    use super::*;

    const DOCS: &[&str] = &[
        "价格 太贵 价格",
        "实施 周期 太长",
        "价格 折扣",
        "审批 流程 太慢",
    ];

    fn add(b: &mut IndexBuilder, doc: &str) {
        for w in doc.split(' ') {
            b.term(w, 1.0);
            let mut c = w.chars();
            if let (Some(x), Some(y)) = (c.next(), c.next()) {
                b.pair(x, y, 0.3);
            }
        }
        b.end_doc();
    }

    fn scores(index: &Index, terms: &[&str]) -> Vec<(u32, f32)> {
        let q: Vec<(u32, f32)> = terms
            .iter()
            .filter_map(|t| index.term_id(t).map(|id| (id, 1.0)))
            .collect();
        let mut out = Vec::new();
        index.score(&q, 0.0, |d, s| out.push((d, s)));
        out.sort_by_key(|p| p.0);
        out
    }

    #[test]
    fn an_index_built_in_parts_scores_as_one_built_whole() {
        let mut whole = IndexBuilder::default();
        for d in DOCS {
            add(&mut whole, d);
        }
        let mut first = IndexBuilder::default();
        let mut second = IndexBuilder::starting_at(2);
        for d in &DOCS[..2] {
            add(&mut first, d);
        }
        for d in &DOCS[2..] {
            add(&mut second, d);
        }
        first.append(second);
        let (whole, parts) = (whole.build(0.0), first.build(0.0));
        for q in [&["价格"][..], &["太慢", "审批"], &["\u{1}价格", "周期"]] {
            let s = scores(&whole, q);
            assert!(!s.is_empty(), "{q:?} finds nothing");
            assert_eq!(s, scores(&parts, q), "{q:?}");
        }
        // 价格 is in documents 0 and 2, with twice the weight in 0.
        let s = scores(&parts, &["价格"]);
        assert_eq!(s.iter().map(|p| p.0).collect::<Vec<_>>(), [0, 2]);
        assert!(s[0].1 > s[1].1);
    }

    #[test]
    fn common_bigrams_keep_their_idf_but_not_their_postings() {
        let mut b = IndexBuilder::default();
        for d in DOCS {
            add(&mut b, d);
        }
        let index = b.build(1.0);
        // 价格's bigram is in half the documents (idf below 1), 审批's in one.
        let common = index.term_id("\u{1}价格").expect("indexed");
        let rare = index.term_id("\u{1}审批").expect("indexed");
        assert!(index.idf(common) < 1.0 && index.idf(rare) > 1.0);
        assert!(!index.contains(0, common));
        assert!(index.contains(3, rare));
        assert!(index.contains(0, index.term_id("价格").expect("word")));
    }
}
