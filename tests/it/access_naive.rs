//! A separate, deliberately plain implementation of ACCESS-MODEL.md's effective access, written from the
//! spec over the test's own tenant description (not the crate's model), to check the engine against.

use super::tenant::*;

const DEPTHS: [&str; 4] = ["Basic", "Local", "Deep", "Global"];

fn depth_of(mask: u32) -> usize {
    if mask & 8 != 0 {
        3
    } else if mask & 4 != 0 {
        2
    } else if mask & 2 != 0 {
        1
    } else {
        0
    }
}

fn escape(name: &str) -> String {
    name.replace('\\', "\\\\").replace(';', "\\;").replace('>', "\\>")
}

fn neutralize(v: &str) -> String {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_string()
    }
}

fn right_name(mask: u32) -> &'static str {
    match mask {
        1 => "Read",
        2 => "Write",
        4 => "Append",
        16 => "AppendTo",
        32 => "Create",
        65536 => "Delete",
        262144 => "Share",
        524288 => "Assign",
        _ => "",
    }
}

/// Is `bu` the unit `top` or below it? Walks up the parents.
fn under(t: &Tenant, bu: usize, top: usize) -> bool {
    let mut at = Some(bu);
    while let Some(b) = at {
        if b == top {
            return true;
        }
        at = t.bus[b].parent;
    }
    false
}

struct Grant {
    privilege: usize,
    depth: usize,
    anchor: usize,
    path: String,
}

pub fn effective_access(t: &Tenant) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for (ui, u) in t.users.iter().enumerate() {
        let enabled = !u.disabled && u.azure_state == 0 && !t.bus[u.bu].disabled;
        if !enabled {
            continue;
        }
        let mut grants: Vec<Grant> = Vec::new();
        let role_path = |r: usize| format!("role:{}", escape(&t.roles[r].name));
        for &r in &u.roles {
            for &(p, mask) in &t.roles[t.root_of(r)].privileges {
                grants.push(Grant {
                    privilege: p,
                    depth: depth_of(mask),
                    anchor: t.roles[r].bu,
                    path: role_path(r),
                });
            }
        }
        for (ti, team) in t.teams.iter().enumerate() {
            let member = team.members.contains(&ui) || (team.is_default && team.bu == u.bu);
            let grants_roles = matches!(team.team_type, 0 | 2 | 3) && !t.bus[team.bu].disabled;
            if !member || !grants_roles {
                continue;
            }
            let _ = ti;
            for &r in &team.roles {
                let root = t.root_of(r);
                for &(p, mask) in &t.roles[root].privileges {
                    if t.privileges[p].name == "prvActOnBehalfOfAnotherUser" {
                        continue;
                    }
                    let depth = depth_of(mask);
                    let mut path = format!("team:{}>{}", escape(&team.name), role_path(r));
                    if depth == 0 && !t.roles[root].inherited {
                        path.push_str(" (team records)");
                    }
                    grants.push(Grant {
                        privilege: p,
                        depth,
                        anchor: t.roles[r].bu,
                        path,
                    });
                }
            }
        }
        grants.retain(|g| {
            let p = &t.privileges[g.privilege];
            match u.access_mode {
                2 => p.access_right == 1,
                1 => p.access_right == 0,
                _ => true,
            }
        });
        for (pi, p) in t.privileges.iter().enumerate() {
            let mine: Vec<&Grant> = grants.iter().filter(|g| g.privilege == pi).collect();
            if mine.is_empty() {
                continue;
            }
            let depth = mine.iter().map(|g| g.depth).max().unwrap();
            let mut items: Vec<(usize, usize)> = Vec::new();
            if depth == 1 || depth == 2 {
                for g in &mine {
                    if (g.depth == 1 || g.depth == 2) && !items.contains(&(g.depth, g.anchor)) {
                        items.push((g.depth, g.anchor));
                    }
                }
                // Deep at A contains Local and Deep at A and at every unit below A.
                let all = items.clone();
                items.retain(|&(d, a)| {
                    !all.iter()
                        .any(|&(od, oa)| (od, oa) != (d, a) && od == 2 && under(t, a, oa))
                });
            }
            let mut listed: Vec<String> = items
                .iter()
                .map(|&(d, a)| format!("{}:{}", DEPTHS[d], bu_id(a)))
                .collect();
            listed.sort();
            let mut via: Vec<String> = mine
                .iter()
                .filter(|g| g.depth == depth || items.contains(&(g.depth, g.anchor)))
                .map(|g| g.path.clone())
                .collect();
            via.sort();
            via.dedup();
            let mut tables: Vec<&str> = p.tables.to_vec();
            tables.sort();
            rows.push(vec![
                user_id(ui),
                format!("user{ui}@contoso.com"),
                tables.join(";"),
                right_name(p.access_right).to_string(),
                p.name.to_string(),
                DEPTHS[depth].to_string(),
                listed.join(";"),
                neutralize(&via.join(";")),
            ]);
        }
    }
    rows.sort_by(|a, b| (a[0].as_bytes(), a[4].as_bytes()).cmp(&(b[0].as_bytes(), b[4].as_bytes())));
    rows
}
