#!/usr/bin/env python3
"""Writes the committed seed corpus fuzz/seeds/<target>/ from samples/contoso and ../shared/fixtures/webapi,
trimmed to a few rows each. Run from anywhere: `python3 fuzz/make_seeds.py`. Deterministic.

A reader seed is one selector byte (the file name, see fuzz/harness.rs) followed by the file's content."""

import gzip
import json
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTOSO = ROOT / "samples/contoso"
WEBAPI = ROOT.parent / "shared/fixtures/webapi"
TF = WEBAPI / "microsoft__terraform-provider-power-platform/internal/services"
OUT = ROOT / "fuzz/seeds"

# The table order of src/ingest/source.rs TABLES: the selector byte is an index into it.
SOURCE = (ROOT / "src/ingest/source.rs").read_text()
TABLES = re.findall(r'"([a-z]+)"', SOURCE.split("pub const TABLES")[1].split("];")[0])
assert len(TABLES) == 22, TABLES

NAME, PAGE1, PAGE2, SPELLING = range(4)


def selector(table, variant=NAME):
    return TABLES.index(table) + len(TABLES) * variant


def gzip_selector(table, fmt, compress):
    return TABLES.index(table) + len(TABLES) * (["json", "ndjson", "csv"].index(fmt) + 3 * compress)


def rows(path, n=3):
    doc = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    return doc["value"][:n]


def page(path, n=3, keep=("@odata.context", "@odata.nextLink", "@Microsoft.Dynamics.CRM.totalrecordcount")):
    doc = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    out = {k: v for k, v in doc.items() if k in keep}
    out["value"] = doc["value"][:n]
    return json.dumps(out, indent=1, ensure_ascii=False)


def ndjson(items):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items)


def csv_head(path, lines=4):
    text = Path(path).read_bytes().decode("utf-8")
    return "".join(text.splitlines(keepends=True)[:lines])


def write(target, name, selector_byte, content):
    data = content.encode("utf-8") if isinstance(content, str) else content
    if selector_byte is not None:
        data = bytes([selector_byte]) + data
    (OUT / target / name).write_bytes(data)


def gz(text):
    return gzip.compress(text.encode("utf-8"), mtime=0)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    for t in ["odata_json", "ndjson", "csv", "gzip", "config"]:
        (OUT / t).mkdir(parents=True)

    users = rows(CONTOSO / "systemusers.json", 2)
    audits = [json.loads(l) for l in (CONTOSO / "audits.ndjson").read_text().splitlines()[:5]]
    shares = rows(CONTOSO / "principalobjectaccessset.json")
    entity = rows(CONTOSO / "entitydefinitions.json", 1)[0]
    entity["Attributes"] = entity.get("Attributes", [])[:4]
    org = json.loads((TF / "environment_settings/tests/datasource/Validate_Read/organisations.json").read_text())
    org_row = org["value"][0] if "value" in org else org
    wanted = re.compile(r"organizationid|name$|audit|hierarch|position|orgdborgsettings|@odata\.etag")
    org_small = {k: v for k, v in org_row.items() if wanted.search(k)}

    # odata_json
    j = "odata_json"
    write(j, "systemusers-contoso", selector("systemusers"), page(CONTOSO / "systemusers.json", 2))
    write(j, "systemusers-webapi-page2", selector("systemusers", PAGE2),
          (TF / "authorization/tests/resource/user/Validate_Create/get_systemusers.json").read_text())
    write(j, "roles-webapi", selector("roles"),
          page(TF / "authorization/tests/datasource/security_roles/Validate_Read/get_security_roles.json"))
    write(j, "businessunits-webapi-entity", selector("businessunits"),
          (TF / "data_record/tests/resource/Validate_Disable_On_Delete/"
           "get_businessunit_00000000-0000-0000-0000-000000000001.json").read_text())
    write(j, "organizations-webapi", selector("organizations"),
          json.dumps({"@odata.context": org.get("@odata.context", ""), "value": [org_small]}, indent=1))
    write(j, "entitydefinitions-webapi-entity", selector("entitydefinitions"),
          (TF / "data_record/tests/resource/Validate_Disable_On_Delete/get_entitydefinition_mailbox.json").read_text())
    write(j, "entitydefinitions-contoso", selector("entitydefinitions", PAGE1),
          json.dumps({"value": [entity]}, indent=1))
    write(j, "environment-webapi", selector("environment"),
          (TF / "authorization/tests/datasource/security_roles/Validate_Read/"
           "get_environment_00000000-0000-0000-0000-000000000001.json").read_text())
    write(j, "privileges-docs", selector("privileges"),
          (WEBAPI / "MicrosoftDocs__powerapps-docs/web-api-functions-actions-sample.privileges-response.json")
          .read_text())
    write(j, "principalobjectaccessset-page1", selector("principalobjectaccessset", PAGE1),
          page(CONTOSO / "principalobjectaccessset.json"))
    write(j, "roleprivilegescollection", selector("roleprivilegescollection"),
          page(CONTOSO / "roleprivilegescollection.json"))
    write(j, "teams", selector("teams"), page(CONTOSO / "teams.json", 2))
    write(j, "customerinsights", selector("customerinsights"), (CONTOSO / "customerinsights.json").read_text())
    write(j, "audits-bare-array", selector("audits"), json.dumps(audits[:3], indent=1))
    write(j, "privilegeobjecttypecodescollection", selector("privilegeobjecttypecodesset", SPELLING),
          page(CONTOSO / "privilegeobjecttypecodesset.json"))
    write(j, "fieldsecurityprofiles-upper", selector("fieldsecurityprofiles", SPELLING),
          page(CONTOSO / "fieldsecurityprofiles.json", 2))
    write(j, "systemuserrolescollection", selector("systemuserrolescollection"),
          page(CONTOSO / "systemuserrolescollection.json"))
    write(j, "teamrolescollection", selector("teamrolescollection"), page(CONTOSO / "teamrolescollection.json"))
    write(j, "systemuserprofilescollection", selector("systemuserprofilescollection"),
          page(CONTOSO / "systemuserprofilescollection.json"))

    # ndjson
    n = "ndjson"
    write(n, "audits", selector("audits"), ndjson(audits))
    write(n, "principalobjectaccessset", selector("principalobjectaccessset"), ndjson(shares))
    write(n, "systemusers-jsonl", selector("systemusers", SPELLING), ndjson(users))
    write(n, "roleprivilegescollection", selector("roleprivilegescollection"),
          ndjson(rows(CONTOSO / "roleprivilegescollection.json")))
    write(n, "roles-page2", selector("roles", PAGE2), ndjson(rows(CONTOSO / "roles.json", 2)))
    write(n, "entitydefinitions", selector("entitydefinitions"), ndjson([entity]))
    write(n, "organizations", selector("organizations"), ndjson([org_small]))
    write(n, "teams", selector("teams", PAGE1), ndjson(rows(CONTOSO / "teams.json", 2)))

    # csv
    c = "csv"
    write(c, "fieldpermissions", selector("fieldpermissions"), csv_head(CONTOSO / "fieldpermissions.csv"))
    write(c, "positions", selector("positions"), csv_head(CONTOSO / "positions.csv"))
    write(c, "teammemberships-bom", selector("teammemberships"), csv_head(CONTOSO / "teammemberships.csv"))
    cols = ["systemuserid", "fullname", "domainname", "isdisabled", "accessmode", "azurestate", "islicensed",
            "businessunitid", "parentsystemuserid", "createdon"]
    lines = [",".join(cols)]
    for u in users:
        vals = [u.get(k, u.get(f"_{k}_value")) for k in cols]
        lines.append(",".join("" if v is None else f'"{v}"' if isinstance(v, str) and " " in v else str(v).lower()
                              if isinstance(v, bool) else str(v) for v in vals))
    write(c, "systemusers", selector("systemusers"), "\r\n".join(lines) + "\r\n")
    write(c, "roleprivilegescollection-labels", selector("roleprivilegescollection", PAGE1),
          "roleid,privilegeid,privilegedepthmask\n"
          "a1565f62-0c3d-ec11-904c-6045bd8e9f12,a4f16000-a301-4418-80fe-38aaf87ff8a9,Global\n"
          "a1565f62-0c3d-ec11-904c-6045bd8e9f12,{026F4E6F-92E4-4C66-9D93-62CF427E6B9C},\"Parent: Child Business Units\"\n"
          "a1565f62-0c3d-ec11-904c-6045bd8e9f12,0113b5b3b2ef4fe587a66991c0d1a6bb,268435457\n")
    s = shares[0]
    write(c, "principalobjectaccessset-codes", selector("principalobjectaccessset"),
          "principalobjectaccessid,objectid,objecttypecode,principalid,principaltypecode,accessrightsmask,"
          "inheritedaccessrightsmask,changedon\n"
          f"{s['principalobjectaccessid']},{s['objectid']},contact,{s['principalid']},8,1,0,2024-05-01 10:00:00\n"
          f"{s['principalobjectaccessid']},{s['objectid']},2,{s['principalid']},team,0,134217729,2024-05-01\n")
    write(c, "audits", selector("audits"),
          "auditid,createdon,action,operation,objecttypecode,objectid,userid,callinguserid\n" + "".join(
              f"{a['auditid']},{a['createdon']},{a['action']},{a.get('operation', '')},{a.get('objecttypecode') or ''},"
              f"{a.get('_objectid_value') or ''},{a.get('_userid_value') or ''},{a.get('_callinguserid_value') or ''}\n"
              for a in audits[:3]))
    write(c, "attributedefinitions", selector("attributedefinitions"),
          "EntityLogicalName,LogicalName,IsAuditEnabled\naccount,name,True\naccount,telephone1,0\ncontact,emailaddress1,yes\n")
    write(c, "entitydefinitions", selector("entitydefinitions"),
          "LogicalName,SchemaName,ObjectTypeCode,OwnershipType,IsAuditEnabled\n"
          "account,Account,1,UserOwned,true\ncontact,Contact,2,UserOwned,false\n")
    write(c, "businessunits-upper", selector("businessunits", SPELLING),
          "businessunitid,name,parentbusinessunitid,isdisabled\n"
          "a0000000-0000-0000-0000-000000000001,Root,,false\n"
          "a0000000-0000-0000-0000-000000000002,\"Sales, EMEA\",a0000000-0000-0000-0000-000000000001,0\n")
    utf16 = "teamid,roleid\r\n1582634c-060d-ec11-b41b-000d3a2b7c41,9d14090e-7bad-ec11-b8e0-000d3a2b7c41\r\n"
    write(c, "teamrolescollection-utf16", selector("teamrolescollection"), b"\xff\xfe" + utf16.encode("utf-16-le"))
    write(c, "roles-page2", selector("roles", PAGE2),
          "roleid,name,businessunitid,parentrootroleid,ismanaged,isinherited,iscustomizable\n"
          "c0000000-0000-0000-0000-000000000002,Salesperson,a0000000-0000-0000-0000-000000000001,"
          "c0000000-0000-0000-0000-000000000002,TRUE,Team privileges only,no\n")

    # gzip: raw gzip streams, and plain text the harness compresses
    g = "gzip"
    write(g, "audits-ndjson-gz", gzip_selector("audits", "ndjson", 0), gz(ndjson(audits)))
    write(g, "systemusers-json-gz", gzip_selector("systemusers", "json", 0), gz(page(CONTOSO / "systemusers.json", 2)))
    write(g, "teammemberships-csv-gz", gzip_selector("teammemberships", "csv", 0),
          gz(csv_head(CONTOSO / "teammemberships.csv")))
    write(g, "roleprivilegescollection-json-plain", gzip_selector("roleprivilegescollection", "json", 1),
          page(CONTOSO / "roleprivilegescollection.json"))
    write(g, "principalobjectaccessset-ndjson-plain", gzip_selector("principalobjectaccessset", "ndjson", 1),
          ndjson(shares))
    write(g, "positions-csv-plain", gzip_selector("positions", "csv", 1), csv_head(CONTOSO / "positions.csv"))

    # config (plain TOML, no selector byte)
    k = "config"
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"### Config file.*?```toml\n(.*?)```", readme, re.S).group(1)
    write(k, "readme-example", None, example)
    write(k, "thresholds", None,
          "[rules.automated-sharing]\nmax_shares_per_hour = 100\nallowed_sharing_apps = [\"app-one\", \"app-two\"]\n\n"
          "[rules.over-broad-auditing]\nmax_audited_table_share = 0.5\nmax_table_share_of_audit_rows = 1\n"
          "severity = \"low\"\n")
    write(k, "waivers", None,
          "[[waivers]]\nrule = \"lockbox-disabled\"\nfingerprint = \"ABC123\"\nreason = \"  tracked in CAB-1 \"\n\n"
          "[[waivers]]\nrule = \"dormant-privileged-account\"\nreason = \"whole rule\"\nexpires = \"2028-02-29\"\n")
    write(k, "inline-tables", None,
          "exclude = [\"B1000000-0000-0000-0000-000000000002\", ' breakglass@contoso.com ']\n"
          "rules = { lockbox-disabled = { enabled = false }, too-many-business-units = { max_bu_depth = 6 } }\n")


if __name__ == "__main__":
    main()
