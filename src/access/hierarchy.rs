//! Hierarchy security (ACCESS-MODEL.md): the manager chain or the position hierarchy, and what it lets a
//! manager reach. Tables can be excluded from hierarchy security and the export does not say which, so the
//! reach is an upper bound.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::id::PositionId;
use crate::model::Tenant;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HierarchyModel {
    Manager,
    Position,
}

/// A user a manager reaches, and at which level (direct reports are level 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reach {
    pub user: u32,
    pub level: u32,
}

pub struct Hierarchy {
    pub model: HierarchyModel,
    /// Levels of reports a manager reads (`maxdepthforhierarchicalsecuritymodel`; -1 or absent means 3).
    pub max_depth: u32,
    /// Manager model: each user's direct reports (links that count). Position model: each position's child positions.
    below: Vec<Vec<u32>>,
    /// Position model: the users holding each position; the position of each user.
    holders: Vec<Vec<u32>>,
    user_position: Vec<Option<u32>>,
}

impl Hierarchy {
    /// `None` when hierarchy security is off (or the export does not say it is on).
    pub fn build(t: &Tenant) -> Option<Hierarchy> {
        let org = t.organization.as_ref()?;
        if org.hierarchy_enabled != Some(true) {
            return None;
        }
        let max_depth = match org.hierarchy_max_depth {
            Some(d) if d > 0 => d as u32,
            _ => 3,
        };
        if org.use_position_hierarchy == Some(true) {
            let index: HashMap<PositionId, u32> =
                t.positions.iter().enumerate().map(|(i, p)| (p.id, i as u32)).collect();
            let mut below = vec![Vec::new(); t.positions.len()];
            for (i, p) in t.positions.iter().enumerate() {
                if let Some(&parent) = p.parent.and_then(|q| index.get(&q)) {
                    below[parent as usize].push(i as u32);
                }
            }
            let mut holders = vec![Vec::new(); t.positions.len()];
            let user_position: Vec<Option<u32>> = t
                .users
                .iter()
                .map(|u| u.position.and_then(|p| index.get(&p).copied()))
                .collect();
            for (u, p) in user_position.iter().enumerate() {
                if let Some(p) = p {
                    holders[*p as usize].push(u as u32);
                }
            }
            return Some(Hierarchy {
                model: HierarchyModel::Position,
                max_depth,
                below,
                holders,
                user_position,
            });
        }
        let parent_bu = |bu| t.business_unit(bu).and_then(|b| b.parent);
        let mut below = vec![Vec::new(); t.users.len()];
        for (u, user) in t.users.iter().enumerate() {
            let Some(m) = user.manager.and_then(|m| t.index.users.get(&m).copied()) else {
                continue;
            };
            if m == u {
                continue;
            }
            let manager_bu = t.users[m].business_unit;
            let counts = !org.managers_in_same_or_parent_bu
                || manager_bu == user.business_unit
                || Some(manager_bu) == parent_bu(user.business_unit);
            if counts {
                below[m].push(u as u32);
            }
        }
        Some(Hierarchy {
            model: HierarchyModel::Manager,
            max_depth,
            below,
            holders: Vec::new(),
            user_position: Vec::new(),
        })
    }

    /// The users a user reaches through the hierarchy, nearest level first, the user excluded.
    pub fn reach(&self, user: usize) -> Vec<Reach> {
        let mut out = Vec::new();
        match self.model {
            HierarchyModel::Manager => {
                let mut seen = HashSet::from([user as u32]);
                let mut queue = VecDeque::from([(user as u32, 0u32)]);
                while let Some((u, level)) = queue.pop_front() {
                    if level == self.max_depth {
                        continue;
                    }
                    for &r in &self.below[u as usize] {
                        if seen.insert(r) {
                            out.push(Reach {
                                user: r,
                                level: level + 1,
                            });
                            queue.push_back((r, level + 1));
                        }
                    }
                }
            }
            HierarchyModel::Position => {
                let Some(Some(p)) = self.user_position.get(user) else {
                    return out;
                };
                let mut queue = VecDeque::from([(*p, 0u32)]);
                let mut seen_positions = HashSet::from([*p]);
                while let Some((pos, level)) = queue.pop_front() {
                    if level == self.max_depth {
                        continue;
                    }
                    for &c in &self.below[pos as usize] {
                        if !seen_positions.insert(c) {
                            continue;
                        }
                        out.extend(
                            self.holders[c as usize]
                                .iter()
                                .filter(|&&h| h as usize != user)
                                .map(|&h| Reach {
                                    user: h,
                                    level: level + 1,
                                }),
                        );
                        queue.push_back((c, level + 1));
                    }
                }
                out.sort();
                out.dedup_by_key(|r| r.user);
            }
        }
        out
    }

    /// The number of distinct users within the read depth, the manager excluded.
    pub fn span(&self, user: usize) -> usize {
        self.reach(user).len()
    }

    /// Position model: the span of a position (users holding positions below it, within the read depth).
    pub fn position_span(&self, position: usize) -> usize {
        let mut users = Vec::new();
        let mut queue = VecDeque::from([(position as u32, 0u32)]);
        let mut seen = HashSet::from([position as u32]);
        while let Some((pos, level)) = queue.pop_front() {
            if level == self.max_depth {
                continue;
            }
            for &c in &self.below[pos as usize] {
                if seen.insert(c) {
                    users.extend(self.holders[c as usize].iter().copied());
                    queue.push_back((c, level + 1));
                }
            }
        }
        users.sort_unstable();
        users.dedup();
        users.len()
    }
}
