//! "Who can do this?": `access --privilege`, `--table [--right]`, `--role`, `--team`, with `--min-depth`.

use proptest::prelude::*;

use crate::common::dvposture;

fn sample() -> String {
    crate::common::sample_dir().display().to_string()
}

fn json(args: &[&str]) -> serde_json::Value {
    let dir = sample();
    let mut all = vec!["access", dir.as_str()];
    all.extend_from_slice(args);
    all.push("--json");
    let r = dvposture(&all);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

fn names(v: &serde_json::Value) -> Vec<String> {
    v["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["user"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn who_holds_a_privilege_broadest_first_with_team_only_holders() {
    let v = json(&["--privilege", "prvDeleteAccount", "--min-depth", "Global"]);
    let holders = names(&v);
    assert!(
        holders.contains(&"marek.dvorak@contoso.com".to_string()),
        "through a team only: {holders:?}"
    );
    assert!(
        !holders.contains(&"marcus.webb@contoso.com".to_string()),
        "a disabled user is never listed"
    );
    assert!(v["only_through_teams"].as_u64().unwrap() >= 1);
    assert_eq!(v["users"].as_u64().unwrap() as usize, holders.len());
    let marek = v["holders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["user"]["name"] == "marek.dvorak@contoso.com")
        .unwrap();
    assert_eq!(marek["via"][0], "team:CRM Platform Admins>role:System Administrator");
    // Broadest first: depths never increase down the list.
    let all = json(&["--privilege", "prvReadAccount"]);
    let depths: Vec<u8> = all["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| match h["depth"].as_str().unwrap() {
            "Global" => 4,
            "Deep" => 3,
            "Local" => 2,
            _ => 1,
        })
        .collect();
    assert!(depths.windows(2).all(|w| w[0] >= w[1]), "{depths:?}");
    assert!(all["users"].as_u64().unwrap() > v["users"].as_u64().unwrap());
}

#[test]
fn depth_filters_accept_both_spellings() {
    for (a, b) in [
        ("Global", "Organization"),
        ("Deep", "Parent: Child Business Units"),
        ("Local", "business unit"),
        ("Basic", "User"),
    ] {
        assert_eq!(
            json(&["--table", "account", "--right", "Read", "--min-depth", a])["holders"],
            json(&["--table", "account", "--right", "Read", "--min-depth", b])["holders"],
            "{a} vs {b}"
        );
    }
    let global = json(&["--table", "account", "--right", "Read", "--min-depth", "Global"]);
    assert!(global["holders"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["depth"] == "Global"));
    let local = json(&["--table", "account", "--right", "Read", "--min-depth", "Local"]);
    assert!(local["holders"].as_array().unwrap().len() > global["holders"].as_array().unwrap().len());
}

#[test]
fn a_table_question_lists_every_right_unless_one_is_asked() {
    let any = json(&["--table", "account", "--min-depth", "Global"]);
    let rights: std::collections::BTreeSet<&str> = any["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["right"].as_str().unwrap())
        .collect();
    assert!(rights.len() > 1, "{rights:?}");
    let share = json(&["--table", "account", "--right", "share"]);
    assert!(share["holders"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["privilege"] == "prvShareAccount"));
}

#[test]
fn who_holds_a_role_through_copies_and_teams() {
    let v = json(&["--role", "System Administrator"]);
    assert_eq!(v["role"]["name"], "System Administrator");
    assert!(
        v["copies"].as_array().unwrap().len() >= 5,
        "copied into every child business unit"
    );
    let holders = v["holders"].as_array().unwrap();
    let ingrid = holders
        .iter()
        .find(|h| h["user"]["name"] == "ingrid.solberg@contoso.com")
        .unwrap();
    assert_eq!(
        ingrid["business_unit"]["name"], "Sales EMEA",
        "held through the copy in a child business unit"
    );
    assert!(holders
        .iter()
        .any(|h| h["user"]["name"] == "marek.dvorak@contoso.com" && h["via"] == "team CRM Platform Admins"));
    assert!(
        !holders.iter().any(|h| h["user"]["name"] == "marcus.webb@contoso.com"),
        "disabled users are not holders"
    );
    assert!(v["privileges"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["depth"] == "Global"));
    // The id of a copy answers for its root.
    let roles: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{}/roles.json", sample())).unwrap()).unwrap();
    let copy = roles["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "System Administrator" && r["roleid"] != r["_parentrootroleid_value"])
        .unwrap();
    let by_copy = json(&["--role", copy["roleid"].as_str().unwrap()]);
    assert_eq!(by_copy["role"]["id"], v["role"]["id"]);
    assert_eq!(by_copy["holders"], v["holders"]);
}

#[test]
fn who_is_in_a_team_and_what_it_grants() {
    let v = json(&["--team", "CRM Platform Admins"]);
    let members: Vec<&str> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(members.contains(&"marek.dvorak@contoso.com"));
    assert!(!v["privileges"].as_array().unwrap().is_empty());
    let teams: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{}/teams.json", sample())).unwrap()).unwrap();
    let access_team = teams["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["teamtype"] == 1)
        .unwrap()["name"]
        .as_str()
        .unwrap()
        .to_string();
    let a = json(&["--team", &access_team]);
    assert!(
        a["privileges"].as_array().unwrap().is_empty(),
        "an access team grants no privilege"
    );
    assert!(a["notes"][0].as_str().unwrap().contains("access team carries no roles"));
}

#[test]
fn unknown_names_exit_2_with_the_closest_candidates() {
    for (flag, query, expect) in [
        ("--privilege", "prvDeleteAcount", "prvDeleteAccount"),
        ("--role", "System Adminstrator", "System Administrator"),
        ("--team", "CRM Platform Admin", "CRM Platform Admins"),
        ("--table", "acount", "account"),
    ] {
        let r = dvposture(&["access", &sample(), flag, query]);
        assert_eq!(r.code, 2, "{flag} {query}");
        assert!(r.stderr.contains(expect), "{flag} {query}: {}", r.stderr);
    }
    let r = dvposture(&[
        "access",
        &sample(),
        "--privilege",
        "prvReadAccount",
        "--min-depth",
        "Everywhere",
    ]);
    assert_eq!(r.code, 2);
    let r = dvposture(&["access", &sample()]);
    assert_eq!(r.code, 2, "a question is required");
}

fn who_holds_all(t: &crate::tenant::Tenant) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    t.write(dir.path());
    let export = dvposture::ingest::load(dir.path(), &Default::default()).unwrap();
    let engine = dvposture::access::Engine::build(&export.tenant);
    let mut rows = Vec::new();
    for p in 0..export.tenant.privileges.len() as u32 {
        let w = engine.who_holds(String::new(), &[p], dvposture::model::Depth::Basic);
        for h in w.holders {
            let id = export
                .tenant
                .users
                .iter()
                .find(|u| u.display_name() == h.user.name)
                .unwrap()
                .id
                .to_string();
            rows.push(vec![
                id,
                h.privilege,
                h.depth.name().to_string(),
                h.business_units.join(";"),
                h.via.join(";"),
            ]);
        }
    }
    rows.sort();
    rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// `--privilege` agrees with effective-access.csv: the same users at the same depths, reach and paths, for
    /// every privilege.
    #[test]
    fn who_holds_agrees_with_effective_access(seed in any::<u64>()) {
        let t = crate::access::random_tenant(seed);
        let mut csv: Vec<Vec<String>> = t
            .effective_access()
            .into_iter()
            .map(|r| {
                let via = r[7].strip_prefix('\'').unwrap_or(&r[7]).to_string();
                vec![r[0].clone(), r[4].clone(), r[5].clone(), r[6].clone(), via]
            })
            .collect();
        csv.sort();
        prop_assert_eq!(who_holds_all(&t), csv, "seed {}", seed);
    }
}
