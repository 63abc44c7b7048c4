//! Record shares against effective access (ACCESS-MODEL.md, "Record shares"): a shared right is effective only
//! when the user passes the privilege check for it on that table (Basic or more, through any path, within their
//! access mode). A share that cannot be used looks like access in the admin UI and is not.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use rayon::prelude::*;

use super::Engine;
use crate::id::{Guid, TeamId, UserId};
use crate::model::{PrincipalKind, Right};

/// A user's shares on one table.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TableShares {
    pub table: String,
    /// Distinct records shared with the user or their teams.
    pub records: u64,
    /// Records with a direct share (a right in `accessrightsmask`).
    pub direct: u64,
    /// Records shared only by cascading (`inheritedaccessrightsmask`).
    pub cascaded: u64,
    /// AccessRights the shares carry (union over the records).
    pub rights: u32,
    /// The part the user can use.
    pub effective: u32,
    /// The part the user cannot use (lacks the privilege).
    pub ineffective: u32,
}

/// Shared rights that nobody they are shared with can use, per principal and table.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct IneffectiveShare {
    pub principal: Guid,
    pub principal_kind: PrincipalKind,
    pub table: String,
    pub rights: u32,
    pub records: u64,
    /// Up to five record ids, smallest first.
    pub examples: Vec<Guid>,
}

/// Shares indexed by principal (built once, when shares are asked about).
pub struct ShareIndex {
    by_principal: HashMap<(Guid, PrincipalKind), Vec<u32>>,
}

impl ShareIndex {
    pub fn build(e: &Engine) -> ShareIndex {
        let mut by_principal: HashMap<(Guid, PrincipalKind), Vec<u32>> = HashMap::new();
        let shares = &e.tenant.shares;
        for (i, s) in shares.rows.iter().enumerate() {
            by_principal.entry(shares.principal(s)).or_default().push(i as u32);
        }
        ShareIndex { by_principal }
    }

    fn rows(&self, id: Guid, kind: PrincipalKind) -> &[u32] {
        self.by_principal.get(&(id, kind)).map(Vec::as_slice).unwrap_or(&[])
    }
}

pub fn right_names(mask: u32) -> Vec<&'static str> {
    Right::in_mask(mask).map(Right::name).collect()
}

impl Engine<'_> {
    /// The AccessRights a user holds on a table at Basic or more (the privilege check of a share).
    pub fn held_rights(&self, user: usize, table: &str) -> u32 {
        let Some(set) = self.grant_set_of(user) else {
            return 0;
        };
        set.held
            .iter()
            .filter_map(|h| {
                let info = &self.catalog[h.privilege as usize];
                info.right.filter(|_| info.covers(table)).map(|r| r.mask())
            })
            .fold(0, |a, b| a | b)
    }

    /// A user's shares, per table: shared with them and with every team they are in (any type).
    pub fn user_shares(&self, index: &ShareIndex, user: usize) -> Vec<TableShares> {
        let t = self.tenant;
        let mut rows: Vec<u32> = index.rows(t.users[user].id.0, PrincipalKind::User).to_vec();
        for &team in &self.user_teams[user] {
            rows.extend_from_slice(index.rows(t.teams[team as usize].id.0, PrincipalKind::Team));
        }
        // Per table, per record: the union of rights, and whether any of them is direct.
        let mut per_table: BTreeMap<&str, HashMap<Guid, (u32, bool)>> = BTreeMap::new();
        for r in rows {
            let s = &t.shares.rows[r as usize];
            let rec = per_table
                .entry(t.shares.table_name(s))
                .or_default()
                .entry(s.object)
                .or_default();
            rec.0 |= s.all_rights();
            rec.1 |= s.is_direct();
        }
        per_table
            .into_iter()
            .map(|(table, records)| {
                let rights = records.values().fold(0, |a, r| a | r.0);
                let held = self.held_rights(user, table);
                let direct = records.values().filter(|r| r.1).count() as u64;
                TableShares {
                    table: table.to_string(),
                    records: records.len() as u64,
                    direct,
                    cascaded: records.len() as u64 - direct,
                    rights,
                    effective: rights & held,
                    ineffective: rights & !held,
                }
            })
            .collect()
    }

    /// Every principal and table with shared rights that cannot be used: for an enabled user, the rights they
    /// lack; for a team, the rights no enabled member holds. Shares to users who cannot sign in are left to
    /// disabled-user-with-access, and shares to principals not in the export to dangling-reference.
    pub fn ineffective_shares(&self) -> Vec<IneffectiveShare> {
        let t = self.tenant;
        let shares = &t.shares;
        let table_index: HashMap<&str, u32> = shares
            .tables
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        // For each privilege of the catalog: its right and the shared tables it covers.
        let covered: Vec<(u32, Vec<u32>)> = self
            .catalog
            .iter()
            .map(|info| match info.right {
                Some(right) => (
                    right.mask(),
                    info.tables
                        .iter()
                        .filter_map(|t| table_index.get(t.as_str()).copied())
                        .collect(),
                ),
                None => (0, Vec::new()),
            })
            .collect();
        // The rights each grant set holds on each shared table, computed once per grant set, by whichever thread
        // needs it first (a dense row: few tables hold shared records).
        let tables = shares.tables.len();
        let by_set: Vec<OnceLock<Box<[u32]>>> = (0..self.grant_sets.len()).map(|_| OnceLock::new()).collect();
        let set_rights = |set: u32, table: u32| -> u32 {
            let row = by_set[set as usize].get_or_init(|| {
                let mut row = vec![0u32; tables];
                for h in &self.grant_sets[set as usize].held {
                    if let Some((mask, covered_tables)) = covered.get(h.privilege as usize) {
                        for &t in covered_tables {
                            row[t as usize] |= *mask;
                        }
                    }
                }
                row.into_boxed_slice()
            });
            row.get(table as usize).copied().unwrap_or(0)
        };
        // Rows grouped by principal (a counting sort: principals are dense indices).
        let mut starts = vec![0u32; shares.principals.len() + 1];
        for s in &shares.rows {
            starts[s.principal as usize + 1] += 1;
        }
        for p in 0..shares.principals.len() {
            starts[p + 1] += starts[p];
        }
        let mut next = starts.clone();
        let mut order = vec![0u32; shares.rows.len()];
        for (i, s) in shares.rows.iter().enumerate() {
            let slot = &mut next[s.principal as usize];
            order[*slot as usize] = i as u32;
            *slot += 1;
        }
        drop(next);
        // Each principal's few rows, by table and record; principals in parallel.
        let of_principal = |p: usize| -> Vec<IneffectiveShare> {
            let (id, kind) = shares.principals[p];
            // Whose grant sets count: a user's own; for a team, those of its enabled members.
            let sets: Vec<u32> = match kind {
                PrincipalKind::User => match t.index.users.get(&UserId(id)).map(|&u| self.user_grant_set[u]) {
                    Some(Some(set)) => vec![set],
                    // A user who cannot sign in is reported by disabled-user-with-access, shares included.
                    _ => return Vec::new(),
                },
                PrincipalKind::Team => match t.index.teams.get(&TeamId(id)) {
                    Some(&team) => {
                        let mut sets: Vec<u32> = self.team_users[team]
                            .iter()
                            .filter_map(|&u| self.user_grant_set[u as usize])
                            .collect();
                        sets.sort_unstable();
                        sets.dedup();
                        sets
                    }
                    None => return Vec::new(),
                },
            };
            let held = |table: u32| sets.iter().fold(0, |a, &set| a | set_rights(set, table));
            let mut rows: Vec<(u32, Guid, u32)> = order[starts[p] as usize..starts[p + 1] as usize]
                .iter()
                .map(|&i| {
                    let s = &shares.rows[i as usize];
                    (s.table, s.object, s.all_rights())
                })
                .collect();
            rows.sort_unstable_by_key(|&(table, object, _)| (table, object));
            let mut out = Vec::new();
            for group in rows.chunk_by(|a, b| a.0 == b.0) {
                let table = group[0].0;
                let held = held(table);
                let mut rights = 0;
                let mut records: Vec<Guid> = Vec::new();
                for &(_, object, shared) in group {
                    let lacking = shared & !held;
                    if lacking != 0 {
                        rights |= lacking;
                        records.push(object);
                    }
                }
                if rights == 0 {
                    continue;
                }
                records.dedup();
                out.push(IneffectiveShare {
                    principal: id,
                    principal_kind: kind,
                    table: shares.tables[table as usize].clone(),
                    rights,
                    records: records.len() as u64,
                    examples: records.into_iter().take(5).collect(),
                });
            }
            out
        };
        let mut out: Vec<IneffectiveShare> = (0..shares.principals.len())
            .into_par_iter()
            .with_min_len(64)
            .flat_map_iter(of_principal)
            .collect();
        out.sort_by(|a, b| (a.principal, &a.table).cmp(&(b.principal, &b.table)));
        out
    }
}
