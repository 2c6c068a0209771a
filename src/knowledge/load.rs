//! Stage 1 and 2 of loading: read TOML with spans, deserialize each entry
//! into its raw type, collecting every problem rather than stopping at the
//! first.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use super::error::{read_regular, FileError, LineIndex, LoadError, Problem};
use super::raw::*;

/// Every raw entry of a knowledge directory, with the file it came from.
#[derive(Default)]
pub(crate) struct RawSet {
    pub files: Vec<SourceFile>,
    pub cases: Vec<(usize, RawCase)>,
    pub selling_points: Vec<(usize, RawSellingPoint)>,
    pub closings: Vec<(usize, RawClosing)>,
    pub objections: Vec<(usize, RawObjection)>,
    pub skills: Vec<(usize, RawSkill)>,
    pub steps: Vec<(usize, RawStep)>,
    pub activities: Vec<(usize, RawActivity)>,
    pub modes: Vec<(usize, RawMode)>,
    pub visits: Vec<(usize, RawVisit)>,
    pub methods: Vec<(usize, RawMethod)>,
    pub mans: Vec<(usize, RawMan)>,
    pub concepts: Vec<(usize, RawConcept)>,
    pub templates: Vec<(usize, RawTemplate)>,
    pub gaps: Vec<(usize, RawGap)>,
    pub synonyms: Vec<(usize, RawSynonym)>,
    pub words: Vec<(usize, RawWord)>,
    pub regionals: Vec<(usize, RawRegional)>,
    pub intents: Vec<(usize, RawIntent)>,
    pub man_cues: Vec<(usize, RawManCue)>,
    pub examples: Vec<(usize, RawExample)>,
    pub utterances: Vec<(usize, RawUtterance)>,
    pub name_words: Vec<(usize, RawNameWords)>,
    pub message_cues: Vec<(usize, RawMessageCue)>,
    pub touchpoints: Vec<(usize, RawTouchpoint)>,
    pub log_cues: Vec<(usize, RawLogCue)>,
    pub stalls: Vec<(usize, RawStall)>,
    pub problems: Vec<Problem>,
}

/// One source file and its line index.
pub(crate) struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    lines: LineIndex,
}

impl SourceFile {
    fn new(path: PathBuf, text: String) -> Self {
        let lines = LineIndex::new(&text);
        SourceFile { path, text, lines }
    }

    /// A problem at a byte offset of this file.
    pub fn problem(&self, offset: usize, message: impl Into<String>) -> Problem {
        let (line, col) = self.lines.position(&self.text, offset);
        Problem {
            path: self.path.clone(),
            line,
            col,
            message: message.into(),
        }
    }
}

/// The top-level arrays a knowledge file may hold.
const TABLES: &[&str] = &[
    "case",
    "selling_point",
    "closing",
    "objection",
    "skill",
    "step",
    "activity",
    "mode",
    "visit",
    "method",
    "man",
    "concept",
    "template",
    "gap",
    "synonym",
    "word",
    "regional",
    "intent",
    "man_cue",
    "example",
    "utterance",
    "name_words",
    "message_cue",
    "touchpoint",
    "log_cue",
    "stall",
];

/// Largest knowledge file read. The shipped files are under 40 KiB each.
pub const FILE_LIMIT: u64 = 4 * 1024 * 1024;
/// Largest total of all knowledge files (the shipped set is under 0.5 MiB;
/// room for about 15,000 cases of the benchmarks' size): a bound on the
/// memory loading can take.
pub const TOTAL_LIMIT: u64 = 32 * 1024 * 1024;

/// Read every `*.toml` file of a directory, sorted by name. Each must be a
/// regular file (a FIFO or `/dev/zero` behind the name is refused unread)
/// of at most [`FILE_LIMIT`], all together at most [`TOTAL_LIMIT`].
pub(crate) fn read_dir(dir: &Path) -> Result<Vec<(PathBuf, String)>, LoadError> {
    let fail = |message: String| LoadError {
        problems: vec![Problem {
            path: dir.to_path_buf(),
            line: 1,
            col: 1,
            message,
        }],
    };
    let read = std::fs::read_dir(dir).map_err(|e| {
        fail(format!(
            "cannot read the knowledge directory: {e}; pass --knowledge DIR or set knowledge.dir in config.toml"
        ))
    })?;
    let mut paths: Vec<PathBuf> = read
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(fail(
            "no .toml files in the knowledge directory; point --knowledge at the bundled knowledge/ folder".into(),
        ));
    }
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let mut total = 0u64;
    let problem = |path: PathBuf, message: String| Problem {
        path,
        line: 1,
        col: 1,
        message,
    };
    for path in paths {
        let left = TOTAL_LIMIT.saturating_sub(total);
        match read_regular(&path, FILE_LIMIT.min(left)) {
            Ok(bytes) => {
                total += bytes.len() as u64;
                match String::from_utf8(bytes) {
                    Ok(text) => files.push((path, text)),
                    Err(e) => problems.push(problem(
                        path,
                        format!("file is not valid UTF-8 ({e}); save it as UTF-8"),
                    )),
                }
            }
            Err(FileError::TooLarge { .. }) if left < FILE_LIMIT => {
                problems.push(problem(
                    path,
                    format!(
                        "the knowledge files together are over the limit of {} MiB; split off or remove what is not needed",
                        TOTAL_LIMIT / 1024 / 1024
                    ),
                ));
                break;
            }
            Err(e @ FileError::TooLarge { .. }) => problems.push(problem(
                path,
                format!(
                    "{e} ({} MiB per knowledge file); split it into several files",
                    FILE_LIMIT / 1024 / 1024
                ),
            )),
            Err(FileError::NotRegular) => problems.push(problem(
                path,
                "not a regular file; a knowledge file must be a plain .toml file".into(),
            )),
            Err(e) => problems.push(problem(path, format!("cannot read file: {e}"))),
        }
    }
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(LoadError { problems })
    }
}

/// Most threads parsing knowledge files.
const MAX_PARSE_THREADS: usize = 4;

/// Parse every file into raw entries, collecting problems. Files are
/// parsed on the machine's cores in contiguous groups of about equal size
/// and the groups joined in order, so entries and problems keep the order
/// of the files.
pub(crate) fn parse_files(files: Vec<(PathBuf, String)>) -> RawSet {
    let threads = crate::parallel::threads(MAX_PARSE_THREADS);
    let total: usize = files.iter().map(|f| f.1.len()).sum();
    let share = total.div_ceil(threads).max(1);
    let mut groups: Vec<Vec<(PathBuf, String)>> = vec![Vec::new()];
    let mut size = 0;
    for f in files {
        if size >= share {
            groups.push(Vec::new());
            size = 0;
        }
        size += f.1.len();
        if let Some(g) = groups.last_mut() {
            g.push(f);
        }
    }
    let parts: Vec<RawSet> = std::thread::scope(|scope| {
        let handles: Vec<_> = groups
            .into_iter()
            .map(|group| scope.spawn(move || parse_group(group)))
            .collect();
        handles.into_iter().map(crate::parallel::joined).collect()
    });
    let mut set = RawSet::default();
    for part in parts {
        set.append(part);
    }
    set
}

fn parse_group(files: Vec<(PathBuf, String)>) -> RawSet {
    let mut set = RawSet::default();
    for (path, text) in files {
        let file_no = set.files.len();
        set.files.push(SourceFile::new(path, text));
        parse_file(&mut set, file_no);
    }
    set
}

impl RawSet {
    /// Append the entries of files parsed apart, renumbering their files
    /// after this set's.
    fn append(&mut self, later: RawSet) {
        let offset = self.files.len();
        macro_rules! join {
            ($($field:ident),*) => {
                let RawSet { files, problems, $($field),* } = later;
                self.files.extend(files);
                self.problems.extend(problems);
                $(self.$field.extend($field.into_iter().map(|(f, raw)| (f + offset, raw)));)*
            };
        }
        join!(
            cases,
            selling_points,
            closings,
            objections,
            skills,
            steps,
            activities,
            modes,
            visits,
            methods,
            mans,
            concepts,
            templates,
            gaps,
            synonyms,
            words,
            regionals,
            intents,
            man_cues,
            examples,
            utterances,
            name_words,
            message_cues,
            touchpoints,
            log_cues,
            stalls
        );
    }
}

fn parse_file(set: &mut RawSet, file_no: usize) {
    let file = &set.files[file_no];
    let (root, errors) = DeTable::parse_recoverable(&file.text);
    let mut problems: Vec<Problem> = errors
        .iter()
        .map(|e| {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            file.problem(
                at,
                format!("TOML syntax error: {}", first_line(e.message())),
            )
        })
        .collect();
    if !problems.is_empty() {
        // Entries after a syntax error are unreliable; report syntax only.
        set.problems.append(&mut problems);
        return;
    }
    let root = root.into_inner();
    let mut entries: Vec<(String, Spanned<DeValue<'_>>)> = Vec::new();
    for (key, value) in root {
        let name = key.get_ref().to_string();
        if !TABLES.contains(&name.as_str()) {
            problems.push(file.problem(
                key.span().start,
                format!(
                    "unknown table `{name}`; expected one of: {}",
                    TABLES.join(", ")
                ),
            ));
            continue;
        }
        let span = value.span();
        match value.into_inner() {
            DeValue::Array(items) => {
                for item in items {
                    entries.push((name.clone(), item));
                }
            }
            _ => problems.push(file.problem(
                span.start,
                format!("`{name}` must be an array of tables: write each entry as [[{name}]]"),
            )),
        }
    }
    for (name, item) in entries {
        let at = item.span().start;
        if !matches!(item.get_ref(), DeValue::Table(_)) {
            problems.push(file.problem(
                at,
                format!("each `{name}` entry must be a table: write it as [[{name}]]"),
            ));
            continue;
        }
        let de = ValueDeserializer::from(item);
        macro_rules! push {
            ($field:ident) => {
                match deserialize(de, file, at, &name) {
                    Ok(raw) => set.$field.push((file_no, raw)),
                    Err(p) => problems.push(p),
                }
            };
        }
        match name.as_str() {
            "case" => push!(cases),
            "selling_point" => push!(selling_points),
            "closing" => push!(closings),
            "objection" => push!(objections),
            "skill" => push!(skills),
            "step" => push!(steps),
            "activity" => push!(activities),
            "mode" => push!(modes),
            "visit" => push!(visits),
            "method" => push!(methods),
            "man" => push!(mans),
            "concept" => push!(concepts),
            "template" => push!(templates),
            "gap" => push!(gaps),
            "synonym" => push!(synonyms),
            "word" => push!(words),
            "regional" => push!(regionals),
            "intent" => push!(intents),
            "man_cue" => push!(man_cues),
            "example" => push!(examples),
            "utterance" => push!(utterances),
            "name_words" => push!(name_words),
            "message_cue" => push!(message_cues),
            "touchpoint" => push!(touchpoints),
            "log_cue" => push!(log_cues),
            "stall" => push!(stalls),
            _ => {}
        }
    }
    set.problems.append(&mut problems);
}

fn deserialize<T: DeserializeOwned>(
    de: ValueDeserializer<'_>,
    file: &SourceFile,
    entry_at: usize,
    table: &str,
) -> Result<T, Problem> {
    T::deserialize(de).map_err(|e| {
        let at = e.span().map(|s| s.start).unwrap_or(entry_at);
        let msg = first_line(e.message());
        let hint = if msg.starts_with("unknown field") {
            "; remove it or fix its spelling"
        } else if msg.starts_with("missing field") {
            "; add it to this entry"
        } else {
            ""
        };
        file.problem(at, format!("in [[{table}]]: {msg}{hint}"))
    })
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}
