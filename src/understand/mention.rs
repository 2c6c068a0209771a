//! Which of the rep's customers a message names: the full name, an alias,
//! a short form (恒力 for 恒力集团, 广钢 for 广州钢铁集团), its pinyin
//! (Hengli, Guangzhou Steel) or a homophone typo (恒利). A name that only
//! looks like a customer's (恒力精密, 杭州钢铁集团) is a look-alike: the bot
//! asks, it never merges.

use std::ops::Range;

use pinyin::ToPinyin;

use crate::deals::model::Deal;
use crate::knowledge::NameWords;

/// What a message says about the rep's customers.
#[derive(Debug, Clone, PartialEq)]
pub enum Mention {
    /// One deal, by position in the pipeline given.
    One(usize),
    /// A short form of several deals, or several deals named.
    Many(Vec<usize>),
    /// A name like one or more deals' but not the same (`said`).
    LookAlike {
        /// The name as written.
        said: String,
        /// The deals it looks like.
        like: Vec<usize>,
    },
    /// No customer of the rep's.
    None,
}

/// A mention and where the names are in the normalized message.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// What was found.
    pub mention: Mention,
    /// Byte ranges of every name found, in order.
    pub spans: Vec<Range<usize>>,
}

/// One way a deal is written.
struct Form {
    deal: usize,
    text: String,
    /// The rest of the deal's name after this form (集团 after 恒力); empty
    /// for a full name. For pinyin, the English words of the deal's own
    /// industry, `|`-separated (steel).
    rest: String,
}

/// `core` without an industry ending (川味坊餐饮 → 川味坊), if at least two
/// characters remain.
fn strip_industry<'a>(core: &'a str, words: &NameWords) -> Option<&'a str> {
    words.industry.iter().find_map(|w| {
        core.strip_suffix(w.as_str())
            .filter(|r| r.chars().count() >= 2)
    })
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Toneless pinyin of a Chinese text, one syllable per character, or
/// `None` when a character has none.
fn syllables(s: &str) -> Option<Vec<&'static str>> {
    s.chars()
        .map(|c| c.to_pinyin().map(|p| p.plain()))
        .collect()
}

/// Add `text` as a way deal `deal` (full name `key`) is written.
fn add_form(out: &mut Vec<Form>, deal: usize, text: &str, key: &str) {
    if text.chars().count() < 2 || out.iter().any(|f| f.deal == deal && f.text == text) {
        return;
    }
    out.push(Form {
        deal,
        text: text.to_string(),
        rest: key.strip_prefix(text).unwrap_or("").to_string(),
    });
}

fn forms(deals: &[Deal], words: &NameWords) -> Vec<Form> {
    let mut out = Vec::new();
    for (i, d) in deals.iter().enumerate() {
        let keys = std::iter::once(&d.customer.key).chain(&d.customer.aliases);
        for key in keys {
            let key = key.trim();
            if key.chars().count() < 2 {
                continue;
            }
            add_form(&mut out, i, key, key);
            let core = words.strip_legal(key);
            add_form(&mut out, i, core, key);
            let short = strip_industry(core, words);
            if let Some(s) = short {
                add_form(&mut out, i, s, key);
            }
            // 广州钢铁 → 广钢: the first character of each two-character part.
            let chars: Vec<char> = core.chars().collect();
            if chars.len() == 4 && chars.iter().all(|c| is_han(*c)) {
                let abbr: String = [chars[0], chars[2]].iter().collect();
                add_form(&mut out, i, &abbr, "");
            }
            // Pinyin: Hengli, Guangzhou (Steel), Jinqiao; the English words
            // for the deal's own industry may follow.
            let own_en: Vec<&str> = words
                .translations
                .iter()
                .filter(|(zh, _)| core.contains(zh.as_str()))
                .map(|(_, en)| en.as_str())
                .collect();
            for part in std::iter::once(core).chain(short) {
                if part.chars().all(is_han) {
                    if let Some(p) = syllables(part) {
                        let text = p.concat();
                        if text.chars().count() >= 2
                            && !out.iter().any(|f| f.deal == i && f.text == text)
                        {
                            out.push(Form {
                                deal: i,
                                text,
                                rest: own_en.join("|"),
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// Find the rep's customers in a normalized message.
pub fn find(normalized: &str, deals: &[Deal], words: &NameWords) -> Found {
    let forms = forms(deals, words);
    let text = normalized;
    // (start, end, deal, form rest) of every occurrence.
    let mut hits: Vec<(usize, usize, usize, &str)> = Vec::new();
    for f in &forms {
        if f.text.is_ascii() {
            for (start, word) in ascii_words(text) {
                if word == f.text {
                    hits.push((start, start + word.len(), f.deal, &f.rest));
                }
            }
        } else {
            for (start, _) in text.match_indices(f.text.as_str()) {
                hits.push((start, start + f.text.len(), f.deal, &f.rest));
            }
        }
    }
    // Homophone typos of a short form (恒利 for 恒力).
    if hits.is_empty() {
        homophones(text, &forms, &mut hits);
    }
    // Longest first; drop occurrences inside a longer one.
    hits.sort_by_key(|h| (std::cmp::Reverse(h.1 - h.0), h.0));
    let mut kept: Vec<(usize, usize, usize, &str)> = Vec::new();
    for h in hits {
        let inside = kept
            .iter()
            .any(|k| h.0 >= k.0 && h.1 <= k.1 && !(h.0 == k.0 && h.1 == k.1));
        if !inside {
            kept.push(h);
        }
    }
    kept.sort_by_key(|h| h.0);
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut named: Vec<usize> = Vec::new();
    let mut alike: Option<(String, Vec<usize>)> = None;
    for (start, end, deal, rest) in &kept {
        match other_company(text, *end, rest, words) {
            Some(to) => {
                let said = text[*start..to].to_string();
                let a = alike.get_or_insert_with(|| (said, Vec::new()));
                if !a.1.contains(deal) {
                    a.1.push(*deal);
                }
                spans.push(*start..to);
            }
            None => {
                if !named.contains(deal) {
                    named.push(*deal);
                }
                spans.push(*start..*end);
            }
        }
    }
    if named.is_empty() && alike.is_none() {
        if let Some((said, like, span)) = one_off(text, deals, words) {
            spans.push(span);
            alike = Some((said, like));
        }
    }
    dedup_spans(&mut spans);
    let mention = match (named.len(), alike) {
        (_, Some((said, like))) if named.iter().all(|d| like.contains(d)) => {
            Mention::LookAlike { said, like }
        }
        (0, _) => Mention::None,
        (1, _) => Mention::One(named[0]),
        _ => {
            // Several forms of one short name shared by deals, or two
            // customers named: the rep says which.
            Mention::Many(named)
        }
    };
    Found { mention, spans }
}

/// Whether the name found ending at `end` goes on into another company's
/// name: an industry word within the next few characters that is not the
/// deal's own `rest` (恒力精密, 东方红物流, haicheng logistics). Returns
/// where that name ends.
fn other_company(text: &str, end: usize, rest: &str, words: &NameWords) -> Option<usize> {
    let after = &text[end..];
    if !rest.is_empty() && after.starts_with(rest) {
        return None;
    }
    // A legal ending after the name's core is the same company (恒力公司);
    // after a short form that dropped an industry word it is another one
    // (东方集团 is not 东方医药).
    let rest_is_legal = rest.is_empty() || words.legal.iter().any(|w| w == rest);
    if let Some(w) = words.legal.iter().find(|w| after.starts_with(w.as_str())) {
        return (!rest_is_legal).then_some(end + w.len());
    }
    // Words about the customer itself (广钢信息中心, 恒力那边).
    let own = |t: &str| words.own.iter().any(|w| t.starts_with(w.as_str()));
    if own(after) {
        return None;
    }
    // One or two more characters and then 的 name a longer company
    // (恒力达的孙经理), unless they are words about the deal itself.
    let han: Vec<(usize, char)> = after.char_indices().take(3).collect();
    for n in [1, 2] {
        if han.len() > n
            && han[..n].iter().all(|(_, c)| is_han(*c))
            && han[n].1 == '的'
            && !words.own.iter().any(|w| *w == after[..han[n].0])
            && !rest.starts_with(&after[..han[n].0])
        {
            return Some(end + han[n].0);
        }
    }
    let ascii = text[..end]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii());
    if ascii {
        let trimmed = after.trim_start();
        let skip = after.len() - trimmed.len();
        if words.legal.iter().any(|w| {
            w.is_ascii()
                && trimmed.starts_with(w.as_str())
                && !trimmed[w.len()..].starts_with(|c: char| c.is_ascii_alphanumeric())
        }) {
            return None;
        }
        return words
            .industry
            .iter()
            .filter(|w| w.is_ascii() && !rest.split('|').any(|r| r == w.as_str()))
            .find(|w| {
                trimmed.starts_with(w.as_str())
                    && !trimmed[w.len()..].starts_with(|c: char| c.is_ascii_alphanumeric())
            })
            .map(|w| end + skip + w.len());
    }
    // Up to two more Chinese characters that are no person, pronoun or
    // verb, then an industry word (东方红物流).
    const NOT_IN_A_NAME: &str = "总经理主任董说的那这了在和跟给去到见";
    let mut offsets = vec![0];
    for (i, c) in after.char_indices().take(2) {
        if !is_han(c) || NOT_IN_A_NAME.contains(c) {
            break;
        }
        offsets.push(i + c.len_utf8());
    }
    for k in offsets {
        let at = &after[k..];
        if k > 0 && words.legal.iter().any(|w| at.starts_with(w.as_str())) {
            return Some(end + k);
        }
        if let Some(w) = words
            .industry
            .iter()
            .filter(|w| !w.is_ascii() && !rest.starts_with(w.as_str()))
            .find(|w| at.starts_with(w.as_str()))
        {
            return Some(end + k + w.len());
        }
    }
    None
}

/// Lower-case ASCII words with their byte offsets; two adjacent words
/// also count joined ("heng li" → "hengli").
fn ascii_words(text: &str) -> Vec<(usize, String)> {
    let mut words: Vec<(usize, &str)> = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_ascii_alphabetic() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            words.push((s, &text[s..i]));
        }
    }
    if let Some(s) = start {
        words.push((s, &text[s..]));
    }
    let mut out: Vec<(usize, String)> = words.iter().map(|(s, w)| (*s, w.to_string())).collect();
    for pair in words.windows(2) {
        let (s0, w0) = pair[0];
        let (s1, _) = pair[1];
        if text[s0 + w0.len()..s1].trim().is_empty() {
            out.push((s0, format!("{w0}{}", pair[1].1)));
        }
    }
    out
}

/// A Chinese window that sounds like a short form (same toneless pinyin).
fn homophones<'f>(text: &str, forms: &'f [Form], hits: &mut Vec<(usize, usize, usize, &'f str)>) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let sounds: Vec<Option<&str>> = chars
        .iter()
        .map(|(_, c)| c.to_pinyin().map(|p| p.plain()))
        .collect();
    for f in forms.iter().filter(|f| !f.text.is_ascii()) {
        let Some(want) = syllables(&f.text) else {
            continue;
        };
        let n = want.len();
        if n < 2 || n > chars.len() {
            continue;
        }
        for i in 0..=chars.len() - n {
            if (0..n).all(|j| sounds[i + j] == Some(want[j])) {
                let start = chars[i].0;
                let end = chars.get(i + n).map_or(text.len(), |c| c.0);
                hits.push((start, end, f.deal, &f.rest));
            }
        }
    }
}

/// A name one character off a deal's full name (杭州钢铁集团 for
/// 广州钢铁集团): names of four or more characters only.
fn one_off(
    text: &str,
    deals: &[Deal],
    words: &NameWords,
) -> Option<(String, Vec<usize>, Range<usize>)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut found: Option<(String, Vec<usize>, Range<usize>)> = None;
    for (i, d) in deals.iter().enumerate() {
        let key: Vec<char> = d.customer.key.chars().collect();
        let core: Vec<char> = words.strip_legal(&d.customer.key).chars().collect();
        for name in [key, core] {
            let n = name.len();
            if n < 4 || n > chars.len() {
                continue;
            }
            for s in 0..=chars.len() - n {
                let diff = (0..n).filter(|&j| chars[s + j].1 != name[j]).count();
                if diff == 1 {
                    let start = chars[s].0;
                    let end = chars.get(s + n).map_or(text.len(), |c| c.0);
                    let f = found.get_or_insert_with(|| {
                        (text[start..end].to_string(), Vec::new(), start..end)
                    });
                    if !f.1.contains(&i) {
                        f.1.push(i);
                    }
                }
            }
        }
    }
    found
}

fn dedup_spans(spans: &mut Vec<Range<usize>>) {
    spans.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut out: Vec<Range<usize>> = Vec::new();
    for r in spans.drain(..) {
        match out.last_mut() {
            Some(last) if r.start < last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    *spans = out;
}
