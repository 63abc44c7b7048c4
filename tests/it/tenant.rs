//! A tiny tenant described in code and written as a Web API export, for the access tests.

use std::fmt::Write as _;
use std::path::Path;

pub const SYSADMIN_TEMPLATE: &str = "627090ff-40a3-4053-8790-584edc5be201";

#[derive(Clone, Debug, Default)]
pub struct Bu {
    pub parent: Option<usize>,
    pub disabled: bool,
}

#[derive(Clone, Debug)]
pub struct User {
    pub name: String,
    pub bu: usize,
    pub disabled: bool,
    pub azure_state: i64,
    pub access_mode: i64,
    pub roles: Vec<usize>,
    pub manager: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Team {
    pub name: String,
    pub team_type: i64,
    pub bu: usize,
    pub is_default: bool,
    pub members: Vec<usize>,
    pub roles: Vec<usize>,
}

/// A role row: a root role (`root == None`) or a copy of one, in a business unit.
#[derive(Clone, Debug)]
pub struct Role {
    pub name: String,
    pub bu: usize,
    pub root: Option<usize>,
    pub inherited: bool,
    pub template: Option<&'static str>,
    /// (privilege, depth mask) of a root role.
    pub privileges: Vec<(usize, u32)>,
}

#[derive(Clone, Debug)]
pub struct Privilege {
    pub name: &'static str,
    pub access_right: u32,
    pub tables: &'static [&'static str],
}

#[derive(Clone, Debug)]
pub struct Share {
    pub object: u32,
    pub table: &'static str,
    /// (is team, index)
    pub principal: (bool, usize),
    pub rights: u32,
    pub inherited: u32,
}

#[derive(Clone, Debug, Default)]
pub struct Tenant {
    pub bus: Vec<Bu>,
    pub users: Vec<User>,
    pub teams: Vec<Team>,
    pub roles: Vec<Role>,
    pub privileges: Vec<Privilege>,
    pub shares: Vec<Share>,
    pub modernized: bool,
    pub hierarchy: bool,
}

pub fn catalog() -> Vec<Privilege> {
    vec![
        Privilege {
            name: "prvReadAccount",
            access_right: 1,
            tables: &["account"],
        },
        Privilege {
            name: "prvWriteAccount",
            access_right: 2,
            tables: &["account"],
        },
        Privilege {
            name: "prvDeleteAccount",
            access_right: 65536,
            tables: &["account"],
        },
        Privilege {
            name: "prvShareAccount",
            access_right: 262144,
            tables: &["account"],
        },
        Privilege {
            name: "prvReadActivity",
            access_right: 1,
            tables: &["activitypointer", "email"],
        },
        Privilege {
            name: "prvWriteRole",
            access_right: 2,
            tables: &["role"],
        },
        Privilege {
            name: "prvActOnBehalfOfAnotherUser",
            access_right: 0,
            tables: &[],
        },
        Privilege {
            name: "prvBulkDelete",
            access_right: 0,
            tables: &[],
        },
    ]
}

pub fn bu_id(i: usize) -> String {
    format!("a0000000-0000-0000-0000-{:012x}", i + 1)
}
pub fn user_id(i: usize) -> String {
    format!("b0000000-0000-0000-0000-{:012x}", i + 1)
}
pub fn team_id(i: usize) -> String {
    format!("d0000000-0000-0000-0000-{:012x}", i + 1)
}
pub fn role_id(i: usize) -> String {
    format!("c0000000-0000-0000-0000-{:012x}", i + 1)
}
pub fn privilege_id(i: usize) -> String {
    format!("e0000000-0000-0000-0000-{:012x}", i + 1)
}

fn s(v: &str) -> String {
    serde_json::to_string(v).unwrap()
}

fn opt(v: Option<String>) -> String {
    v.map_or("null".to_string(), |x| s(&x))
}

fn odata(rows: Vec<String>) -> String {
    format!(
        "{{\"@odata.context\":\"https://t.crm.dynamics.com/api/data/v9.2/$metadata#x\",\"value\":[\n{}\n]}}",
        rows.join(",\n")
    )
}

impl Tenant {
    /// The root role a role has its privileges from.
    pub fn root_of(&self, role: usize) -> usize {
        self.roles[role].root.unwrap_or(role)
    }

    pub fn write(&self, dir: &Path) {
        let w = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
        let settings = if self.modernized {
            "<OrgSettings><EnableOwnershipAcrossBusinessUnits>true</EnableOwnershipAcrossBusinessUnits></OrgSettings>"
        } else {
            "<OrgSettings></OrgSettings>"
        };
        w(
            "organizations.json",
            odata(vec![format!(
                r#"{{"organizationid":"f0000000-0000-0000-0000-000000000001","name":"test","isauditenabled":true,"ishierarchicalsecuritymodelenabled":{},"maxdepthforhierarchicalsecuritymodel":2,"usepositionhierarchy":false,"orgdborgsettings":{}}}"#,
                self.hierarchy,
                s(settings)
            )]),
        );
        w(
            "businessunits.json",
            odata(
                self.bus
                    .iter()
                    .enumerate()
                    .map(|(i, b)| format!(r#"{{"businessunitid":"{}","name":"BU {i}","_parentbusinessunitid_value":{},"isdisabled":{}}}"#, bu_id(i), opt(b.parent.map(bu_id)), b.disabled))
                    .collect(),
            ),
        );
        w(
            "systemusers.json",
            odata(
                self.users
                    .iter()
                    .enumerate()
                    .map(|(i, u)| {
                        format!(
                            r#"{{"systemuserid":"{}","fullname":{},"domainname":{},"isdisabled":{},"azurestate":{},"accessmode":{},"_businessunitid_value":"{}","_parentsystemuserid_value":{}}}"#,
                            user_id(i),
                            s(&u.name),
                            s(&format!("user{i}@contoso.com")),
                            u.disabled,
                            u.azure_state,
                            u.access_mode,
                            bu_id(u.bu),
                            opt(u.manager.map(user_id))
                        )
                    })
                    .collect(),
            ),
        );
        w(
            "teams.json",
            odata(
                self.teams
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        format!(
                            r#"{{"teamid":"{}","name":{},"teamtype":{},"isdefault":{},"_businessunitid_value":"{}"}}"#,
                            team_id(i),
                            s(&t.name),
                            t.team_type,
                            t.is_default,
                            bu_id(t.bu)
                        )
                    })
                    .collect(),
            ),
        );
        let mut members = String::from("teamid,systemuserid\n");
        for (i, t) in self.teams.iter().enumerate() {
            for &m in &t.members {
                let _ = writeln!(members, "{},{}", team_id(i), user_id(m));
            }
        }
        w("teammemberships.csv", members);
        w(
            "roles.json",
            odata(
                self.roles
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let root = self.root_of(i);
                        format!(
                            r#"{{"roleid":"{}","name":{},"_businessunitid_value":"{}","_parentrootroleid_value":"{}","_roletemplateid_value":{},"ismanaged":true,"isinherited":{}}}"#,
                            role_id(i),
                            s(&r.name),
                            bu_id(r.bu),
                            role_id(root),
                            opt(self.roles[root].template.map(str::to_string)),
                            u8::from(self.roles[root].inherited)
                        )
                    })
                    .collect(),
            ),
        );
        w(
            "privileges.json",
            odata(
                self.privileges
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        format!(
                            r#"{{"privilegeid":"{}","name":"{}","accessright":{}}}"#,
                            privilege_id(i),
                            p.name,
                            p.access_right
                        )
                    })
                    .collect(),
            ),
        );
        let mut ptc = Vec::new();
        for (i, p) in self.privileges.iter().enumerate() {
            for t in p.tables {
                ptc.push(format!(
                    r#"{{"_privilegeid_value":"{}","objecttypecode":"{t}"}}"#,
                    privilege_id(i)
                ));
            }
        }
        w("privilegeobjecttypecodesset.json", odata(ptc));
        let mut rp = Vec::new();
        for (i, r) in self.roles.iter().enumerate() {
            for &(p, mask) in &r.privileges {
                rp.push(format!(
                    r#"{{"roleid":"{}","privilegeid":"{}","privilegedepthmask":{mask}}}"#,
                    role_id(i),
                    privilege_id(p)
                ));
            }
        }
        w("roleprivilegescollection.json", odata(rp));
        let mut ur = Vec::new();
        for (i, u) in self.users.iter().enumerate() {
            for &r in &u.roles {
                ur.push(format!(
                    r#"{{"systemuserid":"{}","roleid":"{}"}}"#,
                    user_id(i),
                    role_id(r)
                ));
            }
        }
        w("systemuserrolescollection.json", odata(ur));
        let mut tr = Vec::new();
        for (i, t) in self.teams.iter().enumerate() {
            for &r in &t.roles {
                tr.push(format!(r#"{{"teamid":"{}","roleid":"{}"}}"#, team_id(i), role_id(r)));
            }
        }
        w("teamrolescollection.json", odata(tr));
        let shares = self
            .shares
            .iter()
            .map(|sh| {
                let (kind, id) = if sh.principal.0 { ("team", team_id(sh.principal.1)) } else { ("systemuser", user_id(sh.principal.1)) };
                format!(
                    r#"{{"objectid":"90000000-0000-0000-0000-{:012x}","objecttypecode":"{}","principalid":"{id}","principaltypecode":"{kind}","accessrightsmask":{},"inheritedaccessrightsmask":{}}}"#,
                    sh.object, sh.table, sh.rights, sh.inherited
                )
            })
            .collect();
        w("principalobjectaccessset.json", odata(shares));
    }

    /// `effective-access.csv` as dvposture writes it for this tenant, parsed.
    pub fn effective_access(&self) -> Vec<Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        self.write(dir.path());
        let export = dvposture::ingest::load(dir.path(), &Default::default()).unwrap();
        assert!(export.is_usable(), "{:?}", export.fatal);
        for i in &export.inputs {
            assert_eq!(i.skipped, 0, "{}: {:?}", i.table, i.problems);
        }
        let engine = dvposture::access::Engine::build(&export.tenant);
        let mut bytes = Vec::new();
        engine.write_effective_access(&mut bytes).unwrap();
        let mut r = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(bytes.as_slice());
        r.records()
            .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
            .collect()
    }
}
