//! `peer`: the ussbot answer engine next to tantivy + tantivy-jieba, on the
//! same knowledge and the same queries, in one run.
//!
//! ```text
//! cargo run --release -p ussbot-peer               # shipped, 10k and 100k cases
//! cargo run --release -p ussbot-peer -- --quick    # shipped and 10k only
//! cargo run --release -p ussbot-peer -- --triggers # generated cases carry a trigger each
//! ```
//!
//! For each size (the shipped knowledge, then shipped + 10,000 and + 100,000
//! cases from `ussbot-synth`) it builds both engines over the same validated
//! entries and times every query after a warm-up pass:
//!
//! - ussbot: `Engine::answer`, the full pipeline (normalize → route → rank →
//!   render);
//! - tantivy: an in-RAM index with the fields title, keywords, summary and
//!   body, tokenized by jieba (default mode, lower-cased, punctuation and
//!   spaces dropped), boosted like ussbot's field weights (3, 2.5, 1.5, 1).
//!   A query is segmented with the same analyzer, its words joined by spaces
//!   (so that a Chinese sentence is a disjunction of words, not one phrase),
//!   parsed by `QueryParser` over the four fields, searched for the top 5,
//!   and those 5 documents are fetched from the store.
//!
//! Build times: ussbot is load + validate + `Engine::new` (its jieba
//! dictionary included); tantivy is indexing + commit + merge into one
//! segment + opening a reader, over already validated entries. tantivy-jieba
//! keeps one global jieba, loaded once per process; its load time is printed
//! on its own.

use std::error::Error;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, STORED, STRING,
};
use tantivy::tokenizer::{LowerCaser, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument};
use tantivy_jieba::JiebaTokenizer;
use ussbot::engine::Engine;
use ussbot::knowledge::{load_sources, Knowledge};
use ussbot_synth::{self as synth, Spec};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Generated case counts compared, with a display name.
const SIZES: &[(&str, usize)] = &[("shipped", 0), ("10k", 10_000), ("100k", 100_000)];
/// Timed calls per engine and size (at least).
const CALLS: usize = 2_000;
/// Results fetched per tantivy query, as many as ussbot lists.
const TOP: usize = 5;
/// Field boosts, as ussbot's field weights.
const BOOSTS: [f32; 4] = [3.0, 2.5, 1.5, 1.0];

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let triggers = args.iter().any(|a| a == "--triggers");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shipped = ussbot::knowledge::read_sources(&root.join("knowledge"))?;
    let labelled = synth::labelled_queries(&std::fs::read_to_string(
        root.join("tests/data/queries.toml"),
    )?)?;

    let t = Instant::now();
    JiebaTokenizer::new().token_stream("预热分词词典").advance();
    let dict = t.elapsed();

    let mut rows = Vec::new();
    for &(name, cases) in SIZES {
        if quick && cases > 10_000 {
            continue;
        }
        let spec = Spec {
            triggers,
            ..Spec::new(cases)
        };
        let mut files = shipped.clone();
        files.extend(synth::case_files(spec));
        let queries = synth::queries(spec, &labelled, CALLS);

        let t = Instant::now();
        let knowledge = load_sources(files).map_err(|e| e.to_string())?;
        let engine = Engine::new(Arc::new(knowledge))?;
        let ussbot_build = t.elapsed();

        let t = Instant::now();
        let peer = Peer::build(engine.knowledge())?;
        let peer_build = t.elapsed();

        let ours = time(&queries, |q| {
            black_box(engine.answer(q));
        });
        let theirs = time(&queries, |q| {
            black_box(peer.search(q).expect("tantivy search"));
        });
        eprintln!("{name}: done");
        rows.push((
            name,
            engine.knowledge().entries().len(),
            ussbot_build,
            peer_build,
            ours,
            theirs,
        ));
    }

    println!();
    println!(
        "ussbot Engine::answer vs tantivy 0.27 + tantivy-jieba 0.21 (release; generated cases {} triggers)",
        if triggers { "with" } else { "without" }
    );
    println!(
        "tantivy-jieba dictionary load (once per process, not in the tantivy build column): {:.1} ms",
        ms(dict)
    );
    println!(
        "{:<8} {:>7} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "size",
        "entries",
        "ussbot",
        "tantivy",
        "ussbot",
        "ussbot",
        "tantivy",
        "tantivy",
        "p50",
        "p99"
    );
    println!(
        "{:<8} {:>7} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "", "", "build ms", "build ms", "p50 µs", "p99 µs", "p50 µs", "p99 µs", "t/u", "t/u"
    );
    for (name, entries, ub, tb, ours, theirs) in rows {
        println!(
            "{:<8} {:>7} {:>10.1} {:>10.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.2} {:>9.2}",
            name,
            entries,
            ms(ub),
            ms(tb),
            us(ours.p50),
            us(ours.p99),
            us(theirs.p50),
            us(theirs.p99),
            theirs.p50.as_secs_f64() / ours.p50.as_secs_f64(),
            theirs.p99.as_secs_f64() / ours.p99.as_secs_f64(),
        );
    }
    println!("t/u: tantivy time / ussbot time (above 1: ussbot is faster)");
    Ok(())
}

/// Latency percentiles of one engine on one size.
struct Latency {
    p50: Duration,
    p99: Duration,
}

/// One warm-up pass over `queries`, then time each call until at least
/// [`CALLS`] calls.
fn time(queries: &[String], mut f: impl FnMut(&str)) -> Latency {
    for q in queries {
        f(q);
    }
    let mut samples = Vec::with_capacity(queries.len().max(CALLS));
    while samples.len() < CALLS {
        for q in queries {
            let t = Instant::now();
            f(black_box(q));
            samples.push(t.elapsed());
        }
    }
    samples.sort_unstable();
    Latency {
        p50: pct(&samples, 50.0),
        p99: pct(&samples, 99.0),
    }
}

/// The tantivy side: an in-RAM index over the same entries.
struct Peer {
    reader: IndexReader,
    parser: QueryParser,
    analyzer: TextAnalyzer,
}

impl Peer {
    fn build(knowledge: &Knowledge) -> Result<Peer> {
        let mut sb = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("jieba")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let id = sb.add_text_field("id", STRING | STORED);
        let title = sb.add_text_field("title", text.clone().set_stored());
        let keywords = sb.add_text_field("keywords", text.clone());
        let summary = sb.add_text_field("summary", text.clone());
        let body = sb.add_text_field("body", text);
        let index = Index::create_in_ram(sb.build());
        let analyzer = TextAnalyzer::builder(JiebaTokenizer::with_search_mode(false))
            .filter(WordsOnly)
            .filter(LowerCaser)
            .build();
        index.tokenizers().register("jieba", analyzer.clone());

        let mut writer: IndexWriter = index.writer(256 << 20)?;
        for e in knowledge.entries() {
            let mut doc = TantivyDocument::default();
            doc.add_text(id, e.id.as_str());
            // Exactly the texts ussbot indexes, field by field.
            let [t, k, s, b] = ussbot::engine::indexed_fields(e);
            doc.add_text(title, t.0);
            doc.add_text(keywords, k.0);
            doc.add_text(summary, s.0);
            doc.add_text(body, b.0);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let segments = index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        writer.wait_merging_threads()?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let fields: [Field; 4] = [title, keywords, summary, body];
        let mut parser = QueryParser::for_index(&index, fields.to_vec());
        for (f, boost) in fields.into_iter().zip(BOOSTS) {
            parser.set_field_boost(f, boost);
        }
        Ok(Peer {
            reader,
            parser,
            analyzer,
        })
    }

    /// Top-5 documents for a message, fetched from the store.
    fn search(&self, message: &str) -> Result<Vec<TantivyDocument>> {
        let mut words = String::new();
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(message);
        while stream.advance() {
            let t = &stream.token().text;
            if t.chars().all(char::is_alphanumeric) {
                words.push_str(t);
                words.push(' ');
            }
        }
        let (query, _errors) = self.parser.parse_query_lenient(&words);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(TOP).order_by_score())?;
        let mut docs = Vec::with_capacity(top.len());
        for (_score, address) in top {
            docs.push(searcher.doc(address)?);
        }
        Ok(docs)
    }
}

/// Drops tokens without a letter or digit (spaces, punctuation), which
/// jieba emits as tokens of their own.
#[derive(Clone)]
struct WordsOnly;

impl TokenFilter for WordsOnly {
    type Tokenizer<T: Tokenizer> = WordsOnlyTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> WordsOnlyTokenizer<T> {
        WordsOnlyTokenizer(tokenizer)
    }
}

/// [`WordsOnly`] applied to a tokenizer.
#[derive(Clone)]
struct WordsOnlyTokenizer<T>(T);

impl<T: Tokenizer> Tokenizer for WordsOnlyTokenizer<T> {
    type TokenStream<'a> = WordsOnlyStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        WordsOnlyStream(self.0.token_stream(text))
    }
}

/// The token stream of [`WordsOnlyTokenizer`].
struct WordsOnlyStream<S>(S);

impl<S: TokenStream> TokenStream for WordsOnlyStream<S> {
    fn advance(&mut self) -> bool {
        while self.0.advance() {
            if self.0.token().text.chars().any(char::is_alphanumeric) {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

/// The `p`th percentile of sorted durations (nearest rank).
fn pct(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
