//! Raw schema: what a knowledge file may contain, exactly as written.
//!
//! Every struct here mirrors one TOML table shape and rejects unknown keys.
//! Values that later checks point at (ids, references, required texts,
//! trigger patterns) are wrapped in [`S`] so an error can name the
//! `file:line:col` of the offending value. Nothing here is validated yet:
//! [`super::validate`] turns these into the model in [`super::model`].
//!
//! Files and their top-level arrays (every file may hold any of them):
//!
//! | array            | kind            | typical file          |
//! |------------------|-----------------|-----------------------|
//! | `[[case]]`       | reference case  | `cases.toml`          |
//! | `[[selling_point]]` | selling point | `selling_points.toml` |
//! | `[[closing]]`    | closing method  | `closing.toml`        |
//! | `[[objection]]`  | objection method| `objections.toml`     |
//! | `[[skill]]`      | selling skill   | `skills.toml`         |
//! | `[[step]]`       | USS core step   | `process.toml`        |
//! | `[[activity]]`   | key activity    | `process.toml`        |
//! | `[[mode]]`       | sales mode      | `modes.toml`          |
//! | `[[visit]]`      | numbered visit of a mode | `modes.toml` |
//! | `[[method]]`     | prospecting / approach method | `methods.toml` |
//! | `[[man]]`        | MAN combination | `man.toml`            |
//! | `[[concept]]`    | other handbook topic | `concepts.toml`  |
//! | `[[template]]`   | drafted template | `templates.toml`     |
//! | `[[gap]]`        | something the handbook lacks | `gaps.toml` |
//! | `[[synonym]]`    | synonym group   | `language.toml`       |
//! | `[[word]]`       | segmentation dictionary word | `language.toml` |
//! | `[[regional]]`   | Cantonese / regional words and their Mandarin | `language.toml` |
//! | `[[intent]]`     | cue that a message asks for a kind | `intents.toml` |
//! | `[[man_cue]]`    | words that say money/authority/need is there or not | `intents.toml` |
//! | `[[example]]`    | labelled messages: how reps ask for an entry (or `none`) | `examples.toml` |
//! | `[[name_words]]` | words that end a company name, or show a text is not one | `names.toml` |
//! | `[[message_cue]]` | words that make a message a question, a request or a report | `cues.toml` |
//! | `[[log_cue]]`    | words a visit note is read by: visit, plan, negation, day, role and mode cues | `cues.toml` |
//! | `[[touchpoint]]` | words that say what kind of contact a log records (call, letter, demo …) | `cues.toml` |
//! | `[[utterance]]`  | labelled messages: what kind of message a rep typed (a log, a deal question …) | `utterances.toml` |
//! | `[[stall]]`      | drafted words for a stall the handbook gives no words for (再想想) | `stalls.toml` |

use serde::Deserialize;

/// A value together with the byte range it came from.
pub type S<T> = toml::Spanned<T>;

/// Fields every answerable entry carries. Repeated in each entry struct
/// (serde's `flatten` cannot be combined with `deny_unknown_fields`).
///
/// - `id`: stable, unique across all files, `[a-z0-9_.-]+`, by convention
///   `kind.slug` (`case.jinying`, `closing.direct`).
/// - `title`: English title. `title_zh`: the Chinese name users know.
/// - `summary`: one English line. `summary_zh`: optional Chinese line.
/// - `keywords`: Chinese and English words that should find this entry.
/// - `triggers`: regular expressions matched against the normalized
///   (simplified, lower-case, half-width) message; a match is strong
///   evidence this entry is what the user wants.
/// - `source`: `handbook` (default), `drafted` (written by us, not in the
///   handbook) or `external` (common industry knowledge, not in the handbook).
/// - `related`: ids of entries offered as alternatives.
/// - `notes`: caveats for salespeople, shown with the entry (a figure the
///   handbook lost, a selling point to pair with a case).
/// - `editor_notes`: remarks for the people who edit the knowledge (how a
///   damaged passage was restored, what is a guess); never shown in a reply.
macro_rules! raw_entry {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            pub id: S<String>,
            pub title: S<String>,
            pub title_zh: S<String>,
            pub summary: S<String>,
            #[serde(default)]
            pub summary_zh: Option<S<String>>,
            #[serde(default)]
            pub keywords: Vec<S<String>>,
            #[serde(default)]
            pub triggers: Vec<S<String>>,
            #[serde(default)]
            pub source: Option<S<String>>,
            #[serde(default)]
            pub related: Vec<S<String>>,
            #[serde(default)]
            pub notes: Vec<S<String>>,
            #[serde(default)]
            pub editor_notes: Vec<S<String>>,
            $($(#[$fmeta])* pub $field: $ty,)*
        }
    };
}

/// One person named in a case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContact {
    pub name: S<String>,
    #[serde(default)]
    pub role: Option<S<String>>,
    /// Caveat about this contact (e.g. the source names two people).
    #[serde(default)]
    pub note: Option<S<String>>,
}

raw_entry! {
    /// A reference case (参考案例).
    RawCase {
        /// Customer name as the handbook gives it.
        customer: S<String>,
        industry: S<String>,
        /// Short background (客户与行业, 背景).
        background: S<String>,
        #[serde(default)]
        contacts: Vec<RawContact>,
        /// 关键议题/痛点.
        pain: S<String>,
        /// 原因.
        causes: Vec<S<String>>,
        /// Who says the capability lines (“小王总说”).
        #[serde(default)]
        capabilities_by: Option<S<String>>,
        /// 所需能力, the “如果……就……” lines.
        capabilities: Vec<S<String>>,
        /// 我们提供了.
        provided: S<String>,
        /// Product names (`NC`, `U8`).
        products: Vec<S<String>>,
        /// 结果.
        results: Vec<S<String>>,
        /// 供稿分公司.
        branch: S<String>,
    }
}

/// The value a selling point has for one role.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoleLine {
    pub role: S<String>,
    pub text: S<String>,
}

raw_entry! {
    /// A product selling point (卖点).
    RawSellingPoint {
        /// Product area, e.g. 基础平台.
        area: S<String>,
        description: S<String>,
        benefits: Vec<S<String>>,
        /// 对应价值 per role.
        values: Vec<RawRoleLine>,
        /// 典型需求 in the customer's words, per role.
        needs: Vec<RawRoleLine>,
        /// 操作指南 (demo guide); absent when the handbook lacks it.
        #[serde(default)]
        demo: Option<S<String>>,
        /// Required when `demo` is absent: what is missing and why.
        #[serde(default)]
        demo_missing: Option<S<String>>,
    }
}

raw_entry! {
    /// One of the nine closing methods (成交方法).
    RawClosing {
        definition: S<String>,
        when_to_use: S<String>,
        /// The example phrase, the words to say.
        phrase: S<String>,
    }
}

/// One line of a dialogue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLine {
    /// Who speaks: 客户, 销售, or a role letter.
    pub speaker: S<String>,
    pub text: S<String>,
}

raw_entry! {
    /// One of the four objection-handling methods (异议处理方法).
    RawObjection {
        when_to_use: S<String>,
        /// Example dialogue, customer first.
        dialogue: Vec<RawLine>,
        /// When to handle objections this method fits (预先/立刻/延后 处理).
        timing: S<String>,
    }
}

/// A titled list inside a skill or concept (e.g. 引起注意的五种方法).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSection {
    pub title: S<String>,
    pub items: Vec<S<String>>,
}

raw_entry! {
    /// A professional selling skill (专业销售技巧).
    RawSkill {
        definition: S<String>,
        goals: Vec<S<String>>,
        steps: Vec<S<String>>,
        key_points: Vec<S<String>>,
        /// Example script or dialogue; may span lines.
        #[serde(default)]
        script: Option<S<String>>,
        #[serde(default)]
        sections: Vec<RawSection>,
    }
}

raw_entry! {
    /// One of the five USS core steps (核心步骤).
    RawStep {
        /// 1..=5, order in the process.
        order: S<u32>,
        /// Stage name, e.g. 潜在阶段.
        stage: S<String>,
        /// English stage name, e.g. potential.
        stage_en: S<String>,
        goal: S<String>,
        definition: S<String>,
        /// Ids of the key activities of this step, in order.
        activities: Vec<S<String>>,
    }
}

/// One action of a key activity or visit, with who does it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    pub name: S<String>,
    /// Role letters: `S`, `C`, `M`, combined with `&` (`S&C`).
    #[serde(default)]
    pub roles: Option<S<String>>,
    /// Tool used, if the handbook names one.
    #[serde(default)]
    pub tool: Option<S<String>>,
}

raw_entry! {
    /// One of the fifteen key activities (关键活动).
    RawActivity {
        /// `KA01` .. `KA15`.
        code: S<String>,
        /// Id of the core step this activity belongs to.
        step: S<String>,
        goals: Vec<S<String>>,
        actions: Vec<RawAction>,
        acceptance: Vec<S<String>>,
        #[serde(default)]
        key_skills: Vec<S<String>>,
        #[serde(default)]
        tools: Vec<S<String>>,
        /// Who is involved overall (`S`, `S&M`, `S&C&M`).
        roles: S<String>,
        /// Regular expressions that recognise this activity in a visit log
        /// ("做了方案呈现", "签了合同").
        log_patterns: Vec<S<String>>,
    }
}

/// A benchmark tier of a mode (十步一杀, 白金团队 …).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTier {
    pub name: S<String>,
    pub requirement: S<String>,
    #[serde(default)]
    pub note: Option<S<String>>,
}

raw_entry! {
    /// A sales mode (快刀/顾问/战略).
    RawMode {
        /// What it fits (适用).
        fits: S<String>,
        purpose: S<String>,
        value_space: S<String>,
        solution: S<String>,
        team: S<String>,
        competition: S<String>,
        customer_focus: S<String>,
        key_to_win: S<String>,
        /// Ids of the numbered visits, in order (empty when the handbook has none).
        #[serde(default)]
        visits: Vec<S<String>>,
        /// 标准要求.
        #[serde(default)]
        standard: Option<S<String>>,
        #[serde(default)]
        tiers: Vec<RawTier>,
    }
}

raw_entry! {
    /// A numbered visit of a mode's visit program (Q1, G3 …).
    RawVisit {
        /// `Q1`, `G3`.
        code: S<String>,
        /// Id of the mode.
        mode: S<String>,
        /// 1-based number within the mode.
        number: S<u32>,
        goals: Vec<S<String>>,
        before: Vec<RawAction>,
        during: Vec<RawAction>,
        after: Vec<RawAction>,
        acceptance: Vec<S<String>>,
        #[serde(default)]
        roles: Option<S<String>>,
        /// Ids of key activities this visit accomplishes.
        #[serde(default)]
        activities: Vec<S<String>>,
    }
}

raw_entry! {
    /// A prospecting or approach method, or a set of them, with scripts.
    RawMethod {
        /// `prospecting`, `approach` or `assessment`.
        category: S<String>,
        description: S<String>,
        #[serde(default)]
        items: Vec<S<String>>,
        #[serde(default)]
        script: Option<S<String>>,
    }
}

raw_entry! {
    /// A MAN combination (M+a+N …).
    RawMan {
        /// The combination as written: capital = yes, lower case = no.
        code: S<String>,
        money: S<bool>,
        authority: S<bool>,
        need: S<bool>,
        meaning: S<String>,
        /// What to do next.
        action: S<String>,
    }
}

raw_entry! {
    /// Any other handbook topic (翻盘, 异议原因, 素质要求 …).
    RawConcept {
        body: S<String>,
        #[serde(default)]
        sections: Vec<RawSection>,
    }
}

raw_entry! {
    /// A template the handbook lacks and we drafted (`source = "drafted"`).
    RawTemplate {
        /// Where the handbook uses it.
        used_in: S<String>,
        body: S<String>,
    }
}

raw_entry! {
    /// Something users ask for that the handbook does not contain.
    RawGap {
        /// What is missing, said plainly to the user.
        missing: S<String>,
        /// What the handbook does say on the subject, if anything.
        #[serde(default)]
        known: Option<S<String>>,
    }
}

/// Words that mean the same to a rep. The first is canonical.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSynonym {
    pub words: Vec<S<String>>,
}

/// Regional words as typed (Cantonese, in traditional script) with the
/// Mandarin they mean, each `睇=看`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegional {
    pub words: Vec<S<String>>,
}

/// A dictionary word for segmentation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWord {
    pub word: S<String>,
    /// jieba frequency; higher keeps the word whole more often.
    #[serde(default)]
    pub freq: Option<S<u32>>,
}

/// Words that signal which kind of answer a free-text message wants
/// ("有没有……案例" wants a case). A matching cue boosts entries of `kinds`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIntent {
    /// Entry kinds the cue points to (`case`, `closing`, `step` …).
    pub kinds: Vec<S<String>>,
    /// Regular expressions over the normalized message.
    pub patterns: Vec<S<String>>,
}

/// Words that tell one MAN dimension: "没预算" says money = no.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManCue {
    /// `money`, `authority` or `need`.
    pub dimension: S<String>,
    /// Whether the patterns say the dimension is present.
    pub present: S<bool>,
    /// Regular expressions over the normalized message.
    pub patterns: Vec<S<String>>,
}

/// Messages as reps really type them, labelled with the entry that answers
/// them (`entry = "none"`: the handbook cannot answer these). The engine
/// ranks a new message partly by its nearest labelled examples.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExample {
    /// Id of the entry that answers these messages, or `none`.
    pub entry: S<String>,
    /// The messages, as typed.
    pub texts: Vec<S<String>>,
}

/// Messages as reps type them, labelled with what kind of message they are
/// (a visit log, a question about one deal …). In `texts`, `{客户}` stands
/// for a customer the rep already has and `{人}` for a customer's person.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUtterance {
    /// The kind: `handbook`, `log`, `both`, `deal`, `pipeline`, `stale`, `plans`,
    /// `unsupported` or `unclear`.
    pub kind: S<String>,
    /// The messages, as typed.
    pub texts: Vec<S<String>>,
}

/// Words about customer names: `legal` endings that do not make another
/// company (有限公司), `industry` words that do (恒力精密 is not 恒力集团),
/// and `not_a_name` words that make a text a role, an amount, a date or a
/// sentence rather than a company name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNameWords {
    /// `legal`, `industry`, `not_a_name`, `not_a_customer` (whole texts that
    /// are never a name), `our_side`, `title`, `surname` and `boundary`
    /// (characters), `name_stop`, `lead` (words before a name that are not
    /// part of it) or `translation` (`中文=english`).
    pub kind: S<String>,
    /// The words, normalized (simplified, lower case).
    pub words: Vec<S<String>>,
}

/// Patterns that say how a message is meant: the rep asks (`question`),
/// repeats what the customer asked (`reported`), asks the bot to do
/// something (`request`), or tells what happened (`report`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMessageCue {
    /// `question`, `reported`, `request`, `report`, `refers`,
    /// `about_deals`, `help` or `more`.
    pub cue: S<String>,
    /// Regular expressions over the normalized message.
    pub patterns: Vec<S<String>>,
}

/// Patterns that say what kind of contact a log records.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTouchpoint {
    /// `visit`, `call`, `message`, `demo`, `survey`, `signing`, `payment`
    /// or `lost`.
    pub kind: S<String>,
    /// Regular expressions over one normalized clause of the log.
    pub patterns: Vec<S<String>>,
}

/// Patterns a visit note is read by.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLogCue {
    /// `visit` (a visit happened, before the customer's name), `plan` (a
    /// clause about the future), `negation` (right before a match, ending
    /// in `$`), `yesterday`, `day_before`, `role` (a contact's role), a
    /// mode (`mode.quick`, `mode.consultant`, `mode.strategic`), an English
    /// person (`person.en`), capitalised words that are no person
    /// (`not_a_person`, over the raw name), or a name shape whose patterns
    /// capture the name as `(?P<name>…)` and are tried in order:
    /// `customer.at` (在X见了), `customer.new` (新客户X), `customer.en` and
    /// `contact.en` (over the note as typed, capitals mattering).
    pub cue: S<String>,
    /// Regular expressions over the normalized note (or the raw one, as
    /// said above).
    pub patterns: Vec<S<String>>,
}

/// Words to say first to a stall or objection reps hear that the handbook
/// gives no words for ("再想想", "现在不急"), drafted in its spirit. Shown
/// before the handbook entry that answers the message, marked as drafted.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStall {
    /// Stable id, `stall.slug`.
    pub id: S<String>,
    /// English name of the stall ("The customer wants to think it over").
    pub title: S<String>,
    /// Chinese name (客户说“再想想”).
    pub title_zh: S<String>,
    /// Must be `drafted`: these words are not the handbook's.
    pub source: S<String>,
    /// Regular expressions over the normalized message that mean this stall.
    pub cues: Vec<S<String>>,
    /// Ids of the handbook entries whose card these words open; a cue
    /// matching is evidence for the first.
    pub answers: Vec<S<String>>,
    /// The words to say first, in Chinese, and in English.
    pub say: S<String>,
    pub say_en: S<String>,
    /// What to do next, in Chinese, and in English.
    pub then: S<String>,
    pub then_en: S<String>,
    /// Remarks for editors; never shown in a reply.
    #[serde(default)]
    pub editor_notes: Vec<S<String>>,
}
