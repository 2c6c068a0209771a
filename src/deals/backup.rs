//! Export and import of a user's deals, for backups and moving stores.
//!
//! - **JSON** carries every field of every deal (the store's record
//!   shape) and round-trips exactly: `import(export(json))` gives back the
//!   same deals.
//! - **CSV** is a flat view for spreadsheets: one row per visit (a deal
//!   without visits gets one row). Importing it replays each visit's raw
//!   text through the parser and restores mode and outcome; derived fields
//!   are recomputed, so it round-trips customers, visits, mode and outcome,
//!   but explicit `/man` answers come back only as the MAN code column and
//!   a later knowledge change may recognise visits differently.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use chrono::{DateTime, Local};
use serde::{Deserialize, Serialize};

use super::model::{
    Customer, Deal, Man, ManField, ManSetting, ManValue, ModeChoice, Outcome, SalesMode, Visit,
};
use super::program::recompute;
use super::{DealError, DealService};
use crate::user::UserKey;

/// Export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Everything; round-trips.
    Json,
    /// One row per visit; see the module docs for what round-trips.
    Csv,
}

impl std::str::FromStr for ExportFormat {
    type Err = DealError;
    fn from_str(s: &str) -> Result<Self, DealError> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(ExportFormat::Json),
            "csv" => Ok(ExportFormat::Csv),
            other => Err(DealError::Import(format!(
                "unknown export format `{other}`; use csv or json"
            ))),
        }
    }
}

/// Highest visit number an import keeps. Numbers come from a counter that
/// grows by one per logged visit, so a larger one was not made by a store;
/// it is renumbered so the counter stays far from overflow. (2^53 is also
/// the largest integer JSON tools keep exactly.)
pub const MAX_IMPORTED_SEQ: u64 = 1 << 53;

/// How to import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Import only this owner's deals; the file's other users are skipped.
    pub user: Option<UserKey>,
    /// Work out what would change and write nothing.
    pub dry_run: bool,
}

/// What an import did (or, in a dry run, would do) for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserImport {
    /// The owner.
    pub user: UserKey,
    /// Deals new to the store, added as exported.
    pub deals_added: usize,
    /// Deals already in the store that got visits from the file.
    pub deals_merged: usize,
    /// Deals already in the store with every visit of the file.
    pub deals_kept: usize,
    /// Visits added.
    pub visits_added: usize,
    /// Visits of the file the store already had.
    pub visits_kept: usize,
}

/// What an import wrote (or, in a dry run, would write).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Users imported.
    pub users: usize,
    /// Deals written: added, or merged with new visits.
    pub deals: usize,
    /// Visits added.
    pub visits: usize,
    /// Visits given new numbers (already used, or out of range).
    pub renumbered: usize,
    /// Per user.
    pub per_user: Vec<UserImport>,
    /// Users in the file left out by `--user`, with their deal counts.
    pub skipped: Vec<(UserKey, usize)>,
    /// Nothing was written.
    pub dry_run: bool,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.dry_run {
            write!(f, "dry run, nothing written: would import")?;
        } else {
            write!(f, "imported")?;
        }
        write!(
            f,
            " {} deal(s) with {} visit(s) for {} user(s)",
            self.deals, self.visits, self.users
        )?;
        for u in &self.per_user {
            write!(
                f,
                "\n  {}: {} new deal(s) added; {} visit(s) added, {} already here kept",
                u.user, u.deals_added, u.visits_added, u.visits_kept
            )?;
            if u.deals_merged + u.deals_kept > 0 {
                write!(
                    f,
                    "; {} deal(s) already here ({} got visits, {} unchanged) keep their own fields",
                    u.deals_merged + u.deals_kept,
                    u.deals_merged,
                    u.deals_kept
                )?;
            }
        }
        if self.renumbered > 0 {
            write!(
                f,
                "\n  {} visit(s) given new numbers (their number was taken or out of range)",
                self.renumbered
            )?;
        }
        for (user, deals) in &self.skipped {
            write!(
                f,
                "\n  skipped {user}: {deals} deal(s), not the --user asked for"
            )?;
        }
        Ok(())
    }
}

/// One user's import, worked out before anything is written.
struct UserPlan {
    report: UserImport,
    /// The deals to write, complete.
    write: Vec<Deal>,
    /// (deal in `write`, visit in it) to give new numbers.
    renumber: Vec<(usize, usize)>,
    /// Deals in `write` whose derived fields must be worked out again.
    recompute: Vec<usize>,
    /// Highest visit number kept as it was.
    max_kept: u64,
}

/// The JSON backup document.
#[derive(Debug, Serialize, Deserialize)]
struct Backup {
    /// Always `ussbot-deals`.
    format: String,
    /// Record schema version of the deals.
    version: u32,
    exported_at: DateTime<Local>,
    users: Vec<UserDeals>,
}

#[derive(Debug, Serialize, Deserialize)]
struct UserDeals {
    user: UserKey,
    deals: Vec<Deal>,
}

const FORMAT: &str = "ussbot-deals";

/// CSV columns.
const CSV_HEADER: [&str; 18] = [
    "platform",
    "user",
    "deal_id",
    "customer",
    "aliases",
    "mode",
    "mode_chosen",
    "stage",
    "man",
    "outcome",
    "outcome_reason",
    "outcome_at",
    "created",
    "visit_seq",
    "visit_at",
    "logged_at",
    "raw",
    "activities",
];

impl DealService {
    /// Write all of `user`'s deals to `out`; returns how many there were
    /// (an export of a user with none is still a valid, empty backup).
    pub async fn export(
        &self,
        user: &UserKey,
        format: ExportFormat,
        out: &mut (dyn Write + Send),
    ) -> Result<usize, DealError> {
        let deals = self.store.deals(user).await?;
        let count = deals.len();
        match format {
            ExportFormat::Json => {
                let doc = Backup {
                    format: FORMAT.into(),
                    version: super::model::SCHEMA_VERSION,
                    exported_at: Local::now(),
                    users: vec![UserDeals {
                        user: user.clone(),
                        deals,
                    }],
                };
                serde_json::to_writer_pretty(&mut *out, &doc)
                    .map_err(|e| DealError::Export(e.to_string()))?;
                writeln!(out).map_err(|e| DealError::Export(e.to_string()))?;
            }
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                let csv_err = |e: csv::Error| DealError::Export(e.to_string());
                w.write_record(CSV_HEADER).map_err(csv_err)?;
                for d in &deals {
                    let base = |v: Option<&Visit>| -> Vec<String> {
                        let o = d.outcome.as_ref();
                        vec![
                            user.platform.clone(),
                            user.id.clone(),
                            d.id.clone(),
                            d.customer.name.clone(),
                            d.customer.aliases.join("|"),
                            d.mode.mode.zh().to_string(),
                            d.mode.chosen.to_string(),
                            d.stage.clone().unwrap_or_default(),
                            d.man.code(),
                            o.map(|o| if o.won { "won" } else { "lost" })
                                .unwrap_or("")
                                .to_string(),
                            o.and_then(|o| o.reason.clone()).unwrap_or_default(),
                            o.map(|o| o.at.to_rfc3339()).unwrap_or_default(),
                            d.created.to_rfc3339(),
                            v.map(|v| v.seq.to_string()).unwrap_or_default(),
                            v.map(|v| v.at.to_rfc3339()).unwrap_or_default(),
                            v.map(|v| v.logged_at.to_rfc3339()).unwrap_or_default(),
                            v.map(|v| v.raw.clone()).unwrap_or_default(),
                            v.map(|v| v.activities.join("|")).unwrap_or_default(),
                        ]
                    };
                    let row = |v| base(v).into_iter().map(|c| csv_cell_out(&c).into_owned());
                    if d.visits.is_empty() {
                        w.write_record(row(None)).map_err(csv_err)?;
                    }
                    for v in &d.visits {
                        w.write_record(row(Some(v))).map_err(csv_err)?;
                    }
                }
                w.flush().map_err(|e| DealError::Export(e.to_string()))?;
            }
        }
        Ok(count)
    }

    /// Import a JSON or CSV export (detected from the content; a UTF-8 BOM
    /// is skipped) with the default options: every user in the file, for
    /// real. See [`DealService::import_with`].
    pub async fn import(&self, input: &str) -> Result<ImportSummary, DealError> {
        self.import_with(input, &ImportOptions::default()).await
    }

    /// Import a JSON or CSV export, merging it into what the store holds:
    ///
    /// - a deal new to the store is added as exported;
    /// - for a deal already in the store, its visits are matched by
    ///   identity (same number and text, or same time and text) and only
    ///   the missing ones are added; the stored deal's own fields
    ///   (customer, mode, MAN answers, outcome) are kept, never replaced by
    ///   the file's;
    /// - an imported visit keeps its number unless the user's store already
    ///   uses it or it is above [`MAX_IMPORTED_SEQ`]; such visits get new
    ///   numbers from the store's counter, so the counter never nears
    ///   overflow and `/undo` never mistakes an imported visit for the
    ///   newest log.
    ///
    /// `options.user` limits the import to one owner (the others are
    /// skipped and listed); `options.dry_run` computes the summary and
    /// writes nothing. Each user's deals are written in one atomic batch.
    pub async fn import_with(
        &self,
        input: &str,
        options: &ImportOptions,
    ) -> Result<ImportSummary, DealError> {
        let input = input.strip_prefix('\u{feff}').unwrap_or(input);
        let groups = if input.trim_start().starts_with('{') {
            let doc: Backup = serde_json::from_str(input)
                .map_err(|e| DealError::Import(format!("not a ussbot JSON export: {e}")))?;
            if doc.format != FORMAT {
                return Err(DealError::Import(format!(
                    "not a ussbot deal export (format `{}`)",
                    doc.format
                )));
            }
            if doc.version > super::model::SCHEMA_VERSION {
                return Err(DealError::Import(format!(
                    "export is from a newer ussbot (schema {})",
                    doc.version
                )));
            }
            doc.users.into_iter().map(|u| (u.user, u.deals)).collect()
        } else {
            self.deals_from_csv(input)?
        };
        let mut summary = ImportSummary {
            dry_run: options.dry_run,
            ..ImportSummary::default()
        };
        // Plan every user first, then write: a refused import writes nothing.
        let mut plans = Vec::new();
        for (user, deals) in groups {
            if let Some(only) = &options.user {
                if &user != only {
                    summary.skipped.push((user, deals.len()));
                    continue;
                }
            }
            let live = self.store.deals(&user).await?;
            plans.push(self.plan_user(user, deals, live));
        }
        let renumber: u64 = plans.iter().map(|p| p.renumber.len() as u64).sum();
        let max_kept = plans.iter().map(|p| p.max_kept).max().unwrap_or(0);
        for p in &plans {
            summary.users += 1;
            summary.deals += p.report.deals_added + p.report.deals_merged;
            summary.visits += p.report.visits_added;
            summary.renumbered += p.renumber.len();
            summary.per_user.push(p.report.clone());
        }
        if options.dry_run {
            return Ok(summary);
        }
        // New visits must sort after imported ones for /undo: the counter
        // goes past every kept number before any deal is written.
        self.store.reserve_seq(max_kept).await?;
        let mut next = if renumber > 0 {
            let first = self.store.next_seq().await?;
            self.store.reserve_seq(first + renumber - 1).await?;
            first
        } else {
            0
        };
        for mut p in plans {
            for &(deal, visit) in &p.renumber {
                let v = &mut p.write[deal].visits[visit];
                let old = v.seq;
                v.seq = next;
                if let Some(n) = v.next.as_mut().filter(|n| n.visit == Some(old)) {
                    n.visit = Some(next);
                }
                next += 1;
            }
            for &d in &p.recompute {
                let deal = &mut p.write[d];
                let chosen = deal.mode.clone();
                recompute(deal, &self.knowledge);
                if chosen.chosen {
                    deal.mode = chosen;
                }
            }
            if !p.write.is_empty() {
                self.store.put_deals(&p.report.user, &p.write).await?;
            }
        }
        Ok(summary)
    }

    /// What importing `deals` for `user` over `live` writes.
    fn plan_user(&self, user: UserKey, deals: Vec<Deal>, live: Vec<Deal>) -> UserPlan {
        let mut used: HashSet<u64> = live
            .iter()
            .flat_map(|d| d.visits.iter().map(|v| v.seq))
            .collect();
        let mut live: BTreeMap<String, Deal> =
            live.into_iter().map(|d| (d.id.clone(), d)).collect();
        let mut plan = UserPlan {
            report: UserImport {
                user,
                deals_added: 0,
                deals_merged: 0,
                deals_kept: 0,
                visits_added: 0,
                visits_kept: 0,
            },
            write: Vec::new(),
            renumber: Vec::new(),
            recompute: Vec::new(),
            max_kept: 0,
        };
        for mut d in deals {
            let (mut target, incoming, merged) = match live.remove(&d.id) {
                Some(l) => (l, std::mem::take(&mut d.visits), true),
                None => {
                    let visits = std::mem::take(&mut d.visits);
                    (d, visits, false)
                }
            };
            let mut added = 0;
            let mut renumbered = false;
            let index = plan.write.len();
            // A visit's identity: its number and text, or its time and text.
            let mut by_seq: HashSet<(u64, String)> = HashSet::new();
            let mut by_time: HashSet<(DateTime<Local>, String)> = HashSet::new();
            for l in &target.visits {
                by_seq.insert((l.seq, l.raw.clone()));
                by_time.insert((l.at, l.raw.clone()));
            }
            for v in incoming {
                let seq_key = (v.seq, v.raw.clone());
                let time_key = (v.at, v.raw.clone());
                if by_seq.contains(&seq_key) || by_time.contains(&time_key) {
                    plan.report.visits_kept += 1;
                    continue;
                }
                by_seq.insert(seq_key);
                by_time.insert(time_key);
                let position = target.visits.len();
                if v.seq > MAX_IMPORTED_SEQ || !used.insert(v.seq) {
                    plan.renumber.push((index, position));
                    renumbered = true;
                } else {
                    plan.max_kept = plan.max_kept.max(v.seq);
                }
                if merged {
                    target.updated = target.updated.max(v.logged_at);
                }
                target.visits.push(v);
                added += 1;
            }
            plan.report.visits_added += added;
            if merged {
                plan.report.deals_merged += usize::from(added > 0);
                plan.report.deals_kept += usize::from(added == 0);
                if added == 0 {
                    continue;
                }
            } else {
                plan.report.deals_added += 1;
            }
            if merged || renumbered {
                plan.recompute.push(index);
            }
            plan.write.push(target);
        }
        plan
    }

    fn deals_from_csv(&self, input: &str) -> Result<Vec<(UserKey, Vec<Deal>)>, DealError> {
        let mut r = csv::Reader::from_reader(input.as_bytes());
        let bad = |line: u64, msg: String| DealError::Import(format!("csv line {line}: {msg}"));
        let headers = r.headers().map_err(|e| bad(1, e.to_string()))?.clone();
        if headers.iter().collect::<Vec<_>>() != CSV_HEADER {
            return Err(bad(
                1,
                format!("expected the header {}", CSV_HEADER.join(",")),
            ));
        }
        let parser = self.parser();
        let mut deals: BTreeMap<(UserKey, String), Deal> = BTreeMap::new();
        for (i, row) in r.records().enumerate() {
            let row = row.map_err(|e| {
                let line = e.position().map_or(i as u64 + 2, |p| p.line());
                bad(line, e.to_string())
            })?;
            // The file's line: a quoted field may span several.
            let line = row.position().map_or(i as u64 + 2, |p| p.line());
            let col = |n: usize| csv_cell_in(row.get(n).unwrap_or("")).to_string();
            let time = |n: usize| -> Result<Option<DateTime<Local>>, DealError> {
                let s = col(n);
                if s.is_empty() {
                    return Ok(None);
                }
                DateTime::parse_from_rfc3339(&s)
                    .map(|t| Some(t.with_timezone(&Local)))
                    .map_err(|e| bad(line, format!("bad time `{s}`: {e}")))
            };
            let user = UserKey::new(col(0), col(1));
            let created = time(12)?.ok_or_else(|| bad(line, "missing created".into()))?;
            let mode = SalesMode::parse(&col(5))
                .ok_or_else(|| bad(line, format!("bad mode `{}`", col(5))))?;
            let key = (user.clone(), col(2));
            let deal = deals.entry(key).or_insert_with(|| {
                let mut d = Deal::new(
                    Customer {
                        name: col(3),
                        key: col(2),
                        aliases: col(4)
                            .split('|')
                            .filter(|s| !s.is_empty())
                            .map(String::from)
                            .collect(),
                    },
                    ModeChoice {
                        mode,
                        chosen: col(6) == "true",
                        reason: if col(6) == "true" {
                            "由销售人员设定".into()
                        } else {
                            String::new()
                        },
                    },
                    created,
                );
                d.updated = created;
                d
            });
            let outcome_at = time(11)?;
            deal.outcome = match (col(9).as_str(), outcome_at) {
                ("won", Some(at)) | ("lost", Some(at)) => Some(Outcome {
                    won: col(9) == "won",
                    reason: Some(col(10)).filter(|s| !s.is_empty()),
                    at,
                }),
                _ => None,
            };
            if let (Some(at), Some(logged)) = (time(14)?, time(15)?) {
                let seq = col(13)
                    .parse()
                    .map_err(|_| bad(line, "bad visit_seq".into()))?;
                let raw = col(16);
                let facts = parser.visit_facts(&raw, logged);
                deal.visits.push(Visit {
                    seq,
                    at,
                    logged_at: logged,
                    customer: deal.customer.name.clone(),
                    contacts: facts.contacts,
                    activities: col(17)
                        .split('|')
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect(),
                    objections: facts.objections,
                    man: facts.man,
                    mode_cue: facts.mode_cue,
                    touch: facts.touch,
                    alias: None,
                    next: facts.next.map(|mut n| {
                        n.visit = Some(seq);
                        n
                    }),
                    raw,
                });
                deal.updated = deal.updated.max(logged);
            }
            // The MAN column restores answers the visits do not give; `?`
            // is no answer. An empty column restores nothing.
            let code = col(8);
            let code = code.trim();
            if !code.is_empty() {
                let values = Man::parse_code(code).ok_or_else(|| {
                    bad(
                        line,
                        format!(
                            "column `man`: `{code}` is not a MAN code; write M, A, N in that \
                             order, each upper case (yes), lower case (no) or ? (unknown), \
                             joined by + (e.g. M+a+N)"
                        ),
                    )
                })?;
                deal.man_settings.clear();
                for (field, value) in ManField::ALL.into_iter().zip(values) {
                    if value != ManValue::Unknown {
                        deal.man_settings.push(ManSetting {
                            field,
                            value,
                            at: created,
                        });
                    }
                }
            }
        }
        let mut out: BTreeMap<UserKey, Vec<Deal>> = BTreeMap::new();
        for ((user, _), mut d) in deals {
            let chosen = d.mode.clone();
            recompute(&mut d, &self.knowledge);
            if chosen.chosen {
                d.mode = chosen;
            }
            out.entry(user).or_default().push(d);
        }
        Ok(out.into_iter().collect())
    }
}

/// A CSV cell as exported: one that a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a
/// leading `'`, the OWASP rule for CSV injection. A cell that already
/// starts with `'` gets one too, so [`csv_cell_in`] can undo exactly what
/// was added and a round trip gives back the same text.
fn csv_cell_out(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\'') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// The text of an imported CSV cell: the `'` that [`csv_cell_out`] added
/// is removed.
fn csv_cell_in(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest)
            if matches!(
                rest.chars().next(),
                Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\'')
            ) =>
        {
            rest
        }
        _ => cell,
    }
}
