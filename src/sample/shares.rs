//! Record shares (`principalobjectaccessset`): 100 per user, as paged OData JSON.
//!
//! Nothing of the table is held in memory: every row is a pure function of its position, so the
//! pages are formatted in parallel and each is written to its own file.

use std::path::Path;

use anyhow::Result;
use rayon::prelude::*;

use super::model::{Tenant, UserKind, DAY, K_MISSING_TEAM, K_POA, K_RECORD};
use super::out::{key, page_close, page_file, page_open, push_guid, push_str, push_time, push_u64, Sink};
use super::rng::{derive, hash2, Guid, Rng};

/// Rows per page of the share export.
pub(crate) const SHARE_PAGE: u64 = 50_000;
pub(crate) const SHARES_PER_USER: u64 = 100;

const SELECT: &str = "principalobjectaccessid,objectid,objecttypecode,principalid,principaltypecode,\
accessrightsmask,inheritedaccessrightsmask,changedon";

/// The record space shared by the share and audit generators: record `r` has id
/// `guid(K_RECORD, r)` and always the same table.
pub(crate) struct Records {
    /// Records `0..hot` are shared with many principals.
    pub(crate) hot: u64,
    /// Records `hot..hot + space` are ordinary; `space` is a power of two.
    pub(crate) space: u64,
    table_key: u64,
}

impl Records {
    pub(crate) fn new(t: &Tenant) -> Self {
        let users = t.users.len() as u64;
        Records {
            hot: (users / 400).clamp(1, 256),
            space: (users * 64).next_power_of_two().max(1024),
            table_key: derive(t.seed, "records.table"),
        }
    }

    /// Logical name of the table that record `r` belongs to.
    #[inline]
    pub(crate) fn table<'a>(&self, t: &'a Tenant, r: u64) -> &'a str {
        let total = t.record_weights.total();
        let k = t.record_weights.find(hash2(self.table_key, r) % total);
        &t.tables[t.record_tables[k] as usize].logical
    }

    #[inline]
    pub(crate) fn id(&self, t: &Tenant, r: u64) -> Guid {
        t.ids.make(K_RECORD, r)
    }
}

enum Principal {
    User(u32),
    Team(u32),
    MissingTeam,
}

/// How many shares each principal has, and where its rows start.
struct Plan {
    /// Principals: users, then teams, then (maybe) a missing team.
    principals: Vec<Principal>,
    /// `starts[p]` = first global row of principal `p`; one more entry holding the total.
    starts: Vec<u64>,
    /// Principals that take part in a hot record (their row 0).
    hot_takers: Vec<bool>,
    total: u64,
}

fn plan(t: &Tenant, rng: &mut Rng) -> Plan {
    let n = t.users.len() as u64;
    let total = SHARES_PER_USER * n;
    let mut principals: Vec<Principal> = Vec::new();
    let mut counts: Vec<u64> = Vec::new();
    let big = n >= 1000;

    // Hubs: a team and a user with more than 5,000 shared records each (large tenants only).
    let hub_team = if big {
        t.teams.iter().position(|tm| !tm.is_default && tm.team_type == 0)
    } else {
        None
    };
    let hub_user = if big {
        t.actors
            .active
            .iter()
            .copied()
            .find(|&u| t.users[u as usize].kind == UserKind::Person)
    } else {
        None
    };
    let hub_team_count = 6_000u64;
    let hub_user_count = 5_200u64;
    let dangling = if big { 3 } else { 0 };
    let mut rest = total - dangling;
    if hub_team.is_some() {
        rest -= hub_team_count;
    }
    if hub_user.is_some() {
        rest -= hub_user_count;
    }
    let to_users = rest * 4 / 5;
    let to_teams = rest - to_users;

    let eligible_user = |u: usize| matches!(t.users[u].kind, UserKind::Person | UserKind::App);
    let user_w: Vec<u64> = (0..t.users.len())
        .map(|u| {
            if eligible_user(u) && Some(u as u32) != hub_user {
                1 + rng.below(200)
            } else {
                0
            }
        })
        .collect();
    let team_w: Vec<u64> = (0..t.teams.len())
        .map(|k| if Some(k) != hub_team { 1 + rng.below(200) } else { 0 })
        .collect();
    let spread = |weights: &[u64], amount: u64| -> Vec<u64> {
        let sum: u64 = weights.iter().sum();
        if sum == 0 {
            return vec![0; weights.len()];
        }
        let mut c: Vec<u64> = weights
            .iter()
            .map(|&w| (u128::from(amount) * u128::from(w) / u128::from(sum)) as u64)
            .collect();
        let mut left = amount - c.iter().sum::<u64>();
        let mut i = 0;
        while left > 0 {
            if weights[i] > 0 {
                c[i] += 1;
                left -= 1;
            }
            i = (i + 1) % weights.len();
        }
        c
    };
    let (to_users, to_teams) = if team_w.iter().sum::<u64>() == 0 {
        (to_users + to_teams, 0)
    } else {
        (to_users, to_teams)
    };
    let uc = spread(&user_w, to_users);
    let tc = spread(&team_w, to_teams);
    for (u, mut c) in uc.into_iter().enumerate() {
        if Some(u as u32) == hub_user {
            c = hub_user_count;
        }
        principals.push(Principal::User(u as u32));
        counts.push(c);
    }
    for (k, mut c) in tc.into_iter().enumerate() {
        if Some(k) == hub_team {
            c = hub_team_count;
        }
        principals.push(Principal::Team(k as u32));
        counts.push(c);
    }
    if dangling > 0 {
        principals.push(Principal::MissingTeam);
        counts.push(dangling);
    }
    let mut starts = Vec::with_capacity(counts.len() + 1);
    let mut acc = 0u64;
    for c in &counts {
        starts.push(acc);
        acc += c;
    }
    starts.push(acc);
    debug_assert_eq!(acc, total);
    let hot_takers = principals
        .iter()
        .enumerate()
        .map(|(p, pr)| {
            let hub = match pr {
                Principal::User(u) => Some(*u) == hub_user,
                Principal::Team(k) => Some(*k as usize) == hub_team,
                Principal::MissingTeam => true,
            };
            !hub && counts[p] > 0 && rng.pct(30)
        })
        .collect();
    Plan {
        principals,
        starts,
        hot_takers,
        total: acc,
    }
}

/// A multiplier coprime with `n`, used to visit the rows in a scattered order.
fn coprime_multiplier(n: u64, start: u64) -> u64 {
    fn gcd(mut a: u64, mut b: u64) -> u64 {
        while b != 0 {
            let t = a % b;
            a = b;
            b = t;
        }
        a
    }
    if n <= 1 {
        return 1;
    }
    let mut a = start % n;
    if a == 0 {
        a = 1;
    }
    while gcd(a, n) != 1 {
        a = (a + 1) % n;
        if a == 0 {
            a = 1;
        }
    }
    a
}

pub(crate) fn write(dir: &Path, t: &Tenant) -> Result<Vec<(String, u64)>> {
    let mut rng = Rng::new(derive(t.seed, "shares.plan"));
    let plan = plan(t, &mut rng);
    let records = Records::new(t);
    let key_rows = derive(t.seed, "shares.rows");
    let key_principal = derive(t.seed, "shares.principal");
    let total = plan.total;
    let mult = coprime_multiplier(total, total / 8 * 5 + 7919);
    let offset = rng.below(total.max(1));
    let pages = total.div_ceil(SHARE_PAGE).max(1) as usize;
    let context = super::out::context(&t.host, "principalobjectaccessset", SELECT);
    let end = super::model::audit_end();

    let results: Vec<Result<(String, u64)>> = (0..pages)
        .into_par_iter()
        .map(|page| -> Result<(String, u64)> {
            let name = page_file("principalobjectaccessset", page + 1, "json");
            let mut sink = Sink::create(&dir.join(&name))?;
            page_open(&mut sink.buf, &context);
            let from = page as u64 * SHARE_PAGE;
            let to = (from + SHARE_PAGE).min(total);
            let mut first = [0u8; 36];
            let mut last = [0u8; 36];
            for q in from..to {
                // Output position q holds global row g (a bijection of 0..total).
                let g = ((u128::from(q) * u128::from(mult) + u128::from(offset)) % u128::from(total)) as u64;
                let p = plan.starts.partition_point(|&s| s <= g) - 1;
                let j = g - plan.starts[p];
                let id = t.ids.make(K_POA, q);
                if q == from {
                    first = id.bytes();
                }
                last = id.bytes();
                let b = &mut sink.buf;
                b.push(if q == from { b'\n' } else { b',' });
                if q != from {
                    b.push(b'\n');
                }
                row(b, t, &records, &plan, key_rows, key_principal, q, id, p, j, end);
                sink.maybe_flush()?;
            }
            let link = (page + 1 < pages).then(|| {
                super::out::next_link(
                    &t.host,
                    "principalobjectaccessset",
                    SELECT,
                    "principalobjectaccessid",
                    page + 2,
                    &first,
                    &last,
                )
            });
            page_close(&mut sink.buf, link.as_deref());
            sink.finish()?;
            Ok((name, to - from))
        })
        .collect();
    results.into_iter().collect()
}

/// Direct access masks with their weights (AccessRights bits).
const DIRECT_MASKS: &[(u64, u64)] = &[
    (1, 400),      // Read
    (3, 170),      // Read, Write
    (7, 90),       // Read, Write, Append
    (23, 140),     // Read, Write, Append, AppendTo
    (851_511, 12), // everything (0xD0037): rare, and usually more than the user can use
    (262_145, 8),  // Read, Share
    (65_539, 6),   // Read, Write, Delete
    (19, 35),      // Read, Write, AppendTo
    (524_289, 3),  // Read, Assign
];

const DIRECT_WEIGHTS: [u64; 9] = [
    DIRECT_MASKS[0].1,
    DIRECT_MASKS[1].1,
    DIRECT_MASKS[2].1,
    DIRECT_MASKS[3].1,
    DIRECT_MASKS[4].1,
    DIRECT_MASKS[5].1,
    DIRECT_MASKS[6].1,
    DIRECT_MASKS[7].1,
    DIRECT_MASKS[8].1,
];

#[allow(clippy::too_many_arguments)]
#[inline]
fn row(
    b: &mut Vec<u8>,
    t: &Tenant,
    records: &Records,
    plan: &Plan,
    key_rows: u64,
    key_principal: u64,
    q: u64,
    id: Guid,
    p: usize,
    j: u64,
    end: i64,
) {
    let mut rng = Rng::for_row(key_rows, q);
    // The record: distinct for every row of one principal (so no (record, principal) pair
    // repeats); row 0 of some principals goes to one of the few hot records.
    let r = if j == 0 && plan.hot_takers[p] {
        hash2(key_principal ^ 0x4854, p as u64) % records.hot
    } else {
        let h = hash2(key_principal, p as u64);
        let step = (h >> 32) | 1;
        let start = h & 0xFFFF_FFFF;
        records.hot + (start.wrapping_add(j.wrapping_mul(step)) & (records.space - 1))
    };
    let (principal, type_code) = match plan.principals[p] {
        Principal::User(u) => (t.user_id(u), "systemuser"),
        Principal::Team(k) => (t.teams[k as usize].id, "team"),
        Principal::MissingTeam => (t.ids.make(K_MISSING_TEAM, 0), "team"),
    };
    let kind = rng.below(100);
    let (direct, inherited) = if kind < 10 {
        // Cascaded from a parent record: rights only in the inherited mask, with a flag bit.
        let m = *rng.pick(&[1u64, 1, 3, 3, 23, 23, 23, 851_511]);
        (0, m | 0x0800_0000)
    } else if kind < 12 {
        (1, 0x0800_0017)
    } else {
        (DIRECT_MASKS[rng.weighted(&DIRECT_WEIGHTS)].0, 0)
    };
    let changed = end - 1 - rng.below(730 * DAY as u64) as i64;

    b.extend_from_slice(b"{\"@odata.etag\":\"W/\\\"");
    push_u64(b, 5_000_000 + q);
    b.extend_from_slice(b"\\\"\",");
    key(b, "principalobjectaccessid");
    push_guid(b, id);
    b.extend_from_slice(b",\"objectid\":");
    push_guid(b, records.id(t, r));
    b.extend_from_slice(b",\"objecttypecode\":");
    push_str(b, records.table(t, r));
    b.extend_from_slice(b",\"principalid\":");
    push_guid(b, principal);
    b.extend_from_slice(b",\"principaltypecode\":\"");
    b.extend_from_slice(type_code.as_bytes());
    b.extend_from_slice(b"\",\"accessrightsmask\":");
    push_u64(b, direct);
    b.extend_from_slice(b",\"inheritedaccessrightsmask\":");
    push_u64(b, inherited);
    b.extend_from_slice(b",\"changedon\":");
    push_time(b, changed);
    b.push(b'}');
}
