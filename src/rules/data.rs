//! Known service data (RULES.md, from seed 001): the Journeys service users, roles, tables and field security
//! profiles, shipped as `rules/data/journeys.toml`, not written into the rules.

use serde::Deserialize;

use crate::id::Guid;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journeys {
    pub marketing_user: Vec<String>,
    pub presence_roles: Vec<Vec<String>>,
    pub required_roles: Vec<Vec<String>>,
    pub internal_only_roles: Vec<Vec<String>>,
    pub lead_score_roles: Vec<Vec<String>>,
    pub core_marketing_roles: Vec<Vec<String>>,
    pub sales_roles: Vec<Vec<String>>,
    pub website_tables: Vec<String>,
    pub dynamic_content_tables: Vec<String>,
    pub field_security_profiles: Vec<Vec<String>>,
    pub service_users: Vec<ServiceUser>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceUser {
    pub name: String,
    pub application_id: String,
}

impl ServiceUser {
    pub fn application_id(&self) -> Option<Guid> {
        Guid::parse(&self.application_id).ok().flatten()
    }
}

/// Names match case-insensitively, ignoring spaces and a leading `# ` (application users' names start with `#`).
pub fn normalize_name(name: &str) -> String {
    let n = name.trim();
    let n = n.strip_prefix('#').unwrap_or(n);
    n.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// True when `name` is one of the aliases.
pub fn matches(name: &str, aliases: &[String]) -> bool {
    let n = normalize_name(name);
    aliases.iter().any(|a| normalize_name(a) == n)
}

pub fn journeys() -> &'static Journeys {
    static DATA: std::sync::OnceLock<Journeys> = std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/rules/data/journeys.toml"
        )))
        .unwrap_or_else(|e| panic!("rules/data/journeys.toml is malformed: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_ignoring_case_spaces_and_the_hash() {
        assert!(matches("# D365 Marketing", &["D365 Marketing".to_string()]));
        assert!(matches(
            "EventManagement S2S Inbound",
            &["EventManagement S2SInbound".to_string()]
        ));
        assert!(!matches("Marketing", &["D365 Marketing".to_string()]));
    }
}
