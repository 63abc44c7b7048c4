//! `effective-access.csv` (ACCESS-MODEL.md): one row per enabled user and privilege held, sorted by
//! `systemuserid`, then `privilege`. Each grant set's rows are rendered once and written for each of its
//! users, streaming.

use std::io::Write;

use super::Engine;
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

/// The grant-set part of a row: `table, right, privilege, depth, business_units, via`.
pub type RowTail = [String; 6];

impl Engine<'_> {
    /// The rows of each grant set, in privilege order.
    pub fn rendered_rows(&self, set: usize) -> Vec<RowTail> {
        let set = &self.grant_sets[set];
        set.held
            .iter()
            .map(|h| {
                let info = &self.catalog[h.privilege as usize];
                let bus = self.business_units(set, h);
                let via = self.via(set, h, &bus);
                [
                    info.tables.join(";"),
                    info.right.map(|r| r.name()).unwrap_or_default().to_string(),
                    info.name.clone(),
                    h.depth.name().to_string(),
                    bus.iter()
                        .map(|(d, b)| format!("{}:{b}", d.name()))
                        .collect::<Vec<_>>()
                        .join(";"),
                    via.join(";"),
                ]
            })
            .collect()
    }

    /// Writes the whole file.
    pub fn write_effective_access(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let t = self.tenant;
        let mut users: Vec<usize> = (0..t.users.len())
            .filter(|&u| self.user_grant_set[u].is_some())
            .collect();
        users.sort_by_key(|&u| t.users[u].id);
        let rendered: Vec<Vec<RowTail>> = {
            use rayon::prelude::*;
            (0..self.grant_sets.len())
                .into_par_iter()
                .map(|s| self.rendered_rows(s))
                .collect()
        };
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
            for row in &rendered[set] {
                w.write_field(&id)?;
                w.write_field(name.as_bytes())?;
                for cell in row {
                    w.write_field(neutralize_formula(cell).as_bytes())?;
                }
                w.write_record(None::<&[u8]>)?;
            }
        }
        w.flush()?;
        Ok(())
    }
}
