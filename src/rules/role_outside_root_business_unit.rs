//! `role-outside-root-business-unit`: a custom role created directly in a child business unit, outside the
//! root unit where roles are meant to be defined and copied down from.

use serde_json::json;

use super::{Context, Findings, Outcome};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let t = cx.tenant;
    let Some(root_bu) = cx.engine.tree.root.map(|i| cx.engine.tree.ids[i]) else { return Outcome::Evaluated };
    for role in cx.root_roles() {
        if role.managed || role.business_unit == root_bu {
            continue;
        }
        let bu = t.business_unit(role.business_unit).map_or_else(|| role.business_unit.to_string(), |b| b.name.clone());
        let copies = cx.copies_of(role);
        out.add(
            cx.role_subject(role),
            format!("Custom role {} was created in business unit {bu}, not in the root business unit: it exists only there and below, and is easy to miss when roles are reviewed.", role.name),
            json!({
                "business_unit": { "id": role.business_unit, "name": bu },
                "root_business_unit": root_bu,
                "copies": copies.len(),
            }),
        );
    }
    Outcome::Evaluated
}
