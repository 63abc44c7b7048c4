//! The audit log, streamed: what the rules need, aggregated while reading, never the rows themselves.
//! Memory grows with users, tables, actions and days, not with audit rows.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;

use super::prefetch::IdMap;
use crate::id::Guid;
use crate::time::Timestamp;

/// Actions whose users are kept (security-relevant and rare): role and privilege changes, audit tampering.
pub fn keeps_users(action: i64) -> bool {
    matches!(action, 53..=59 | 104 | 108..=113)
}

/// Actions whose `_objectid_value` is a security role (privilege changes, audit actions 57, 58, 59).
pub fn is_role_privilege_change(action: i64) -> bool {
    matches!(action, 57..=59)
}

/// Share (14) and Modify Share (48).
pub fn is_share_operation(action: i64) -> bool {
    matches!(action, 14 | 48)
}

/// Audit actions of INPUT.md, by code.
pub fn action_name(action: i64) -> Option<&'static str> {
    Some(match action {
        1 => "Create",
        2 => "Update",
        3 => "Delete",
        13 => "Assign",
        14 => "Share",
        48 => "Modify Share",
        49 => "Unshare",
        53 => "Assign Role To Team",
        54 => "Remove Role From Team",
        55 => "Assign Role To User",
        56 => "Remove Role From User",
        57 => "Add Privileges to Role",
        58 => "Remove Privileges From Role",
        59 => "Replace Privileges In Role",
        64 => "User Access via Web",
        65 => "User Access via Web Services",
        102 => "Audit Change at Entity Level",
        103 => "Audit Change at Attribute Level",
        104 => "Audit Change at Org Level",
        108 | 109 => "Audit stopped",
        110 => "Audit Disabled",
        111 => "Audit Log Deletion",
        113 => "User Access Audit Stopped",
        _ => return None,
    })
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ActionStats {
    pub count: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// Users who did it (only for the actions of [`keeps_users`]).
    pub users: BTreeSet<Guid>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserActivity {
    /// Rows where the user is `_userid_value`.
    pub rows: u64,
    /// Newest row where the user is `_userid_value` or `_callinguserid_value`, any action.
    pub last_activity: Option<Timestamp>,
    /// User Access via Web (64).
    pub web_access: u64,
    /// User Access via Web Services (65).
    pub web_service_access: u64,
    /// Share / Modify Share operations as the caller.
    pub share_operations: u64,
}

/// Privilege changes on one role (actions 57, 58, 59).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoleChange {
    pub count: u64,
    pub last: Option<Timestamp>,
    pub users: BTreeSet<Guid>,
}

#[derive(Clone, Debug, Default)]
pub struct AuditSummary {
    /// True when an audit file was read.
    pub present: bool,
    pub rows: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub by_action: BTreeMap<i64, ActionStats>,
    pub by_table: BTreeMap<String, u64>,
    /// Rows per day (days since the epoch).
    pub by_day: BTreeMap<i64, u64>,
    pub by_user: FxHashMap<Guid, UserActivity>,
    /// Share operations per caller and UTC clock hour.
    pub share_operations_by_hour: FxHashMap<(Guid, i64), u32>,
    /// Privilege changes by the role's id (`_objectid_value`).
    pub role_changes: FxHashMap<Guid, RoleChange>,
    /// Rows whose action code is not one of INPUT.md's (counted, never rejected).
    pub unknown_action_rows: u64,
}

/// One audit row, as the reader hands it to [`AuditSummary::add`].
pub struct AuditRow<'a> {
    pub created_on: Timestamp,
    pub action: i64,
    pub table: Option<&'a str>,
    pub object: Option<Guid>,
    pub user: Option<Guid>,
    pub calling_user: Option<Guid>,
}

fn widen(first: &mut Option<Timestamp>, last: &mut Option<Timestamp>, t: Timestamp) {
    if first.is_none_or(|f| t < f) {
        *first = Some(t);
    }
    if last.is_none_or(|l| t > l) {
        *last = Some(t);
    }
}

/// Action codes below this are counted in an array (every row looks its action up).
const DIRECT_ACTIONS: usize = 256;

/// An [`AuditSummary`] being summed up, row by row: the same figures, with faster lookups for what every row
/// touches (its action, table and day).
#[derive(Debug)]
pub struct AuditTally {
    /// Everything but what follows.
    summary: AuditSummary,
    /// `by_action` of the codes below [`DIRECT_ACTIONS`], by code (a count of 0: no row).
    actions: Vec<ActionStats>,
    /// `by_table`, hashed.
    tables: FxHashMap<String, u64>,
    /// The day of the rows counted last, and how many of them are not in `by_day` yet (the log is in time
    /// order: most rows are on the day of the row before).
    day: Option<(i64, u64)>,
    /// `by_user`, in a table of its own.
    users: UserTally,
}

impl Default for AuditTally {
    fn default() -> Self {
        AuditTally {
            summary: AuditSummary::default(),
            actions: vec![ActionStats::default(); DIRECT_ACTIONS],
            tables: FxHashMap::default(),
            day: None,
            users: UserTally::default(),
        }
    }
}

impl AuditTally {
    pub fn add(&mut self, row: &AuditRow) {
        let t = row.created_on;
        let summary = &mut self.summary;
        summary.rows += 1;
        widen(&mut summary.first, &mut summary.last, t);
        let stats = match usize::try_from(row.action).ok().and_then(|a| self.actions.get_mut(a)) {
            Some(stats) => stats,
            None => summary.by_action.entry(row.action).or_default(),
        };
        stats.count += 1;
        widen(&mut stats.first, &mut stats.last, t);
        if action_name(row.action).is_none() {
            summary.unknown_action_rows += 1;
        }
        // The actor of an operation: the impersonating caller when set, else the user.
        let actor = row.calling_user.or(row.user);
        if keeps_users(row.action) {
            if let Some(a) = actor {
                stats.users.insert(a);
            }
        }
        if let Some(table) = row.table {
            match self.tables.get_mut(table) {
                Some(n) => *n += 1,
                None => {
                    self.tables.insert(table.to_string(), 1);
                }
            }
        }
        let day = t.0.div_euclid(86_400);
        match &mut self.day {
            Some((d, n)) if *d == day => *n += 1,
            pending => {
                if let Some((d, n)) = pending.replace((day, 1)) {
                    *summary.by_day.entry(d).or_default() += n;
                }
            }
        }
        if is_share_operation(row.action) {
            if let Some(a) = actor {
                *summary.share_operations_by_hour.entry((a, t.hour())).or_default() += 1;
            }
        }
        self.users.add(UserUpdate {
            user: row.user,
            caller: row.calling_user.filter(|c| Some(*c) != row.user),
            at: t,
            action: row.action,
        });
        if is_role_privilege_change(row.action) {
            if let Some(role) = row.object {
                let c = summary.role_changes.entry(role).or_default();
                c.count += 1;
                if c.last.is_none_or(|l| t > l) {
                    c.last = Some(t);
                }
                if let Some(a) = actor {
                    c.users.insert(a);
                }
            }
        }
    }

    /// The share operations per caller and hour counted so far, which are taken out of the tally (they are
    /// many: the parts of a log read apart are added up as they come).
    pub fn take_share_operations_by_hour(&mut self) -> FxHashMap<(Guid, i64), u32> {
        std::mem::take(&mut self.summary.share_operations_by_hour)
    }

    pub fn finish(self) -> AuditSummary {
        let mut summary = self.summary;
        summary.by_user = self.users.finish();
        for (action, stats) in self.actions.into_iter().enumerate() {
            if stats.count > 0 {
                summary.by_action.insert(action as i64, stats);
            }
        }
        summary.by_table.extend(self.tables);
        if let Some((day, n)) = self.day {
            *summary.by_day.entry(day).or_default() += n;
        }
        summary
    }
}

/// What a row adds to the activity of its user and its caller.
#[derive(Clone, Copy, Debug)]
struct UserUpdate {
    user: Option<Guid>,
    /// The impersonating caller, when it is not the user.
    caller: Option<Guid>,
    at: Timestamp,
    action: i64,
}

/// How many rows a user's slot is fetched ahead of its update.
const AHEAD: usize = 8;

/// `by_user` while rows are added: each row's users are fetched from memory when it comes in, and updated
/// [`AHEAD`] rows later, while the rows between are read (see [`IdMap`]).
#[derive(Debug, Default)]
struct UserTally {
    users: IdMap<Activity>,
    /// The updates whose slots are being fetched, oldest first.
    pending: [Option<UserUpdate>; AHEAD],
    next: usize,
}

/// [`UserActivity`] with `i64::MIN` for no last activity (a slot of 64 bytes with its key).
#[derive(Clone, Copy, Debug)]
struct Activity {
    rows: u64,
    last_activity: i64,
    web_access: u64,
    web_service_access: u64,
    share_operations: u64,
}

impl Default for Activity {
    fn default() -> Self {
        Activity {
            rows: 0,
            last_activity: i64::MIN,
            web_access: 0,
            web_service_access: 0,
            share_operations: 0,
        }
    }
}

impl UserTally {
    fn add(&mut self, update: UserUpdate) {
        for g in [update.user, update.caller].into_iter().flatten() {
            self.users.prefetch(g);
        }
        let slot = self.pending.get_mut(self.next % AHEAD);
        if let Some(done) = slot.and_then(|s| s.replace(update)) {
            self.apply(done);
        }
        self.next = self.next.wrapping_add(1);
    }

    fn slot(&mut self, user: Guid) -> &mut Activity {
        self.users.entry(user, Activity::default)
    }

    fn apply(&mut self, u: UserUpdate) {
        let t = u.at.0;
        if let Some(user) = u.user {
            let a = self.slot(user);
            a.rows += 1;
            a.last_activity = a.last_activity.max(t);
            match u.action {
                64 => a.web_access += 1,
                65 => a.web_service_access += 1,
                _ => {}
            }
        }
        if let Some(caller) = u.caller {
            let a = self.slot(caller);
            a.last_activity = a.last_activity.max(t);
        }
        // The actor of an operation: the impersonating caller when set, else the user.
        if is_share_operation(u.action) {
            if let Some(actor) = u.caller.or(u.user) {
                self.slot(actor).share_operations += 1;
            }
        }
    }

    fn finish(mut self) -> FxHashMap<Guid, UserActivity> {
        for i in 0..AHEAD {
            let at = self.next.wrapping_add(i) % AHEAD;
            if let Some(u) = self.pending.get_mut(at).and_then(Option::take) {
                self.apply(u);
            }
        }
        self.users
            .into_entries()
            .map(|(user, s)| {
                let activity = UserActivity {
                    rows: s.rows,
                    last_activity: (s.last_activity != i64::MIN).then_some(Timestamp(s.last_activity)),
                    web_access: s.web_access,
                    web_service_access: s.web_service_access,
                    share_operations: s.share_operations,
                };
                (user, activity)
            })
            .collect()
    }
}

impl AuditSummary {
    /// Merges the summary of another part of the log (parallel reading).
    pub fn merge(&mut self, other: AuditSummary) {
        self.present |= other.present;
        self.rows += other.rows;
        if let Some(f) = other.first {
            widen(&mut self.first, &mut self.last, f);
        }
        if let Some(l) = other.last {
            widen(&mut self.first, &mut self.last, l);
        }
        for (action, s) in other.by_action {
            let mine = self.by_action.entry(action).or_default();
            mine.count += s.count;
            if let Some(f) = s.first {
                widen(&mut mine.first, &mut mine.last, f);
            }
            if let Some(l) = s.last {
                widen(&mut mine.first, &mut mine.last, l);
            }
            mine.users.extend(s.users);
        }
        for (table, n) in other.by_table {
            *self.by_table.entry(table).or_default() += n;
        }
        for (day, n) in other.by_day {
            *self.by_day.entry(day).or_default() += n;
        }
        for (user, a) in other.by_user {
            let mine = self.by_user.entry(user).or_default();
            mine.rows += a.rows;
            mine.web_access += a.web_access;
            mine.web_service_access += a.web_service_access;
            mine.share_operations += a.share_operations;
            mine.last_activity = mine.last_activity.max(a.last_activity);
        }
        for (key, n) in other.share_operations_by_hour {
            *self.share_operations_by_hour.entry(key).or_default() += n;
        }
        for (role, c) in other.role_changes {
            let mine = self.role_changes.entry(role).or_default();
            mine.count += c.count;
            mine.last = mine.last.max(c.last);
            mine.users.extend(c.users);
        }
        self.unknown_action_rows += other.unknown_action_rows;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: i64, action: i64, user: u128) -> AuditRow<'static> {
        AuditRow {
            created_on: Timestamp(t),
            action,
            table: Some("account"),
            object: Some(Guid(7)),
            user: Some(Guid(user)),
            calling_user: None,
        }
    }

    #[test]
    fn aggregates_and_merges_to_the_same_summary() {
        let rows = [
            row(10, 64, 1),
            row(20, 2, 1),
            row(3600, 14, 2),
            row(3700, 14, 2),
            row(50, 57, 1),
            row(60, 999, 3),
            row(2 * 86_400 + 5, 2, 1),
            row(70, 1, 3),
        ];
        let tally = |rows: &[AuditRow]| {
            let mut t = AuditTally::default();
            rows.iter().for_each(|r| t.add(r));
            t.finish()
        };
        let whole = tally(&rows);
        let mut a = tally(&rows[..3]);
        a.merge(tally(&rows[3..]));
        assert_eq!(whole.rows, 8);
        assert_eq!(whole.unknown_action_rows, 1);
        assert_eq!(whole.by_user[&Guid(1)].web_access, 1);
        assert_eq!(whole.share_operations_by_hour[&(Guid(2), 1)], 2);
        assert_eq!(whole.role_changes[&Guid(7)].users.len(), 1);
        assert_eq!(
            (whole.first, whole.last),
            (Some(Timestamp(10)), Some(Timestamp(2 * 86_400 + 5)))
        );
        assert_eq!(a.rows, whole.rows);
        assert_eq!(a.by_action, whole.by_action);
        assert_eq!(a.by_user, whole.by_user);
        assert_eq!(a.by_table, whole.by_table);
        assert_eq!(a.share_operations_by_hour, whole.share_operations_by_hour);
        assert_eq!(a.by_day, whole.by_day);
        assert_eq!(whole.by_day, BTreeMap::from([(0, 7), (2, 1)]));
        assert_eq!(whole.by_action[&999].count, 1);
        assert_eq!(a.role_changes, whole.role_changes);
    }

    #[test]
    fn user_activity_matches_a_map_through_growth_and_pending_rows() {
        // Users past several doublings of the table, sequential and spread ids, callers and share operations.
        let mut naive: FxHashMap<Guid, UserActivity> = FxHashMap::default();
        let mut t = AuditTally::default();
        for i in 0..20_000u128 {
            let user = if i % 3 == 0 {
                i % 2_900
            } else {
                (i % 1_700).wrapping_mul(0x9E37_79B9_7F4A_7C15_u128 << 40)
            };
            let caller = (i % 7 == 0).then_some(user ^ 1).or((i % 11 == 0).then_some(user));
            let action = [64, 65, 14, 48, 2][(i % 5) as usize];
            let at = ((i * 7_919) % 100_000) as i64;
            t.add(&AuditRow {
                created_on: Timestamp(at),
                action,
                table: None,
                object: None,
                user: Some(Guid(user)),
                calling_user: caller.map(Guid),
            });
            let a = naive.entry(Guid(user)).or_default();
            a.rows += 1;
            a.last_activity = a.last_activity.max(Some(Timestamp(at)));
            a.web_access += u64::from(action == 64);
            a.web_service_access += u64::from(action == 65);
            if let Some(c) = caller.filter(|&c| c != user) {
                let c = naive.entry(Guid(c)).or_default();
                c.last_activity = c.last_activity.max(Some(Timestamp(at)));
            }
            if is_share_operation(action) {
                naive.entry(Guid(caller.unwrap_or(user))).or_default().share_operations += 1;
            }
        }
        let summary = t.finish();
        assert!(naive.len() > 4_000, "{}", naive.len());
        assert_eq!(summary.by_user, naive);
    }
}
