//! `effective-access.csv` (ACCESS-MODEL.md): one row per enabled user and privilege held, sorted by
//! `systemuserid`, then `privilege`, written streaming.
//!
//! The rows of a grant set are the same for all its users, and the texts of its rows repeat across grant sets
//! (the same reach, the same paths). So each grant set's rows are encoded once as small codes into interned
//! texts, and every user's rows are written from those codes: memory grows with distinct texts, not with
//! users x privileges.

use std::collections::HashMap;
use std::io::Write;

use rayon::prelude::*;

use super::{Engine, Grant};
use crate::model::Depth;
use crate::report::{push_csv_field, push_csv_text};

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

/// A grant set's rows as indices into its distinct (`business_units`, `via`) texts, and those texts.
type RowTexts = (Vec<u32>, Vec<(String, String)>);

#[derive(Default)]
struct Interner {
    index: HashMap<String, u32>,
    texts: Vec<String>,
}

impl Interner {
    fn intern(&mut self, text: String) -> u32 {
        if let Some(&i) = self.index.get(&text) {
            return i;
        }
        let i = self.texts.len() as u32;
        self.texts.push(text.clone());
        self.index.insert(text, i);
        i
    }
}

/// Rows rendered by one task (about 2 MiB).
const CHUNK_ROWS: usize = 12_000;

/// How many grant sets are rendered to text at a time (bounds the memory of the texts not yet interned).
const CHUNK: usize = 2048;

impl Engine<'_> {
    /// The `business_units` and `via` texts of a grant set's rows: per held privilege (in order) an index into
    /// the distinct texts. They depend only on the held depth and the grants, and most privileges of a set
    /// share those (a role's privileges at one depth), so each distinct pattern is rendered once.
    fn row_texts(&self, set: usize) -> RowTexts {
        let set = &self.grant_sets[set];
        let mut patterns: HashMap<(Depth, &[Grant]), u32> = HashMap::new();
        let mut texts: Vec<(String, String)> = Vec::new();
        let rows = set
            .held
            .iter()
            .map(|h| {
                *patterns.entry((h.depth, set.grants(h))).or_insert_with(|| {
                    let bus = self.business_units(set, h);
                    let via = self.via(set, h, &bus);
                    let bus_text = bus
                        .iter()
                        .map(|(d, b)| format!("{}:{b}", d.name()))
                        .collect::<Vec<_>>()
                        .join(";");
                    texts.push((bus_text, via.join(";")));
                    texts.len() as u32 - 1
                })
            })
            .collect();
        (rows, texts)
    }

    /// Writes the whole file.
    pub fn write_effective_access(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let t = self.tenant;
        let mut texts = Interner::default();
        // Per grant set, per held privilege: the interned pair of its `business_units` and `via` texts (the
        // privilege and the depth are the held privilege's). Four bytes a row: tens of millions of them.
        let mut pairs: HashMap<(u32, u32), u32> = HashMap::new();
        let mut pair_texts: Vec<(u32, u32)> = Vec::new();
        let mut codes: Vec<Box<[u32]>> = Vec::with_capacity(self.grant_sets.len());
        let ids: Vec<usize> = (0..self.grant_sets.len()).collect();
        for chunk in ids.chunks(CHUNK) {
            let rendered: Vec<RowTexts> = chunk.par_iter().map(|&s| self.row_texts(s)).collect();
            for (rows, distinct) in rendered {
                let ids: Vec<u32> = distinct
                    .into_iter()
                    .map(|(bus, via)| {
                        let pair = (texts.intern(bus), texts.intern(via));
                        *pairs.entry(pair).or_insert_with(|| {
                            pair_texts.push(pair);
                            pair_texts.len() as u32 - 1
                        })
                    })
                    .collect();
                codes.push(rows.iter().map(|&r| ids[r as usize]).collect());
            }
        }
        drop(pairs);
        // Every text a row is made of, CSV-escaped once: per privilege its `table,right,privilege,` columns, per
        // depth `depth,`, per interned text the field itself. A row is then six copies of ready bytes.
        let privilege_columns: Vec<Vec<u8>> = self
            .catalog
            .iter()
            .map(|info| {
                let mut b = Vec::new();
                push_csv_text(&mut b, &info.tables.join(";"));
                b.push(b',');
                push_csv_field(&mut b, info.right.map(|r| r.name()).unwrap_or_default());
                b.push(b',');
                push_csv_text(&mut b, &info.name);
                b.push(b',');
                b
            })
            .collect();
        let interned: Vec<Vec<u8>> = texts
            .texts
            .iter()
            .map(|s| {
                let mut b = Vec::new();
                push_csv_text(&mut b, s);
                b
            })
            .collect();

        let mut users: Vec<usize> = (0..t.users.len())
            .filter(|&u| self.user_grant_set[u].is_some())
            .collect();
        users.sort_by_key(|&u| t.users[u].id);
        let set_of = |u: usize| self.user_grant_set[u].unwrap_or_default() as usize;
        let rows_of = |u: usize| &codes[set_of(u)];
        // Users in runs of about CHUNK_ROWS rows, rendered in parallel a batch at a time into reused buffers,
        // written in order.
        let mut runs: Vec<&[usize]> = Vec::new();
        let (mut from, mut rows) = (0, 0);
        for (i, &u) in users.iter().enumerate() {
            rows += rows_of(u).len();
            if rows >= CHUNK_ROWS {
                runs.push(&users[from..=i]);
                (from, rows) = (i + 1, 0);
            }
        }
        runs.push(&users[from..]);
        let render = |run: &[usize], buf: &mut Vec<u8>| {
            let mut prefix: Vec<u8> = Vec::new();
            for &u in run {
                let user = &t.users[u];
                let name = user
                    .domain_name
                    .as_deref()
                    .or(user.full_name.as_deref())
                    .unwrap_or_default();
                prefix.clear();
                prefix.extend_from_slice(&user.id.0.to_dashed());
                prefix.push(b',');
                push_csv_text(&mut prefix, name);
                prefix.push(b',');
                for (h, &pair) in self.grant_sets[set_of(u)].held.iter().zip(rows_of(u).iter()) {
                    let (business_units, via) = pair_texts[pair as usize];
                    buf.extend_from_slice(&prefix);
                    buf.extend_from_slice(&privilege_columns[h.privilege as usize]);
                    buf.extend_from_slice(h.depth.name().as_bytes());
                    buf.push(b',');
                    buf.extend_from_slice(&interned[business_units as usize]);
                    buf.push(b',');
                    buf.extend_from_slice(&interned[via as usize]);
                    buf.push(b'\n');
                }
            }
        };
        out.write_all(HEADER.join(",").as_bytes())?;
        out.write_all(b"\n")?;
        crate::report::write_in_order(out, &runs, 1, |runs, buf| {
            for run in runs {
                render(run, buf);
            }
        })?;
        out.flush()?;
        Ok(())
    }
}
