//! `service-user-modified`: the Customer Insights - Journeys service users must stay as the product set them
//! up: "D365 Marketing" with all its roles and enabled, every deployed service user enabled.

use serde_json::json;

use super::data::{journeys, matches};
use super::{journeys_present, Context, Findings, Outcome, NO_JOURNEYS};
use crate::finding::{Confidence, Severity, Subject, SubjectKind};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let t = cx.tenant;
    if !journeys_present(t) {
        return Outcome::NotApplicable(NO_JOURNEYS.into());
    }
    let j = journeys();
    match t.users.iter().position(|u| u.full_name.as_deref().is_some_and(|n| matches(n, &j.marketing_user))) {
        None => {
            let f = out.add(
                Subject::new(SubjectKind::User, "d365-marketing", "D365 Marketing"),
                "The \"D365 Marketing\" application user is missing: Customer Insights - Journeys runs its background work as this user.",
                json!({ "problem": "missing" }),
            );
            f.severity = Severity::Critical;
        }
        Some(u) => {
            let user = &t.users[u];
            // Roles it holds (directly; an application user gets roles directly, but teams count too).
            let mut held: Vec<String> = t.user_roles.iter().filter(|(x, _)| *x == user.id).filter_map(|(_, r)| t.role(*r)).map(|r| r.name.clone()).collect();
            held.extend(cx.roles_of(u).into_iter().map(|h| h.role.name.clone()));
            let missing: Vec<&str> = j
                .required_roles
                .iter()
                .filter(|aliases| !held.iter().any(|h| matches(h, aliases)))
                .map(|aliases| aliases[0].as_str())
                .collect();
            let disabled = !t.is_enabled(user);
            if disabled || !missing.is_empty() {
                let mut problems = Vec::new();
                if disabled {
                    problems.push("is disabled".to_string());
                }
                if !missing.is_empty() {
                    problems.push(format!("lacks the role{} {}", if missing.len() == 1 { "" } else { "s" }, missing.join("; ")));
                }
                let f = out.add(
                    cx.user_subject(u),
                    format!("The \"D365 Marketing\" application user {}: Customer Insights - Journeys features that run as it will fail.", problems.join(" and ")),
                    json!({ "problem": if disabled { "disabled" } else { "roles" }, "enabled": !disabled, "missing_roles": missing }),
                );
                f.severity = Severity::Critical;
            }
        }
    }
    let present: Vec<_> = j
        .service_users
        .iter()
        .map(|s| (s, s.application_id().and_then(|a| t.users.iter().position(|u| u.application_id == Some(a)))))
        .collect();
    let any_present = present.iter().any(|(_, u)| u.is_some());
    for (service, user) in &present {
        match user {
            Some(u) if !t.is_enabled(&t.users[*u]) => {
                let f = out.add(
                    cx.user_subject(*u),
                    format!("Journeys service user {} is disabled: the feature it serves stops working.", service.name),
                    json!({ "service_user": service.name, "application_id": service.application_id, "problem": "disabled" }),
                );
                f.severity = Severity::Critical;
            }
            None if any_present => {
                let f = out.add(
                    Subject::new(SubjectKind::User, service.application_id.to_ascii_lowercase(), service.name.clone()),
                    format!(
                        "Journeys service user {} (application id {}) is missing while other service users are present: it may have been deleted, or its feature is not deployed yet.",
                        service.name, service.application_id
                    ),
                    json!({ "service_user": service.name, "application_id": service.application_id, "problem": "missing" }),
                );
                f.severity = Severity::Medium;
                f.confidence = Confidence::Medium;
            }
            _ => {}
        }
    }
    Outcome::Evaluated
}
