//! One reader per table of INPUT.md: a schema of the columns it needs and a function from a row to the
//! typed record.

pub mod audits;
pub mod metadata;
pub mod principals;
pub mod security;
pub mod settings;
pub mod shares;

use std::collections::HashMap;
use std::hash::Hash;

use super::problem::ProblemKind;
use super::row::{RowError, RowResult};

/// Rows keyed by primary key: an identical second copy is dropped and counted (overlapping pages); a
/// different one stops the run (INPUT.md).
pub struct Keyed<K, T> {
    pub rows: Vec<T>,
    index: HashMap<K, usize>,
    what: &'static str,
}

impl<K: Hash + Eq + Copy + std::fmt::Display, T: PartialEq> Keyed<K, T> {
    pub fn new(what: &'static str) -> Self {
        Keyed {
            rows: Vec::new(),
            index: HashMap::new(),
            what,
        }
    }

    pub fn insert(&mut self, key: K, row: T, fatal_on_conflict: bool) -> RowResult<()> {
        match self.index.get(&key) {
            Some(&i) if self.rows[i] == row => Err(RowError::row(
                ProblemKind::DuplicateRow,
                format!("identical copy of {} {key} dropped (overlapping pages?)", self.what),
            )),
            Some(_) if fatal_on_conflict => Err(RowError::row(
                ProblemKind::Fatal,
                format!("{} {key} has two different rows; an id must be unique", self.what),
            )),
            Some(_) => Err(RowError::row(
                ProblemKind::SkippedRow,
                format!("{} {key} has two different rows; the first one is kept", self.what),
            )),
            None => {
                self.index.insert(key, self.rows.len());
                self.rows.push(row);
                Ok(())
            }
        }
    }
}

/// Pairs (memberships, assignments): an identical second row is dropped and counted.
pub struct Pairs<A, B> {
    pub rows: Vec<(A, B)>,
    seen: std::collections::HashSet<(A, B)>,
    what: &'static str,
}

impl<A: Hash + Eq + Copy, B: Hash + Eq + Copy> Pairs<A, B> {
    pub fn new(what: &'static str) -> Self {
        Pairs {
            rows: Vec::new(),
            seen: Default::default(),
            what,
        }
    }

    pub fn insert(&mut self, a: A, b: B) -> RowResult<()> {
        if self.seen.insert((a, b)) {
            self.rows.push((a, b));
            Ok(())
        } else {
            Err(RowError::row(
                ProblemKind::DuplicateRow,
                format!("identical {} row dropped (overlapping pages?)", self.what),
            ))
        }
    }
}
