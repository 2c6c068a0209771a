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

use std::collections::BTreeMap;
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

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Users whose deals were written.
    pub users: usize,
    /// Deals written (replacing any with the same customer).
    pub deals: usize,
    /// Visits in them.
    pub visits: usize,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "imported {} deal(s) with {} visit(s) for {} user(s)",
            self.deals, self.visits, self.users
        )
    }
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
    /// Write all of `user`'s deals to `out`.
    pub async fn export(
        &self,
        user: &UserKey,
        format: ExportFormat,
        out: &mut dyn Write,
    ) -> Result<(), DealError> {
        let deals = self.store.deals(user).await?;
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
                    if d.visits.is_empty() {
                        w.write_record(base(None)).map_err(csv_err)?;
                    }
                    for v in &d.visits {
                        w.write_record(base(Some(v))).map_err(csv_err)?;
                    }
                }
                w.flush().map_err(|e| DealError::Export(e.to_string()))?;
            }
        }
        Ok(())
    }

    /// Import a JSON or CSV export (detected from the content). Deals
    /// replace those of the same user and customer; other deals stay.
    pub async fn import(&self, input: &str) -> Result<ImportSummary, DealError> {
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
        let mut summary = ImportSummary::default();
        let mut max_seq = 0;
        for (user, deals) in groups {
            summary.users += 1;
            for d in &deals {
                summary.deals += 1;
                summary.visits += d.visits.len();
                max_seq = max_seq.max(d.visits.iter().map(|v| v.seq).max().unwrap_or(0));
            }
            self.store.put_deals(&user, &deals).await?;
        }
        // New visits must sort after imported ones for /undo.
        self.store.reserve_seq(max_seq).await?;
        Ok(summary)
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
            let col = |n: usize| row.get(n).unwrap_or("").to_string();
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
