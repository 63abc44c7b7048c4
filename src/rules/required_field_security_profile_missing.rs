//! `required-field-security-profile-missing`: a field security profile Customer Insights - Journeys needs to
//! protect its secrets (mobile app and SMS channel credentials) is missing.

use serde_json::json;

use super::data::{journeys, matches};
use super::{journeys_present, Context, Findings, Outcome, NO_JOURNEYS};
use crate::finding::{Subject, SubjectKind};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let t = cx.tenant;
    if !journeys_present(t) {
        return Outcome::NotApplicable(NO_JOURNEYS.into());
    }
    for aliases in &journeys().field_security_profiles {
        if t.field_security_profiles.iter().any(|p| matches(&p.name, aliases)) {
            continue;
        }
        out.add(
            Subject::new(SubjectKind::FieldSecurityProfile, aliases[0].clone(), aliases[0].clone()),
            format!("Field security profile \"{}\" is missing: the secrets it protects are readable by anyone who can read the table.", aliases[0]),
            json!({ "profile": aliases[0] }),
        );
    }
    Outcome::Evaluated
}
