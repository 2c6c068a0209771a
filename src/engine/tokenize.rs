//! Turning normalized text into index terms: jieba segmentation with the
//! knowledge's domain dictionary, English stemming, synonym folding,
//! character bigrams as a weak fallback, and pinyin recovery of homophone
//! typos (价隔 → 价格).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use jieba_rs::Jieba;
use pinyin::ToPinyin;
use rust_stemmers::{Algorithm, Stemmer};

/// Prefix that keeps bigram terms apart from word terms.
const BIGRAM: char = '\u{1}';

/// Weight of a bigram term relative to a word term.
pub const BIGRAM_WEIGHT: f32 = 0.3;
/// Weight of a term recovered from a homophone typo.
pub const PINYIN_WEIGHT: f32 = 0.7;
/// How many times more common than the typed window the word it sounds
/// like must be to count as the word meant.
const TYPO_RATIO: usize = 10;

/// Words that carry no meaning for retrieval.
const STOP_ZH: &[&str] = &[
    "的",
    "了",
    "吗",
    "呢",
    "啊",
    "吧",
    "呀",
    "嘛",
    "哦",
    "么",
    "我",
    "你",
    "他",
    "她",
    "它",
    "我们",
    "你们",
    "他们",
    "是",
    "在",
    "有",
    "和",
    "与",
    "就",
    "都",
    "也",
    "还",
    "又",
    "这",
    "那",
    "这个",
    "那个",
    "一个",
    "个",
    "要",
    "会",
    "能",
    "可以",
    "怎么",
    "怎么办",
    "什么",
    "啥",
    "如何",
    "哪",
    "哪些",
    "哪个",
    "给",
    "让",
    "把",
    "被",
    "对",
    "说",
    "跟",
    "请",
    "一下",
    "下",
    "没",
    "不",
    "很",
    "太",
    "再",
    "吗",
    "呗",
    "咋",
    "咋办",
    "该",
    "应该",
    "需要",
    "现在",
    "今天",
    "一",
    "用",
    "做",
    "干",
    "干嘛",
    "上",
    "中",
    "里",
    "时候",
    "时",
    "后",
    "前",
    "之",
    "为",
    "以",
    "及",
    "或",
    "等",
];

const STOP_EN: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "were", "be", "to", "of", "in", "on", "for", "and", "or",
    "i", "me", "my", "you", "your", "we", "our", "he", "she", "it", "they", "them", "do", "does",
    "did", "how", "what", "which", "when", "who", "why", "can", "could", "should", "would", "will",
    "with", "this", "that", "there", "here", "at", "by", "from", "about", "as", "if", "so", "just",
    "get", "got", "have", "has", "any", "some", "please", "tell", "give", "show", "want", "need",
    "now", "today", "s", "t", "don", "it's", "i'm",
];

/// One query or document term with its weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub text: String,
    pub weight: f32,
}

/// Segmenter plus language data; built once per engine.
pub struct Tokenizer {
    jieba: Jieba,
    stemmer: Stemmer,
    /// Single-token synonym → canonical.
    synonyms: HashMap<String, String>,
    /// Multi-token synonym phrases (containing a space) → canonical.
    phrases: Vec<(String, String)>,
    /// The phrases as one automaton, found in one pass (`None` only if
    /// it would be too large, when each is looked for in turn).
    phrase_set: Option<regex::RegexSet>,
    stop: HashSet<&'static str>,
    /// Pinyin key → vocabulary words with that reading.
    pinyin: HashMap<String, Vec<String>>,
    vocabulary: HashSet<String>,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("synonyms", &self.synonyms.len())
            .field("vocabulary", &self.vocabulary.len())
            .finish()
    }
}

/// Whether a term is a character bigram (a weak fallback term).
pub fn is_bigram(term: &str) -> bool {
    term.starts_with(BIGRAM)
}

/// The two characters of a bigram term, if it is one.
pub fn bigram_pair(term: &str) -> Option<(char, char)> {
    let mut chars = term.strip_prefix(BIGRAM)?.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some(a), Some(b), None) => Some((a, b)),
        _ => None,
    }
}

/// Whether a character is a CJK ideograph.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// The segmenter's general dictionary (jieba's default), before the
/// knowledge's words are added. Loading it is most of a tokenizer's setup
/// time and needs no knowledge, so it can load while the knowledge does.
pub struct Dictionary(Jieba);

impl Dictionary {
    /// Load the general dictionary.
    pub fn load() -> Self {
        Dictionary(Jieba::new())
    }
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dictionary")
    }
}

impl Tokenizer {
    /// A tokenizer with the general dictionary plus `words` (the domain
    /// dictionary) and the synonym groups. Synonym words are folded to the
    /// first word of their group.
    pub fn new<'a>(
        dictionary: Dictionary,
        words: impl IntoIterator<Item = (&'a str, Option<u32>)>,
        synonyms: &[Vec<String>],
    ) -> Self {
        let mut jieba = dictionary.0;
        for (w, freq) in words {
            jieba.add_word(w, freq.map(|f| f as usize), None);
        }
        let stemmer = Stemmer::create(Algorithm::English);
        let mut single = HashMap::default();
        let mut phrases = Vec::new();
        for group in synonyms {
            let Some(canon) = group.first() else { continue };
            let canon_key = canonical_key(&stemmer, canon);
            for w in group {
                let w = w.trim().to_lowercase();
                if w.is_empty() {
                    continue;
                }
                if w.contains(' ') {
                    phrases.push((w, canon_key.clone()));
                } else {
                    if w.chars().any(is_cjk) {
                        jieba.add_word(&w, None, None);
                    }
                    let key = if w.is_ascii() {
                        stemmer.stem(&w).into_owned()
                    } else {
                        w.clone()
                    };
                    single.entry(key).or_insert_with(|| canon_key.clone());
                }
            }
        }
        let phrase_set = regex::RegexSet::new(phrases.iter().map(|(p, _)| regex::escape(p))).ok();
        Tokenizer {
            jieba,
            stemmer,
            synonyms: single,
            phrases,
            phrase_set,
            stop: STOP_ZH.iter().chain(STOP_EN).copied().collect(),
            pinyin: HashMap::default(),
            vocabulary: HashSet::default(),
        }
    }

    /// Add a word to the segmentation dictionary (titles, keywords).
    pub fn add_word(&mut self, word: &str) {
        if word.chars().any(is_cjk) && !word.contains(' ') {
            self.jieba.add_word(word, None, None);
        }
    }

    /// Record the index vocabulary so typos can be mapped onto it.
    pub fn set_vocabulary(&mut self, terms: impl IntoIterator<Item = String>) {
        self.pinyin.clear();
        self.vocabulary.clear();
        for t in terms {
            let n = t.chars().count();
            if (2..=4).contains(&n) && t.chars().all(is_cjk) {
                if let Some(key) = pinyin_key(&t) {
                    self.pinyin.entry(key).or_default().push(t.clone());
                }
            }
            self.vocabulary.insert(t);
        }
    }

    /// Word terms of normalized text (no bigrams), stop words dropped,
    /// synonyms folded. Used for documents and queries alike.
    pub fn words(&self, normalized: &str, out: &mut Vec<String>) {
        self.each_word(normalized, |w| out.push(w.to_string()));
    }

    /// Call `f` with each word term of normalized text, as [`Self::words`]
    /// lists them, without allocating a string per term.
    pub fn each_word(&self, normalized: &str, mut f: impl FnMut(&str)) {
        for chunk in normalized.split(' ') {
            if chunk.is_empty() {
                continue;
            }
            if chunk.is_ascii() {
                self.word(chunk, &mut f);
                continue;
            }
            for tok in self.jieba.cut(chunk, true) {
                let w = tok.word;
                if w.is_ascii() {
                    // jieba splits "nc太慢" into "nc", "太慢"; english runs
                    // may still contain '+' or '.'.
                    for part in w.split(|c: char| !c.is_ascii_alphanumeric() && c != '+') {
                        self.word(part, &mut f);
                    }
                } else {
                    self.word(w, &mut f);
                }
            }
        }
        // Every phrase has a space in it.
        if normalized.contains(' ') {
            match &self.phrase_set {
                Some(set) => {
                    for i in set.matches(normalized).iter() {
                        f(&self.phrases[i].1);
                    }
                }
                None => {
                    for (phrase, canon) in &self.phrases {
                        if normalized.contains(phrase.as_str()) {
                            f(canon);
                        }
                    }
                }
            }
        }
    }

    fn word(&self, w: &str, f: &mut impl FnMut(&str)) {
        if w.is_empty() || self.stop.contains(w) {
            return;
        }
        if !w.chars().any(|c| is_cjk(c) || c.is_alphanumeric()) {
            return;
        }
        let key = if w.is_ascii() {
            self.stemmer.stem(w)
        } else {
            std::borrow::Cow::Borrowed(w)
        };
        match self.synonyms.get(key.as_ref()) {
            Some(c) => f(c),
            None => f(&key),
        }
    }

    /// Character bigrams of every CJK run.
    pub fn bigrams(&self, normalized: &str, out: &mut Vec<String>) {
        self.each_pair(normalized, |p, c| out.push([BIGRAM, p, c].iter().collect()));
    }

    /// Call `f` with the two characters of each character bigram term.
    pub fn each_pair(&self, normalized: &str, mut f: impl FnMut(char, char)) {
        let mut prev: Option<char> = None;
        for c in normalized.chars() {
            if is_cjk(c) {
                if let Some(p) = prev {
                    f(p, c);
                }
                prev = Some(c);
            } else {
                prev = None;
            }
        }
    }

    /// Vocabulary words that sound like a window of the text but are not
    /// in it: the likely intended words of homophone typos. A candidate
    /// must share a character with the window, so clean text is left alone.
    pub fn homophones(&self, normalized: &str, out: &mut Vec<String>) {
        out.extend(self.typos(normalized).into_iter().map(|t| t.word));
    }

    /// The text with each homophone typo replaced by the vocabulary word
    /// it sounds like (`金音国际那个按例` → `金鹰国际那个案例`), or `None`
    /// when no window of it is one. Longer windows win; where typos
    /// overlap, the first is taken.
    pub fn corrected(&self, normalized: &str) -> Option<String> {
        let mut typos = self.typos(normalized);
        if typos.is_empty() {
            return None;
        }
        typos.sort_by(|a, b| {
            (b.end - b.start)
                .cmp(&(a.end - a.start))
                .then(a.start.cmp(&b.start))
        });
        let mut taken: Vec<&Typo> = Vec::new();
        for t in &typos {
            if taken.iter().all(|u| t.end <= u.start || t.start >= u.end) {
                taken.push(t);
            }
        }
        taken.sort_by_key(|t| t.start);
        let mut out = String::with_capacity(normalized.len());
        let mut at = 0;
        for t in taken {
            out.push_str(&normalized[at..t.start]);
            out.push_str(&t.word);
            at = t.end;
        }
        out.push_str(&normalized[at..]);
        Some(out)
    }

    /// Windows of 2 to 4 CJK characters that are no vocabulary word but
    /// sound like one (loosely: `in`/`ing`, `zh`/`z` alike, as pinyin input
    /// confuses them) that shares a character with them.
    fn typos(&self, normalized: &str) -> Vec<Typo> {
        let mut out = Vec::new();
        if self.pinyin.is_empty() {
            return out;
        }
        let chars: Vec<(usize, char)> = normalized.char_indices().collect();
        let mut i = 0;
        while i < chars.len() {
            if !is_cjk(chars[i].1) {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < chars.len() && is_cjk(chars[j].1) {
                j += 1;
            }
            let run = &chars[i..j];
            let end_of = |k: usize| chars.get(k).map_or(normalized.len(), |c| c.0);
            // A window starts and ends where segmentation cuts: 进信 in
            // 跟进信 (跟进 | 信) is no typo of 进行.
            let text = &normalized[run[0].0..end_of(j)];
            let mut cuts = vec![0usize];
            for tok in self.jieba.cut(text, true) {
                let last = *cuts.last().unwrap_or(&0);
                cuts.push(last + tok.word.chars().count());
            }
            for len in 2..=4.min(run.len()) {
                for start in 0..=run.len() - len {
                    if !cuts.contains(&start) || !cuts.contains(&(start + len)) {
                        continue;
                    }
                    let window: String = run[start..start + len].iter().map(|c| c.1).collect();
                    if self.vocabulary.contains(&window) {
                        continue;
                    }
                    let Some(key) = pinyin_key(&window) else {
                        continue;
                    };
                    // The word meant is a dictionary word and, when the
                    // window is one too, a far more common one (案例 for
                    // 按例, not 报章 for 报帐).
                    let floor = if self.jieba.has_word(&window) {
                        self.jieba.suggest_freq(&window).saturating_mul(TYPO_RATIO)
                    } else {
                        0
                    };
                    for cand in self.pinyin.get(&key).into_iter().flatten() {
                        if cand.chars().zip(window.chars()).any(|(a, b)| a == b)
                            && self.jieba.has_word(cand)
                            && self.jieba.suggest_freq(cand) >= floor
                        {
                            out.push(Typo {
                                start: run[start].0,
                                end: end_of(i + start + len),
                                word: cand.clone(),
                            });
                        }
                    }
                }
            }
            i = j;
        }
        out
    }

    /// Whether a term is in the index vocabulary.
    pub fn known(&self, term: &str) -> bool {
        self.vocabulary.contains(term)
    }
}

fn canonical_key(stemmer: &Stemmer, w: &str) -> String {
    let w = w.trim().to_lowercase();
    if w.is_ascii() && !w.contains(' ') {
        stemmer.stem(&w).into_owned()
    } else {
        w
    }
}

/// A homophone typo: the byte range of the window and the word meant.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Typo {
    start: usize,
    end: usize,
    word: String,
}

/// Loose toneless pinyin of a CJK string, or `None` if a character has
/// none. Sounds pinyin input commonly confuses are folded: the nasal
/// finals `-ng`/`-n` (jin/jing) and the initials `zh ch sh`/`z c s`.
fn pinyin_key(s: &str) -> Option<String> {
    let mut key = String::new();
    for c in s.chars() {
        let p = c.to_pinyin()?.plain();
        let p = ["zh", "ch", "sh"]
            .iter()
            .find_map(|r| p.strip_prefix(r).map(|rest| (&r[..1], rest)));
        let syllable = match p {
            Some((initial, rest)) => format!("{initial}{rest}"),
            None => c.to_pinyin()?.plain().to_string(),
        };
        let syllable = match syllable.strip_suffix("ng") {
            Some(stem) if !stem.ends_with('o') => format!("{stem}n"),
            _ => syllable,
        };
        key.push_str(&syllable);
        key.push(' ');
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok() -> Tokenizer {
        let syn = vec![
            vec!["拜访".to_string(), "访问".to_string()],
            vec!["价格".to_string(), "price".to_string(), "价钱".to_string()],
            vec!["决策人".to_string(), "decision maker".to_string()],
        ];
        Tokenizer::new(
            Dictionary::load(),
            [("审批流", None), ("签单率", None)],
            &syn,
        )
    }

    #[test]
    fn keeps_domain_words_whole_and_folds_synonyms() {
        let t = tok();
        let mut v = Vec::new();
        t.words("审批流 签单率 访问 price decision maker", &mut v);
        assert!(v.contains(&"审批流".to_string()), "{v:?}");
        assert!(v.contains(&"签单率".to_string()), "{v:?}");
        assert!(v.contains(&"拜访".to_string()), "{v:?}");
        assert!(v.contains(&"价格".to_string()), "{v:?}");
        assert!(v.contains(&"决策人".to_string()), "{v:?}");
    }

    #[test]
    fn stems_english_and_drops_stop_words() {
        let t = tok();
        let mut v = Vec::new();
        t.words("how do i handle objections", &mut v);
        assert_eq!(v, vec!["handl".to_string(), "object".to_string()]);
    }

    #[test]
    fn corrects_typos_only_where_a_common_word_was_meant() {
        let mut t = tok();
        t.set_vocabulary(
            ["价格", "案例", "进行", "报章"]
                .iter()
                .map(|w| w.to_string()),
        );
        assert_eq!(
            t.corrected("价隔太高 有按例吗").as_deref(),
            Some("价格太高 有案例吗")
        );
        // Clean text, a window across a word (进信 in 跟进|信) and a
        // rarer word of the same sound (报帐 for 报章) stay as typed.
        assert_eq!(t.corrected("价格太高 有案例吗"), None);
        assert_eq!(t.corrected("跟进信怎么写"), None);
        assert_eq!(t.corrected("报帐系统"), None);
    }

    #[test]
    fn recovers_homophone_typos_without_touching_clean_text() {
        let mut t = tok();
        t.set_vocabulary(["价格".to_string(), "案例".to_string()]);
        let mut v = Vec::new();
        t.homophones("价隔太高 有按例吗", &mut v);
        assert!(v.contains(&"价格".to_string()), "{v:?}");
        assert!(v.contains(&"案例".to_string()), "{v:?}");
        let mut clean = Vec::new();
        t.homophones("价格太高 有案例吗", &mut clean);
        assert!(clean.is_empty(), "{clean:?}");
    }
}
