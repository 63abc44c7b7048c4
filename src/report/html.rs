//! `report.html`: one self-contained page (inline CSS, script and SVG charts; no fetch of any kind) for the
//! people a consultant hands the review to. It renders `report.json`'s [`Report`] plus a few aggregates the
//! JSON does not carry ([`HtmlExtras`]); it decides nothing.
//!
//! Size: the page shows the top N of everything (findings, privileged users, business units, tables,
//! principals) and truncates every text from the export, so its size is bounded whatever the tenant: under
//! [`MAX_PAGE_BYTES`] (1 MB at 100,000 users); the full data is in `report.json` and `findings.csv`.
//!
//! Safety: every value from the export goes through tera's autoescaping (the template is named `*.html`);
//! chart text is escaped by plotters; the JSON block is escaped by [`json_for_script`]; and a
//! Content-Security-Policy allows only the page's own script (by its hash) and no network access at all.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::access::{Engine, PrivilegedReason};
use crate::finding::Severity;
use crate::ingest::{Export, InputStatus};
use crate::model::{Depth, PrincipalKind};
use crate::policy::FindingStatus;
use crate::report::charts::{self, compact, shorten, thousands, BarRow, Rgb, Series, TreeRow};
use crate::report::json::Report;
use crate::rules::{self, meta::GROUPS, RuleStatus};
use crate::time::Date;

/// Findings shown in the page, most severe first (report order); `report.json` and `findings.csv` hold all.
pub const MAX_FINDINGS_IN_PAGE: usize = 500;
/// Findings of one rule shown in the page, so that one noisy rule cannot hide the others.
pub const MAX_FINDINGS_PER_RULE_IN_PAGE: usize = 50;
/// Privileged users listed in the page (enabled first, then by name).
pub const MAX_PRIVILEGED_USERS_IN_PAGE: usize = 200;
/// Business units drawn in the tree (depth-first; the sample generator makes 250 at 100,000 users).
pub const MAX_BUSINESS_UNITS_IN_PAGE: usize = 300;
/// Tables in the privilege-depth heat map: those the most enabled users hold a privilege on.
pub const HEAT_MAP_TABLES: usize = 25;
/// Principals in the shares chart, by shared records.
pub const TOP_SHARING_PRINCIPALS: usize = 15;
/// Tables in the audit-volume chart.
pub const TOP_AUDIT_TABLES: usize = 15;
/// Problems listed per input table (report.json has the first ten, and the count).
const MAX_PROBLEMS_PER_INPUT: usize = 10;
/// Characters kept of one name (Dataverse allows 160 for business units and teams), of a finding's message, and
/// of one evidence value.
const MAX_TEXT: usize = 160;
const MAX_MESSAGE: usize = 600;
const MAX_EVIDENCE_VALUE: usize = 240;
/// Fields shown of a finding's evidence, and items of one evidence list.
const MAX_EVIDENCE_FIELDS: usize = 8;
const MAX_LIST_ITEMS: usize = 5;
/// Roles and reasons listed per privileged user.
const MAX_ROLES_PER_USER: usize = 8;
const MAX_REASONS_PER_USER: usize = 4;
/// Columns of the audit-by-day chart: a longer window is drawn in buckets of several days.
const MAX_AUDIT_COLUMNS: i64 = 366;

/// The bound on `report.html`'s size, whatever the size of the tenant: 4 MiB. Every list is capped and every
/// text truncated, so the page cannot grow with users, roles, shares or audit records. With every cap reached
/// and every text at its truncation length (one byte a character):
/// - findings: 500 x ~4.4 KB (markup, a 600-character message, subject, 8 evidence fields of 240) = 2.2 MB;
/// - privileged users: 200 x ~3.4 KB (name, business unit, 8 roles, 4 reasons of 320) = 0.68 MB;
/// - business units: 300 x ~1 KB (a row of the SVG tree and of its table) = 0.3 MB;
/// - other charts: at most 366 audit columns, 25 heat-map rows, 15 principals, 15 tables = 0.2 MB;
/// - inputs (23 tables x 10 problems), rules, summary, CSS and script = 0.25 MB;
///
/// about 3.6 MB in all. Text made only of characters that HTML escapes (`<>&"'/`, 4 to 6 bytes each) could make
/// the text part several times larger, still bounded. Measured (the same numbers as `tests/it/html.rs` prints):
/// 0.28 MB for `samples/contoso`, 0.53 MB at 2,000 users and 0.99 MB at 100,000 users (1.4 million findings).
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

const TEMPLATE: &str = include_str!("../../templates/report.html");
const STYLE: &str = include_str!("../../templates/report.css");
const SCRIPT: &str = include_str!("../../templates/report.js");

/// Severity colours (the charts and the page's CSS variables).
pub fn severity_color(s: Severity) -> Rgb {
    match s {
        Severity::Critical => (122, 18, 40),
        Severity::High => (207, 52, 44),
        Severity::Medium => (224, 131, 0),
        Severity::Low => (47, 111, 186),
        Severity::Info => (107, 119, 133),
    }
}
const WAIVED_COLOR: Rgb = (190, 196, 204);

/// What the page shows that `report.json` does not carry, computed from the export and effective access.
#[derive(Clone, Debug, Default)]
pub struct HtmlExtras {
    /// The tables the most enabled users hold any privilege on, with (user, privilege) pairs per depth.
    pub depth_by_table: Vec<TableDepths>,
    /// Business units in depth-first order (children by name), at most [`MAX_BUSINESS_UNITS_IN_PAGE`].
    pub business_units: Vec<BusinessUnitNode>,
    pub business_units_total: usize,
    /// The principals with the most shared records.
    pub shares_by_principal: Vec<PrincipalShares>,
    pub audit_present: bool,
    pub audit_rows: u64,
    /// The tables with the most audit rows.
    pub audit_by_table: Vec<(String, u64)>,
    /// Audit rows per day (days since the epoch), sorted.
    pub audit_by_day: Vec<(i64, u64)>,
    /// Why each privileged user is privileged, by user id (short sentences).
    pub privileged_reasons: HashMap<String, Vec<String>>,
    /// "Who can": the high-risk privileges (ACCESS-MODEL.md's privileged list, and Delete, Share and Assign at
    /// Global on every table) with how many enabled users hold them and the first holders.
    pub who_can: Vec<WhoCanRow>,
}

/// One high-risk privilege and its holders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WhoCanRow {
    pub privilege: String,
    pub tables: String,
    pub depth: &'static str,
    pub users: usize,
    pub only_through_teams: usize,
    /// The first holders by name, with the path of each.
    pub top: Vec<(String, String)>,
    /// Holders not listed.
    pub more: usize,
}

/// How many high-risk privileges the page lists (the most held first), and holders per privilege.
pub const MAX_WHO_CAN_ROWS: usize = 40;
pub const MAX_WHO_CAN_HOLDERS: usize = 5;

fn who_can(engine: &Engine) -> Vec<WhoCanRow> {
    use crate::access::PRIVILEGED_MISCELLANEOUS;
    use crate::model::{Depth, Right};
    let t = engine.tenant;
    // The high-risk privileges and the depth from which they count.
    let min_depth: HashMap<u32, Depth> = engine
        .catalog
        .iter()
        .enumerate()
        .filter_map(|(p, info)| {
            if PRIVILEGED_MISCELLANEOUS
                .iter()
                .any(|m| m.eq_ignore_ascii_case(&info.name))
            {
                Some((p as u32, Depth::Basic))
            } else if matches!(info.right, Some(Right::Delete | Right::Share | Right::Assign)) {
                Some((p as u32, Depth::Global))
            } else {
                None
            }
        })
        .collect();
    let mut users_of_set: Vec<Vec<u32>> = vec![Vec::new(); engine.grant_sets.len()];
    for (u, s) in engine.user_grant_set.iter().enumerate() {
        if let Some(s) = s {
            users_of_set[*s as usize].push(u as u32);
        }
    }
    // One pass over the grant sets: per privilege, the users, those only through teams, and the first holders
    // by name (user, grant set, held index).
    struct Acc {
        users: usize,
        only_teams: usize,
        top: Vec<(String, u32, usize)>,
    }
    let mut acc: HashMap<u32, Acc> = HashMap::default();
    for (s, set) in engine.grant_sets.iter().enumerate() {
        if set.users == 0 {
            continue;
        }
        for (hi, h) in set.held.iter().enumerate() {
            let Some(&min) = min_depth.get(&h.privilege) else {
                continue;
            };
            if h.depth < min {
                continue;
            }
            let team_only = set
                .grants(h)
                .iter()
                .filter(|g| g.depth >= min)
                .all(|g| set.assignments[g.assignment as usize].team.is_some());
            let a = acc.entry(h.privilege).or_insert(Acc {
                users: 0,
                only_teams: 0,
                top: Vec::new(),
            });
            a.users += set.users as usize;
            if team_only {
                a.only_teams += set.users as usize;
            }
            for &u in &users_of_set[s] {
                let name = t.users[u as usize].display_name();
                if a.top.len() < MAX_WHO_CAN_HOLDERS || a.top.last().is_some_and(|l| name < l.0) {
                    let at = a.top.partition_point(|x| x.0 <= name);
                    a.top.insert(at, (name, s as u32, hi));
                    a.top.truncate(MAX_WHO_CAN_HOLDERS);
                }
            }
        }
    }
    let mut rows: Vec<WhoCanRow> = acc
        .into_iter()
        .map(|(p, a)| {
            let info = &engine.catalog[p as usize];
            let top: Vec<(String, String)> = a
                .top
                .into_iter()
                .map(|(name, s, hi)| {
                    let set = &engine.grant_sets[s as usize];
                    let h = &set.held[hi];
                    let via = engine.via(set, h, &engine.business_units(set, h)).join("; ");
                    (shorten(&name, MAX_TEXT), shorten(&via, 2 * MAX_TEXT))
                })
                .collect();
            WhoCanRow {
                privilege: shorten(&info.name, MAX_TEXT),
                tables: shorten(&info.tables.join(", "), 2 * MAX_TEXT),
                depth: if min_depth[&p] == Depth::Global {
                    "Global"
                } else {
                    "any depth"
                },
                users: a.users,
                only_through_teams: a.only_teams,
                more: a.users.saturating_sub(top.len()),
                top,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.users.cmp(&a.users).then_with(|| a.privilege.cmp(&b.privilege)));
    rows.truncate(MAX_WHO_CAN_ROWS);
    rows
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableDepths {
    pub table: String,
    /// Enabled users holding any privilege on the table.
    pub users: u64,
    /// (enabled user, privilege) pairs at Basic, Local, Deep, Global.
    pub pairs: [u64; 4],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessUnitNode {
    pub id: String,
    pub name: String,
    pub depth: usize,
    /// Index of the parent in [`HtmlExtras::business_units`].
    pub parent: Option<usize>,
    pub disabled: bool,
    pub users: u64,
    pub enabled_users: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalShares {
    pub id: String,
    /// `None` when the principal is not in the export (a dangling reference).
    pub name: Option<String>,
    /// `user` or `team`.
    pub kind: &'static str,
    /// Records shared with the principal directly, and by cascading only.
    pub direct: u64,
    pub cascaded: u64,
}

pub fn extras(export: &Export, engine: &Engine) -> HtmlExtras {
    let t = &export.tenant;
    HtmlExtras {
        depth_by_table: depth_by_table(engine),
        who_can: who_can(engine),
        business_units: business_unit_tree(export),
        business_units_total: t.business_units.len(),
        shares_by_principal: shares_by_principal(export),
        audit_present: t.audit.present,
        audit_rows: t.audit.rows,
        audit_by_table: top(t.audit.by_table.iter().map(|(k, v)| (k.clone(), *v)), TOP_AUDIT_TABLES),
        audit_by_day: t.audit.by_day.iter().map(|(d, n)| (*d, *n)).collect(),
        privileged_reasons: (0..t.users.len())
            .filter_map(|u| {
                let set = engine.grant_set_of(u)?;
                (!set.privileged.is_empty()).then(|| (t.users[u].id.to_string(), reason_texts(&set.privileged)))
            })
            .collect(),
    }
}

/// The `n` largest, ties by name.
fn top(items: impl Iterator<Item = (String, u64)>, n: usize) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = items.collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

/// Why a user is privileged, in a few lines: each privileged role with its path, then the privileges that make
/// an account privileged, by path, leaving out those a privileged role already explains.
fn reason_texts(reasons: &[PrivilegedReason]) -> Vec<String> {
    let mut out = Vec::new();
    let mut role_paths = Vec::new();
    for r in reasons {
        if let PrivilegedReason::Role { role, path, .. } = r {
            out.push(format!("{role} role, via {path}"));
            role_paths.push(path.as_str());
        }
    }
    let mut by_path: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for r in reasons {
        let (path, what) = match r {
            PrivilegedReason::Role { .. } => continue,
            PrivilegedReason::Privilege { privilege, depth, path } => {
                (path.as_str(), format!("{privilege} ({})", depth.name()))
            }
            PrivilegedReason::EditsRoles { privilege, path } => {
                (path.as_str(), format!("{privilege} (edits every role)"))
            }
        };
        if !role_paths.contains(&path) {
            by_path.entry(path).or_default().push(what);
        }
    }
    for (path, what) in by_path {
        out.push(format!("{}, via {path}", what.join(", ")));
    }
    out
}

/// Per table: (user, privilege) pairs per depth and users holding anything, from the grant sets weighted by
/// their users (the cost grows with grant sets x privileges, not with users).
fn depth_by_table(engine: &Engine) -> Vec<TableDepths> {
    let mut index: HashMap<&str, usize> = HashMap::default();
    let mut names: Vec<&str> = Vec::new();
    let tables_of: Vec<Vec<usize>> = engine
        .catalog
        .iter()
        .map(|p| {
            p.tables
                .iter()
                .map(|t| {
                    *index.entry(t.as_str()).or_insert_with(|| {
                        names.push(t.as_str());
                        names.len() - 1
                    })
                })
                .collect()
        })
        .collect();
    let mut pairs = vec![[0u64; 4]; names.len()];
    let mut users = vec![0u64; names.len()];
    let mut seen = vec![usize::MAX; names.len()];
    for (si, set) in engine.grant_sets.iter().enumerate() {
        let n = set.users as u64;
        for h in &set.held {
            for &ti in tables_of.get(h.privilege as usize).into_iter().flatten() {
                pairs[ti][h.depth as usize] += n;
                if seen[ti] != si {
                    seen[ti] = si;
                    users[ti] += n;
                }
            }
        }
    }
    let mut rows: Vec<TableDepths> = names
        .iter()
        .enumerate()
        .filter(|(i, _)| users[*i] > 0)
        .map(|(i, name)| TableDepths {
            table: name.to_string(),
            users: users[i],
            pairs: pairs[i],
        })
        .collect();
    rows.sort_by(|a, b| {
        b.users
            .cmp(&a.users)
            .then_with(|| b.pairs.iter().sum::<u64>().cmp(&a.pairs.iter().sum::<u64>()))
            .then_with(|| a.table.cmp(&b.table))
    });
    rows.truncate(HEAT_MAP_TABLES);
    rows
}

fn business_unit_tree(export: &Export) -> Vec<BusinessUnitNode> {
    let t = &export.tenant;
    let mut users = vec![(0u64, 0u64); t.business_units.len()];
    for u in &t.users {
        if let Some(&i) = t.index.business_units.get(&u.business_unit) {
            users[i].0 += 1;
            if t.is_enabled(u) {
                users[i].1 += 1;
            }
        }
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); t.business_units.len()];
    let mut roots = Vec::new();
    for (i, b) in t.business_units.iter().enumerate() {
        match b.parent.and_then(|p| t.index.business_units.get(&p)) {
            Some(&p) if p != i => children[p].push(i),
            _ => roots.push(i),
        }
    }
    let by_name = |v: &mut Vec<usize>| v.sort_by(|a, b| t.business_units[*a].name.cmp(&t.business_units[*b].name));
    by_name(&mut roots);
    for c in &mut children {
        by_name(c);
    }
    let mut out = Vec::new();
    let mut visited = vec![false; t.business_units.len()];
    // Depth-first, children in name order: (unit, depth, parent row).
    let mut stack: Vec<(usize, usize, Option<usize>)> = roots.iter().rev().map(|&r| (r, 0, None)).collect();
    while let Some((i, depth, parent)) = stack.pop() {
        if visited[i] || out.len() >= MAX_BUSINESS_UNITS_IN_PAGE {
            continue;
        }
        visited[i] = true;
        let b = &t.business_units[i];
        out.push(BusinessUnitNode {
            id: b.id.to_string(),
            name: b.name.clone(),
            depth,
            parent,
            disabled: b.disabled,
            users: users[i].0,
            enabled_users: users[i].1,
        });
        let row = out.len() - 1;
        for &c in children[i].iter().rev() {
            stack.push((c, depth + 1, Some(row)));
        }
    }
    out
}

fn shares_by_principal(export: &Export) -> Vec<PrincipalShares> {
    let t = &export.tenant;
    let mut counts = vec![(0u64, 0u64); t.shares.principals.len()];
    for s in &t.shares.rows {
        if let Some(c) = counts.get_mut(s.principal as usize) {
            if s.is_direct() {
                c.0 += 1;
            } else {
                c.1 += 1;
            }
        }
    }
    let mut order: Vec<usize> = (0..counts.len()).filter(|&i| counts[i].0 + counts[i].1 > 0).collect();
    order.sort_by(|&a, &b| {
        (counts[b].0 + counts[b].1)
            .cmp(&(counts[a].0 + counts[a].1))
            .then_with(|| t.shares.principals[a].0.cmp(&t.shares.principals[b].0))
    });
    order.truncate(TOP_SHARING_PRINCIPALS);
    order
        .into_iter()
        .map(|i| {
            let (id, kind) = t.shares.principals[i];
            let name = match kind {
                PrincipalKind::User => t.user(id.into()).map(|u| u.display_name()),
                PrincipalKind::Team => t.team(id.into()).map(|x| x.name.clone()),
            };
            PrincipalShares {
                id: id.to_string(),
                name,
                kind: match kind {
                    PrincipalKind::User => "user",
                    PrincipalKind::Team => "team",
                },
                direct: counts[i].0,
                cascaded: counts[i].1,
            }
        })
        .collect()
}

/// JSON for a `<script type="application/json">` block: `<`, `>`, `&`, U+2028 and U+2029 escaped as `\uXXXX`,
/// so that no value can close the element or open a comment, and the text stays valid JavaScript too.
pub fn json_for_script(value: &impl Serialize) -> Result<String> {
    let json = serde_json::to_string(value).context("cannot serialize the page's data")?;
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    Ok(out)
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Escapes text for HTML text and attributes (for the prose of rule metadata, which is turned into markup
/// here, and for the charts' SVG attributes).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Rule prose (`rules/<id>.toml`) as HTML: paragraphs, numbered and bulleted lists, `code`. Escaped first.
fn prose(text: &str) -> String {
    let inline = |s: &str| {
        let mut out = String::new();
        for (i, part) in escape(s.trim()).split('`').enumerate() {
            if i % 2 == 1 {
                out.push_str("<code>");
                out.push_str(part);
                out.push_str("</code>");
            } else {
                out.push_str(part);
            }
        }
        out
    };
    let list_item = |line: &str| -> Option<(&'static str, String)> {
        let l = line.trim_start();
        if let Some(rest) = l.strip_prefix("- ").or_else(|| l.strip_prefix("* ")) {
            return Some(("ul", rest.to_string()));
        }
        let digits = l.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 {
            if let Some(rest) = l[digits..].strip_prefix(". ") {
                return Some(("ol", rest.to_string()));
            }
        }
        None
    };
    let mut html = String::new();
    for block in text.trim().split("\n\n") {
        let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.is_empty() {
            continue;
        }
        let mut open: Option<&str> = None;
        let mut para: Vec<&str> = Vec::new();
        let flush = |html: &mut String, para: &mut Vec<&str>| {
            if !para.is_empty() {
                html.push_str("<p>");
                html.push_str(&inline(&para.join(" ")));
                html.push_str("</p>");
                para.clear();
            }
        };
        for line in lines {
            match list_item(line) {
                Some((kind, item)) => {
                    flush(&mut html, &mut para);
                    if open != Some(kind) {
                        if let Some(o) = open {
                            html.push_str(&format!("</{o}>"));
                        }
                        html.push_str(&format!("<{kind}>"));
                        open = Some(kind);
                    }
                    html.push_str("<li>");
                    html.push_str(&inline(&item));
                    html.push_str("</li>");
                }
                None if open.is_some() => {
                    // A continuation line of the last item.
                    if html.ends_with("</li>") {
                        html.truncate(html.len() - "</li>".len());
                        html.push(' ');
                        html.push_str(&inline(line));
                        html.push_str("</li>");
                    }
                }
                None => para.push(line),
            }
        }
        flush(&mut html, &mut para);
        if let Some(o) = open {
            html.push_str(&format!("</{o}>"));
        }
    }
    html
}

/// An evidence value in a few words: lists cut to their first items, objects as `key: value` pairs.
fn evidence_value(v: &Value, depth: usize) -> String {
    match v {
        Value::Null => "none".to_string(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => shorten(s, MAX_TEXT),
        Value::Array(items) if items.is_empty() => "none".to_string(),
        Value::Array(items) => {
            let objects = items.iter().any(|i| i.is_object());
            let (sep, keep) = if objects {
                ("; ", MAX_LIST_ITEMS - 2)
            } else {
                (", ", MAX_LIST_ITEMS)
            };
            let mut s = items
                .iter()
                .take(keep)
                .map(|i| evidence_value(i, depth + 1))
                .collect::<Vec<_>>()
                .join(sep);
            if items.len() > keep {
                s.push_str(&format!(" … (+{} more)", items.len() - keep));
            }
            s
        }
        Value::Object(map) if depth >= 3 => format!("{{{} fields}}", map.len()),
        Value::Object(map) => {
            // Nested: the fields that say something (a null or false inside a list item is noise).
            let inner = map
                .iter()
                .filter(|(_, v)| depth == 0 || !matches!(v, Value::Null | Value::Bool(false)))
                .map(|(k, v)| format!("{}: {}", k.replace('_', " "), evidence_value(v, depth + 1)))
                .collect::<Vec<_>>()
                .join(" · ");
            if depth > 0 {
                format!("({inner})")
            } else {
                inner
            }
        }
    }
}

fn evidence_items(v: &Value) -> Vec<KeyValue> {
    match v {
        Value::Object(map) => {
            let mut items: Vec<KeyValue> = map
                .iter()
                .take(MAX_EVIDENCE_FIELDS)
                .map(|(k, v)| KeyValue {
                    key: shorten(&k.replace('_', " "), 40),
                    value: shorten(&evidence_value(v, 0), MAX_EVIDENCE_VALUE),
                })
                .collect();
            if map.len() > MAX_EVIDENCE_FIELDS {
                items.push(KeyValue {
                    key: "more".into(),
                    value: format!("{} more fields in report.json", map.len() - MAX_EVIDENCE_FIELDS),
                });
            }
            items
        }
        Value::Null => Vec::new(),
        other => vec![KeyValue {
            key: "value".into(),
            value: shorten(&evidence_value(other, 0), MAX_EVIDENCE_VALUE),
        }],
    }
}

// ---- the page's view model: everything formatted, nothing decided ----

#[derive(Serialize)]
struct KeyValue {
    key: String,
    value: String,
}

#[derive(Serialize)]
struct SeverityCount {
    id: &'static str,
    label: &'static str,
    /// `1,234,567`, and `1.2M` for the header.
    text: String,
    short: String,
}

#[derive(Serialize)]
struct Deduction {
    severity: &'static str,
    rules: u64,
    weight: u32,
    points: u64,
}

#[derive(Serialize)]
struct Chart {
    id: &'static str,
    title: String,
    caption: String,
    svg: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

#[derive(Serialize)]
struct FindingView {
    severity: &'static str,
    status: &'static str,
    confidence: &'static str,
    message: String,
    subject_kind: String,
    subject_name: String,
    subject_id: String,
    evidence: Vec<KeyValue>,
    waiver: Option<KeyValue>,
    fingerprint: String,
}

#[derive(Serialize)]
struct Reference {
    title: String,
    url: Option<String>,
}

#[derive(Serialize)]
struct RuleCard {
    id: &'static str,
    title: String,
    group: String,
    group_name: String,
    severity: &'static str,
    rank: usize,
    total: usize,
    total_text: String,
    more_text: String,
    shown: usize,
    fires_when: String,
    rationale: String,
    remediation: String,
    references: Vec<Reference>,
    findings: Vec<FindingView>,
}

#[derive(Serialize)]
struct GroupOption {
    id: &'static str,
    name: &'static str,
    count: usize,
    count_text: String,
}

#[derive(Serialize)]
struct PrivilegedUser {
    name: String,
    id: String,
    enabled: bool,
    business_unit: String,
    roles: Vec<String>,
    more_roles: usize,
    reasons: Vec<String>,
    more_reasons: usize,
}

#[derive(Serialize)]
struct RuleRow {
    id: &'static str,
    title: String,
    group_name: String,
    severity: &'static str,
    status: &'static str,
    status_label: &'static str,
    findings_text: String,
    reason: String,
}

#[derive(Serialize)]
struct ProblemRow {
    location: String,
    path: String,
    kind: String,
    message: String,
}

#[derive(Serialize)]
struct InputRow {
    table: &'static str,
    status: &'static str,
    files: String,
    rows: String,
    skipped: String,
    problem_count_text: String,
    problems: Vec<ProblemRow>,
    more_problems: u64,
}

#[derive(Serialize)]
struct WaiverRow {
    rule: String,
    target: String,
    reason: String,
    expires: String,
    line: u64,
}

#[derive(Serialize)]
struct Page {
    title: String,
    css: String,
    js: &'static str,
    csp: String,
    data_json: String,
    tool_version: &'static str,
    generated_at: String,
    as_of: String,
    environment_name: String,
    environment: Vec<KeyValue>,
    audit_window: String,
    score: u32,
    score_band: &'static str,
    score_formula: &'static str,
    deductions: Vec<Deduction>,
    deducted: u64,
    severities: Vec<SeverityCount>,
    waived_text: String,
    open_findings: String,
    /// The gate's verdict (`--fail-on`, `--require-rules`), when one was asked for.
    gate: Option<GateView>,
    /// A baseline was given: findings say whether they are new.
    has_baseline: bool,
    population: Vec<KeyValue>,
    key_findings: Vec<FindingView>,
    charts: Vec<Chart>,
    audit_note: String,
    findings_total: usize,
    findings_total_text: String,
    findings_shown: usize,
    max_findings: usize,
    max_per_rule: usize,
    groups: Vec<GroupOption>,
    rule_cards: Vec<RuleCard>,
    privileged: Vec<PrivilegedUser>,
    privileged_total: usize,
    privileged_total_text: String,
    max_privileged: usize,
    who_can: Vec<WhoCanRow>,
    max_who_can: usize,
    rules: Vec<RuleRow>,
    not_evaluated: Vec<RuleRow>,
    expired_waivers: Vec<WaiverRow>,
    unmatched_waivers: Vec<WaiverRow>,
    inputs: Vec<InputRow>,
    ignored_files: Vec<String>,
}

#[derive(Serialize)]
struct GateView {
    passed: bool,
    condition: String,
    reasons: Vec<String>,
}

#[derive(Serialize)]
struct ScriptData {
    findings_total: usize,
    findings_in_page: usize,
    severities: Vec<&'static str>,
}

fn status_name(s: &RuleStatus) -> (&'static str, &'static str) {
    match s {
        RuleStatus::Passed => ("passed", "passed"),
        RuleStatus::Failed => ("failed", "failed"),
        RuleStatus::Waived => ("waived", "waived"),
        RuleStatus::Disabled => ("disabled", "disabled"),
        RuleStatus::NotEvaluated => ("not_evaluated", "not evaluated"),
        RuleStatus::NotApplicable => ("not_applicable", "not applicable"),
    }
}

fn finding_status(s: FindingStatus) -> &'static str {
    match s {
        FindingStatus::New => "new",
        FindingStatus::Unchanged => "unchanged",
        FindingStatus::Waived => "waived",
    }
}

fn rank(s: Severity) -> usize {
    Severity::ALL
        .iter()
        .position(|x| *x == s)
        .unwrap_or(Severity::ALL.len())
}

fn group_name(group: &str) -> &'static str {
    GROUPS
        .iter()
        .find(|(g, _)| *g == group)
        .map_or("Other", |(_, name)| name)
}

fn css_color(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

fn finding_view(f: &crate::report::json::FindingWire) -> FindingView {
    FindingView {
        severity: f.severity.name(),
        status: finding_status(f.status),
        confidence: match f.confidence {
            crate::finding::Confidence::High => "high",
            crate::finding::Confidence::Medium => "medium",
            crate::finding::Confidence::Low => "low",
        },
        message: shorten(f.message, MAX_MESSAGE),
        subject_kind: f.subject.kind.name().replace('_', " "),
        subject_name: shorten(&f.subject.name, MAX_TEXT),
        subject_id: shorten(&f.subject.id, MAX_TEXT),
        evidence: evidence_items(&f.evidence.value()),
        waiver: f.waiver.map(|w| KeyValue {
            key: w
                .expires
                .map(|d| format!("until {d}"))
                .unwrap_or_else(|| "no expiry".into()),
            value: shorten(&w.reason, MAX_TEXT),
        }),
        fingerprint: f.fingerprint.chars().take(12).collect(),
    }
}

pub fn render(report: &Report, extras: &HtmlExtras) -> Result<String> {
    let s = &report.summary;
    let environment_name = report
        .environment
        .name
        .clone()
        .unwrap_or_else(|| "Unnamed environment".to_string());
    let title = format!("Security posture: {}", shorten(&environment_name, 80));

    // The score, as the formula computes it: the worst finding that is not waived, per failed rule.
    let mut worst: BTreeMap<&str, Severity> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.status != FindingStatus::Waived) {
        let e = worst.entry(f.rule).or_insert(f.severity);
        *e = (*e).max(f.severity);
    }
    let failed: Vec<&str> = report
        .rules
        .iter()
        .filter(|r| r.status == RuleStatus::Failed)
        .map(|r| r.id)
        .collect();
    let deductions: Vec<Deduction> = Severity::ALL
        .iter()
        .map(|sev| {
            let rules = failed.iter().filter(|id| worst.get(*id) == Some(sev)).count() as u64;
            Deduction {
                severity: sev.name(),
                rules,
                weight: sev.weight(),
                points: rules * sev.weight() as u64,
            }
        })
        .filter(|d| d.rules > 0)
        .collect();
    let deducted: u64 = deductions.iter().map(|d| d.points).sum();
    // The breakdown explains the score policy computed; shown only when it adds up to it.
    let deductions = if 100u64.saturating_sub(deducted) == s.score as u64 {
        deductions
    } else {
        Vec::new()
    };

    let count_of = |sev: Severity| match sev {
        Severity::Critical => s.critical,
        Severity::High => s.high,
        Severity::Medium => s.medium,
        Severity::Low => s.low,
        Severity::Info => s.info,
    };
    let severities: Vec<SeverityCount> = Severity::ALL
        .iter()
        .map(|&sev| SeverityCount {
            id: sev.name(),
            label: label_of(sev),
            text: thousands(count_of(sev)),
            short: compact(count_of(sev)),
        })
        .collect();

    let mut environment = Vec::new();
    let mut kv = |k: &str, v: Option<&String>| {
        if let Some(v) = v {
            environment.push(KeyValue {
                key: k.into(),
                value: shorten(v, MAX_TEXT),
            });
        }
    };
    kv("Environment", report.environment.name.as_ref());
    kv("Type (SKU)", report.environment.sku.as_ref());
    kv("Environment id", report.environment.id.as_ref());
    kv("Organization id", report.environment.organizationid.as_ref());
    let audit_window = match &report.audit_window {
        Some(w) => format!("{} to {}", w.from, w.to),
        None => "no audit records in the export".to_string(),
    };
    let inv = &report.inventory;
    let population = vec![
        KeyValue {
            key: "Users".into(),
            value: thousands(s.users),
        },
        KeyValue {
            key: "Enabled users".into(),
            value: thousands(s.enabled_users),
        },
        KeyValue {
            key: "Privileged users".into(),
            value: thousands(s.privileged_users),
        },
        KeyValue {
            key: "Teams".into(),
            value: thousands(inv.teams.len() as u64),
        },
        KeyValue {
            key: "Security roles (root)".into(),
            value: thousands(inv.roles.len() as u64),
        },
        KeyValue {
            key: "Business units".into(),
            value: thousands(inv.business_units.len() as u64),
        },
        KeyValue {
            key: "Record shares".into(),
            value: thousands(inv.shares.total),
        },
        KeyValue {
            key: "Audit records".into(),
            value: if extras.audit_present {
                thousands(extras.audit_rows)
            } else {
                "no audit log".into()
            },
        },
    ];

    // Findings: the first of report order, at most MAX_FINDINGS_PER_RULE_IN_PAGE per rule.
    let mut per_rule: HashMap<&str, usize> = HashMap::default();
    let mut shown_by_rule: HashMap<&str, Vec<FindingView>> = HashMap::default();
    let mut rule_order: Vec<&str> = Vec::new();
    let mut findings_shown = 0;
    for f in &report.findings {
        let n = per_rule.entry(f.rule).or_insert(0);
        if *n == 0 {
            rule_order.push(f.rule);
        }
        *n += 1;
        if *n <= MAX_FINDINGS_PER_RULE_IN_PAGE && findings_shown < MAX_FINDINGS_IN_PAGE {
            findings_shown += 1;
            shown_by_rule.entry(f.rule).or_default().push(finding_view(f));
        }
    }
    let mut most_severe: HashMap<&str, Severity> = HashMap::default();
    for f in &report.findings {
        let e = most_severe.entry(f.rule).or_insert(f.severity);
        *e = (*e).max(f.severity);
    }
    let rule_cards: Vec<RuleCard> = rule_order
        .iter()
        .map(|&id| {
            let meta = rules::meta(id);
            let findings = shown_by_rule.remove(id).unwrap_or_default();
            let severity = most_severe.get(id).copied().unwrap_or(Severity::Info);
            let total = per_rule.get(id).copied().unwrap_or(0);
            let group = meta.map(|m| m.group.clone()).unwrap_or_default();
            RuleCard {
                id,
                title: meta.map(|m| m.title.clone()).unwrap_or_else(|| id.to_string()),
                group_name: group_name(&group).to_string(),
                group,
                severity: severity.name(),
                rank: rank(severity),
                total,
                total_text: thousands(total as u64),
                more_text: thousands(total.saturating_sub(findings.len()) as u64),
                shown: findings.len(),
                fires_when: meta.map(|m| prose(&m.fires_when)).unwrap_or_default(),
                rationale: meta.map(|m| prose(&m.rationale)).unwrap_or_default(),
                remediation: meta.map(|m| prose(&m.remediation)).unwrap_or_default(),
                references: meta
                    .map(|m| {
                        m.references
                            .iter()
                            .map(|r| Reference {
                                title: r.title.clone(),
                                url: r
                                    .url
                                    .clone()
                                    .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                findings,
            }
        })
        .collect();
    let groups: Vec<GroupOption> = GROUPS
        .iter()
        .map(|(id, name)| {
            let count: usize = rule_cards.iter().filter(|c| c.group == *id).map(|c| c.total).sum();
            GroupOption {
                id,
                name,
                count,
                count_text: thousands(count as u64),
            }
        })
        .collect();
    let key_findings: Vec<FindingView> = report
        .findings
        .iter()
        .filter(|f| f.status != FindingStatus::Waived)
        .take(5)
        .map(finding_view)
        .collect();

    // Privileged users: enabled first, then by name.
    let role_names: HashMap<&str, &str> = inv.roles.iter().map(|r| (r.id.as_str(), r.name.as_str())).collect();
    let team_names: HashMap<&str, &str> = inv.teams.iter().map(|x| (x.id.as_str(), x.name.as_str())).collect();
    let bu_names: HashMap<&str, &str> = inv
        .business_units
        .iter()
        .map(|b| (b.id.as_str(), b.name.as_str()))
        .collect();
    let mut privileged_all: Vec<&crate::report::json::UserWire> = inv.users.iter().filter(|u| u.privileged).collect();
    let privileged_total = privileged_all.len();
    privileged_all.sort_by(|a, b| b.enabled.cmp(&a.enabled).then_with(|| a.name.cmp(&b.name)));
    let privileged: Vec<PrivilegedUser> = privileged_all
        .iter()
        .take(MAX_PRIVILEGED_USERS_IN_PAGE)
        .map(|u| {
            let mut roles: Vec<String> = u
                .roles
                .iter()
                .map(|r| {
                    let name = role_names.get(r.role.as_str()).copied().unwrap_or(r.role.as_str());
                    let name = shorten(name, 80);
                    if r.via == "direct" {
                        name
                    } else {
                        let team = team_names.get(r.via.as_str()).copied().unwrap_or(r.via.as_str());
                        format!("{name} (team {})", shorten(team, 60))
                    }
                })
                .collect();
            roles.sort();
            roles.dedup();
            let reasons = extras.privileged_reasons.get(&u.id).cloned().unwrap_or_default();
            PrivilegedUser {
                name: shorten(&u.name, MAX_TEXT),
                id: u.id.clone(),
                enabled: u.enabled,
                business_unit: shorten(
                    bu_names
                        .get(u.business_unit.as_str())
                        .copied()
                        .unwrap_or(&u.business_unit),
                    MAX_TEXT,
                ),
                more_reasons: reasons.len().saturating_sub(MAX_REASONS_PER_USER),
                reasons: reasons
                    .iter()
                    .take(MAX_REASONS_PER_USER)
                    .map(|r| shorten(r, 2 * MAX_TEXT))
                    .collect(),
                more_roles: roles.len().saturating_sub(MAX_ROLES_PER_USER),
                roles: roles.into_iter().take(MAX_ROLES_PER_USER).collect(),
            }
        })
        .collect();

    let rule_row = |r: &crate::report::json::RuleWire| {
        let (status, status_label) = status_name(&r.status);
        RuleRow {
            id: r.id,
            title: r.title.clone(),
            group_name: group_name(rules::meta(r.id).map_or("", |m| m.group.as_str())).to_string(),
            severity: r.severity.name(),
            status,
            status_label,
            findings_text: thousands(r.findings as u64),
            reason: r.reason.clone().unwrap_or_default(),
        }
    };
    let rule_rows: Vec<RuleRow> = report.rules.iter().map(rule_row).collect();
    let not_evaluated: Vec<RuleRow> = report
        .rules
        .iter()
        .filter(|r| matches!(r.status, RuleStatus::NotEvaluated | RuleStatus::NotApplicable))
        .map(rule_row)
        .collect();
    let waiver_row = |w: &crate::policy::WaiverNote| WaiverRow {
        rule: w.rule.clone(),
        target: w
            .subject
            .clone()
            .map(|s| format!("subject {s}"))
            .or_else(|| w.fingerprint.clone().map(|f| format!("fingerprint {f}")))
            .unwrap_or_else(|| "the whole rule".into()),
        reason: shorten(&w.reason, MAX_TEXT),
        expires: w.expires.map(|d| d.to_string()).unwrap_or_default(),
        line: w.line,
    };

    let inputs: Vec<InputRow> = report
        .inputs
        .iter()
        .map(|i| InputRow {
            table: i.table,
            status: match i.status {
                InputStatus::Read => "read",
                InputStatus::Partial => "partial",
                InputStatus::Missing => "missing",
            },
            files: shorten(&i.files.join(", "), 400),
            rows: thousands(i.rows),
            skipped: thousands(i.skipped),
            problem_count_text: thousands(i.problem_count),
            more_problems: i
                .problem_count
                .saturating_sub(MAX_PROBLEMS_PER_INPUT.min(i.problems.len()) as u64),
            problems: i
                .problems
                .iter()
                .take(MAX_PROBLEMS_PER_INPUT)
                .map(|p| {
                    let mut location = p.file.clone();
                    if let Some(line) = p.line {
                        location.push_str(&format!(":{line}"));
                        if let Some(col) = p.column {
                            location.push_str(&format!(":{col}"));
                        }
                    }
                    let path = match (&p.field, &p.json_path) {
                        (Some(f), Some(j)) => format!("{f} at {j}"),
                        (Some(f), None) => f.clone(),
                        (None, Some(j)) => j.clone(),
                        (None, None) => String::new(),
                    };
                    ProblemRow {
                        location: shorten(&location, MAX_TEXT),
                        path: shorten(&path, MAX_TEXT),
                        kind: format!("{:?}", p.kind),
                        message: shorten(&p.message, MAX_TEXT * 2),
                    }
                })
                .collect(),
        })
        .collect();

    let charts = charts_of(report, extras)?;
    let audit_note = if extras.audit_present {
        String::new()
    } else {
        "The export has no audit log (audits.json / .ndjson / .csv): the audit charts are empty.".into()
    };

    let data = ScriptData {
        findings_total: report.findings.len(),
        findings_in_page: findings_shown,
        severities: Severity::ALL.iter().map(|s| s.name()).collect(),
    };
    let hash = base64(&Sha256::digest(SCRIPT.as_bytes()));
    let csp = format!(
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; base-uri 'none'; form-action 'none'"
    );
    let mut css = String::from(":root{");
    for sev in Severity::ALL {
        css.push_str(&format!("--sev-{}:{};", sev.name(), css_color(severity_color(sev))));
    }
    css.push_str(&format!("--waived:{};}}\n", css_color(WAIVED_COLOR)));
    css.push_str(STYLE);

    let page = Page {
        title,
        css,
        js: SCRIPT,
        csp,
        data_json: json_for_script(&data)?,
        tool_version: report.tool.version,
        generated_at: report.generated_at.to_string(),
        as_of: report.as_of.to_string(),
        environment_name: shorten(&environment_name, MAX_TEXT),
        environment,
        audit_window,
        score: s.score,
        score_band: match s.score {
            80.. => "good",
            50..=79 => "fair",
            _ => "poor",
        },
        score_formula: s.score_formula,
        deductions,
        deducted,
        severities,
        waived_text: thousands(s.waived),
        open_findings: thousands(s.critical + s.high + s.medium + s.low + s.info),
        gate: report.gate.map(|g| GateView {
            passed: g.passed,
            condition: match (g.fail_on, g.only_new) {
                (Some(sev), true) => format!("fails on new findings of severity {sev} or higher"),
                (Some(sev), false) => format!("fails on findings of severity {sev} or higher"),
                (None, _) => "fails when a required rule is not evaluated".into(),
            },
            reasons: g.reasons.iter().take(20).map(|r| shorten(r, 2 * MAX_TEXT)).collect(),
        }),
        has_baseline: report.findings.iter().any(|f| f.status == FindingStatus::Unchanged),
        population,
        key_findings,
        charts,
        audit_note,
        findings_total: report.findings.len(),
        findings_total_text: thousands(report.findings.len() as u64),
        findings_shown,
        max_findings: MAX_FINDINGS_IN_PAGE,
        max_per_rule: MAX_FINDINGS_PER_RULE_IN_PAGE,
        groups,
        rule_cards,
        privileged,
        privileged_total,
        privileged_total_text: thousands(privileged_total as u64),
        max_privileged: MAX_PRIVILEGED_USERS_IN_PAGE,
        who_can: extras.who_can.clone(),
        max_who_can: MAX_WHO_CAN_ROWS,
        rules: rule_rows,
        not_evaluated,
        expired_waivers: report.waivers.expired.iter().map(waiver_row).collect(),
        unmatched_waivers: report.waivers.unmatched.iter().map(waiver_row).collect(),
        inputs,
        ignored_files: report
            .ignored_files
            .iter()
            .take(50)
            .map(|f| shorten(f, MAX_TEXT))
            .collect(),
    };
    let mut tera = tera::Tera::default();
    tera.add_raw_template("report.html", TEMPLATE)
        .context("templates/report.html is not a valid template")?;
    let context = tera::Context::from_serialize(&page).context("cannot build the page's context")?;
    tera.render("report.html", &context)
        .map_err(|e| anyhow::anyhow!("cannot render report.html: {e:?}"))
}

fn label_of(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

fn charts_of(report: &Report, extras: &HtmlExtras) -> Result<Vec<Chart>> {
    let mut out = Vec::new();
    let severity_series = |with_waived: bool| -> Vec<Series> {
        let mut v: Vec<Series> = Severity::ALL
            .iter()
            .map(|&s| Series {
                name: label_of(s).to_string(),
                color: severity_color(s),
            })
            .collect();
        if with_waived {
            v.push(Series {
                name: "Waived".into(),
                color: WAIVED_COLOR,
            });
        }
        v
    };

    // Findings by severity (one bar per severity, and waived).
    let s = &report.summary;
    let counts = [s.critical, s.high, s.medium, s.low, s.info, s.waived];
    let names = ["Critical", "High", "Medium", "Low", "Info", "Waived"];
    let rows: Vec<BarRow> = (0..6)
        .map(|i| BarRow {
            label: names[i].to_string(),
            values: (0..6).map(|j| if i == j { counts[i] } else { 0 }).collect(),
        })
        .collect();
    out.push(Chart {
        id: "chart-severity",
        title: "Findings by severity".into(),
        caption: "Findings that are not waived, by severity; waived findings apart.".into(),
        svg: charts::horizontal_bars("Findings by severity", &severity_series(true), &rows, false)?,
        headers: vec!["Severity".into(), "Findings".into()],
        rows: (0..6)
            .map(|i| vec![names[i].to_string(), thousands(counts[i])])
            .collect(),
    });

    // Findings by rule group, stacked by severity.
    // Counted per rule first: a million findings at 100,000 users, 33 rules.
    let mut by_rule: HashMap<&str, [u64; 6]> = HashMap::default();
    for f in &report.findings {
        let slot = if f.status == FindingStatus::Waived {
            5
        } else {
            rank(f.severity)
        };
        by_rule.entry(f.rule).or_default()[slot.min(5)] += 1;
    }
    let mut by_group: HashMap<&str, [u64; 6]> = HashMap::default();
    for (rule, counts) in by_rule {
        let group = by_group
            .entry(rules::meta(rule).map_or("", |m| m.group.as_str()))
            .or_default();
        for (g, c) in group.iter_mut().zip(counts) {
            *g += c;
        }
    }
    let group_rows: Vec<BarRow> = GROUPS
        .iter()
        .map(|(id, name)| BarRow {
            label: name.to_string(),
            values: by_group.get(id).copied().unwrap_or_default().to_vec(),
        })
        .collect();
    out.push(Chart {
        id: "chart-groups",
        title: "Findings by rule group".into(),
        caption: "Every finding of report.json, by the group of its rule, stacked by severity.".into(),
        svg: charts::horizontal_bars("Findings by rule group", &severity_series(true), &group_rows, true)?,
        headers: ["Group", "Critical", "High", "Medium", "Low", "Info", "Waived"]
            .iter()
            .map(|h| h.to_string())
            .collect(),
        rows: group_rows
            .iter()
            .map(|r| {
                std::iter::once(r.label.clone())
                    .chain(r.values.iter().map(|v| thousands(*v)))
                    .collect()
            })
            .collect(),
    });

    // Privilege depth by table.
    let depth_names: Vec<&str> = Depth::ALL.iter().map(|d| d.name()).collect();
    let heat_rows: Vec<(String, Vec<u64>, u64)> = extras
        .depth_by_table
        .iter()
        .map(|t| (t.table.clone(), t.pairs.to_vec(), t.users))
        .collect();
    out.push(Chart {
        id: "chart-depth",
        title: "Privilege depth by table".into(),
        caption: format!(
            "The {} tables the most enabled users hold a privilege on; each cell counts (user, privilege) pairs \
             held at that depth. Global reaches every record of the table.",
            extras.depth_by_table.len()
        ),
        svg: charts::heat_map("Privilege depth by table", &depth_names, "users", &heat_rows)?,
        headers: ["Table", "Basic", "Local", "Deep", "Global", "Enabled users"]
            .iter()
            .map(|h| h.to_string())
            .collect(),
        rows: extras
            .depth_by_table
            .iter()
            .map(|t| {
                std::iter::once(t.table.clone())
                    .chain(t.pairs.iter().map(|v| thousands(*v)))
                    .chain(std::iter::once(thousands(t.users)))
                    .collect()
            })
            .collect(),
    });

    // The business-unit tree.
    let tree_rows: Vec<TreeRow> = extras
        .business_units
        .iter()
        .map(|b| TreeRow {
            label: b.name.clone(),
            depth: b.depth,
            parent: b.parent,
            value: b.enabled_users,
            disabled: b.disabled,
        })
        .collect();
    let more_units = extras.business_units_total.saturating_sub(extras.business_units.len());
    out.push(Chart {
        id: "chart-bu",
        title: "Business units".into(),
        caption: if more_units > 0 {
            format!(
                "The first {} of {} business units (depth first), with their enabled users; report.json lists all.",
                extras.business_units.len(),
                thousands(extras.business_units_total as u64)
            )
        } else {
            "The business-unit tree, with the enabled users of each unit.".into()
        },
        svg: charts::tree("Business-unit tree", &tree_rows, "enabled users")?,
        headers: ["Business unit", "Depth", "Enabled users", "Users"]
            .iter()
            .map(|h| h.to_string())
            .collect(),
        rows: extras
            .business_units
            .iter()
            .map(|b| {
                vec![
                    format!(
                        "{}{}",
                        shorten(&b.name, MAX_TEXT),
                        if b.disabled { " (disabled)" } else { "" }
                    ),
                    b.depth.to_string(),
                    thousands(b.enabled_users),
                    thousands(b.users),
                ]
            })
            .collect(),
    });

    // Shares per principal.
    let share_series = [
        Series {
            name: "Direct".into(),
            color: (47, 111, 186),
        },
        Series {
            name: "Cascaded".into(),
            color: (150, 186, 226),
        },
    ];
    let share_rows: Vec<BarRow> = extras
        .shares_by_principal
        .iter()
        .map(|p| BarRow {
            label: match &p.name {
                Some(name) if p.kind == "team" => format!("{} (team)", shorten(name, 24)),
                Some(name) => name.clone(),
                None => format!("{}… (not in export)", p.id.chars().take(8).collect::<String>()),
            },
            values: vec![p.direct, p.cascaded],
        })
        .collect();
    out.push(Chart {
        id: "chart-shares",
        title: "Shared records per principal".into(),
        caption: format!(
            "The {} users and teams with the most records shared with them ({} shares in all), direct and \
             cascaded from a parent record.",
            extras.shares_by_principal.len(),
            thousands(report.inventory.shares.total)
        ),
        svg: charts::horizontal_bars("Shared records per principal", &share_series, &share_rows, true)?,
        headers: ["Principal", "Kind", "Direct", "Cascaded"]
            .iter()
            .map(|h| h.to_string())
            .collect(),
        rows: extras
            .shares_by_principal
            .iter()
            .map(|p| {
                vec![
                    match &p.name {
                        Some(name) => shorten(name, MAX_TEXT),
                        None => format!("{} (not in the export)", p.id),
                    },
                    p.kind.to_string(),
                    thousands(p.direct),
                    thousands(p.cascaded),
                ]
            })
            .collect(),
    });

    // Audit volume by table and by day.
    let audit_series = [Series {
        name: "Audit records".into(),
        color: (71, 85, 105),
    }];
    let table_rows: Vec<BarRow> = extras
        .audit_by_table
        .iter()
        .map(|(t, n)| BarRow {
            label: t.clone(),
            values: vec![*n],
        })
        .collect();
    out.push(Chart {
        id: "chart-audit-tables",
        title: "Audit volume by table".into(),
        caption: format!(
            "The {} tables with the most audit records.",
            extras.audit_by_table.len()
        ),
        svg: charts::horizontal_bars("Audit volume by table", &audit_series, &table_rows, false)?,
        headers: vec!["Table".into(), "Audit records".into()],
        rows: extras
            .audit_by_table
            .iter()
            .map(|(t, n)| vec![shorten(t, MAX_TEXT), thousands(*n)])
            .collect(),
    });
    let day_label = |d: i64| Date::from_days(d).to_string();
    // At most MAX_AUDIT_COLUMNS columns: a window of years is drawn in buckets of several days.
    let (first, last) = match (extras.audit_by_day.first(), extras.audit_by_day.last()) {
        (Some(f), Some(l)) => (f.0, l.0),
        _ => (0, 0),
    };
    let bucket = ((last - first + 1) + MAX_AUDIT_COLUMNS - 1) / MAX_AUDIT_COLUMNS;
    let bucket = bucket.max(1);
    let mut columns: Vec<(i64, u64)> = Vec::new();
    for &(d, n) in &extras.audit_by_day {
        let start = first + (d - first) / bucket * bucket;
        match columns.last_mut() {
            Some(c) if c.0 == start => c.1 += n,
            _ => columns.push((start, n)),
        }
    }
    let per = if bucket == 1 {
        "day".to_string()
    } else {
        format!("{bucket} days")
    };
    out.push(Chart {
        id: "chart-audit-days",
        title: "Audit volume by day".into(),
        caption: if columns.is_empty() {
            "The export has no audit records.".into()
        } else {
            format!(
                "Audit records per {per} (UTC) from {} to {}; {} in all.",
                day_label(first),
                day_label(last),
                thousands(extras.audit_rows)
            )
        },
        svg: charts::daily_columns("Audit volume by day", &columns, bucket, (71, 85, 105), 1240, &day_label)?,
        headers: vec![
            if bucket == 1 {
                "Day".into()
            } else {
                format!("{per} from")
            },
            "Audit records".into(),
        ],
        rows: columns
            .iter()
            .rev()
            .map(|(d, n)| vec![day_label(*d), thousands(*n)])
            .collect(),
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_for_script_escapes_what_could_end_the_script_element() {
        let value =
            serde_json::json!({"name": "</script><script>alert(1)</script>", "a&b": "<!--", "ls": "\u{2028}\u{2029}"});
        let out = json_for_script(&value).unwrap();
        for bad in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            assert!(!out.contains(bad), "{bad:?} in {out}");
        }
        assert!(out.contains("\\u003c/script\\u003e"));
        assert!(out.contains("a\\u0026b"));
        assert!(out.contains("\\u2028\\u2029"));
        // Still the same JSON once parsed.
        let back: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn base64_matches_the_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn prose_escapes_then_marks_up_lists_and_code() {
        let html = prose("Intro <b>x</b> with `code`.\n\n1. First\n2. Second `a<b`\n   continued\n\n- dash");
        assert_eq!(
            html,
            "<p>Intro &lt;b&gt;x&lt;/b&gt; with <code>code</code>.</p><ol><li>First</li><li>Second \
             <code>a&lt;b</code> continued</li></ol><ul><li>dash</li></ul>"
        );
    }

    #[test]
    fn evidence_is_compact() {
        let ev = serde_json::json!({
            "users": {"count": 7, "ids": ["a", "b", "c", "d", "e", "f", "g"]},
            "share": 0.5,
            "security_group_id": null,
            "privileged": [{"kind": "role", "role": "System Administrator"}],
        });
        let items = evidence_items(&ev);
        let get = |k: &str| items.iter().find(|i| i.key == k).map(|i| i.value.clone()).unwrap();
        assert_eq!(get("users"), "count: 7 · ids: a, b, c, d, e … (+2 more)");
        assert_eq!(get("share"), "0.5");
        assert_eq!(get("security group id"), "none");
        assert_eq!(get("privileged"), "(kind: role · role: System Administrator)");
    }
}
