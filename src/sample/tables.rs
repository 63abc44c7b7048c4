//! Writers of every table except the record shares and the audit log.

use std::path::Path;

use anyhow::Result;

use super::model::{
    Member, Tenant, UserKind, K_FIELD_PERM, K_PRIV_OTC, K_RECORD_FILTER, K_ROLE_PRIV, K_TEAM_PROFILE, K_TEAM_ROLE,
    K_USER_PROFILE, K_USER_ROLE,
};
use super::out::{key, push_bool, push_etag, push_guid, push_opt_guid, push_str, push_time, push_u64, PagedJson, Sink};
use super::rng::{hash2, Guid};

/// Rows per page of the ordinary Web API tables (the service's page size).
pub(crate) const PAGE: u64 = 5_000;

type Files = Vec<(String, u64)>;

/// Row version for `@odata.etag`: stable, increasing-looking, different per table.
fn version(tenant: &Tenant, table: u64, row: u64) -> u64 {
    1_000_000 + (hash2(tenant.seed ^ table, row) % 4_000_000)
}

pub(crate) fn write_all(dir: &Path, t: &Tenant) -> Result<Files> {
    let mut files = Vec::new();
    files.extend(organizations(dir, t)?);
    files.extend(environment(dir, t)?);
    files.extend(businessunits(dir, t)?);
    files.extend(systemusers(dir, t)?);
    files.extend(teams(dir, t)?);
    files.extend(teammemberships(dir, t)?);
    files.extend(roles(dir, t)?);
    files.extend(privileges(dir, t)?);
    files.extend(privilegeobjecttypecodes(dir, t)?);
    files.extend(roleprivileges(dir, t)?);
    files.extend(systemuserroles(dir, t)?);
    files.extend(teamroles(dir, t)?);
    files.extend(entitydefinitions(dir, t)?);
    files.extend(fieldsecurityprofiles(dir, t)?);
    files.extend(fieldpermissions(dir, t)?);
    files.extend(userprofiles(dir, t)?);
    files.extend(teamprofiles(dir, t)?);
    files.extend(positions(dir, t)?);
    Ok(files)
}

fn organizations(dir: &Path, t: &Tenant) -> Result<Files> {
    let select = "organizationid,name,isauditenabled,isuseraccessauditenabled,isreadauditenabled,\
auditretentionperiodv2,auditretentionperiod,ishierarchicalsecuritymodelenabled,\
maxdepthforhierarchicalsecuritymodel,usepositionhierarchy,useraccessauditinginterval,orgdborgsettings";
    let mut w = PagedJson::new(dir, &t.host, "organizations", select, "organizationid", PAGE);
    let b = w.row(t.org_id)?;
    b.push(b'{');
    push_etag(b, version(t, 1, 0));
    key(b, "organizationid");
    push_guid(b, t.org_id);
    b.push(b',');
    key(b, "name");
    push_str(b, &t.org_name);
    let flags: &[(&str, bool)] = &[
        ("isauditenabled", true),
        ("isuseraccessauditenabled", true),
        ("isreadauditenabled", false),
    ];
    for (k, v) in flags {
        b.extend_from_slice(b",\"");
        b.extend_from_slice(k.as_bytes());
        b.extend_from_slice(b"@OData.Community.Display.V1.FormattedValue\":");
        push_str(b, if *v { "Yes" } else { "No" });
        b.push(b',');
        key(b, k);
        push_bool(b, *v);
    }
    b.extend_from_slice(
        b",\"auditretentionperiodv2@OData.Community.Display.V1.FormattedValue\":\"90\",\"auditretentionperiodv2\":90\
,\"auditretentionperiod\":30,\"ishierarchicalsecuritymodelenabled\":true,\"maxdepthforhierarchicalsecuritymodel\":3\
,\"usepositionhierarchy\":false,\"useraccessauditinginterval\":4,\"orgdborgsettings\":",
    );
    push_str(
        b,
        "<OrgSettings><IsCommandingModifiedOnEnabled>true</IsCommandingModifiedOnEnabled>\
<EnableOwnershipAcrossBusinessUnits>false</EnableOwnershipAcrossBusinessUnits>\
<CanCreateApplicationStubUser>false</CanCreateApplicationStubUser>\
<AllowRoleAssignmentOnDisabledUsers>false</AllowRoleAssignmentOnDisabledUsers>\
<IsRetentionEnabled>true</IsRetentionEnabled></OrgSettings>",
    );
    b.push(b'}');
    w.finish()
}

fn environment(dir: &Path, t: &Tenant) -> Result<Files> {
    let mut s = Sink::create(&dir.join("environment.json"))?;
    let id = t.env_id.to_text();
    let group = t.ids.make(super::model::K_SECURITY_GROUP, 0).to_text();
    let text = format!(
        r#"{{
    "id": "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{id}",
    "type": "Microsoft.BusinessAppPlatform/scopes/environments",
    "location": "europe",
    "name": "{id}",
    "properties": {{
        "tenantId": "{tenant}",
        "azureRegion": "westeurope",
        "displayName": "Contoso Sales (Production)",
        "createdTime": "2021-03-15T09:12:00.0000000Z",
        "provisioningState": "Succeeded",
        "creationType": "User",
        "environmentSku": "Production",
        "isDefault": false,
        "databaseType": "CommonDataService",
        "linkedEnvironmentMetadata": {{
            "resourceId": "{org}",
            "friendlyName": "Contoso Sales",
            "uniqueName": "{org_name}",
            "domainName": "{org_name}",
            "version": "9.2.26101.00154",
            "instanceUrl": "https://{host}/",
            "instanceApiUrl": "https://{host}/api/data/v9.2",
            "baseLanguage": 1033,
            "instanceState": "Ready",
            "securityGroupId": "{group}",
            "platformSku": "Standard",
            "schemaType": "Standard"
        }},
        "states": {{
            "management": {{"id": "Ready"}},
            "runtime": {{"id": "Enabled"}}
        }},
        "protectionStatus": {{
            "keyManagedBy": "Microsoft"
        }},
        "lockbox": {{
            "enabled": false
        }},
        "governanceConfiguration": {{
            "protectionLevel": "Standard",
            "settings": {{
                "extendedSettings": {{
                    "limitSharingMode": "excludeSharingToSecurityGroups",
                    "solutionCheckerMode": "warn"
                }}
            }}
        }}
    }}
}}
"#,
        tenant = t.ids.make(super::model::K_SECURITY_GROUP, 1).to_text(),
        org = t.org_id.to_text(),
        org_name = t.org_name,
        host = t.host,
    );
    s.buf.extend_from_slice(text.as_bytes());
    s.finish()?;
    Ok(vec![("environment.json".into(), 1)])
}

fn businessunits(dir: &Path, t: &Tenant) -> Result<Files> {
    let select = "businessunitid,name,_parentbusinessunitid_value,isdisabled,createdon";
    let mut w = PagedJson::new(dir, &t.host, "businessunits", select, "businessunitid", PAGE);
    for (i, bu) in t.bus.iter().enumerate() {
        let b = w.row(bu.id)?;
        b.push(b'{');
        push_etag(b, version(t, 2, i as u64));
        key(b, "businessunitid");
        push_guid(b, bu.id);
        b.extend_from_slice(b",\"name\":");
        push_str(b, &bu.name);
        b.extend_from_slice(b",\"_parentbusinessunitid_value\":");
        push_opt_guid(b, bu.parent.map(|p| t.bus[p as usize].id));
        b.extend_from_slice(b",\"isdisabled\":");
        push_bool(b, bu.disabled);
        b.extend_from_slice(b",\"createdon\":");
        push_time(b, bu.created);
        b.extend_from_slice(b",\"_organizationid_value\":");
        push_guid(b, t.org_id);
        b.push(b'}');
    }
    w.finish()
}

fn accessmode_label(m: u8) -> &'static str {
    match m {
        0 => "Read-Write",
        1 => "Administrative",
        2 => "Read",
        3 => "Support User",
        4 => "Non-interactive",
        5 => "Delegated Admin",
        _ => "",
    }
}

fn systemusers(dir: &Path, t: &Tenant) -> Result<Files> {
    let select = "systemuserid,fullname,domainname,internalemailaddress,azureactivedirectoryobjectid,applicationid,\
isdisabled,azurestate,accessmode,islicensed,_businessunitid_value,_parentsystemuserid_value,_positionid_value,createdon";
    let mut w = PagedJson::new(dir, &t.host, "systemusers", select, "systemuserid", PAGE);
    for (i, u) in t.users.iter().enumerate() {
        let b = w.row(u.id)?;
        b.push(b'{');
        push_etag(b, version(t, 3, i as u64));
        key(b, "systemuserid");
        push_guid(b, u.id);
        b.extend_from_slice(b",\"fullname\":");
        push_str(b, &u.fullname);
        b.extend_from_slice(b",\"domainname\":");
        push_str(b, &u.domain);
        b.extend_from_slice(b",\"internalemailaddress\":");
        if u.email.is_empty() {
            b.extend_from_slice(b"null");
        } else {
            push_str(b, &u.email);
        }
        b.extend_from_slice(b",\"azureactivedirectoryobjectid\":");
        push_opt_guid(b, u.aad);
        b.extend_from_slice(b",\"applicationid\":");
        push_opt_guid(b, u.app_id);
        b.extend_from_slice(b",\"isdisabled\":");
        push_bool(b, u.disabled);
        b.extend_from_slice(b",\"azurestate\":");
        push_u64(b, u64::from(u.azurestate));
        b.extend_from_slice(b",\"accessmode@OData.Community.Display.V1.FormattedValue\":");
        push_str(b, accessmode_label(u.accessmode));
        b.extend_from_slice(b",\"accessmode\":");
        push_u64(b, u64::from(u.accessmode));
        b.extend_from_slice(b",\"islicensed\":");
        push_bool(b, u.licensed);
        b.extend_from_slice(b",\"_businessunitid_value@Microsoft.Dynamics.CRM.lookuplogicalname\":\"businessunit\"");
        b.extend_from_slice(b",\"_businessunitid_value\":");
        push_guid(b, t.bus[u.bu as usize].id);
        b.extend_from_slice(b",\"_parentsystemuserid_value\":");
        push_opt_guid(b, u.manager.map(|m| t.user_id(m)));
        b.extend_from_slice(b",\"_positionid_value\":");
        push_opt_guid(b, u.position.map(|p| t.positions[p as usize].id));
        b.extend_from_slice(b",\"createdon\":");
        push_time(b, u.created);
        b.extend_from_slice(b",\"isintegrationuser\":");
        push_bool(b, u.kind == UserKind::Integration);
        b.push(b'}');
    }
    w.finish()
}

fn teams(dir: &Path, t: &Tenant) -> Result<Files> {
    let select = "teamid,name,teamtype,membershiptype,azureactivedirectoryobjectid,_businessunitid_value,isdefault,\
_teamtemplateid_value,_administratorid_value,createdon";
    let mut w = PagedJson::new(dir, &t.host, "teams", select, "teamid", PAGE);
    for (i, team) in t.teams.iter().enumerate() {
        let b = w.row(team.id)?;
        b.push(b'{');
        push_etag(b, version(t, 4, i as u64));
        key(b, "teamid");
        push_guid(b, team.id);
        b.extend_from_slice(b",\"name\":");
        push_str(b, &team.name);
        b.extend_from_slice(b",\"teamtype\":");
        push_u64(b, u64::from(team.team_type));
        b.extend_from_slice(b",\"membershiptype\":");
        push_u64(b, u64::from(team.membership_type));
        b.extend_from_slice(b",\"azureactivedirectoryobjectid\":");
        push_opt_guid(b, team.aad);
        b.extend_from_slice(b",\"_businessunitid_value\":");
        push_guid(b, t.bus[team.bu as usize].id);
        b.extend_from_slice(b",\"isdefault\":");
        push_bool(b, team.is_default);
        b.extend_from_slice(b",\"_teamtemplateid_value\":");
        push_opt_guid(b, team.template);
        b.extend_from_slice(b",\"_administratorid_value\":");
        push_guid(b, t.user_id(team.admin));
        b.extend_from_slice(b",\"createdon\":");
        push_time(b, team.created);
        b.push(b'}');
    }
    w.finish()
}

fn teammemberships(dir: &Path, t: &Tenant) -> Result<Files> {
    let name = "teammemberships.csv";
    let mut s = Sink::create(&dir.join(name))?;
    s.buf.extend_from_slice(b"teamid,systemuserid\r\n");
    for (team, member) in &t.members {
        t.teams[*team as usize].id.push(&mut s.buf);
        s.buf.push(b',');
        let user = match member {
            Member::User(u) => t.user_id(*u),
            Member::Missing(k) => t.ids.make(super::model::K_MISSING_USER, *k),
        };
        user.push(&mut s.buf);
        s.buf.extend_from_slice(b"\r\n");
        s.maybe_flush()?;
    }
    s.finish()?;
    Ok(vec![(name.into(), t.members.len() as u64)])
}

fn roles(dir: &Path, t: &Tenant) -> Result<Files> {
    let select = "roleid,name,_businessunitid_value,_parentrootroleid_value,_parentroleid_value,_roletemplateid_value,\
ismanaged,iscustomizable,isinherited,createdon,modifiedon";
    let mut w = PagedJson::new(dir, &t.host, "roles", select, "roleid", PAGE);
    for (i, r) in t.roles.iter().enumerate() {
        let b = w.row(r.id)?;
        b.push(b'{');
        push_etag(b, version(t, 5, i as u64));
        key(b, "roleid");
        push_guid(b, r.id);
        b.extend_from_slice(b",\"name\":");
        push_str(b, &r.name);
        b.extend_from_slice(b",\"_businessunitid_value\":");
        push_guid(b, t.bus[r.bu as usize].id);
        b.extend_from_slice(b",\"_parentrootroleid_value\":");
        push_guid(b, t.roles[r.root as usize].id);
        b.extend_from_slice(b",\"_parentroleid_value\":");
        push_opt_guid(b, r.parent_role.map(|p| t.roles[p as usize].id));
        b.extend_from_slice(b",\"_roletemplateid_value\":");
        push_opt_guid(b, r.template);
        b.extend_from_slice(b",\"ismanaged\":");
        push_bool(b, r.managed);
        b.extend_from_slice(b",\"iscustomizable\":{\"Value\":");
        push_bool(b, r.customizable);
        b.extend_from_slice(b",\"CanBeChanged\":");
        push_bool(b, !r.managed);
        b.extend_from_slice(b",\"ManagedPropertyLogicalName\":\"iscustomizableanddeletable\"}");
        b.extend_from_slice(b",\"isinherited\":");
        push_u64(b, u64::from(r.inherited));
        b.extend_from_slice(b",\"createdon\":");
        push_time(b, r.created);
        b.extend_from_slice(b",\"modifiedon\":");
        push_time(b, r.modified);
        b.push(b'}');
    }
    w.finish()
}

fn privileges(dir: &Path, t: &Tenant) -> Result<Files> {
    let select = "privilegeid,name,accessright,canbebasic,canbelocal,canbedeep,canbeglobal";
    let mut w = PagedJson::new(dir, &t.host, "privileges", select, "privilegeid", PAGE);
    for (i, p) in t.privileges.iter().enumerate() {
        let b = w.row(p.id)?;
        b.push(b'{');
        push_etag(b, version(t, 6, i as u64));
        key(b, "privilegeid");
        push_guid(b, p.id);
        b.extend_from_slice(b",\"name\":");
        push_str(b, &p.name);
        b.extend_from_slice(b",\"accessright\":");
        push_u64(b, u64::from(p.access_right));
        for (k, mask) in [
            ("canbebasic", 1u8),
            ("canbelocal", 2),
            ("canbedeep", 4),
            ("canbeglobal", 8),
        ] {
            b.extend_from_slice(b",\"");
            b.extend_from_slice(k.as_bytes());
            b.extend_from_slice(b"\":");
            push_bool(b, p.depths & mask != 0);
        }
        b.extend_from_slice(b",\"isdisabledwhenintegrated\":false}");
    }
    w.finish()
}

fn privilegeobjecttypecodes(dir: &Path, t: &Tenant) -> Result<Files> {
    let select = "privilegeobjecttypecodeid,_privilegeid_value,objecttypecode";
    let mut w = PagedJson::new(
        dir,
        &t.host,
        "privilegeobjecttypecodesset",
        select,
        "privilegeobjecttypecodeid",
        PAGE,
    );
    let mut n = 0u64;
    for p in &t.privileges {
        for &table in &p.tables {
            let id = t.ids.make(K_PRIV_OTC, n);
            n += 1;
            let b = w.row(id)?;
            b.extend_from_slice(b"{\"privilegeobjecttypecodeid\":");
            push_guid(b, id);
            b.extend_from_slice(b",\"_privilegeid_value\":");
            push_guid(b, p.id);
            b.extend_from_slice(b",\"objecttypecode\":");
            push_str(b, &t.tables[table as usize].logical);
            b.push(b'}');
        }
    }
    w.finish()
}

fn roleprivileges(dir: &Path, t: &Tenant) -> Result<Files> {
    let select = "roleprivilegeid,roleid,privilegeid,privilegedepthmask,_recordfilterid_value";
    let mut w = PagedJson::new(
        dir,
        &t.host,
        "roleprivilegescollection",
        select,
        "roleprivilegeid",
        PAGE,
    );
    let mut n = 0u64;
    for r in t.roles.iter() {
        let rows = r
            .privileges
            .iter()
            .map(|&(p, m)| (p, m, false))
            .chain(r.filtered.iter().map(|&(p, m)| (p, m, true)));
        for (p, mask, filtered) in rows {
            let id = t.ids.make(K_ROLE_PRIV, n);
            let b = w.row(id)?;
            b.extend_from_slice(b"{\"roleprivilegeid\":");
            push_guid(b, id);
            b.extend_from_slice(b",\"roleid\":");
            push_guid(b, r.id);
            b.extend_from_slice(b",\"privilegeid\":");
            push_guid(b, t.privileges[p as usize].id);
            b.extend_from_slice(b",\"privilegedepthmask\":");
            push_u64(b, u64::from(mask));
            b.extend_from_slice(b",\"_recordfilterid_value\":");
            push_opt_guid(b, filtered.then(|| t.ids.make(K_RECORD_FILTER, n)));
            b.push(b'}');
            n += 1;
        }
    }
    w.finish()
}

fn intersect(
    dir: &Path,
    t: &Tenant,
    set: &str,
    cols: [&str; 3],
    kind: u64,
    rows: impl Iterator<Item = (Guid, Guid)>,
) -> Result<Files> {
    let select = cols.join(",");
    let mut w = PagedJson::new(dir, &t.host, set, &select, cols[0], PAGE);
    for (n, (a, c)) in rows.enumerate() {
        let id = t.ids.make(kind, n as u64);
        let b = w.row(id)?;
        b.push(b'{');
        key(b, cols[0]);
        push_guid(b, id);
        b.push(b',');
        key(b, cols[1]);
        push_guid(b, a);
        b.push(b',');
        key(b, cols[2]);
        push_guid(b, c);
        b.push(b'}');
    }
    w.finish()
}

fn systemuserroles(dir: &Path, t: &Tenant) -> Result<Files> {
    intersect(
        dir,
        t,
        "systemuserrolescollection",
        ["systemuserroleid", "systemuserid", "roleid"],
        K_USER_ROLE,
        t.user_roles
            .iter()
            .map(|&(u, r)| (t.user_id(u), t.roles[r as usize].id)),
    )
}

fn teamroles(dir: &Path, t: &Tenant) -> Result<Files> {
    intersect(
        dir,
        t,
        "teamrolescollection",
        ["teamroleid", "teamid", "roleid"],
        K_TEAM_ROLE,
        t.team_roles
            .iter()
            .map(|&(tm, r)| (t.teams[tm as usize].id, t.roles[r as usize].id)),
    )
}

fn userprofiles(dir: &Path, t: &Tenant) -> Result<Files> {
    intersect(
        dir,
        t,
        "systemuserprofilescollection",
        ["systemuserprofileid", "systemuserid", "fieldsecurityprofileid"],
        K_USER_PROFILE,
        t.user_profiles
            .iter()
            .map(|&(u, p)| (t.user_id(u), t.profiles[p as usize].id)),
    )
}

fn teamprofiles(dir: &Path, t: &Tenant) -> Result<Files> {
    intersect(
        dir,
        t,
        "teamprofilescollection",
        ["teamprofileid", "teamid", "fieldsecurityprofileid"],
        K_TEAM_PROFILE,
        t.team_profiles
            .iter()
            .map(|&(tm, p)| (t.teams[tm as usize].id, t.profiles[p as usize].id)),
    )
}

fn managed_bool(b: &mut Vec<u8>, name: &str, value: bool, changeable: bool) {
    b.push(b'"');
    b.extend_from_slice(name.as_bytes());
    b.extend_from_slice(b"\":{\"Value\":");
    push_bool(b, value);
    b.extend_from_slice(b",\"CanBeChanged\":");
    push_bool(b, changeable);
    b.extend_from_slice(b",\"ManagedPropertyLogicalName\":\"canmodifyauditsettings\"}");
}

fn entitydefinitions(dir: &Path, t: &Tenant) -> Result<Files> {
    let select = "LogicalName,SchemaName,ObjectTypeCode,OwnershipType,IsActivity,IsAuditEnabled,\
Attributes(LogicalName,IsAuditEnabled)";
    // Metadata queries are not paged.
    let mut w = PagedJson::new(dir, &t.host, "EntityDefinitions", select, "MetadataId", u64::MAX)
        .with_file_base("entitydefinitions");
    let mut attr_n = 0u64;
    for table in &t.tables {
        let b = w.row(table.metadata_id)?;
        b.extend_from_slice(b"{\"MetadataId\":");
        push_guid(b, table.metadata_id);
        b.extend_from_slice(b",\"LogicalName\":");
        push_str(b, &table.logical);
        b.extend_from_slice(b",\"SchemaName\":");
        push_str(b, &table.schema);
        b.extend_from_slice(b",\"ObjectTypeCode\":");
        push_u64(b, u64::from(table.otc));
        b.extend_from_slice(b",\"OwnershipType\":");
        push_str(b, table.ownership.label());
        b.extend_from_slice(b",\"IsActivity\":");
        push_bool(b, table.activity);
        b.push(b',');
        managed_bool(b, "IsAuditEnabled", table.audit_enabled, table.audit_changeable);
        b.extend_from_slice(b",\"Attributes\":[");
        for (k, (name, audited, changeable, kind)) in table.attributes.iter().enumerate() {
            if k > 0 {
                b.push(b',');
            }
            b.extend_from_slice(b"{\"@odata.type\":\"#Microsoft.Dynamics.CRM.");
            b.extend_from_slice(kind.as_bytes());
            b.extend_from_slice(b"AttributeMetadata\",\"LogicalName\":");
            push_str(b, name);
            b.extend_from_slice(b",\"MetadataId\":");
            push_guid(b, t.ids.make(super::model::K_ATTR_METADATA, attr_n));
            attr_n += 1;
            b.push(b',');
            managed_bool(b, "IsAuditEnabled", *audited, *changeable);
            b.push(b'}');
        }
        b.extend_from_slice(b"]}");
    }
    w.finish()
}

fn fieldsecurityprofiles(dir: &Path, t: &Tenant) -> Result<Files> {
    let select = "fieldsecurityprofileid,name";
    let mut w = PagedJson::new(
        dir,
        &t.host,
        "fieldsecurityprofiles",
        select,
        "fieldsecurityprofileid",
        PAGE,
    );
    for (i, p) in t.profiles.iter().enumerate() {
        let b = w.row(p.id)?;
        b.push(b'{');
        push_etag(b, version(t, 7, i as u64));
        key(b, "fieldsecurityprofileid");
        push_guid(b, p.id);
        b.extend_from_slice(b",\"name\":");
        push_str(b, &p.name);
        b.push(b'}');
    }
    w.finish()
}

fn fieldpermissions(dir: &Path, t: &Tenant) -> Result<Files> {
    let select = "fieldpermissionid,_fieldsecurityprofileid_value,entityname,attributelogicalname,canread,cancreate,\
canupdate,canreadunmasked";
    let mut w = PagedJson::new(dir, &t.host, "fieldpermissions", select, "fieldpermissionid", PAGE);
    for (i, fp) in t.field_permissions.iter().enumerate() {
        let id = t.ids.make(K_FIELD_PERM, i as u64);
        let b = w.row(id)?;
        b.push(b'{');
        push_etag(b, version(t, 8, i as u64));
        key(b, "fieldpermissionid");
        push_guid(b, id);
        b.extend_from_slice(b",\"_fieldsecurityprofileid_value\":");
        push_guid(b, t.profiles[fp.profile as usize].id);
        b.extend_from_slice(b",\"entityname\":");
        push_str(b, &t.tables[fp.table as usize].logical);
        b.extend_from_slice(b",\"attributelogicalname\":");
        push_str(b, &fp.attribute);
        for (k, v) in [
            ("canread", fp.can_read),
            ("cancreate", fp.can_create),
            ("canupdate", fp.can_update),
            ("canreadunmasked", fp.can_read_unmasked),
        ] {
            b.extend_from_slice(b",\"");
            b.extend_from_slice(k.as_bytes());
            b.extend_from_slice(b"\":");
            push_u64(b, u64::from(v));
        }
        b.push(b'}');
    }
    w.finish()
}

fn positions(dir: &Path, t: &Tenant) -> Result<Files> {
    let select = "positionid,name,_parentpositionid_value";
    let mut w = PagedJson::new(dir, &t.host, "positions", select, "positionid", PAGE);
    for (i, p) in t.positions.iter().enumerate() {
        let b = w.row(p.id)?;
        b.push(b'{');
        push_etag(b, version(t, 9, i as u64));
        key(b, "positionid");
        push_guid(b, p.id);
        b.extend_from_slice(b",\"name\":");
        push_str(b, &p.name);
        b.extend_from_slice(b",\"_parentpositionid_value\":");
        push_opt_guid(b, p.parent.map(|q| t.positions[q as usize].id));
        b.push(b'}');
    }
    w.finish()
}
