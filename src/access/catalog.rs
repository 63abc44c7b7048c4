//! What each privilege is about: its right and the tables it covers (INPUT.md, `privileges` and
//! `privilegeobjecttypecodesset`; the privilege's name as a last resort).

use std::collections::{BTreeSet, HashMap};

use crate::ingest::problem::{Problem, ProblemKind};
use crate::model::{Right, Tenant};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivilegeInfo {
    pub name: String,
    /// `None` for a miscellaneous privilege.
    pub right: Option<Right>,
    /// Table logical names, sorted (empty for a miscellaneous privilege).
    pub tables: Vec<String>,
}

impl PrivilegeInfo {
    pub fn is_miscellaneous(&self) -> bool {
        self.right.is_none()
    }

    pub fn covers(&self, table: &str) -> bool {
        self.tables.binary_search_by(|t| t.as_str().cmp(table)).is_ok()
    }
}

/// Rights in the order their names are matched in a privilege name (longest first: `AppendTo` before `Append`).
const NAME_RIGHTS: [(&str, Right); 8] = [
    ("AppendTo", Right::AppendTo),
    ("Append", Right::Append),
    ("Create", Right::Create),
    ("Read", Right::Read),
    ("Write", Right::Write),
    ("Delete", Right::Delete),
    ("Assign", Right::Assign),
    ("Share", Right::Share),
];

/// Miscellaneous privileges whose names start like a table privilege's (used when `accessright` is absent).
const MISCELLANEOUS_LOOKALIKES: [&str; 2] = ["prvDeleteAuditPartitions", "prvDeleteRecordChangeHistory"];

/// `prvReadAccount` -> (Read, "Account").
pub fn split_name(name: &str) -> Option<(Right, &str)> {
    if MISCELLANEOUS_LOOKALIKES.iter().any(|m| m.eq_ignore_ascii_case(name)) {
        return None;
    }
    let rest = name.strip_prefix("prv")?;
    NAME_RIGHTS
        .iter()
        .find_map(|(prefix, right)| rest.strip_prefix(prefix).filter(|t| !t.is_empty()).map(|t| (*right, t)))
}

/// The catalog, indexed like `tenant.privileges`, plus the problems found while building it.
pub fn build(t: &Tenant) -> (Vec<PrivilegeInfo>, Vec<Problem>) {
    let mut explicit: HashMap<_, BTreeSet<String>> = HashMap::new();
    for (pid, table) in &t.privilege_tables {
        explicit.entry(*pid).or_default().insert(table.clone());
    }
    let by_schema: HashMap<String, String> = t
        .entities
        .iter()
        .filter_map(|e| {
            e.schema_name
                .as_ref()
                .map(|s| (s.to_ascii_lowercase(), e.logical_name.clone()))
        })
        .collect();
    let known: BTreeSet<&str> = t.entities.iter().map(|e| e.logical_name.as_str()).collect();
    let activities: Vec<String> = t
        .entities
        .iter()
        .filter(|e| e.is_activity)
        .map(|e| e.logical_name.clone())
        .collect();
    let mut unmatched = Vec::new();
    let catalog = t
        .privileges
        .iter()
        .map(|p| {
            let from_name = split_name(&p.name);
            let right = match p.access_right {
                Some(0) => None,
                Some(mask) => Right::from_mask(mask).or(from_name.map(|(r, _)| r)),
                None => from_name.map(|(r, _)| r),
            };
            let tables: Vec<String> = match (right, explicit.remove(&p.id)) {
                (None, _) => Vec::new(),
                (Some(_), Some(set)) => set.into_iter().collect(),
                (Some(_), None) => match from_name {
                    None => Vec::new(),
                    Some((_, suffix)) => {
                        let lower = suffix.to_ascii_lowercase();
                        if let Some(logical) = by_schema.get(&lower) {
                            vec![logical.clone()]
                        } else if lower == "activity" {
                            // prvReadActivity and its kin cover activitypointer and every activity table.
                            let mut v: Vec<String> = std::iter::once("activitypointer".to_string())
                                .chain(activities.iter().cloned())
                                .collect();
                            v.sort();
                            v.dedup();
                            v
                        } else {
                            if !t.entities.is_empty() && !known.contains(lower.as_str()) {
                                unmatched.push(p.name.clone());
                            }
                            vec![lower]
                        }
                    }
                },
            };
            PrivilegeInfo {
                name: p.name.clone(),
                right,
                tables,
            }
        })
        .collect();
    let mut problems = Vec::new();
    if !unmatched.is_empty() {
        unmatched.sort();
        problems.push(Problem::file_level(
            "privileges",
            ProblemKind::Note,
            format!(
                "{} privilege names end in no table of entitydefinitions; their table was taken from the name as written: {}",
                unmatched.len(),
                unmatched.iter().take(10).cloned().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    (catalog, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_longest_right_first() {
        assert_eq!(split_name("prvAppendToContact"), Some((Right::AppendTo, "Contact")));
        assert_eq!(split_name("prvAppendContact"), Some((Right::Append, "Contact")));
        assert_eq!(split_name("prvReadAccount"), Some((Right::Read, "Account")));
        assert_eq!(split_name("prvActOnBehalfOfAnotherUser"), None);
        assert_eq!(split_name("prvBulkDelete"), None);
        assert_eq!(split_name("prvRead"), None);
    }
}
