//! Record shares (`principalobjectaccessset`): too many to be graph nodes, kept as a compact columnar table.

use rayon::slice::ParallelSliceMut;
use rustc_hash::FxHashMap;

use super::prefetch::IdMap;
use crate::id::Guid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    User,
    Team,
}

/// One share row: 32 bytes, so that tens of millions fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Share {
    /// The shared record's id (`objectid`).
    pub object: Guid,
    /// Index into [`Shares::tables`].
    pub table: u32,
    /// Index into [`Shares::principals`].
    pub principal: u32,
    /// `accessrightsmask & 0xD0037`.
    pub rights: u32,
    /// `inheritedaccessrightsmask & 0xD0037`.
    pub inherited: u32,
}

impl Share {
    /// Shared directly (a right in `accessrightsmask`), as opposed to cascaded only.
    pub fn is_direct(&self) -> bool {
        self.rights != 0
    }

    pub fn all_rights(&self) -> u32 {
        self.rights | self.inherited
    }
}

/// Every share row with a right, its table names and principals interned.
#[derive(Debug, Default)]
pub struct Shares {
    pub tables: Vec<String>,
    pub principals: Vec<(Guid, PrincipalKind)>,
    pub rows: Vec<Share>,
    table_index: FxHashMap<String, u32>,
    /// Per principal id: one more than its index as a user, then as a team (0: none).
    principal_index: IdMap<[u32; 2]>,
}

impl Shares {
    pub fn intern_table(&mut self, table: &str) -> u32 {
        if let Some(&i) = self.table_index.get(table) {
            return i;
        }
        let i = self.tables.len() as u32;
        self.tables.push(table.to_string());
        self.table_index.insert(table.to_string(), i);
        i
    }

    pub fn intern_principal(&mut self, id: Guid, kind: PrincipalKind) -> u32 {
        let at = match kind {
            PrincipalKind::User => 0,
            PrincipalKind::Team => 1,
        };
        let index = &mut self.principal_index.entry(id, <[u32; 2]>::default)[at];
        if *index == 0 {
            self.principals.push((id, kind));
            *index = self.principals.len() as u32;
        }
        *index - 1
    }

    /// Asks for what [`Shares::intern_principal`] looks up about `id` to be fetched into the cache: rows name
    /// their principals in no order, and a large tenant has a hundred thousand of them.
    pub fn prefetch_principal(&self, id: Guid) {
        self.principal_index.prefetch(id);
    }

    /// How many rows each interned principal has (indexed like [`Shares::principals`]).
    pub fn rows_per_principal(&self) -> Vec<u64> {
        let mut counts = vec![0u64; self.principals.len()];
        for s in &self.rows {
            if let Some(c) = counts.get_mut(s.principal as usize) {
                *c += 1;
            }
        }
        counts
    }

    pub fn table_name(&self, share: &Share) -> &str {
        &self.tables[share.table as usize]
    }

    pub fn principal(&self, share: &Share) -> (Guid, PrincipalKind) {
        self.principals[share.principal as usize]
    }

    /// Sorts the rows and drops identical duplicates (overlapping pages); returns how many were dropped. (Rows
    /// that compare equal are identical, so the order is the same whatever sort makes it.)
    pub fn dedup(&mut self) -> u64 {
        self.rows.par_sort_unstable();
        let before = self.rows.len();
        self.rows.dedup();
        (before - self.rows.len()) as u64
    }

    pub fn direct_count(&self) -> u64 {
        self.rows.iter().filter(|s| s.is_direct()).count() as u64
    }

    pub fn cascaded_count(&self) -> u64 {
        self.rows.len() as u64 - self.direct_count()
    }
}
