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

use super::Engine;
use crate::model::Depth;
use crate::report::neutralize_formula;

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

/// One row of a grant set: the privilege, its depth, and the interned `business_units` and `via` texts.
#[derive(Clone, Copy, Debug)]
struct RowCode {
    privilege: u32,
    depth: Depth,
    business_units: u32,
    via: u32,
}

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

/// How many grant sets are rendered to text at a time (bounds the memory of the texts not yet interned).
const CHUNK: usize = 2048;

impl Engine<'_> {
    /// The `business_units` and `via` texts of each row of a grant set, in privilege order.
    fn row_texts(&self, set: usize) -> Vec<(u32, Depth, String, String)> {
        let set = &self.grant_sets[set];
        set.held
            .iter()
            .map(|h| {
                let bus = self.business_units(set, h);
                let via = self.via(set, h, &bus);
                let bus_text = bus
                    .iter()
                    .map(|(d, b)| format!("{}:{b}", d.name()))
                    .collect::<Vec<_>>()
                    .join(";");
                (h.privilege, h.depth, bus_text, via.join(";"))
            })
            .collect()
    }

    /// Writes the whole file.
    pub fn write_effective_access(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let t = self.tenant;
        let mut texts = Interner::default();
        let mut codes: Vec<Vec<RowCode>> = Vec::with_capacity(self.grant_sets.len());
        let ids: Vec<usize> = (0..self.grant_sets.len()).collect();
        for chunk in ids.chunks(CHUNK) {
            let rendered: Vec<Vec<(u32, Depth, String, String)>> =
                chunk.par_iter().map(|&s| self.row_texts(s)).collect();
            for rows in rendered {
                codes.push(
                    rows.into_iter()
                        .map(|(privilege, depth, bus, via)| RowCode {
                            privilege,
                            depth,
                            business_units: texts.intern(bus),
                            via: texts.intern(via),
                        })
                        .collect(),
                );
            }
        }
        // Per privilege: the table, right and name columns, ready to write.
        let columns: Vec<[String; 3]> = self
            .catalog
            .iter()
            .map(|info| {
                [
                    neutralize_formula(&info.tables.join(";")).into_owned(),
                    info.right.map(|r| r.name()).unwrap_or_default().to_string(),
                    neutralize_formula(&info.name).into_owned(),
                ]
            })
            .collect();
        let interned: Vec<String> = texts.texts.iter().map(|s| neutralize_formula(s).into_owned()).collect();

        let mut users: Vec<usize> = (0..t.users.len())
            .filter(|&u| self.user_grant_set[u].is_some())
            .collect();
        users.sort_by_key(|&u| t.users[u].id);
        let mut w = csv::WriterBuilder::new().buffer_capacity(1 << 20).from_writer(out);
        w.write_record(HEADER)?;
        for u in users {
            let user = &t.users[u];
            let id = user.id.to_string();
            let name = user
                .domain_name
                .as_deref()
                .or(user.full_name.as_deref())
                .unwrap_or_default();
            let name = neutralize_formula(name);
            let set = self.user_grant_set[u].unwrap_or_default() as usize;
            for row in &codes[set] {
                let [table, right, privilege] = &columns[row.privilege as usize];
                w.write_field(&id)?;
                w.write_field(name.as_bytes())?;
                w.write_field(table)?;
                w.write_field(right)?;
                w.write_field(privilege)?;
                w.write_field(row.depth.name())?;
                w.write_field(&interned[row.business_units as usize])?;
                w.write_field(&interned[row.via as usize])?;
                w.write_record(None::<&[u8]>)?;
            }
        }
        w.flush()?;
        Ok(())
    }
}
