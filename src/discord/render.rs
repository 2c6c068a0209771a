//! Turn a platform-neutral [`Reply`] into Discord pages that respect
//! Discord's limits. Pure: no serenity types here except in
//! [`Page::embed_builder`], so the layout is unit-tested directly.
//!
//! Layout: a short untitled reply is plain message content; anything else is
//! an embed: the reply title is the embed title, headed sections that fit a
//! field become fields ("何时使用 When to use", "话术 Say this"), other text
//! goes to the description. A reply too long for one embed is cut into
//! pages, each within every limit, numbered in the footer; the adapter adds
//! buttons to move between them.

use serenity::builder::{CreateEmbed, CreateEmbedFooter};

use crate::reply::Reply;

/// Message content limit.
pub const CONTENT_MAX: usize = 2000;
/// Embed title limit.
pub const TITLE_MAX: usize = 256;
/// Embed description limit.
pub const DESCRIPTION_MAX: usize = 4096;
/// Field name limit.
pub const FIELD_NAME_MAX: usize = 256;
/// Field value limit.
pub const FIELD_VALUE_MAX: usize = 1024;
/// Fields per embed.
pub const FIELDS_MAX: usize = 25;
/// Embed footer limit.
pub const FOOTER_MAX: usize = 2048;
/// All text of one embed together.
pub const EMBED_TOTAL_MAX: usize = 6000;

/// Room kept in the footer for "第 12/34 页 · Page 12 of 34".
const PAGE_MARK_ROOM: usize = 40;
/// Description budget per page: below the limit so pages stay readable.
const DESCRIPTION_BUDGET: usize = 3800;

const COLOUR_ANSWER: u32 = 0x2B6CB0;
const COLOUR_PRIVATE: u32 = 0x2F855A;
const COLOUR_ERROR: u32 = 0xC53030;

/// Length as Discord counts it (UTF-16 code units; never less than chars).
pub fn len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// One page of a reply: plain content or one embed.
#[derive(Debug, Clone, PartialEq)]
pub enum Page {
    /// Plain message content (at most [`CONTENT_MAX`]).
    Text(String),
    /// One embed.
    Embed(EmbedPage),
}

/// The text of one embed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EmbedPage {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: String,
    /// Fields (name, value), shown below the description.
    pub fields: Vec<(String, String)>,
    /// Footer text.
    pub footer: Option<String>,
    /// Side colour.
    pub colour: u32,
}

impl EmbedPage {
    /// Total text as Discord counts it against [`EMBED_TOTAL_MAX`].
    pub fn total_len(&self) -> usize {
        self.title.as_deref().map_or(0, len)
            + len(&self.description)
            + self
                .fields
                .iter()
                .map(|(n, v)| len(n) + len(v))
                .sum::<usize>()
            + self.footer.as_deref().map_or(0, len)
    }
}

impl Page {
    /// The serenity embed for an embed page.
    pub fn embed_builder(&self) -> Option<CreateEmbed> {
        let Page::Embed(p) = self else { return None };
        let mut e = CreateEmbed::new().colour(p.colour);
        if let Some(t) = &p.title {
            e = e.title(t);
        }
        if !p.description.is_empty() {
            e = e.description(&p.description);
        }
        for (n, v) in &p.fields {
            e = e.field(n, v, false);
        }
        if let Some(f) = &p.footer {
            e = e.footer(CreateEmbedFooter::new(f));
        }
        Some(e)
    }

    /// Plain content of a text page.
    pub fn content(&self) -> Option<&str> {
        match self {
            Page::Text(t) => Some(t),
            Page::Embed(_) => None,
        }
    }

    /// All visible text of the page (for tests and logs).
    pub fn visible_text(&self) -> String {
        match self {
            Page::Text(t) => t.clone(),
            Page::Embed(p) => {
                let mut parts = Vec::new();
                parts.extend(p.title.clone());
                parts.push(p.description.clone());
                for (n, v) in &p.fields {
                    parts.push(n.clone());
                    parts.push(v.clone());
                }
                parts.extend(p.footer.clone());
                parts.join("\n")
            }
        }
    }
}

/// A piece of a reply before packing into pages.
#[derive(Debug, Clone)]
enum Block {
    Field(String, String),
    Text(String),
}

impl Block {
    fn len(&self) -> usize {
        match self {
            Block::Field(n, v) => len(n) + len(v),
            Block::Text(t) => len(t),
        }
    }
}

/// The brief of a reply as a short message, when it has one (the full
/// card follows on "详细 / More").
pub fn brief_page(reply: &Reply) -> Option<Page> {
    let brief = reply.brief.as_deref()?.trim();
    (!brief.is_empty()).then(|| Page::Text(truncate(brief, CONTENT_MAX)))
}

/// Lay a reply out as one or more pages, each within Discord's limits.
pub fn pages(reply: &Reply) -> Vec<Page> {
    let text = reply.text();
    let simple = reply.title.is_none()
        && reply.footer.is_none()
        && reply.sections.iter().all(|s| s.heading.is_none());
    if simple && len(&text) <= CONTENT_MAX && !text.trim().is_empty() {
        return vec![Page::Text(text)];
    }

    let colour = if reply.error {
        COLOUR_ERROR
    } else if reply.private {
        COLOUR_PRIVATE
    } else {
        COLOUR_ANSWER
    };
    let title = reply.title.as_deref().map(|t| truncate(t, TITLE_MAX));
    let footer = reply
        .footer
        .as_deref()
        .map(|f| truncate(f, FOOTER_MAX - PAGE_MARK_ROOM));

    // What the title and footer leave of the 6,000 per embed.
    let budget = EMBED_TOTAL_MAX
        - title.as_deref().map_or(0, len)
        - footer.as_deref().map_or(0, len)
        - PAGE_MARK_ROOM;
    let chunk = DESCRIPTION_BUDGET.min(budget - 2);

    let mut blocks = Vec::new();
    for s in &reply.sections {
        let body = s.body.trim_end();
        match &s.heading {
            Some(h)
                if len(h) <= FIELD_NAME_MAX && len(body) <= FIELD_VALUE_MAX && !body.is_empty() =>
            {
                blocks.push(Block::Field(h.clone(), body.to_string()));
            }
            heading => {
                let mut para = String::new();
                if let Some(h) = heading {
                    para.push_str("**");
                    para.push_str(&escape_bold(h));
                    para.push_str("**\n");
                }
                para.push_str(body);
                for chunk in split_text(&para, chunk) {
                    blocks.push(Block::Text(chunk));
                }
            }
        }
    }
    if blocks.is_empty() && title.is_none() {
        blocks.push(Block::Text("…".to_string()));
    }

    let mut out: Vec<EmbedPage> = Vec::new();
    let mut cur = EmbedPage::default();
    let mut used = 0;
    for b in blocks {
        let fits_total = used + b.len() + 2 <= budget;
        let fits = match &b {
            Block::Field(..) => fits_total && cur.fields.len() < FIELDS_MAX,
            // Text after fields would show above them: keep order by
            // turning it into an unnamed field when it fits one.
            Block::Text(t) if !cur.fields.is_empty() => {
                fits_total && cur.fields.len() < FIELDS_MAX && len(t) <= FIELD_VALUE_MAX
            }
            Block::Text(t) => {
                fits_total && len(&cur.description) + len(t) + 2 <= DESCRIPTION_BUDGET
            }
        };
        if !fits && (used > 0) {
            out.push(std::mem::take(&mut cur));
            used = 0;
        }
        used += b.len() + 2;
        match b {
            Block::Field(n, v) => cur.fields.push((n, v)),
            Block::Text(t) if !cur.fields.is_empty() => {
                cur.fields.push(("\u{200b}".to_string(), t))
            }
            Block::Text(t) => {
                if !cur.description.is_empty() {
                    cur.description.push_str("\n\n");
                }
                cur.description.push_str(&t);
            }
        }
    }
    if used > 0 || out.is_empty() {
        out.push(cur);
    }

    let n = out.len();
    out.into_iter()
        .enumerate()
        .map(|(i, mut p)| {
            p.title = title.clone();
            p.colour = colour;
            let mark = (n > 1).then(|| format!("第 {}/{} 页 · Page {} of {}", i + 1, n, i + 1, n));
            p.footer = match (&footer, mark) {
                (Some(f), Some(m)) => Some(format!("{f}\n{m}")),
                (Some(f), None) => Some(f.clone()),
                (None, m) => m,
            };
            Page::Embed(p)
        })
        .collect()
}

/// A short plain page (notices, errors of the adapter itself).
pub fn notice(text: &str) -> Page {
    Page::Text(truncate(text, CONTENT_MAX))
}

/// Cut `s` to at most `max` units, ending with "…" when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if len(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        if used + c.len_utf16() + 1 > max {
            break;
        }
        used += c.len_utf16();
        out.push(c);
    }
    out.push('…');
    out
}

/// Split text into chunks of at most `max` units, preferring line breaks,
/// then spaces or Chinese sentence ends, then any character.
fn split_text(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while len(rest) > max {
        // Byte index of the largest prefix within `max` units.
        let mut limit = 0;
        let mut used = 0;
        for (i, c) in rest.char_indices() {
            if used + c.len_utf16() > max {
                break;
            }
            used += c.len_utf16();
            limit = i + c.len_utf8();
        }
        let head = &rest[..limit];
        let cut = head
            .rfind('\n')
            .map(|i| i + 1)
            .or_else(|| {
                head.rfind(['。', '；', '！', '？'])
                    .map(|i| i + '。'.len_utf8())
            })
            .or_else(|| head.rfind(' ').map(|i| i + 1))
            .filter(|&i| i > limit / 2)
            .unwrap_or(limit);
        out.push(rest[..cut].trim_end().to_string());
        rest = &rest[cut..];
    }
    if !rest.trim().is_empty() {
        out.push(rest.to_string());
    }
    out
}

fn escape_bold(s: &str) -> String {
    s.replace('*', "\\*")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_limits(p: &Page) {
        match p {
            Page::Text(t) => assert!(len(t) <= CONTENT_MAX),
            Page::Embed(e) => {
                assert!(e.title.as_deref().map_or(0, len) <= TITLE_MAX);
                assert!(len(&e.description) <= DESCRIPTION_MAX);
                assert!(e.fields.len() <= FIELDS_MAX);
                for (n, v) in &e.fields {
                    assert!(!n.is_empty() && len(n) <= FIELD_NAME_MAX);
                    assert!(!v.is_empty() && len(v) <= FIELD_VALUE_MAX);
                }
                assert!(e.footer.as_deref().map_or(0, len) <= FOOTER_MAX);
                assert!(e.total_len() <= EMBED_TOTAL_MAX, "{}", e.total_len());
            }
        }
    }

    #[test]
    fn short_plain_reply_is_plain_content() {
        let r = Reply::plain("none", "没有找到 Nothing found");
        assert_eq!(pages(&r), vec![Page::Text("没有找到 Nothing found".into())]);
    }

    #[test]
    fn headed_sections_become_fields_under_the_title() {
        let mut r = Reply::new("closing", Some("直接成交法 Direct close".into()));
        r.push(None, "定义");
        r.push(Some("何时使用 When to use"), "客户已认可价值时");
        r.push(Some("话术 Say this"), "我们今天就签吧？");
        let p = pages(&r);
        assert_eq!(p.len(), 1);
        let Page::Embed(e) = &p[0] else {
            panic!("embed expected")
        };
        assert_eq!(e.title.as_deref(), Some("直接成交法 Direct close"));
        assert_eq!(e.description, "定义");
        assert_eq!(e.fields[0].0, "何时使用 When to use");
        assert_eq!(e.fields[1].1, "我们今天就签吧？");
    }

    #[test]
    fn long_reply_is_paged_within_every_limit_and_loses_nothing() {
        let mut r = Reply::new("case", Some("案".repeat(300)));
        for i in 0..40 {
            r.push(
                Some(&format!("第{i}节 Section {i}")),
                format!("{i}:{}", "内容".repeat(400)),
            );
            r.push(Some("短 Short"), format!("s{i}"));
        }
        r.push(None, "x".repeat(9000));
        r.footer = Some("f".repeat(3000));
        let p = pages(&r);
        assert!(p.len() > 3);
        p.iter().for_each(check_limits);
        let all: String = p.iter().map(Page::visible_text).collect();
        for i in 0..40 {
            assert!(all.contains(&format!("{i}:")), "section {i} lost");
            assert!(all.contains(&format!("s{i}")));
        }
        assert_eq!(all.matches('x').count(), 9000);
        assert!(p[0]
            .visible_text()
            .contains(&format!("Page 1 of {}", p.len())));
    }

    #[test]
    fn long_untitled_text_becomes_embed_pages() {
        let r = Reply::plain("none", "长句。".repeat(2000));
        let p = pages(&r);
        assert!(p.len() >= 2);
        p.iter().for_each(check_limits);
    }

    #[test]
    fn astral_characters_count_double() {
        let r = Reply::plain("none", "😀".repeat(1500));
        let p = pages(&r);
        p.iter().for_each(check_limits);
    }
}
