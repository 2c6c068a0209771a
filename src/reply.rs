//! The platform-neutral reply: what every front end renders.

use serde::Serialize;

/// One entry a reply is about, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// Entry id (`closing.direct`), or a deal id for deal replies.
    pub id: String,
    /// Entry kind (`closing`, `case`, `deal` …).
    pub kind: String,
    /// English title.
    pub title: String,
    /// Chinese title.
    pub title_zh: String,
    /// Ranking score; higher is better. 0 where not ranked.
    pub score: f64,
}

/// A titled part of a reply ("何时使用 When to use", "话术 Say this").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// Heading, or `None` for a plain paragraph.
    pub heading: Option<String>,
    /// Body text (may contain newlines).
    pub body: String,
}

/// A reply to one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// What the reply is: `case`, `objection`, `closing`, `none`, `visit_logged` …
    pub kind: String,
    /// Headline, shown first (an embed title on Discord).
    pub title: Option<String>,
    /// The body, in order.
    pub sections: Vec<Section>,
    /// Closing line in small print (alternatives, provenance warnings).
    pub footer: Option<String>,
    /// The entries the reply is about, best first.
    pub items: Vec<Item>,
    /// Holds the user's own deal data: never post it in a shared channel.
    pub private: bool,
    /// The message could not be handled (bad command, storage failure).
    pub error: bool,
    /// At most three short lines to use at once (the line to say, the
    /// story of a case, what was recorded); front ends show it first and
    /// the full card on request. `None` when the reply is short already.
    pub brief: Option<String>,
}

impl Reply {
    /// A reply of `kind` with a title and nothing else.
    pub fn new(kind: impl Into<String>, title: Option<String>) -> Self {
        Reply {
            kind: kind.into(),
            title,
            sections: Vec::new(),
            footer: None,
            items: Vec::new(),
            private: false,
            error: false,
            brief: None,
        }
    }

    /// A one-paragraph reply.
    pub fn plain(kind: impl Into<String>, body: impl Into<String>) -> Self {
        let mut r = Reply::new(kind, None);
        r.push(None, body);
        r
    }

    /// An error reply: what went wrong and what to do, in Chinese and English.
    pub fn error(body: impl Into<String>) -> Self {
        let mut r = Reply::plain("error", body);
        r.error = true;
        r
    }

    /// Append a section.
    pub fn push(&mut self, heading: Option<&str>, body: impl Into<String>) -> &mut Self {
        self.sections.push(Section {
            heading: heading.map(str::to_string),
            body: body.into(),
        });
        self
    }

    /// The reply as plain text, exactly as a terminal user sees it.
    pub fn text(&self) -> String {
        let mut out = String::new();
        if let Some(t) = &self.title {
            out.push_str(t);
        }
        for s in &self.sections {
            if !out.is_empty() {
                out.push('\n');
            }
            if let Some(h) = &s.heading {
                out.push_str(h);
                out.push('\n');
            }
            out.push_str(&s.body);
        }
        if let Some(f) = &self.footer {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(f);
        }
        out
    }

    /// The JSON form printed by `--json`: `{"kind", "brief", "text",
    /// "items"}`, `brief` being `null` when the reply has none.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "kind": self.kind,
            "brief": self.brief,
            "text": self.text(),
            "items": self.items,
        })
    }
}
