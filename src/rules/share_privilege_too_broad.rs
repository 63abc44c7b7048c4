//! `share-privilege-too-broad`: a role that lets its holders share records beyond their own (Share above
//! Basic), which is how data leaves its business unit.

use std::collections::BTreeMap;

use serde_json::json;

use super::{Context, Findings, Outcome};
use crate::model::{Depth, Right};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let holders = cx.holders_by_root();
    for role in cx.root_roles().filter(|r| !cx.is_system_administrator(r) && !cx.is_system_customizer(r)) {
        let mut tables: BTreeMap<String, Depth> = BTreeMap::new();
        let mut deepest = Depth::Basic;
        for &(p, depth) in cx.privileges_of(role) {
            let info = &cx.engine.catalog[p as usize];
            if info.right == Some(Right::Share) && depth > Depth::Basic {
                for table in &info.tables {
                    let d = tables.entry(table.clone()).or_insert(depth);
                    *d = (*d).max(depth);
                }
                deepest = deepest.max(depth);
            }
        }
        if tables.is_empty() {
            continue;
        }
        let users = holders.get(&role.id).map_or(0, Vec::len);
        let listed: Vec<_> = tables.iter().map(|(t, d)| json!({ "table": t, "depth": d })).collect();
        out.add(
            cx.role_subject(role),
            format!(
                "Role {} grants Share on {} table{} above Basic (up to {}): its {users} enabled holder{} can share records they do not own.",
                role.name,
                tables.len(),
                if tables.len() == 1 { "" } else { "s" },
                deepest.name(),
                if users == 1 { "" } else { "s" }
            ),
            json!({ "tables": listed, "enabled_holders": users }),
        );
    }
    Outcome::Evaluated
}
