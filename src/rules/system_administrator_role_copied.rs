//! `system-administrator-role-copied`: a custom role that grants nearly everything System Administrator
//! grants, at Global: a System Administrator that reviews of "who is System Administrator" miss.

use std::collections::BTreeSet;

use serde_json::json;

use super::{Context, Findings, Outcome};
use crate::model::Depth;

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let Some(sysadmin) = cx.root_roles().find(|r| cx.is_system_administrator(r)) else {
        return Outcome::NotEvaluated("the export has no System Administrator role to compare with".into());
    };
    let reference: BTreeSet<u32> = cx.privileges_of(sysadmin).iter().map(|(p, _)| *p).collect();
    if reference.is_empty() {
        return Outcome::NotEvaluated("the System Administrator role has no privileges in roleprivilegescollection".into());
    }
    let min_share = cx.threshold_f64("min_sysadmin_share");
    for role in cx.root_roles().filter(|r| !r.managed && !cx.is_system_administrator(r)) {
        let global: BTreeSet<u32> = cx.privileges_of(role).iter().filter(|(_, d)| *d == Depth::Global).map(|(p, _)| *p).collect();
        let covered = reference.intersection(&global).count();
        let share = covered as f64 / reference.len() as f64;
        if share >= min_share {
            out.add(
                cx.role_subject(role),
                format!(
                    "Custom role {} grants {covered} of the {} privileges of System Administrator at Global ({:.1}%): its holders are administrators in all but name.",
                    role.name,
                    reference.len(),
                    share * 100.0
                ),
                json!({ "privileges_at_global": covered, "system_administrator_privileges": reference.len(), "share": (share * 1000.0).round() / 1000.0, "min_sysadmin_share": min_share }),
            );
        }
    }
    Outcome::Evaluated
}
