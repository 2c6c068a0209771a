//! The answer engine: one message in, the best handbook answer out.
//!
//! Pipeline: [`route`] (command or free text) → normalize
//! ([`crate::text::Normalizer`]) → terms ([`tokenize`]) → BM25 over weighted
//! fields ([`index`]) plus trigger patterns and intent cues from the
//! knowledge → [`render`]. Pure and synchronous: no IO, and no input makes
//! it fail; an unanswerable message gets the honest fallback.

pub mod brief;
pub mod examples;
pub mod index;
pub mod render;
pub mod route;
pub mod tokenize;

use std::collections::HashMap;
use std::sync::Arc;

use regex::{Regex, RegexSet};

use crate::knowledge::{Body, Entry, Kind, Knowledge, MessageKind, Stall};
use crate::parallel::{self, joined};
use crate::reply::{Item, Reply};
use crate::text::normalize_error::ConverterError;
use crate::text::Normalizer;
use examples::Examples;
use index::{Index, IndexBuilder};
use route::Route;
use tokenize::{Dictionary, Tokenizer, BIGRAM_WEIGHT, PINYIN_WEIGHT};

/// Score added when one of an entry's trigger patterns matches.
const TRIGGER_BOOST: f32 = 6.0;
/// Multiplier for entries whose kind an intent cue asks for.
const INTENT_BOOST: f32 = 1.35;
/// Score added per known dimension for the MAN combination a message describes.
const MAN_BOOST: f32 = 5.0;
/// Score added for an exact MAN code (`M+a+N`).
const CODE_BOOST: f32 = 20.0;
/// Lowest text score accepted without a trigger.
const MIN_SCORE: f32 = 4.0;
/// Lowest share of the query's weight the best entry must cover.
const MIN_COVERAGE: f32 = 0.3;
/// Longest query considered, in characters.
const MAX_QUERY_CHARS: usize = 500;
/// Query terms in more documents than this idf implies are skipped while
/// scoring (about 40% of documents or more).
const MIN_IDF: f32 = 0.9;
/// Bigrams in more documents than this idf implies are not scored (about
/// 12% of documents or more).
const MIN_BIGRAM_IDF: f32 = 2.0;
/// Candidates kept after scoring, before the coverage check.
const MAX_CANDIDATES: usize = 32;
/// Score added per unit of cosine similarity to an entry's nearest
/// labelled example.
const EXAMPLE_WEIGHT: f32 = 14.0;
/// Lowest example similarity that counts as evidence.
const EXAMPLE_MIN: f32 = 0.2;
/// Example similarity that alone makes an entry a confident answer.
const EXAMPLE_STRONG: f32 = 0.6;
/// An out-of-scope example at least this similar, and nearer than any
/// entry's, makes the message out of scope.
const OFF_TOPIC_MIN: f32 = 0.45;
/// Example similarity that, with some support from the words, makes an
/// entry a confident answer.
const EXAMPLE_SOME: f32 = 0.4;
/// Example similarity that settles a close race for the best entry.
const EXAMPLE_SURE: f32 = 0.75;
/// A runner-up within this share of the best score makes the race close.
const CHOICE_RATIO: f32 = 0.9;
/// Example similarity that makes a weak best candidate worth offering.
const EXAMPLE_WEAK: f32 = 0.3;
/// A best score this share of [`MIN_SCORE`] is weak but worth offering.
const WEAK_SHARE: f32 = 0.75;
/// Score added per unit of cosine similarity to the centroid of an
/// entry's examples (all its phrasings at once).
const CENTROID_WEIGHT: f32 = 14.0;
/// Lowest centroid similarity that counts.
const CENTROID_MIN: f32 = 0.1;
/// Multiplier for a note about missing content that no trigger asked for.
const GAP_PENALTY: f32 = 0.6;
/// Weight of a word of a message's homophone-corrected text that the
/// message as typed lacks.
const CORRECTED_WEIGHT: f32 = 0.9;
/// Most threads segmenting the knowledge at startup.
const MAX_INDEX_THREADS: usize = 4;
/// Results kept in a reply's item list.
const MAX_ITEMS: usize = 5;

/// Field weights.
const W_TITLE: f32 = 3.0;
const W_KEYWORDS: f32 = 2.5;
const W_SUMMARY: f32 = 1.5;
const W_BODY: f32 = 1.0;

/// The engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Script conversion tables failed to load.
    #[error(transparent)]
    Converter(#[from] ConverterError),
    /// The trigger patterns could not be combined.
    #[error("cannot combine trigger patterns: {0}")]
    Patterns(String),
}

/// Reply language: that of the question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Lang {
    /// Chinese.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// `zh` or `en`, whichever is this language.
    pub fn pick<T>(self, zh: T, en: T) -> T {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// Chinese when the text has any CJK character, else English.
    pub fn of(text: &str) -> Lang {
        if text.chars().any(tokenize::is_cjk) {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// The language the words of `text` are in, if it has any besides a
    /// leading `/command` (`/help`, `/deals`, `2` have none).
    pub fn of_words(text: &str) -> Option<Lang> {
        let t = text.trim();
        let words = match t.strip_prefix(['/', '／']) {
            Some(rest) => rest.split_once(char::is_whitespace).map_or("", |(_, a)| a),
            None => t,
        };
        if words.chars().any(tokenize::is_cjk) {
            Some(Lang::Zh)
        } else if words.chars().any(|c| c.is_ascii_alphabetic()) {
            Some(Lang::En)
        } else {
            None
        }
    }
}

/// One ranked entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Position in [`Knowledge::entries`].
    pub entry: usize,
    /// Final score.
    pub score: f32,
    /// Whether a trigger pattern or exact code matched.
    pub triggered: bool,
    /// Cosine similarity to the entry's nearest labelled example (0 if none).
    pub example: f32,
    /// Cosine similarity to the centroid of the entry's examples (0 if none).
    pub centroid: f32,
}

/// A ranking with the out-of-scope evidence that goes with it.
#[derive(Debug, Clone, Default)]
pub struct Ranking {
    /// Candidates, best first.
    pub hits: Vec<Hit>,
    /// Similarity to the nearest example the handbook cannot answer.
    pub off_topic: f32,
}

/// What an engine needs that does not depend on the knowledge: the script
/// tables and the segmenter's general dictionary. It takes about a tenth of
/// a second to load, so a caller may load it while the knowledge loads
/// ([`Engine::with_base`]).
#[derive(Debug)]
pub struct Base {
    normalizer: Normalizer,
    dictionary: Dictionary,
}

impl Base {
    /// Load the script tables and the dictionary, side by side.
    pub fn load() -> Result<Base, EngineError> {
        std::thread::scope(|scope| {
            let normalizer = scope.spawn(Normalizer::new);
            let dictionary = Dictionary::load();
            let normalizer = joined(normalizer)?;
            Ok(Base {
                normalizer,
                dictionary,
            })
        })
    }
}

/// The answer engine. Cheap to share (`Arc<Engine>`); all methods take `&self`.
#[derive(Debug)]
pub struct Engine {
    knowledge: Arc<Knowledge>,
    normalizer: Normalizer,
    tokenizer: Tokenizer,
    index: Index,
    /// Kind of each entry, by position (a compact copy for the scoring loop).
    kinds: Vec<Kind>,
    /// (entry, its triggers as one regex); a stall's cues count as a
    /// trigger of its first answer.
    triggers: Vec<(usize, Regex)>,
    /// Each stall's cues as one regex, in the knowledge's stall order.
    stall_cues: Vec<Regex>,
    intents: RegexSet,
    intent_kinds: Vec<Vec<Kind>>,
    man_code: Regex,
    examples: Examples,
    /// Labelled messages by kind (`[[utterance]]`, and every `[[example]]`
    /// as a handbook question).
    message_kinds: Examples,
    /// Normalized id, code and titles → entry, for messages that name one.
    names: HashMap<String, Vec<usize>>,
    /// Normalized Chinese title of each entry, by position.
    titles_zh: Vec<String>,
}

impl Engine {
    /// Build the engine (segmenter, index, pattern sets) over validated knowledge.
    pub fn new(knowledge: Arc<Knowledge>) -> Result<Self, EngineError> {
        Self::with_base(knowledge, Base::load()?)
    }

    /// Build the engine over validated knowledge from a [`Base`] loaded
    /// beforehand (perhaps while the knowledge loaded).
    pub fn with_base(knowledge: Arc<Knowledge>, base: Base) -> Result<Self, EngineError> {
        let Base {
            normalizer,
            dictionary,
        } = base;
        let normalizer = normalizer.with_regional(&knowledge.regional);
        let mut tokenizer = Tokenizer::new(
            dictionary,
            knowledge.words.iter().map(|(w, f)| (w.as_str(), *f)),
            &knowledge.synonyms,
        );
        // Titles and keywords segment whole; each distinct word is added once.
        let mut added = std::collections::HashSet::new();
        for e in knowledge.entries() {
            for w in std::iter::once(&e.title_zh).chain(&e.keywords) {
                let w = w.to_lowercase();
                if !added.contains(&w) {
                    tokenizer.add_word(&w);
                    added.insert(w);
                }
            }
        }
        let index = build_index(&tokenizer, knowledge.entries());
        tokenizer.set_vocabulary(index.words().cloned());

        // One regex per entry (its triggers joined): each keeps its own
        // literal prefilter, which is far faster than one large set.
        let mut triggers = Vec::new();
        for (i, e) in knowledge.entries().iter().enumerate() {
            if e.triggers.is_empty() {
                continue;
            }
            triggers.push((i, one_regex(&e.triggers)?));
        }
        // A stall's cues, joined the same way, are also a trigger of the
        // first entry that answers it.
        let mut stall_cues = Vec::new();
        for s in &knowledge.stalls {
            let re = one_regex(&s.cues)?;
            if let Some(&first) = s.answers.first() {
                triggers.push((first, re.clone()));
            }
            stall_cues.push(re);
        }
        let mut intent_patterns = Vec::new();
        let mut intent_kinds = Vec::new();
        for it in &knowledge.intents {
            for p in &it.patterns {
                intent_patterns.push(ascii_word_boundaries(p.as_str()));
                intent_kinds.push(it.kinds.clone());
            }
        }
        let intents =
            RegexSet::new(&intent_patterns).map_err(|e| EngineError::Patterns(e.to_string()))?;
        let man_code =
            Regex::new(r"(?:^|[^A-Za-z])([Mm])\s*\+\s*([Aa])\s*\+\s*([Nn])(?:$|[^A-Za-z])")
                .map_err(|e| EngineError::Patterns(e.to_string()))?;
        let kinds = knowledge.entries().iter().map(Entry::kind).collect();
        let normalized: Vec<(Option<usize>, String)> = knowledge
            .examples
            .iter()
            .map(|x| (x.entry, normalizer.normalize(&x.text)))
            .collect();
        let examples =
            Examples::build(&tokenizer, normalized.iter().map(|(e, t)| (*e, t.as_str())));
        let kinds_of: Vec<(Option<usize>, String)> = knowledge
            .utterances
            .iter()
            .map(|u| (Some(u.kind as usize), normalizer.normalize(&mark(&u.text))))
            // Out-of-scope questions count as handbook questions here: the
            // engine answers them with its honest fallback.
            .chain(
                normalized
                    .iter()
                    .map(|(_, t)| (Some(MessageKind::Handbook as usize), t.clone())),
            )
            .collect();
        let message_kinds =
            Examples::build(&tokenizer, kinds_of.iter().map(|(k, t)| (*k, t.as_str())));
        let mut names = HashMap::new();
        let mut titles_zh = Vec::with_capacity(knowledge.entries().len());
        for (i, e) in knowledge.entries().iter().enumerate() {
            let zh = squeeze(&crate::text::normalize(&e.title_zh));
            for name in [
                e.id.as_str().to_string(),
                zh.clone(),
                squeeze(&crate::text::normalize(&e.title)),
                // MAN codes differ only in case, which normalizing loses;
                // the MAN code pattern finds those.
                if matches!(e.body, Body::Man(_)) {
                    String::new()
                } else {
                    code_of(e).to_lowercase()
                },
            ] {
                if !name.is_empty() {
                    let of: &mut Vec<usize> = names.entry(name).or_default();
                    if !of.contains(&i) {
                        of.push(i);
                    }
                }
            }
            titles_zh.push(zh);
        }
        Ok(Engine {
            names,
            titles_zh,
            examples,
            message_kinds,
            kinds,
            knowledge,
            normalizer,
            tokenizer,
            index,
            triggers,
            stall_cues,
            intents,
            intent_kinds,
            man_code,
        })
    }

    /// The knowledge this engine answers from.
    pub fn knowledge(&self) -> &Arc<Knowledge> {
        &self.knowledge
    }

    /// The normalizer (shared with the deal parser).
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// Names of entries of the given kinds, for autocomplete: (id, Chinese
    /// title, English title).
    pub fn names(&self, kinds: &[Kind]) -> Vec<(&str, &str, &str)> {
        self.knowledge
            .entries()
            .iter()
            .filter(|e| kinds.contains(&e.kind()))
            .map(|e| (e.id.as_str(), e.title_zh.as_str(), e.title.as_str()))
            .collect()
    }

    /// Answer one message.
    pub fn answer(&self, text: &str) -> Reply {
        self.answer_in(text, Lang::of(text))
    }

    /// Answer `text`; a message without words of its own (`/help`, `/case`)
    /// is answered in `usual`, the language the user writes in.
    pub fn answer_in(&self, text: &str, usual: Lang) -> Reply {
        let lang = Lang::of_words(text).unwrap_or(usual);
        match route::route(text) {
            Route::Help => render::help(lang),
            Route::Unknown(cmd) => render::unknown_command(cmd, lang),
            Route::Search {
                kinds,
                command,
                query,
            } => {
                let lang = Lang::of_words(query).unwrap_or(lang);
                if query.trim().is_empty() {
                    let kinds = kinds.unwrap_or(&[]);
                    return render::list(&self.knowledge, kinds, command, lang);
                }
                let query = cut_chars(query, MAX_QUERY_CHARS);
                let normalized = self.normalizer.normalize(query);
                if let Some(idx) = self.by_name(&normalized, kinds) {
                    let hit = Hit {
                        entry: idx,
                        score: CODE_BOOST,
                        triggered: true,
                        example: 1.0,
                        centroid: 0.0,
                    };
                    let mut hits = vec![hit];
                    hits.extend(
                        self.ranking_normalized(query, &normalized, kinds)
                            .hits
                            .into_iter()
                            .filter(|h| h.entry != idx),
                    );
                    let mut reply = render::entry(&self.knowledge, idx, &hits, lang, None);
                    reply.items = self.items(&hits);
                    return reply;
                }
                let Ranking {
                    mut hits,
                    off_topic,
                } = self.ranking_normalized(query, &normalized, kinds);
                // A stall the message says is in scope, and when the best
                // entry is one of its answers it settles the answer: that
                // entry, with the stall's words.
                let heard: Vec<&Stall> = self
                    .knowledge
                    .stalls
                    .iter()
                    .zip(&self.stall_cues)
                    .filter(|(_, cue)| cue.is_match(&normalized))
                    .map(|(s, _)| s)
                    .collect();
                let best_example = hits.iter().map(|h| h.example).fold(0.0, f32::max);
                let out_of_scope = off_topic >= OFF_TOPIC_MIN && off_topic > best_example;
                if out_of_scope && heard.is_empty() {
                    return render::nothing(&self.knowledge, query, command, lang);
                }
                let decision = self
                    .settle_by_stall(&mut hits, &heard, kinds)
                    .unwrap_or_else(|| decide(&hits));
                match decision {
                    Decision::Answer(best) => {
                        // The answer leads the items even when a trigger
                        // lifted it past a close runner-up.
                        if let Some(i) = hits.iter().position(|h| h.entry == best.entry) {
                            let h = hits.remove(i);
                            hits.insert(0, h);
                        }
                        // A stall the handbook gives no words for gets
                        // drafted words before the entry that answers it.
                        let stall = heard
                            .iter()
                            .find(|s| s.answers.contains(&best.entry))
                            .copied();
                        let mut reply =
                            render::entry(&self.knowledge, best.entry, &hits, lang, stall);
                        reply.items = self.items(&hits);
                        reply
                    }
                    Decision::Choose(n) => {
                        let mut reply = render::choices(&self.knowledge, &hits[..n], lang);
                        reply.items = self.items(&hits[..n]);
                        reply
                    }
                    Decision::Nothing => render::nothing(&self.knowledge, query, command, lang),
                }
            }
        }
    }

    /// The decision a stall the message says settles, if any: the best
    /// entry when it is one of the stall's answers, else the stall's first
    /// answer unless the best entry was named by a pattern of its own
    /// (words alone do not outweigh a stall). The stall's entry is put into
    /// `hits` when the ranking did not find it.
    fn settle_by_stall(
        &self,
        hits: &mut Vec<Hit>,
        heard: &[&Stall],
        kinds: Option<&[Kind]>,
    ) -> Option<Decision> {
        let best = hits.first().copied();
        if let Some(b) = best {
            if heard.iter().any(|s| s.answers.contains(&b.entry)) {
                return Some(Decision::Answer(b));
            }
        }
        if best.is_some_and(|b| b.triggered) {
            return None;
        }
        let entry = *heard.first()?.answers.first()?;
        if !kinds.is_none_or(|k| k.contains(&self.kinds[entry])) {
            return None;
        }
        if let Some(&h) = hits.iter().find(|h| h.entry == entry) {
            return Some(Decision::Answer(h));
        }
        let h = Hit {
            entry,
            score: TRIGGER_BOOST,
            triggered: true,
            example: 0.0,
            centroid: 0.0,
        };
        hits.insert(0, h);
        Some(Decision::Answer(h))
    }

    /// The entry a message names outright: its id, code (`KA07`, `Q1`,
    /// `M+a+N`), Chinese or English title, or, within a command's kinds,
    /// the one title that contains it (`/mode 快刀` → 快刀模式).
    fn by_name(&self, normalized: &str, kinds: Option<&[Kind]>) -> Option<usize> {
        let q = squeeze(normalized);
        let q = q.as_str();
        if q.is_empty() {
            return None;
        }
        if let Some(all) = self.names.get(q) {
            // Two entries of one name (the closing and the approach 直接法)
            // are told apart by the command's kinds, else not named
            // outright; a name outside the command's kinds still opens
            // (`/man MAN原则`).
            let within: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&i| kinds.is_none_or(|k| k.contains(&self.kinds[i])))
                .collect();
            match (within.as_slice(), all.as_slice()) {
                ([i], _) | ([], [i]) => return Some(*i),
                _ => return None,
            }
        }
        let kinds = kinds?;
        if q.chars().count() < 2 {
            return None;
        }
        // The shortest title that contains the words, if only one is that
        // short: `/mode 快刀` is 快刀模式, not 快刀模式第一次拜访.
        let mut within: Vec<(usize, usize)> = self
            .titles_zh
            .iter()
            .enumerate()
            .filter(|(i, t)| kinds.contains(&self.kinds[*i]) && t.contains(q))
            .map(|(i, t)| (t.chars().count(), i))
            .collect();
        within.sort_unstable();
        match within.as_slice() {
            [(_, i)] => Some(*i),
            [(a, i), (b, _), ..] if a < b => Some(*i),
            _ => None,
        }
    }

    /// Open one entry by id, as when the user picks it from a choice.
    pub fn open(&self, id: &str, lang: Lang) -> Option<Reply> {
        let idx = self
            .knowledge
            .entries()
            .iter()
            .position(|e| e.id.as_str() == id)?;
        let hit = Hit {
            entry: idx,
            score: 0.0,
            triggered: true,
            example: 0.0,
            centroid: 0.0,
        };
        let mut reply = render::entry(&self.knowledge, idx, &[hit], lang, None);
        reply.items = self.items(&[hit]);
        Some(reply)
    }

    fn items(&self, hits: &[Hit]) -> Vec<Item> {
        hits.iter()
            .take(MAX_ITEMS)
            .map(|h| {
                let e = &self.knowledge.entries()[h.entry];
                Item {
                    id: e.id.0.clone(),
                    kind: e.kind().name().to_string(),
                    title: e.title.clone(),
                    title_zh: e.title_zh.clone(),
                    score: (f64::from(h.score) * 1000.0).round() / 1000.0,
                }
            })
            .collect()
    }

    /// Rank entries for a query, best first, optionally only of `kinds`.
    /// At most [`MAX_CANDIDATES`] entries are returned.
    pub fn rank(&self, query: &str, kinds: Option<&[Kind]>) -> Vec<Hit> {
        self.ranking(query, kinds).hits
    }

    /// Rank entries for a query and measure how out of scope it looks.
    pub fn ranking(&self, query: &str, kinds: Option<&[Kind]>) -> Ranking {
        let query = cut_chars(query, MAX_QUERY_CHARS);
        let normalized = self.normalizer.normalize(query);
        self.ranking_normalized(query, &normalized, kinds)
    }

    /// [`Engine::ranking`] of a query already cut and normalized.
    fn ranking_normalized(&self, query: &str, normalized: &str, kinds: Option<&[Kind]>) -> Ranking {
        if normalized.is_empty() {
            return Ranking::default();
        }
        let entries = self.knowledge.entries();
        let terms = self.query_terms(normalized);

        // Kinds an intent cue asks for get a multiplier while scoring.
        let mut wanted: Vec<Kind> = Vec::new();
        for i in self.intents.matches(normalized).into_iter() {
            wanted.extend(self.intent_kinds[i].iter().copied());
        }
        let allowed = |doc: usize| kinds.is_none_or(|k| k.contains(&entries[doc].kind()));

        // Resolve terms once: (id, query weight); unknown terms stay for coverage.
        // Bigrams are a weak fallback: only the rarer ones are worth scoring.
        let ids: Vec<(u32, f32)> = terms
            .iter()
            .filter_map(|(t, w)| self.index.term_id(t).map(|id| (t, id, *w)))
            .filter(|(t, id, _)| !tokenize::is_bigram(t) || self.index.idf(*id) >= MIN_BIGRAM_IDF)
            .map(|(_, id, w)| (id, w))
            .collect();
        let mut hits: Vec<Hit> = Vec::new();
        self.index.score(&ids, MIN_IDF, |doc, s| {
            let doc = doc as usize;
            if allowed(doc) {
                let boost = if wanted.contains(&self.kinds[doc]) {
                    INTENT_BOOST
                } else {
                    1.0
                };
                hits.push(Hit {
                    entry: doc,
                    score: s * boost,
                    triggered: false,
                    example: 0.0,
                    centroid: 0.0,
                });
            }
        });

        // Pattern evidence: triggers, MAN cues, an exact MAN code, as
        // (add, multiply) per entry.
        let mut extra: HashMap<usize, (f32, f32)> = HashMap::new();
        for (entry, re) in &self.triggers {
            if re.is_match(normalized) {
                extra.insert(*entry, (TRIGGER_BOOST, 1.0));
            }
        }
        // With two or more MAN dimensions stated, the combination that fits
        // them wins and the ones the message contradicts drop.
        let signals = self.knowledge.man_signals(normalized);
        let known = signals.iter().filter(|s| s.is_some()).count();
        if known >= 2 {
            for (i, e) in entries.iter().enumerate() {
                if let Body::Man(m) = &e.body {
                    let dims = [m.money, m.authority, m.need];
                    let fits = signals
                        .iter()
                        .zip(dims)
                        .all(|(s, d)| s.is_none_or(|v| v == d));
                    let slot = extra.entry(i).or_insert((0.0, 1.0));
                    if fits {
                        slot.0 += MAN_BOOST * known as f32;
                    } else {
                        slot.1 *= 0.3;
                    }
                }
            }
        }
        if let Some(code) = self.man_code.captures(query) {
            let code = format!("{}+{}+{}", &code[1], &code[2], &code[3]);
            for (i, e) in entries.iter().enumerate() {
                if matches!(&e.body, Body::Man(m) if m.code == code) {
                    extra.entry(i).or_insert((0.0, 1.0)).0 += CODE_BOOST;
                }
            }
        }
        if !extra.is_empty() {
            for h in hits.iter_mut() {
                if let Some((add, mul)) = extra.remove(&h.entry) {
                    h.score = h.score * mul + add;
                    h.triggered = add > 0.0;
                }
            }
            for (entry, (add, _)) in extra {
                if add > 0.0 && allowed(entry) {
                    hits.push(Hit {
                        entry,
                        score: add,
                        triggered: true,
                        example: 0.0,
                        centroid: 0.0,
                    });
                }
            }
        }

        // Nearest labelled examples, and the centroids of each entry's.
        let similar = self.examples.similar(&terms, allowed);
        add_similarity(
            &mut hits,
            &similar.entries,
            EXAMPLE_MIN,
            EXAMPLE_WEIGHT,
            |h, x| h.example = x,
        );
        add_similarity(
            &mut hits,
            &similar.centroid,
            CENTROID_MIN,
            CENTROID_WEIGHT,
            |h, c| h.centroid = c,
        );

        // Keep the best candidates, then penalize those that match too
        // little of the query (a lone common word is not an answer).
        let by_score = |a: &Hit, b: &Hit| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.entry.cmp(&b.entry))
        };
        if hits.len() > MAX_CANDIDATES {
            hits.select_nth_unstable_by(MAX_CANDIDATES - 1, by_score);
            hits.truncate(MAX_CANDIDATES);
        }
        // Coverage weights: a word's idf, or the highest idf for a word no
        // entry contains (it counts fully against coverage).
        let unknown = ((self.index.len() as f32 + 0.5) / 0.5).ln();
        let words: Vec<(Option<u32>, f32)> = terms
            .iter()
            .filter(|(t, _)| !tokenize::is_bigram(t))
            .map(|(t, w)| match self.index.term_id(t) {
                Some(id) => (Some(id), w * self.index.idf(id)),
                None => (None, w * unknown),
            })
            .collect();
        let total: f32 = words.iter().map(|(_, w)| w).sum();
        for h in hits.iter_mut() {
            let matched: f32 = words
                .iter()
                .filter(|(id, _)| id.is_some_and(|id| self.index.contains(h.entry as u32, id)))
                .map(|(_, w)| w)
                .sum();
            // A note about missing content answers only when asked for:
            // an incidental word ("分钟", "模式") must not put it first.
            if !h.triggered && self.kinds[h.entry] == Kind::Gap {
                h.score *= GAP_PENALTY;
            }
            if !h.triggered
                && h.example < EXAMPLE_MIN
                && (total <= 0.0 || matched / total < MIN_COVERAGE)
            {
                h.score *= 0.5;
            }
        }
        hits.sort_by(by_score);
        Ranking {
            hits,
            off_topic: similar.off_topic,
        }
    }

    /// What ussbot does and how to ask, in `lang`.
    pub fn help(&self, lang: Lang) -> Reply {
        render::help(lang)
    }

    /// How near a message is to the labelled messages of each kind:
    /// (kind, cosine of the nearest, cosine with the kind's centroid), best
    /// nearest first. `normalized` has the rep's customers and their people
    /// replaced by [`CUSTOMER_MARK`] and [`PERSON_MARK`].
    pub fn message_kinds(&self, normalized: &str) -> Vec<(MessageKind, f32, f32)> {
        let sim = self
            .message_kinds
            .similar(&self.query_terms(normalized), |_| true);
        let mut out: Vec<(MessageKind, f32, f32)> = MessageKind::ALL
            .iter()
            .map(|&k| {
                let of = |v: &[(usize, f32)]| {
                    v.iter()
                        .find(|(i, _)| *i == k as usize)
                        .map_or(0.0, |(_, x)| *x)
                };
                (k, of(&sim.entries), of(&sim.centroid))
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out
    }

    fn query_terms(&self, normalized: &str) -> Vec<(String, f32)> {
        let mut words = Vec::new();
        self.tokenizer.words(normalized, &mut words);
        let mut terms: HashMap<String, f32> = HashMap::new();
        for w in words {
            let e = terms.entry(w).or_insert(0.0);
            *e = e.max(1.0);
        }
        let mut bigrams = Vec::new();
        self.tokenizer.bigrams(normalized, &mut bigrams);
        for b in bigrams.drain(..) {
            terms.entry(b).or_insert(BIGRAM_WEIGHT);
        }
        // Homophone typos: the corrected text's terms count nearly fully,
        // and the typo's own words no longer count against the message.
        if let Some(fixed) = self.tokenizer.corrected(normalized) {
            let mut words = Vec::new();
            self.tokenizer.words(&fixed, &mut words);
            self.tokenizer.bigrams(&fixed, &mut bigrams);
            let fixed_words: std::collections::HashSet<&String> = words.iter().collect();
            for (t, w) in terms.iter_mut() {
                if !tokenize::is_bigram(t) && !fixed_words.contains(t) {
                    *w = w.min(PINYIN_WEIGHT);
                }
            }
            for w in &words {
                terms.entry(w.clone()).or_insert(CORRECTED_WEIGHT);
            }
            for b in bigrams {
                terms.entry(b).or_insert(BIGRAM_WEIGHT * CORRECTED_WEIGHT);
            }
        }
        let mut v: Vec<_> = terms.into_iter().collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }
}

/// Stands for one of the rep's customers in a message being classified.
pub const CUSTOMER_MARK: &str = " zzkehu ";
/// Stands for a customer's person (孙经理, Mr Sun) in a message being classified.
pub const PERSON_MARK: &str = " zzren ";

/// A labelled message with its placeholders replaced by the marks.
fn mark(text: &str) -> String {
    text.replace("{客户}", CUSTOMER_MARK)
        .replace("{人}", PERSON_MARK)
}

/// Text without whitespace, for comparing names ("MAN 原则" = "MAN原则").
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Add `weight × similarity` to each entry's hit (making one if needed)
/// for similarities of at least `min`, best first, and record it with `set`.
fn add_similarity(
    hits: &mut Vec<Hit>,
    similar: &[(usize, f32)],
    min: f32,
    weight: f32,
    set: fn(&mut Hit, f32),
) {
    for &(entry, x) in similar.iter().take(MAX_CANDIDATES) {
        if x < min {
            break;
        }
        let at = match hits.iter().position(|h| h.entry == entry) {
            Some(i) => i,
            None => {
                hits.push(Hit {
                    entry,
                    score: 0.0,
                    triggered: false,
                    example: 0.0,
                    centroid: 0.0,
                });
                hits.len() - 1
            }
        };
        hits[at].score += weight * x;
        set(&mut hits[at], x);
    }
}

/// Patterns joined into one regex, ASCII words matched whole.
fn one_regex(patterns: &[Regex]) -> Result<Regex, EngineError> {
    let joined = patterns
        .iter()
        .map(|t| format!("(?:{})", ascii_word_boundaries(t.as_str())))
        .collect::<Vec<_>>()
        .join("|");
    Regex::new(&joined).map_err(|e| EngineError::Patterns(e.to_string()))
}

/// What to do with a ranking.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Decision {
    /// One answer can be claimed.
    Answer(Hit),
    /// Offer the first `n` candidates and let the user pick.
    Choose(usize),
    /// Nothing fits.
    Nothing,
}

/// Answer when the best candidate is strong and clearly ahead; offer the
/// two or three best when several are close or the best is weak but
/// plausible; otherwise nothing fits.
fn decide(hits: &[Hit]) -> Decision {
    let Some(&best) = hits.first() else {
        return Decision::Nothing;
    };
    // The score without the example evidence: what the words alone say.
    let text = best.score - EXAMPLE_WEIGHT * best.example - CENTROID_WEIGHT * best.centroid;
    let strong = best.triggered
        || best.example >= EXAMPLE_STRONG
        || text >= MIN_SCORE
        || (best.example >= EXAMPLE_SOME && text >= MIN_SCORE * 0.5);
    let close: Vec<Hit> = hits
        .iter()
        .take(3)
        .filter(|h| h.score >= best.score * CHOICE_RATIO)
        .copied()
        .collect();
    // Of close candidates, the only one a trigger pattern names wins.
    let mut named = close.iter().filter(|h| h.triggered);
    let only_named = match (named.next(), named.next()) {
        (Some(&one), None) => Some(one),
        _ => None,
    };
    if strong {
        if close.len() == 1 || best.example >= EXAMPLE_SURE {
            return Decision::Answer(best);
        }
        if let Some(one) = only_named {
            return Decision::Answer(one);
        }
        return Decision::Choose(close.len());
    }
    // The words alone are weak, but a close runner-up is named outright.
    if let Some(one) = only_named {
        return Decision::Answer(one);
    }
    // Weak but plausible: a labelled example is somewhat near.
    if best.example >= EXAMPLE_WEAK && best.score >= MIN_SCORE * WEAK_SHARE {
        let n = hits
            .iter()
            .take(3)
            .filter(|h| h.score >= best.score * 0.6)
            .count();
        if n >= 2 {
            return Decision::Choose(n);
        }
    }
    Decision::Nothing
}

/// Index every entry's fields, splitting the entries over the machine's
/// cores (segmentation is most of the startup time) and joining the parts
/// in order.
fn build_index(tokenizer: &Tokenizer, entries: &[Entry]) -> Index {
    let threads = parallel::threads(MAX_INDEX_THREADS);
    let chunk = entries.len().div_ceil(threads).max(1);
    let parts: Vec<IndexBuilder> = std::thread::scope(|scope| {
        let handles: Vec<_> = entries
            .chunks(chunk)
            .enumerate()
            .map(|(n, part)| {
                scope.spawn(move || {
                    let mut b = IndexBuilder::starting_at((n * chunk) as u32);
                    for e in part {
                        index_entry(tokenizer, e, &mut b);
                    }
                    b
                })
            })
            .collect();
        handles.into_iter().map(joined).collect()
    });
    let mut parts = parts.into_iter();
    let mut whole = parts.next().unwrap_or_default();
    for part in parts {
        whole.append(part);
    }
    whole.build(MIN_BIGRAM_IDF)
}

/// Add one entry's fields to the index as its document. Knowledge is
/// written in simplified Chinese, so indexing skips the script conversion
/// that queries get.
fn index_entry(tokenizer: &Tokenizer, e: &Entry, b: &mut IndexBuilder) {
    for (text, weight) in indexed_fields(e) {
        let n = crate::text::normalize(&text);
        tokenizer.each_word(&n, |w| b.term(w, weight));
        tokenizer.each_pair(&n, |x, y| b.pair(x, y, weight * BIGRAM_WEIGHT));
    }
    b.end_doc();
}

/// The texts the engine indexes for an entry, with their field weights:
/// title (with the Chinese title and any code), keywords, summary, body.
pub fn indexed_fields(e: &Entry) -> [(String, f32); 4] {
    [
        (
            format!("{} {} {}", e.title, e.title_zh, code_of(e)),
            W_TITLE,
        ),
        (e.keywords.join(" "), W_KEYWORDS),
        (
            format!("{} {}", e.summary, e.summary_zh.as_deref().unwrap_or("")),
            W_SUMMARY,
        ),
        (body_text(e), W_BODY),
    ]
}

/// The short code of an entry (KA10, Q1, M+a+N), if it has one.
fn code_of(e: &Entry) -> String {
    match &e.body {
        Body::Activity(a) => a.code.clone(),
        Body::Visit(v) => v.code.clone(),
        Body::Man(m) => m.code.clone(),
        _ => String::new(),
    }
}

/// The searchable body text of an entry.
fn body_text(e: &Entry) -> String {
    let mut parts: Vec<&str> = Vec::new();
    match &e.body {
        Body::Case(c) => {
            parts.extend([
                c.customer.as_str(),
                &c.industry,
                &c.background,
                &c.pain,
                &c.provided,
            ]);
            parts.extend(c.causes.iter().map(String::as_str));
            parts.extend(c.capabilities.iter().map(String::as_str));
            parts.extend(c.results.iter().map(String::as_str));
            parts.extend(c.products.iter().map(String::as_str));
            parts.extend(c.contacts.iter().map(|c| c.name.as_str()));
        }
        Body::SellingPoint(p) => {
            parts.extend([p.area.as_str(), &p.description]);
            parts.extend(p.benefits.iter().map(String::as_str));
            for r in p.values.iter().chain(&p.needs) {
                parts.extend([r.role.as_str(), &r.text]);
            }
        }
        Body::Closing(c) => parts.extend([c.definition.as_str(), &c.when_to_use, &c.phrase]),
        Body::Objection(o) => {
            parts.extend([o.when_to_use.as_str(), &o.timing]);
            parts.extend(o.dialogue.iter().map(|l| l.text.as_str()));
        }
        Body::Skill(s) => {
            parts.push(&s.definition);
            parts.extend(
                s.goals
                    .iter()
                    .chain(&s.steps)
                    .chain(&s.key_points)
                    .map(String::as_str),
            );
            for sec in &s.sections {
                parts.push(&sec.title);
                parts.extend(sec.items.iter().map(String::as_str));
            }
        }
        Body::Step(s) => parts.extend([s.stage.as_str(), &s.stage_en, &s.goal, &s.definition]),
        Body::Activity(a) => {
            parts.extend(
                a.goals
                    .iter()
                    .chain(&a.acceptance)
                    .chain(&a.key_skills)
                    .chain(&a.tools)
                    .map(String::as_str),
            );
            parts.extend(a.actions.iter().map(|x| x.name.as_str()));
        }
        Body::Mode(m) => {
            parts.extend([
                m.fits.as_str(),
                &m.purpose,
                &m.value_space,
                &m.solution,
                &m.team,
                &m.competition,
                &m.customer_focus,
                &m.key_to_win,
            ]);
            if let Some(s) = &m.standard {
                parts.push(s);
            }
            for t in &m.tiers {
                parts.extend([t.name.as_str(), &t.requirement]);
            }
        }
        Body::Visit(v) => {
            parts.extend(v.goals.iter().chain(&v.acceptance).map(String::as_str));
            for a in v.before.iter().chain(&v.during).chain(&v.after) {
                parts.push(&a.name);
            }
        }
        Body::Method(m) => {
            parts.push(&m.description);
            parts.extend(m.items.iter().map(String::as_str));
        }
        Body::Man(m) => parts.extend([m.meaning.as_str(), &m.action]),
        Body::Concept(c) => {
            parts.push(&c.body);
            for sec in &c.sections {
                parts.push(&sec.title);
                parts.extend(sec.items.iter().map(String::as_str));
            }
        }
        Body::Template(t) => parts.push(&t.used_in),
        Body::Gap(g) => {
            parts.push(&g.missing);
            if let Some(k) = &g.known {
                parts.push(k);
            }
        }
    }
    parts.join(" ")
}

/// The first `n` characters of `s`.
fn cut_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Rewrite `\b` and `\B` as ASCII word boundaries. Chinese characters then
/// count as non-word characters, so `\bdiscount\b` also matches in
/// `打折discount`, and the patterns stay eligible for the fast DFA engines.
fn ascii_word_boundaries(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 16);
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('b') => out.push_str("(?-u:\\b)"),
                Some('B') => out.push_str("(?-u:\\B)"),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}
