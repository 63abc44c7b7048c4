//! `too-many-business-units`: many enabled business units, or a deep tree, make security hard to reason about.

use serde_json::json;

use super::{id_list, Context, Findings, Outcome};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let t = cx.tenant;
    let max_units = cx.threshold_u64("max_business_units");
    let max_depth = cx.threshold_u64("max_bu_depth");
    let enabled: Vec<_> = t.business_units.iter().filter(|b| !b.disabled).collect();
    let depth = cx.engine.tree.max_depth() as u64;
    if enabled.len() as u64 <= max_units && depth <= max_depth {
        return Outcome::Evaluated;
    }
    let mut users_in = std::collections::HashSet::new();
    for u in &t.users {
        if t.is_enabled(u) {
            users_in.insert(u.business_unit);
        }
    }
    let mut empty: Vec<_> = enabled.iter().filter(|b| !users_in.contains(&b.id)).map(|b| b.id).collect();
    empty.sort();
    let mut reasons = Vec::new();
    if enabled.len() as u64 > max_units {
        reasons.push(format!("{} enabled business units (more than {max_units})", enabled.len()));
    }
    if depth > max_depth {
        reasons.push(format!("a tree {depth} levels deep (more than {max_depth})"));
    }
    out.add(
        cx.environment_subject(),
        format!(
            "The environment has {}; {} enabled business units have no enabled user. Each unit multiplies role copies and Local/Deep reach to review.",
            reasons.join(" and "),
            empty.len()
        ),
        json!({
            "enabled_business_units": enabled.len(),
            "max_business_units": max_units,
            "depth": depth,
            "max_bu_depth": max_depth,
            "business_units_without_enabled_users": id_list(empty),
        }),
    );
    Outcome::Evaluated
}
