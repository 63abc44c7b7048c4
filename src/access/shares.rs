//! Record shares against effective access (ACCESS-MODEL.md, "Record shares"): a shared right is effective only
//! when the user passes the privilege check for it on that table (Basic or more, through any path, within their
//! access mode). A share that cannot be used looks like access in the admin UI and is not.

use std::collections::{BTreeMap, HashMap};

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
pub struct IneffectiveShare<'t> {
    pub principal: Guid,
    pub principal_kind: PrincipalKind,
    pub table: &'t str,
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

/// A share row with a right its principal cannot use, keyed for [`Engine::ineffective_shares`]'s sort.
struct Lacking {
    /// The rank of the principal's id.
    id: u32,
    /// The rank of the table's name.
    table: u32,
    principal: u32,
    rights: u32,
    object: Guid,
}

pub fn right_names(mask: u32) -> Vec<&'static str> {
    Right::in_mask(mask).map(Right::name).collect()
}

impl<'t> Engine<'t> {
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
    pub fn ineffective_shares(&self) -> Vec<IneffectiveShare<'t>> {
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
        // The rights each grant set holds on each shared table (a dense row: few tables hold shared records).
        let tables = shares.tables.len();
        let set_rights: Vec<Box<[u32]>> = self
            .grant_sets
            .par_iter()
            .map(|set| {
                let mut row = vec![0u32; tables];
                for h in &set.held {
                    if let Some((mask, covered_tables)) = covered.get(h.privilege as usize) {
                        for &t in covered_tables {
                            row[t as usize] |= *mask;
                        }
                    }
                }
                row.into_boxed_slice()
            })
            .collect();
        // Per principal of the shares, the rights it holds on each table: a user's own (none for a user who
        // cannot sign in: disabled-user-with-access reports those shares); for a team, those of its enabled
        // members together. `None`: not evaluated (not in the export: dangling-reference; or cannot sign in).
        let team_rights: Vec<Option<Box<[u32]>>> = shares
            .principals
            .par_iter()
            .map(|&(id, kind)| {
                let team = t.index.teams.get(&TeamId(id)).filter(|_| kind == PrincipalKind::Team)?;
                let mut row = vec![0u32; tables];
                for &u in &self.team_users[*team] {
                    if let Some(set) = self.user_grant_set[u as usize] {
                        for (held, &r) in row.iter_mut().zip(set_rights[set as usize].iter()) {
                            *held |= r;
                        }
                    }
                }
                Some(row.into_boxed_slice())
            })
            .collect();
        let held: Vec<Option<&[u32]>> = shares
            .principals
            .iter()
            .zip(&team_rights)
            .map(|(&(id, kind), team)| match kind {
                PrincipalKind::User => t
                    .index
                    .users
                    .get(&UserId(id))
                    .and_then(|&u| self.user_grant_set[u])
                    .map(|set| &*set_rights[set as usize]),
                PrincipalKind::Team => team.as_deref(),
            })
            .collect();
        // Ranks that put the principals in id order and the tables in name order: sorted by them, the rows with a
        // right their principal cannot use come out grouped by principal and table, in report order.
        let mut by_id: Vec<u32> = (0..shares.principals.len() as u32).collect();
        by_id.sort_by_key(|&p| shares.principals[p as usize].0);
        let mut id_rank = vec![0u32; by_id.len()];
        for (rank, pair) in by_id.iter().enumerate() {
            // A user and a team with the same id share a rank; their groups are told apart by principal below.
            let same = rank > 0 && shares.principals[by_id[rank - 1] as usize].0 == shares.principals[*pair as usize].0;
            id_rank[*pair as usize] = if same {
                id_rank[by_id[rank - 1] as usize]
            } else {
                rank as u32
            };
        }
        let mut by_name: Vec<u32> = (0..tables as u32).collect();
        by_name.sort_by(|&a, &b| shares.tables[a as usize].cmp(&shares.tables[b as usize]));
        let mut name_rank = vec![0u32; tables];
        for (rank, &table) in by_name.iter().enumerate() {
            name_rank[table as usize] = rank as u32;
        }
        // Every such row, in one pass over the rows on every core.
        let mut lacking: Vec<Lacking> = shares
            .rows
            .par_chunks(1 << 16)
            .flat_map_iter(|rows| {
                rows.iter().filter_map(|s| {
                    let held = held[s.principal as usize]?;
                    let lacking = s.all_rights() & !held[s.table as usize];
                    (lacking != 0).then(|| Lacking {
                        id: id_rank[s.principal as usize],
                        table: name_rank[s.table as usize],
                        principal: s.principal,
                        rights: lacking,
                        object: s.object,
                    })
                })
            })
            .collect();
        lacking.par_sort_unstable_by_key(|l| (l.id, l.table, l.principal, l.object));
        let groups: Vec<&[Lacking]> = lacking
            .chunk_by(|a, b| (a.principal, a.table) == (b.principal, b.table))
            .collect();
        groups
            .par_iter()
            .map(|group| {
                let first = &group[0];
                let (id, kind) = shares.principals[first.principal as usize];
                // Rows of one record are adjacent (sorted by record): count the records and keep the first five.
                let mut examples = Vec::with_capacity(5);
                let mut records = 0u64;
                for (i, row) in group.iter().enumerate() {
                    if i == 0 || group[i - 1].object != row.object {
                        records += 1;
                        if examples.len() < 5 {
                            examples.push(row.object);
                        }
                    }
                }
                IneffectiveShare {
                    principal: id,
                    principal_kind: kind,
                    table: &shares.tables[by_name[first.table as usize] as usize],
                    rights: group.iter().fold(0, |a, r| a | r.rights),
                    records,
                    examples,
                }
            })
            .collect()
    }
}
