//! `effective-access.csv` (ACCESS-MODEL.md): one row per enabled user and privilege held, sorted by
//! `systemuserid`, then `privilege`, written streaming.
//!
//! The rows of a grant set are the same for all its users, and the texts of its rows repeat across grant sets
//! (the same reach, the same paths). So each grant set's rows are encoded once as small codes into interned
//! texts, and every user's rows are written from those codes: memory grows with distinct texts, not with
//! users x privileges.

use std::fmt::Write as _;
use std::ops::Range;

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use super::{Engine, Grant};
use crate::model::Depth;
use crate::report::{push_csv_field, push_csv_text, Render};

pub const HEADER: [&str; 8] = [
    "systemuserid",
    "user",
    "table",
    "right",
    "privilege",
    "depth",
    "business_units",
    "via",
];

/// A grant set's rows as indices into its distinct (`business_units`, `via`) texts, and those texts: where they
/// are in one string (a set has tens of them: one allocation, not two per text).
type RowTexts = (Vec<u32>, Vec<(Range<usize>, Range<usize>)>, String);

/// The `business_units` and `via` texts of the rows, interned: each distinct text CSV-escaped once, and each
/// distinct pair of them as the ready end of a row (`business_units,via` and the line end).
#[derive(Default)]
struct Interner {
    texts: HashMap<Box<str>, u32>,
    escaped: Vec<Vec<u8>>,
    pairs: HashMap<(u32, u32), u32>,
    pair_columns: Vec<Vec<u8>>,
}

impl Interner {
    fn text(&mut self, text: &str) -> u32 {
        if let Some(&i) = self.texts.get(text) {
            return i;
        }
        let i = self.escaped.len() as u32;
        let mut b = Vec::new();
        push_csv_text(&mut b, text);
        self.escaped.push(b);
        self.texts.insert(text.into(), i);
        i
    }

    fn pair(&mut self, business_units: &str, via: &str) -> u32 {
        let pair = (self.text(business_units), self.text(via));
        if let Some(&i) = self.pairs.get(&pair) {
            return i;
        }
        let mut b = self.escaped[pair.0 as usize].clone();
        b.push(b',');
        b.extend_from_slice(&self.escaped[pair.1 as usize]);
        b.push(b'\n');
        let i = self.pair_columns.len() as u32;
        self.pair_columns.push(b);
        self.pairs.insert(pair, i);
        i
    }
}

/// The rows of a run did not fill the room counted for them (a bug: never seen).
fn miscounted() -> std::io::Error {
    std::io::Error::other("effective-access.csv: the rows of a run are not the length counted for them")
}

/// Rows rendered by one task (about 2 MiB).
const CHUNK_ROWS: usize = 12_000;

impl Engine<'_> {
    /// The `business_units` and `via` texts of a grant set's rows: per held privilege (in order) an index into
    /// the distinct texts. They depend only on the held depth and the grants, and most privileges of a set
    /// share those (a role's privileges at one depth), so each distinct pattern is rendered once.
    fn row_texts(&self, set: usize) -> RowTexts {
        let set = &self.grant_sets[set];
        // The paths of the set's assignments, made once (a set has a few assignments and tens of patterns):
        // without and with ` (team records)`, as `Engine::grant_path` makes them.
        let paths: Vec<[String; 2]> = set
            .assignments
            .iter()
            .map(|a| {
                let path = self.path(a);
                let team_records = format!("{path} (team records)");
                [path, team_records]
            })
            .collect();
        let mut patterns: HashMap<(Depth, &[Grant]), u32> = HashMap::default();
        let mut texts: Vec<(Range<usize>, Range<usize>)> = Vec::new();
        let mut all = String::new();
        let mut via: Vec<&str> = Vec::new();
        let rows = set
            .held
            .iter()
            .map(|h| {
                *patterns.entry((h.depth, set.grants(h))).or_insert_with(|| {
                    let bus = self.business_units(set, h);
                    // `Engine::via`, from the paths above.
                    via.clear();
                    via.extend(self.via_grants(set, h, &bus).filter_map(|g| {
                        Some(paths.get(g.assignment as usize)?[usize::from(g.team_records_only)].as_str())
                    }));
                    via.sort_unstable();
                    via.dedup();
                    let start = all.len();
                    for (i, (d, b)) in bus.iter().enumerate() {
                        let _ = write!(all, "{}{}:{b}", if i == 0 { "" } else { ";" }, d.name());
                    }
                    let middle = all.len();
                    for (i, v) in via.iter().enumerate() {
                        if i > 0 {
                            all.push(';');
                        }
                        all.push_str(v);
                    }
                    texts.push((start..middle, middle..all.len()));
                    texts.len() as u32 - 1
                })
            })
            .collect();
        (rows, texts, all)
    }

    /// Writes the whole file. A grant set's rows are encoded when its first user comes up, so the first rows go
    /// to the disk at once.
    pub fn write_effective_access(&self, out: &mut dyn Render) -> std::io::Result<()> {
        let t = self.tenant;
        // Per privilege and depth: the `table,right,privilege,depth,` columns, CSV-escaped once. A row is then
        // three copies of ready bytes: the user's columns, these, and its interned pair.
        let privilege_columns: Vec<Vec<u8>> = self
            .catalog
            .iter()
            .flat_map(|info| {
                Depth::ALL.map(|depth| {
                    let mut b = Vec::new();
                    push_csv_text(&mut b, &info.tables.join(";"));
                    b.push(b',');
                    push_csv_field(&mut b, info.right.map(|r| r.name()).unwrap_or_default());
                    b.push(b',');
                    push_csv_text(&mut b, &info.name);
                    b.push(b',');
                    b.extend_from_slice(depth.name().as_bytes());
                    b.push(b',');
                    b
                })
            })
            .collect();
        // Per grant set, per held privilege: its interned pair (four bytes a row), from its first user to its last.
        let mut interner = Interner::default();
        let mut codes: Vec<Option<Box<[u32]>>> = vec![None; self.grant_sets.len()];
        let mut users: Vec<usize> = (0..t.users.len())
            .filter(|&u| self.user_grant_set[u].is_some())
            .collect();
        users.sort_by_key(|&u| t.users[u].id);
        let set_of = |u: usize| self.user_grant_set[u].unwrap_or_default() as usize;
        // Users in runs of about CHUNK_ROWS rows, rendered in parallel a batch at a time, in place into the room the
        // output lends (the length of every run is known beforehand), written in order.
        let mut runs: Vec<&[usize]> = Vec::new();
        let (mut from, mut rows) = (0, 0);
        for (i, &u) in users.iter().enumerate() {
            rows += self.grant_sets[set_of(u)].held.len();
            if rows >= CHUNK_ROWS {
                runs.push(&users[from..=i]);
                (from, rows) = (i + 1, 0);
            }
        }
        runs.push(&users[from..]);
        let mut remaining: Vec<u32> = vec![0; self.grant_sets.len()];
        for &u in &users {
            remaining[set_of(u)] += 1;
        }
        // Per grant set: the bytes of its rows but the user's columns (known with its codes).
        let mut set_bytes: Vec<usize> = vec![0; self.grant_sets.len()];
        // A user's columns: `systemuserid,user,`.
        let user_columns = |u: usize, columns: &mut Vec<u8>| {
            let user = &t.users[u];
            let name = user
                .domain_name
                .as_deref()
                .or(user.full_name.as_deref())
                .unwrap_or_default();
            columns.clear();
            columns.extend_from_slice(&user.id.0.to_dashed());
            columns.push(b',');
            push_csv_text(columns, name);
            columns.push(b',');
        };
        out.write_all(HEADER.join(",").as_bytes())?;
        out.write_all(b"\n")?;
        let mut columns = Vec::new();
        for batch in runs.chunks(rayon::current_num_threads().max(1) * 2) {
            // The grant sets that come up first in this batch: their rows' texts in parallel, interned in order.
            let mut new_sets: Vec<usize> = batch.iter().flat_map(|run| run.iter().map(|&u| set_of(u))).collect();
            new_sets.sort_unstable();
            new_sets.dedup();
            new_sets.retain(|&s| codes[s].is_none());
            let rendered: Vec<(usize, RowTexts)> = new_sets.into_par_iter().map(|s| (s, self.row_texts(s))).collect();
            for (s, (rows, distinct, all)) in rendered {
                let text = |r: Range<usize>| all.get(r).unwrap_or_default();
                let ids: Vec<u32> = distinct
                    .into_iter()
                    .map(|(bus, via)| interner.pair(text(bus), text(via)))
                    .collect();
                let set_codes: Box<[u32]> = rows.iter().map(|&r| ids[r as usize]).collect();
                set_bytes[s] = self.grant_sets[s]
                    .held
                    .iter()
                    .zip(&set_codes)
                    .map(|(h, &pair)| {
                        privilege_columns[h.privilege as usize * Depth::ALL.len() + h.depth as usize].len()
                            + interner.pair_columns[pair as usize].len()
                    })
                    .sum();
                codes[s] = Some(set_codes);
            }
            let lens: Vec<usize> = batch
                .iter()
                .map(|run| {
                    run.iter()
                        .map(|&u| {
                            user_columns(u, &mut columns);
                            let set = set_of(u);
                            self.grant_sets[set].held.len() * columns.len() + set_bytes[set]
                        })
                        .sum()
                })
                .collect();
            let render = |run: &[usize], room: &mut [u8], columns: &mut Vec<u8>| -> std::io::Result<()> {
                let mut at = 0;
                for &u in run {
                    user_columns(u, columns);
                    let set = set_of(u);
                    let codes = codes[set].as_deref().unwrap_or_default();
                    for (h, &pair) in self.grant_sets[set].held.iter().zip(codes) {
                        for bytes in [
                            columns.as_slice(),
                            &privilege_columns[h.privilege as usize * Depth::ALL.len() + h.depth as usize],
                            &interner.pair_columns[pair as usize],
                        ] {
                            room.get_mut(at..at + bytes.len())
                                .ok_or_else(miscounted)?
                                .copy_from_slice(bytes);
                            at += bytes.len();
                        }
                    }
                }
                if at != room.len() {
                    return Err(miscounted());
                }
                Ok(())
            };
            out.render(lens.iter().sum(), &mut |room| {
                let mut parts: Vec<&mut [u8]> = Vec::with_capacity(lens.len());
                let mut rest = room;
                for &len in &lens {
                    let (part, after) = std::mem::take(&mut rest)
                        .split_at_mut_checked(len)
                        .ok_or_else(miscounted)?;
                    parts.push(part);
                    rest = after;
                }
                batch
                    .par_iter()
                    .zip(parts)
                    .try_for_each_init(Vec::new, |columns, (run, part)| render(run, part, columns))
            })?;
            // A grant set's codes are dropped after its last user.
            for &u in batch.iter().flat_map(|run| run.iter()) {
                let set = set_of(u);
                remaining[set] -= 1;
                if remaining[set] == 0 {
                    codes[set] = None;
                }
            }
        }
        out.flush()?;
        Ok(())
    }
}
