//! `ci-api-key-not-rotated`: a Customer Insights API key older than the rotation period. Key values are never
//! in the export and never printed: only their creation dates are read.

use serde_json::json;

use super::{Context, Findings, Outcome};
use crate::finding::{Subject, SubjectKind};
use crate::time::{Date, Timestamp};

fn parse_day(text: &str) -> Option<Date> {
    Date::parse(text).or_else(|| Timestamp::parse(text).map(Timestamp::date))
}

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let Some(ci) = &cx.tenant.customer_insights else { return Outcome::NotEvaluated("the export has no customerinsights.json".into()) };
    let Some(api) = ci.api.as_ref() else { return Outcome::NotEvaluated("customerinsights.json has no `api` section".into()) };
    if !api.enabled {
        return Outcome::NotApplicable("the Customer Insights API is not enabled".into());
    }
    let max_age = cx.threshold_u64("max_key_age_days") as i64;
    let today = cx.shared.as_of.to_days();
    let mut unknown = Vec::new();
    for (key, created) in [("primary", &api.primary_key_created_on), ("secondary", &api.secondary_key_created_on)] {
        let Some(text) = created else { continue };
        let Some(day) = parse_day(text) else {
            unknown.push(key);
            continue;
        };
        let age = today - day.to_days();
        if age > max_age {
            let f = out.add(
                Subject::new(SubjectKind::CiObject, format!("api.{key}Key"), format!("{key} API key")),
                format!("The Customer Insights {key} API key was created on {day}, {age} days before {}: rotate it (the limit is {max_age} days).", cx.shared.as_of),
                json!({ "key": key, "created_on": day, "age_days": age, "max_key_age_days": max_age, "as_of": cx.shared.as_of }),
            );
            f.discriminator = key.to_string();
        }
    }
    if !unknown.is_empty() && out.is_empty() && unknown.len() == 2 {
        return Outcome::NotEvaluated("the API key creation dates in customerinsights.json are not dates (YYYY-MM-DD)".into());
    }
    Outcome::Evaluated
}
