#!/usr/bin/env python3
"""Self-contained test of scripts/export.sh against a local mock of the Dataverse Web API.

Standard library only. Starts an HTTP server on 127.0.0.1 in a thread that answers like the Web API
(two @odata.nextLink pages for systemusers and audits, one 429 with Retry-After, small responses for
every other table and for the Power Platform admin API), runs export.sh with --token dummy and
--insecure-http, and checks the files it writes. Prints "N passed, 0 failed"; exits 1 on any failure.

    python3 scripts/test_export.py
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "export.sh")
TOKEN = "dummy"
BAP_TOKEN = "dummy-bap"
ENV_ID = "7f3c2a9e-4b1d-4e8a-9c65-1d2e8b7a0f43"

# The $select of every table, as shared/spec/INPUT.md lists the columns (lookups as _x_value).
EXPECTED_SELECT = {
    "organizations": "organizationid,name,isauditenabled,isuseraccessauditenabled,isreadauditenabled,"
    "auditretentionperiodv2,auditretentionperiod,ishierarchicalsecuritymodelenabled,"
    "maxdepthforhierarchicalsecuritymodel,usepositionhierarchy,useraccessauditinginterval,orgdborgsettings",
    "businessunits": "businessunitid,name,_parentbusinessunitid_value,isdisabled",
    "systemusers": "systemuserid,fullname,domainname,internalemailaddress,azureactivedirectoryobjectid,"
    "applicationid,isdisabled,azurestate,accessmode,islicensed,_businessunitid_value,"
    "_parentsystemuserid_value,_positionid_value,createdon",
    "teams": "teamid,name,teamtype,membershiptype,azureactivedirectoryobjectid,_businessunitid_value,"
    "isdefault,_teamtemplateid_value,_administratorid_value",
    "teammemberships": "teamid,systemuserid",
    "roles": "roleid,name,_businessunitid_value,_parentrootroleid_value,_roletemplateid_value,ismanaged,"
    "iscustomizable,isinherited,createdon,modifiedon",
    "privileges": "privilegeid,name,accessright,canbebasic,canbelocal,canbedeep,canbeglobal",
    "privilegeobjecttypecodesset": "_privilegeid_value,objecttypecode",
    "roleprivilegescollection": "roleid,privilegeid,privilegedepthmask,_recordfilterid_value",
    "systemuserrolescollection": "systemuserid,roleid",
    "teamrolescollection": "teamid,roleid",
    "principalobjectaccessset": "principalobjectaccessid,objectid,objecttypecode,principalid,"
    "principaltypecode,accessrightsmask,inheritedaccessrightsmask,changedon",
    "fieldsecurityprofiles": "fieldsecurityprofileid,name",
    "fieldpermissions": "fieldpermissionid,_fieldsecurityprofileid_value,entityname,attributelogicalname,"
    "canread,cancreate,canupdate,canreadunmasked",
    "systemuserprofilescollection": "systemuserid,fieldsecurityprofileid",
    "teamprofilescollection": "teamid,fieldsecurityprofileid",
    "positions": "positionid,name,_parentpositionid_value",
    "EntityDefinitions": "LogicalName,SchemaName,ObjectTypeCode,OwnershipType,IsActivity,IsAuditEnabled",
    "audits": "auditid,createdon,action,operation,objecttypecode,_objectid_value,_userid_value,"
    "_callinguserid_value,attributemask",
}
TABLE_FILES = [t for t in EXPECTED_SELECT if t not in ("EntityDefinitions", "audits")] + ["entitydefinitions"]

AUDIT_ROWS = [
    {"auditid": f"00000000-0000-0000-0000-00000000a00{i}", "createdon": f"2026-11-1{i}T10:00:00Z",
     "action": a, "operation": o, "objecttypecode": "account", "_objectid_value": "11111111-0000-0000-0000-000000000001",
     "_userid_value": "22222222-0000-0000-0000-000000000001", "_callinguserid_value": None, "attributemask": "1,2"}
    for i, (a, o) in enumerate([(1, 1), (2, 2), (64, 4), (14, 2), (111, 3)])
]
AUDIT_ROWS[3]["objecttypecode"] = "contact, \u00e9l\u00e8ve"  # a comma and non-ASCII survive the NDJSON step


def guid(n):
    return f"{n:08x}-0000-4000-8000-000000000000"


class Mock:
    """Configuration and request log shared with the handler."""

    def __init__(self):
        self.requests = []  # (method, path, query dict, headers dict)
        self.bodies = {}  # path-without-query-and-page -> list of page bodies served (bytes)
        self.fail = {}  # entity set -> (status, body)
        self.throttle_once = {"teams"}  # answered once with 429 + Retry-After: 1
        self.foreign_next = False
        self.old_environment = False  # no fieldpermissions.canreadunmasked yet: HTTP 400 when selected
        self.lock = threading.Lock()


MOCK = Mock()


def odata(ctx, rows, next_link=None):
    doc = {"@odata.context": ctx, "value": rows}
    if next_link:
        doc["@odata.nextLink"] = next_link
    return json.dumps(doc, indent=1).encode()  # pretty-printed on purpose: files must be kept byte for byte


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep the test output clean
        pass

    def send(self, status, body, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json; odata.metadata=minimal")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("OData-Version", "4.0")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        with MOCK.lock:
            MOCK.requests.append(("GET", parts.path, query, {k.lower(): v for k, v in self.headers.items()}))
        base = f"http://{self.headers['Host']}"
        path = parts.path

        if path.startswith("/bap/"):
            if self.headers.get("Authorization") != f"Bearer {BAP_TOKEN}":
                return self.send(401, b'{"error":{"code":"InvalidAuthenticationToken","message":"bad token"}}')
            want = f"/bap/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{ENV_ID}"
            if path != want or query.get("api-version") != ["2021-04-01"]:
                return self.send(404, b'{"error":{"code":"NotFound","message":"no such environment"}}')
            body = json.dumps({"id": "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/" + ENV_ID,
                               "name": ENV_ID, "properties": {"displayName": "Contoso Production",
                                                              "environmentSku": "Production",
                                                              "linkedEnvironmentMetadata": {"securityGroupId": ""}}}).encode()
            self.remember("environment", body)
            return self.send(200, body)

        if not path.startswith("/api/data/v9.2/"):
            return self.send(404, b'{"error":{"message":"not found"}}')
        entity_set = path[len("/api/data/v9.2/"):]
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self.send(401, b'{"error":{"code":"0x80072560","message":"The user is not a member of the organization."}}')
        if (MOCK.old_environment and entity_set == "fieldpermissions"
                and "canreadunmasked" in query.get("$select", [""])[0].split(",")):
            return self.send(400, json.dumps({"error": {"code": "0x0", "message":
                "Could not find a property named 'canreadunmasked' on type 'Microsoft.Dynamics.CRM.fieldpermission'."}}).encode())
        if entity_set in MOCK.fail:
            status, body = MOCK.fail[entity_set]
            return self.send(status, body)
        with MOCK.lock:
            if entity_set in MOCK.throttle_once:
                MOCK.throttle_once.discard(entity_set)
                return self.send(429, b'{"error":{"code":"0x80072322","message":"Number of requests exceeded the limit of 6000 over time window of 300 seconds."}}',
                                 {"Retry-After": "1"})
        ctx = f"{base}/api/data/v9.2/$metadata#{entity_set}"
        skip = query.get("$skiptoken")
        if entity_set == "systemusers":
            if not skip:
                rows = [{"@odata.etag": 'W/"1"', "systemuserid": guid(1), "fullname": "Ann", "isdisabled": False},
                        {"@odata.etag": 'W/"2"', "systemuserid": guid(2), "fullname": "Bob", "isdisabled": False}]
                host = "http://evil.example.com" if MOCK.foreign_next else base
                nxt = (f"{host}/api/data/v9.2/systemusers?$select={EXPECTED_SELECT['systemusers']}"
                       "&$skiptoken=%3Ccookie%20pagenumber=%222%22%20pagingcookie=%22%253ccookie%2520page%253d%25221%2522%253e%22%20/%3E")
                body = odata(ctx, rows, nxt)
            else:
                body = odata(ctx, [{"@odata.etag": 'W/"3"', "systemuserid": guid(3), "fullname": "Chlo\u00e9",
                                    "isdisabled": True}])
        elif entity_set == "audits":
            if not skip:
                nxt = f"{base}/api/data/v9.2/audits?$select={EXPECTED_SELECT['audits']}&$skiptoken=%3Ccookie%20pagenumber=%222%22%20/%3E"
                body = odata(ctx, AUDIT_ROWS[:3], nxt)
            else:
                body = odata(ctx, AUDIT_ROWS[3:])
        elif entity_set == "EntityDefinitions":
            body = odata(ctx, [{"LogicalName": "account", "SchemaName": "Account", "ObjectTypeCode": 1,
                                "OwnershipType": "UserOwned", "IsActivity": False,
                                "IsAuditEnabled": {"Value": True, "CanBeChanged": True},
                                "Attributes": [{"LogicalName": "name", "IsAuditEnabled": {"Value": True}}]}])
        elif entity_set in EXPECTED_SELECT:
            body = odata(ctx, [{"row": 1, "of": entity_set}])
        else:
            return self.send(404, json.dumps({"error": {"code": "0x80060888",
                                                        "message": f"Resource not found for the segment '{entity_set}'."}}).encode())
        self.remember(entity_set, body)
        return self.send(200, body)

    def remember(self, key, body):
        with MOCK.lock:
            MOCK.bodies.setdefault(key, []).append(body)


def start_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


SERVER = start_server()
PORT = SERVER.server_address[1]
ORG = f"http://127.0.0.1:{PORT}"


def reset_mock():
    global MOCK
    MOCK.__init__()


def run(out, *extra, env_extra=None, token=True):
    args = ["bash", SCRIPT, "--org", ORG, "--out", out, "--insecure-http", "--audit-days", "30"]
    if token:
        args += ["--token", TOKEN]
    args += list(extra)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DVPOSTURE_")}
    env.update(env_extra or {})
    p = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    for stream in (p.stdout, p.stderr):
        assert TOKEN not in stream, "the token appears in the script's output"
    return p


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


# ---------------------------------------------------------------------------------------------
def test_help():
    p = subprocess.run(["bash", SCRIPT, "--help"], capture_output=True, text=True, timeout=30)
    check(p.returncode == 0, f"--help exit {p.returncode}")
    check("--org" in p.stdout and "--audit-days" in p.stdout and "--insecure-http" in p.stdout, "usage text")


def test_full_export():
    reset_mock()
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "export")
        p = run(out, "--environment-id", ENV_ID, "--bap-base", f"{ORG}/bap", "--bap-token", BAP_TOKEN)
        check(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
        check(BAP_TOKEN not in p.stdout + p.stderr, "the admin API token appears in the output")
        files = sorted(os.listdir(out))
        expected = sorted([f"{t}.json" for t in TABLE_FILES] + ["systemusers.2.json", "audits.ndjson", "environment.json"])
        check(files == expected, f"files written: {files}\nexpected: {expected}")

        # Pages are saved byte for byte, in order, one file per nextLink page.
        served = MOCK.bodies
        check(len(served["systemusers"]) == 2, "systemusers: two pages served")
        with open(os.path.join(out, "systemusers.json"), "rb") as f:
            check(f.read() == served["systemusers"][0], "systemusers.json is not page 1 byte for byte")
        with open(os.path.join(out, "systemusers.2.json"), "rb") as f:
            page2 = f.read()
            check(page2 == served["systemusers"][1], "systemusers.2.json is not page 2 byte for byte")
            check("@odata.nextLink" not in json.loads(page2), "last page has no nextLink")
        with open(os.path.join(out, "entitydefinitions.json"), "rb") as f:
            check(f.read() == served["EntityDefinitions"][0], "entitydefinitions.json differs from the response")
        with open(os.path.join(out, "environment.json"), "rb") as f:
            check(f.read() == served["environment"][0], "environment.json differs from the response")

        # audits.ndjson: one compact JSON object per line, every row of both pages, in order.
        with open(os.path.join(out, "audits.ndjson"), encoding="utf-8") as f:
            lines = f.read().split("\n")
        check(lines[-1] == "", "audits.ndjson ends with a newline")
        lines = lines[:-1]
        check(len(lines) == len(AUDIT_ROWS), f"audits.ndjson has {len(lines)} lines, want {len(AUDIT_ROWS)}")
        check([json.loads(l) for l in lines] == AUDIT_ROWS, "audit rows differ")
        check(all("\n" not in l and l.startswith("{") for l in lines), "one object a line")

        # Requests: token, paging header, no annotations, exact $select, the audit window.
        dv = [r for r in MOCK.requests if r[1].startswith("/api/data/v9.2/")]
        for method, path, query, headers in dv:
            check(headers.get("authorization") == f"Bearer {TOKEN}", f"{path}: Authorization header")
            check(headers.get("prefer") == "odata.maxpagesize=5000", f"{path}: Prefer header is {headers.get('prefer')!r}")
            check("include-annotations" not in headers.get("prefer", ""), f"{path}: asks for annotations")
            check(headers.get("odata-version") == "4.0" and headers.get("odata-maxversion") == "4.0", f"{path}: OData headers")
            entity_set = path[len("/api/data/v9.2/"):]
            check(query.get("$select") == [EXPECTED_SELECT[entity_set]], f"{path}: $select {query.get('$select')}")
        first = {r[1].rsplit("/", 1)[1]: r[2] for r in reversed(dv)}
        check(first["EntityDefinitions"].get("$expand") == ["Attributes($select=LogicalName,IsAuditEnabled)"],
              "EntityDefinitions $expand")
        flt = first["audits"].get("$filter", [""])[0]
        check(flt.startswith("createdon ge ") and flt.endswith("Z") and len(flt) == len("createdon ge 2026-01-01T00:00:00Z"),
              f"audits $filter {flt!r}")
        check(sum(1 for r in dv if r[1].endswith("/teams")) == 2, "teams: the 429 was retried once")
        check("Retry-After" in p.stderr or "waiting 1 s" in p.stderr, "the wait after 429 is reported")
        check(not any(r[2].get("$skiptoken") for r in dv if r[1].endswith("/organizations")), "no paging where none")
        bap = [r for r in MOCK.requests if r[1].startswith("/bap/")]
        check(len(bap) == 1 and bap[0][3].get("authorization") == f"Bearer {BAP_TOKEN}", "admin API request and token")


def test_refuses_non_empty_dir_and_force_cleans():
    reset_mock()
    with tempfile.TemporaryDirectory() as out:
        for name, text in [("systemusers.3.json", "stale"), ("customerinsights.json", "{}"), ("notes.txt", "mine")]:
            with open(os.path.join(out, name), "w") as f:
                f.write(text)
        p = run(out)
        check(p.returncode != 0, "a non-empty directory is refused")
        check("--force" in p.stderr and "not empty" in p.stderr, f"explains --force: {p.stderr}")
        check(sorted(os.listdir(out)) == ["customerinsights.json", "notes.txt", "systemusers.3.json"], "nothing written")
        check(not MOCK.requests, "no request made before the directory check passes")

        p = run(out, "--force", "--skip", "audits")
        check(p.returncode == 0, f"--force: exit {p.returncode}: {p.stderr}")
        files = set(os.listdir(out))
        check("systemusers.3.json" not in files, "stale page of an earlier export removed")
        check({"customerinsights.json", "notes.txt", "systemusers.2.json"} <= files, "other files kept")
        check("audits.ndjson" not in files and not any(r[1].endswith("/audits") for r in MOCK.requests), "--skip audits")


def test_forbidden_stops_with_clear_error():
    reset_mock()
    MOCK.fail["principalobjectaccessset"] = (403, json.dumps({"error": {"code": "0x80040220",
        "message": "Principal user is missing prvReadPOA privilege"}}).encode())
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "x")
        p = run(out)
        check(p.returncode == 1, f"exit {p.returncode}")
        check("principalobjectaccessset" in p.stderr and "403" in p.stderr, f"names table and status: {p.stderr}")
        check("prvReadPOA" in p.stderr and "--skip" in p.stderr, "shows the service message and the way out")
        check(not any(r[1].endswith("/fieldpermissions") for r in MOCK.requests), "stops at the first 403")


def test_older_environment_without_new_column():
    reset_mock()
    MOCK.old_environment = True
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "x")
        p = run(out, "--skip", "audits")
        check(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
        check("no column canreadunmasked" in p.stderr, f"warns about the dropped column: {p.stderr}")
        fp = [r for r in MOCK.requests if r[1].endswith("/fieldpermissions")]
        check(len(fp) == 2, f"fieldpermissions asked twice, got {len(fp)}")
        want = EXPECTED_SELECT["fieldpermissions"].replace(",canreadunmasked", "")
        check(fp[1][2].get("$select") == [want], f"second $select {fp[1][2].get('$select')}")
        check(os.path.exists(os.path.join(out, "fieldpermissions.json")), "fieldpermissions.json written")
        check(not os.path.exists(os.path.join(out, "fieldpermissions.2.json")), "no page numbering shift")


def test_unauthorized_token():
    reset_mock()
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "x")
        p = run(out, "--token", "dummy-wrong")
        check(p.returncode == 1, f"exit {p.returncode}")
        check("401" in p.stderr and "organizations" in p.stderr, f"explains the 401: {p.stderr}")
        check("dummy-wrong" not in p.stdout + p.stderr, "the refused token is not printed")


def test_token_file_and_env():
    reset_mock()
    with tempfile.TemporaryDirectory() as d:
        tf = os.path.join(d, "tok")
        with open(tf, "w") as f:
            f.write(TOKEN + "\n")
        p = run(os.path.join(d, "a"), "--token-file", tf, "--skip", "audits", token=False)
        check(p.returncode == 0, f"--token-file: {p.stderr}")
        p = run(os.path.join(d, "b"), "--skip", "audits", token=False, env_extra={"DVPOSTURE_TOKEN": TOKEN})
        check(p.returncode == 0, f"DVPOSTURE_TOKEN: {p.stderr}")


def test_foreign_next_link_refused():
    reset_mock()
    MOCK.foreign_next = True
    with tempfile.TemporaryDirectory() as d:
        p = run(os.path.join(d, "x"))
        check(p.returncode == 1, f"exit {p.returncode}")
        check("another host" in p.stderr, f"explains the refusal: {p.stderr}")


def test_plain_http_needs_flag():
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run(["bash", SCRIPT, "--org", ORG, "--out", d, "--token", TOKEN],
                           capture_output=True, text=True, timeout=30)
        check(p.returncode == 2 and "https" in p.stderr, f"plain http refused: {p.returncode} {p.stderr}")
        check(TOKEN not in p.stdout + p.stderr, "token not printed")


def test_gzip():
    reset_mock()
    with tempfile.TemporaryDirectory() as d:
        import gzip
        out = os.path.join(d, "x")
        p = run(out, "--gzip")
        check(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
        files = os.listdir(out)
        check(all(f.endswith(".gz") for f in files), f"all compressed: {files}")
        with gzip.open(os.path.join(out, "systemusers.2.json.gz"), "rb") as f:
            check(f.read() == MOCK.bodies["systemusers"][1], "gzip keeps the bytes")
        with gzip.open(os.path.join(out, "audits.ndjson.gz"), "rt", encoding="utf-8") as f:
            check(len(f.read().splitlines()) == len(AUDIT_ROWS), "audits.ndjson.gz lines")


TESTS = [test_help, test_full_export, test_refuses_non_empty_dir_and_force_cleans,
         test_forbidden_stops_with_clear_error, test_older_environment_without_new_column, test_unauthorized_token, test_token_file_and_env,
         test_foreign_next_link_refused, test_plain_http_needs_flag, test_gzip]


def main():
    passed = failed = 0
    for t in TESTS:
        try:
            t()
            passed += 1
            print(f"ok   {t.__name__}")
        except Exception:
            failed += 1
            print(f"FAIL {t.__name__}")
            traceback.print_exc(file=sys.stdout)
    SERVER.shutdown()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
