//! The audit log (`audits.ndjson`): 100 rows per user over 180 days, in time order.
//!
//! Every row is a pure function of its index, so chunks are formatted in parallel and written in
//! order; memory is bounded by the chunks in flight, never by the number of rows.

use std::path::Path;

use anyhow::Result;
use rayon::prelude::*;

use super::model::{audit_end, Tenant, UserKind, AUDIT_DAYS, DAY, K_AUDIT};
use super::out::{key, push_guid, push_str, push_time, push_u64, Sink};
use super::rng::{derive, Guid, Rng};
use super::shares::Records;

pub(crate) const AUDITS_PER_USER: u64 = 100;
const CHUNK: u64 = 1 << 16;

#[derive(Clone, Copy, Debug)]
enum Special {
    /// Add (57), remove (58) or replace (59) privileges of a role, by a user.
    RoleEdit { action: u64, role: u32, by: u32 },
    /// Audit log deletion (111).
    LogDeletion { by: u32 },
    /// Audit change at entity level (102).
    EntityAuditChange { by: u32, table: u32 },
}

struct Plan {
    total: u64,
    start: i64,
    end: i64,
    /// Rows `burst.0 .. burst.0 + burst.1` are a share burst in the hour starting `burst.2`.
    burst: Option<(u64, u64, i64)>,
    specials: Vec<(u64, Special)>,
    heavy_ppm: u64,
    dormant_cut: i64,
    key: u64,
}

impl Plan {
    fn new(t: &Tenant) -> Self {
        let total = AUDITS_PER_USER * t.users.len() as u64;
        let end = audit_end();
        let start = end - AUDIT_DAYS * DAY;
        let mut rng = Rng::new(derive(t.seed, "audits.plan"));
        // A burst of more than 500 share operations in one clock hour, 40 days before the end.
        let burst = match t.actors.share_bot {
            Some(_) if total >= 10_000 => {
                let h0 = (end - 40 * DAY).div_euclid(3600) * 3600 + 3600;
                let k0 = ((i128::from(total) * i128::from(h0 - start)) / i128::from(end - start)) as u64;
                Some((k0, 600u64, h0))
            }
            _ => None,
        };
        let admins = &t.actors.admins;
        let admin = |rng: &mut Rng| -> u32 {
            if admins.is_empty() {
                t.actors.system
            } else {
                admins[rng.index(admins.len())]
            }
        };
        let mut list: Vec<Special> = Vec::new();
        // Salesperson (managed) edited by administrators: on the root and on a copy.
        let sales = t.salesperson_role;
        let sales_copy = t
            .roles
            .iter()
            .position(|r| r.root == sales && r.bu != 0)
            .map_or(sales, |i| i as u32);
        list.push(Special::RoleEdit {
            action: 57,
            role: sales,
            by: admin(&mut rng),
        });
        list.push(Special::RoleEdit {
            action: 58,
            role: sales_copy,
            by: admin(&mut rng),
        });
        if let Some(csr) = t.roles.iter().position(|r| r.name == "Customer Service Representative") {
            list.push(Special::RoleEdit {
                action: 59,
                role: csr as u32,
                by: admin(&mut rng),
            });
        }
        // An edit by SYSTEM (a solution update), which is not a customer change.
        list.push(Special::RoleEdit {
            action: 57,
            role: t.basic_user_role,
            by: t.actors.system,
        });
        // A custom role edited.
        if let Some(r) = t.roles.iter().position(|r| r.name == "Contoso Sales Representative") {
            list.push(Special::RoleEdit {
                action: 57,
                role: r as u32,
                by: admin(&mut rng),
            });
        }
        list.push(Special::LogDeletion { by: admin(&mut rng) });
        if let Some(acc) = t.tables.iter().position(|x| x.logical == "account") {
            list.push(Special::EntityAuditChange {
                by: admin(&mut rng),
                table: acc as u32,
            });
        }
        let count = list.len() as u64;
        let mut specials: Vec<(u64, Special)> = Vec::new();
        for (i, s) in list.into_iter().enumerate() {
            let mut k = (i as u64 + 1) * total / (count + 1) + rng.below(total / (count + 1) / 2 + 1);
            if let Some((b0, len, _)) = burst {
                if k >= b0 && k < b0 + len {
                    k = b0 + len + i as u64;
                }
            }
            specials.push((k.min(total - 1), s));
        }
        specials.sort_by_key(|s| s.0);
        specials.dedup_by_key(|s| s.0);
        let heavy = t.actors.heavy.len() as u64;
        let heavy_ppm = if heavy == 0 || total == 0 {
            0
        } else {
            (1_500 * heavy * 1_000_000).div_ceil(total).min(400_000)
        };
        Plan {
            total,
            start,
            end,
            burst,
            specials,
            heavy_ppm,
            dormant_cut: end - 120 * DAY,
            key: derive(t.seed, "audits.rows"),
        }
    }

    /// Creation time of row `k`: non-decreasing in `k`, the burst packed into its hour.
    fn time(&self, k: u64) -> i64 {
        let lin = |k: u64, n: u64, from: i64, to: i64| -> i64 {
            if n == 0 {
                from
            } else {
                from + ((i128::from(k) * i128::from(to - from)) / i128::from(n)) as i64
            }
        };
        match self.burst {
            None => lin(k, self.total, self.start, self.end - 1),
            Some((b0, len, h0)) => {
                if k < b0 {
                    lin(k, b0, self.start, h0)
                } else if k < b0 + len {
                    lin(k - b0, len, h0, h0 + 3000)
                } else {
                    lin(k - b0 - len, self.total - b0 - len, h0 + 3600, self.end - 1)
                }
            }
        }
    }
}

pub(crate) fn write(dir: &Path, t: &Tenant) -> Result<Vec<(String, u64)>> {
    let plan = Plan::new(t);
    let records = Records::new(t);
    let name = "audits.ndjson";
    let mut sink = Sink::create(&dir.join(name))?;
    let chunks = plan.total.div_ceil(CHUNK);
    let group = (2 * rayon::current_num_threads()).max(2) as u64;
    let mut c = 0u64;
    while c < chunks {
        let upto = (c + group).min(chunks);
        let blocks: Vec<Vec<u8>> = (c..upto)
            .into_par_iter()
            .map(|chunk| {
                let from = chunk * CHUNK;
                let to = (from + CHUNK).min(plan.total);
                let mut b = Vec::with_capacity(((to - from) * 300) as usize);
                for k in from..to {
                    row(&mut b, t, &plan, &records, k);
                }
                b
            })
            .collect();
        for block in &blocks {
            sink.write_block(block)?;
        }
        c = upto;
    }
    sink.finish()?;
    Ok(vec![(name.to_string(), plan.total)])
}

fn operation(action: u64) -> u64 {
    match action {
        1 => 1,
        2 => 2,
        3 | 111 => 3,
        64 | 65 => 4,
        _ => 2,
    }
}

/// Actions of people (action, weight per 10,000).
const PERSON_ACTIONS: &[(u64, u64)] = &[
    (64, 3300),
    (65, 1200),
    (1, 1400),
    (2, 2700),
    (3, 400),
    (13, 250),
    (14, 450),
    (48, 120),
    (49, 50),
    (55, 40),
    (56, 20),
    (53, 6),
    (54, 4),
];

const PERSON_WEIGHTS: [u64; 13] = [3300, 1200, 1400, 2700, 400, 250, 450, 120, 50, 40, 20, 6, 4];

/// Actions of application users: the Web API only.
const APP_ACTIONS: &[(u64, u64)] = &[(65, 50), (1, 15), (2, 30), (3, 5)];
const APP_WEIGHTS: [u64; 4] = [50, 15, 30, 5];

struct Row<'a> {
    action: u64,
    table: &'a str,
    table_owned: Option<usize>,
    object: Option<Guid>,
    user: u32,
    caller: Option<u32>,
    mask: bool,
}

fn row(b: &mut Vec<u8>, t: &Tenant, plan: &Plan, records: &Records, k: u64) {
    let mut rng = Rng::for_row(plan.key, k);
    let time = plan.time(k);
    let record = |rng: &mut Rng| -> (u64, Guid) {
        let r = if rng.pct(3) {
            rng.below(records.hot)
        } else {
            records.hot + rng.below(records.space)
        };
        (r, records.id(t, r))
    };
    let mut out = Row {
        action: 0,
        table: "",
        table_owned: None,
        object: None,
        user: 0,
        caller: None,
        mask: false,
    };
    let mut record_table: Option<u64> = None;

    let special = plan
        .specials
        .binary_search_by_key(&k, |s| s.0)
        .ok()
        .map(|i| plan.specials[i].1);
    if let Some(s) = special {
        match s {
            Special::RoleEdit { action, role, by } => {
                out.action = action;
                out.table = "role";
                out.object = Some(t.roles[role as usize].id);
                out.user = by;
            }
            Special::LogDeletion { by } => {
                out.action = 111;
                out.table = "organization";
                out.object = Some(t.org_id);
                out.user = by;
            }
            Special::EntityAuditChange { by, table } => {
                out.action = 102;
                out.table = "organization";
                out.object = Some(t.org_id);
                out.table_owned = Some(table as usize);
                out.user = by;
            }
        }
    } else if let (Some((b0, len, _)), Some(bot)) = (plan.burst, t.actors.share_bot) {
        if k >= b0 && k < b0 + len {
            out.action = if rng.pct(85) { 14 } else { 48 };
            let (r, id) = record(&mut rng);
            record_table = Some(r);
            out.object = Some(id);
            out.user = bot;
        } else {
            normal(&mut out, &mut record_table, t, plan, &mut rng, time, &record);
        }
    } else {
        normal(&mut out, &mut record_table, t, plan, &mut rng, time, &record);
    }
    if let Some(r) = record_table {
        out.table = records.table(t, r);
    }

    let id = t.ids.make(K_AUDIT, k);
    b.push(b'{');
    key(b, "auditid");
    push_guid(b, id);
    b.extend_from_slice(b",\"createdon\":");
    push_time(b, time);
    b.extend_from_slice(b",\"action\":");
    push_u64(b, out.action);
    b.extend_from_slice(b",\"operation\":");
    push_u64(b, operation(out.action));
    b.extend_from_slice(b",\"objecttypecode\":");
    push_str(b, out.table);
    b.extend_from_slice(b",\"_objectid_value\":");
    match out.object {
        Some(g) => push_guid(b, g),
        None => b.extend_from_slice(b"null"),
    }
    b.extend_from_slice(b",\"_userid_value\":");
    push_guid(b, t.user_id(out.user));
    b.extend_from_slice(b",\"_callinguserid_value\":");
    match out.caller {
        Some(c) => push_guid(b, t.user_id(c)),
        None => b.extend_from_slice(b"null"),
    }
    b.extend_from_slice(b",\"attributemask\":");
    if out.mask {
        b.push(b'"');
        let n = rng.range(1, 4);
        for i in 0..n {
            if i > 0 {
                b.push(b',');
            }
            push_u64(b, rng.range(1, 80));
        }
        b.push(b'"');
    } else if let Some(table) = out.table_owned {
        // Entity-level audit change: the table it concerns.
        push_str(b, &t.tables[table].logical);
    } else {
        b.extend_from_slice(b"null");
    }
    b.extend_from_slice(b"}\n");
}

fn normal<'a>(
    out: &mut Row<'a>,
    record_table: &mut Option<u64>,
    t: &'a Tenant,
    plan: &Plan,
    rng: &mut Rng,
    time: i64,
    record: &dyn Fn(&mut Rng) -> (u64, Guid),
) {
    let a = &t.actors;
    let x = rng.below(1_000_000);
    let mut set_record = |out: &mut Row<'a>, rng: &mut Rng| {
        let (r, id) = record(rng);
        *record_table = Some(r);
        out.object = Some(id);
    };
    if x < plan.heavy_ppm {
        // An interactive account used as an integration: Web API only, never the apps.
        out.user = a.heavy[rng.index(a.heavy.len())];
        out.action = *rng.pick(&[65, 65, 65, 2, 2, 1]);
        if out.action == 65 {
            out.table = "systemuser";
            out.object = Some(t.user_id(out.user));
        } else {
            set_record(out, rng);
            out.mask = out.action == 2;
        }
        return;
    }
    if x < plan.heavy_ppm + 20_000 {
        out.user = a.system;
        out.action = if rng.pct(70) { 2 } else { 1 };
        set_record(out, rng);
        out.mask = out.action == 2;
        return;
    }
    let pool_active = a.active.len() as u64;
    let pool_dormant = if time < plan.dormant_cut {
        a.dormant.len() as u64
    } else {
        0
    };
    if pool_active + pool_dormant == 0 {
        out.user = a.system;
        out.action = 2;
        set_record(out, rng);
        return;
    }
    let pick = rng.below(pool_active + pool_dormant);
    out.user = if pick < pool_active {
        a.active[pick as usize]
    } else {
        a.dormant[(pick - pool_active) as usize]
    };
    let is_app = t.users[out.user as usize].kind == UserKind::App;
    out.action = if is_app {
        APP_ACTIONS[rng.weighted(&APP_WEIGHTS)].0
    } else {
        PERSON_ACTIONS[rng.weighted(&PERSON_WEIGHTS)].0
    };
    match out.action {
        64 | 65 => {
            out.table = "systemuser";
            out.object = Some(t.user_id(out.user));
        }
        55 | 56 => {
            if !a.admins.is_empty() {
                out.user = a.admins[rng.index(a.admins.len())];
            }
            out.table = "systemuser";
            let target = a.active[rng.index(a.active.len())];
            out.object = Some(t.user_id(target));
        }
        53 | 54 => {
            if !a.admins.is_empty() {
                out.user = a.admins[rng.index(a.admins.len())];
            }
            out.table = "team";
            out.object = Some(t.teams[rng.index(t.teams.len())].id);
        }
        _ => {
            set_record(out, rng);
            out.mask = out.action == 2;
            if !is_app && matches!(out.action, 1..=3) && rng.below(1000) < 15 {
                out.caller = Some(a.impersonator);
            }
        }
    }
}
