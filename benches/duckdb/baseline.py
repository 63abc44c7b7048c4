#!/usr/bin/env python3
"""DuckDB SQL baseline for benches/scale.sh: the work of `dvposture analyze` done by a tuned SQL engine.

    baseline.py A|B TENANT_DIR OUT_DIR [--threads 2] [--memory-limit 8GB]

A  effective access per distinct grant set (materialized once per set, never per user); per user the number
   of privileges held, how many at Global, and the privileged flag; shares per principal and per record;
   ineffective shares per user and per team; audit rows per user and action with the newest time, share
   operations per caller and hour, audit rows per table. Written as parquet files to OUT_DIR.
B  the full effective-access table, (systemuserid, privilege, depth), one row per enabled user and privilege
   held, sorted by systemuserid then privilege (bytewise), written to OUT_DIR/effective-access.csv.

The export is read with DuckDB's own readers, only the columns needed: OData JSON pages (NAME.json,
NAME.2.json, ...) as text + json_transform to typed structs (much faster than read_json on one 17 MB object),
NDJSON audits with read_json(columns=...), CSV with read_csv. GUIDs are DuckDB UUIDs (128-bit integers,
ordered like their lower-case text) and users, teams, roles and privileges get dense INTEGER surrogate keys.
Users are grouped by grant set and every privilege computation runs per grant set: the access-mode class
(Read / Administrative / other) with the sorted distinct list of what each (role, team) assignment contributes,
the source role's key plus two bits (through a team, when the source holds impersonation; System Administrator
or Customizer template). That is coarser than dvposture's grouping (which keeps team identity and the role copy
for the reach and paths of its CSV) and gives the same (privilege, depth) rows: 4,281 sets against dvposture's
39,926 at 100,000 users.
The reach below Global (dvposture's `business_units`, from the anchors of Local/Deep grants) and the `via` paths
are not computed: B is the (systemuserid, privilege, broadest depth) projection.

Semantics (ACCESS-MODEL.md, matching src/access/mod.rs): an enabled user (not isdisabled, azurestate 0, BU not
disabled) gets their direct roles and the roles of every owner / Entra group team (teamtype 0, 2, 3) outside a
disabled BU they are a member of, the BU's default team included (implied by the user's BU). A role copy has
the privileges of its root role (_parentrootroleid_value, when the root is in the export). Depth per privilege
is the broadest (highest bit of privilegedepthmask & 0x0F); filter-based rows (_recordfilterid_value) are not
evaluated. prvActOnBehalfOfAnotherUser counts only from a direct role. Access mode 2 (Read) keeps only Read
privileges, 1 (Administrative) only miscellaneous ones.
"""

import argparse
import os
import re
import shutil
import sys
import time

import duckdb

SYSADMIN_TEMPLATE = "627090ff-40a3-4053-8790-584edc5be201"
CUSTOMIZER_TEMPLATE = "119f245c-3cc8-4b62-b31c-d1a046ced15d"
PRIVILEGED_MISC = [
    "prvactonbehalfofanotheruser",
    "prvbypasscustombusinesslogic",
    "prvbypasscustomplugins",
    "prvdeleteauditpartitions",
    "prvdeleterecordchangehistory",
    "prvbulkdelete",
]
RIGHTS = "852023"  # 0xD0037: the AccessRights bits that are rights

# The columns read from each table: output name -> (column name in the export, DuckDB type).
TABLES = {
    "businessunits": {
        "id": ("businessunitid", "UUID"),
        "parent": ("_parentbusinessunitid_value", "UUID"),
        "isdisabled": ("isdisabled", "BOOLEAN"),
    },
    "systemusers": {
        "id": ("systemuserid", "UUID"),
        "bu": ("_businessunitid_value", "UUID"),
        "isdisabled": ("isdisabled", "BOOLEAN"),
        "azurestate": ("azurestate", "BIGINT"),
        "accessmode": ("accessmode", "BIGINT"),
    },
    "teams": {
        "id": ("teamid", "UUID"),
        "bu": ("_businessunitid_value", "UUID"),
        "teamtype": ("teamtype", "BIGINT"),
        "isdefault": ("isdefault", "BOOLEAN"),
    },
    "roles": {
        "id": ("roleid", "UUID"),
        "bu": ("_businessunitid_value", "UUID"),
        "root": ("_parentrootroleid_value", "UUID"),
        "template": ("_roletemplateid_value", "UUID"),
    },
    "privileges": {
        "id": ("privilegeid", "UUID"),
        "name": ("name", "VARCHAR"),
        "accessright": ("accessright", "BIGINT"),
    },
    "privilegeobjecttypecodesset": {
        "privilegeid": ("_privilegeid_value", "UUID"),
        "tbl": ("objecttypecode", "VARCHAR"),
    },
    "roleprivilegescollection": {
        "roleid": ("roleid", "UUID"),
        "privilegeid": ("privilegeid", "UUID"),
        "mask": ("privilegedepthmask", "BIGINT"),
        "recordfilter": ("_recordfilterid_value", "UUID"),
    },
    "systemuserrolescollection": {"userid": ("systemuserid", "UUID"), "roleid": ("roleid", "UUID")},
    "teamrolescollection": {"teamid": ("teamid", "UUID"), "roleid": ("roleid", "UUID")},
    "teammemberships": {"teamid": ("teamid", "UUID"), "userid": ("systemuserid", "UUID")},
    "principalobjectaccessset": {
        "objectid": ("objectid", "UUID"),
        "tbl": ("objecttypecode", "VARCHAR"),
        "principalid": ("principalid", "UUID"),
        "principaltype": ("principaltypecode", "VARCHAR"),
        "mask": ("accessrightsmask", "BIGINT"),
        "inherited": ("inheritedaccessrightsmask", "BIGINT"),
    },
    "audits": {
        "createdon": ("createdon", "TIMESTAMP"),
        "action": ("action", "INTEGER"),
        "tbl": ("objecttypecode", "VARCHAR"),
        "userid": ("_userid_value", "UUID"),
        "callerid": ("_callinguserid_value", "UUID"),
    },
}
ACCESS_TABLES = [
    "businessunits",
    "systemusers",
    "teams",
    "roles",
    "privileges",
    "roleprivilegescollection",
    "systemuserrolescollection",
    "teamrolescollection",
    "teammemberships",
]


def q(s):
    return "'" + s.replace("'", "''") + "'"


def discover(tenant, table):
    """The files of a table: NAME.ext, NAME.2.ext, ... (names case-insensitive), in page order, one format."""
    pat = re.compile(r"^" + re.escape(table) + r"(?:\.(\d+))?\.(json|ndjson|csv)$", re.IGNORECASE)
    found = []
    for name in os.listdir(tenant):
        m = pat.match(name)
        if m:
            found.append((int(m.group(1) or 1), m.group(2).lower(), os.path.join(tenant, name)))
    formats = {f for _, f, _ in found}
    if len(formats) > 1:
        sys.exit(f"{table}: more than one format ({', '.join(sorted(formats))})")
    found.sort()
    return (found[0][1] if found else None), [p for _, _, p in found]


def source(con, tenant, table):
    """A SELECT giving the table's needed columns, typed, from whatever files the export has."""
    fmt, files = discover(tenant, table)
    cols = TABLES[table]
    if not files:
        # An optional table that is absent: empty, with the right columns.
        return "SELECT " + ", ".join(f"NULL::{t} AS {o}" for o, (_, t) in cols.items()) + " WHERE false"
    flist = "[" + ", ".join(q(f) for f in files) + "]"
    if fmt == "json":
        # {"@odata.context": ..., "value": [...]}: the whole page as text, one typed transform, then unnest.
        schema = '{"value":[{' + ",".join(f'"{c}":"{t}"' for c, t in cols.values()) + "}]}"
        sel = ", ".join(f'r."{c}" AS {o}' for o, (c, _) in cols.items())
        return (
            f"SELECT {sel} FROM (SELECT json_transform(content, {q(schema)}).value AS v FROM read_text({flist})) AS f, "
            f"unnest(f.v) AS x(r)"
        )
    if fmt == "ndjson":
        spec = "{" + ", ".join(f"{q(c)}: {q(t)}" for c, t in cols.values()) + "}"
        sel = ", ".join(f'"{c}" AS {o}' for o, (c, _) in cols.items())
        return f"SELECT {sel} FROM read_json({flist}, format='newline_delimited', columns={spec})"
    # CSV: lookups may be spelled `x` or `_x_value`; header names are case-insensitive.
    header = {
        r[0].lower(): r[0]
        for r in con.execute(f"DESCRIBE SELECT * FROM read_csv({flist}, header=true, all_varchar=true)").fetchall()
    }
    sel = []
    for o, (c, t) in cols.items():
        name = header.get(c.lower())
        if name is None and c.startswith("_") and c.endswith("_value"):
            name = header.get(c[1:-6].lower())
        sel.append(f'TRY_CAST("{name}" AS {t}) AS {o}' if name else f"NULL::{t} AS {o}")
    return f"SELECT {', '.join(sel)} FROM read_csv({flist}, header=true, all_varchar=true)"


class Runner:
    def __init__(self, con):
        self.con = con

    def run(self, label, sql):
        t = time.perf_counter()
        self.con.execute(sql)
        print(f"timing: {time.perf_counter() - t:9.3f}s  {label}", file=sys.stderr, flush=True)


def load_access(x, tenant):
    """The access tables, surrogate keys, and effective access per distinct grant set (gs_priv)."""
    src = lambda t: source(x.con, tenant, t)  # noqa: E731
    x.run("read businessunits", f"""
        CREATE TABLE bu AS SELECT id, parent, coalesce(isdisabled, false) AS disabled FROM ({src('businessunits')})""")
    x.run("read systemusers", f"""
        CREATE TABLE u AS
        SELECT row_number() OVER (ORDER BY s.id)::INTEGER AS uk, s.id, s.bu,
               (NOT coalesce(s.isdisabled, false) AND coalesce(s.azurestate, 0) = 0
                AND NOT coalesce(b.disabled, false)) AS enabled,
               -- access-mode class: 2 Read (Read privileges only), 1 Administrative (miscellaneous only), 0 all
               (CASE coalesce(s.accessmode, 0) WHEN 2 THEN 2 WHEN 1 THEN 1 ELSE 0 END)::TINYINT AS mode
        FROM ({src('systemusers')}) s LEFT JOIN bu b ON b.id = s.bu""")
    x.run("read teams", f"""
        CREATE TABLE t AS
        SELECT row_number() OVER (ORDER BY s.id)::INTEGER AS tk, s.id, s.bu, coalesce(s.isdefault, false) AS isdefault,
               (coalesce(s.teamtype, 0) IN (0, 2, 3) AND NOT coalesce(b.disabled, false)) AS grants
        FROM ({src('teams')}) s LEFT JOIN bu b ON b.id = s.bu""")
    right_from_name = " ".join(
        f"WHEN starts_with(name, 'prv{n}') AND length(name) > {3 + len(n)} THEN {m}"
        for n, m in [("AppendTo", 16), ("Append", 4), ("Create", 32), ("Read", 1), ("Write", 2),
                     ("Delete", 65536), ("Assign", 524288), ("Share", 262144)]
    )
    x.run("read privileges", f"""
        CREATE TABLE p AS
        SELECT row_number() OVER (ORDER BY name, id)::INTEGER AS pk, id, name,
               (CASE WHEN accessright = 0 THEN 0
                     WHEN accessright IN (1, 2, 4, 16, 32, 65536, 262144, 524288) THEN accessright
                     WHEN lower(name) IN ('prvdeleteauditpartitions', 'prvdeleterecordchangehistory') THEN 0
                     {right_from_name} ELSE 0 END)::INTEGER AS right_mask   -- 0: miscellaneous
        FROM ({src('privileges')})""")
    x.run("read roleprivilegescollection", f"""
        CREATE TABLE rp AS
        SELECT s.roleid, p.pk,
               max(CASE WHEN s.mask < 0 THEN NULL WHEN s.mask & 8 <> 0 THEN 4 WHEN s.mask & 4 <> 0 THEN 3
                        WHEN s.mask & 2 <> 0 THEN 2 WHEN s.mask & 1 <> 0 THEN 1 END)::TINYINT AS depth
        FROM ({src('roleprivilegescollection')}) s JOIN p ON p.id = s.privilegeid
        WHERE s.recordfilter IS NULL
        GROUP BY ALL HAVING depth IS NOT NULL""")
    x.run("read roles", f"""
        CREATE TABLE r0 AS
        SELECT row_number() OVER (ORDER BY id)::INTEGER AS rk, id, bu,
               nullif(root, '00000000-0000-0000-0000-000000000000'::UUID) AS root, template
        FROM ({src('roles')});
        CREATE TABLE r AS
        SELECT r0.rk, r0.id, coalesce(s.rk, r0.rk) AS src_rk,     -- a copy has its root's privileges
               coalesce(s.template, r0.template) IN ('{SYSADMIN_TEMPLATE}'::UUID, '{CUSTOMIZER_TEMPLATE}'::UUID)
                 IS TRUE AS admin,
               false AS src_impersonates
        FROM r0 LEFT JOIN r0 s ON s.id = r0.root;
        UPDATE r SET src_impersonates = true WHERE src_rk IN (
            SELECT r.rk FROM rp JOIN p USING (pk) JOIN r ON r.id = rp.roleid WHERE p.name = 'prvActOnBehalfOfAnotherUser');
        DROP TABLE r0""")
    x.run("read memberships and role assignments", f"""
        CREATE TABLE ur AS SELECT DISTINCT userid, roleid FROM ({src('systemuserrolescollection')});
        CREATE TABLE tr AS SELECT DISTINCT teamid, roleid FROM ({src('teamrolescollection')});
        CREATE TABLE ut AS                                   -- explicit memberships + the BU's default team
        SELECT u.uk, t.tk FROM ({src('teammemberships')}) m JOIN u ON u.id = m.userid JOIN t ON t.id = m.teamid
        UNION
        SELECT u.uk, t.tk FROM u JOIN t ON t.isdefault AND t.bu = u.bu""")
    x.run("group users by grant set", """
        CREATE TABLE asg AS                                  -- (user, role, team); team 0 = direct
        SELECT u.uk, r.rk, 0 AS tk FROM ur JOIN u ON u.id = ur.userid AND u.enabled JOIN r ON r.id = ur.roleid
        UNION
        SELECT ut.uk, r.rk, ut.tk
        FROM ut JOIN u ON u.uk = ut.uk AND u.enabled JOIN t ON t.tk = ut.tk AND t.grants
             JOIN tr ON tr.teamid = t.id JOIN r ON r.id = tr.roleid;
        -- What an assignment gives depends only on the source role's privileges, on whether it comes through a
        -- team (impersonation counts only directly; only matters when the source holds it) and, for the
        -- privileged flag, on the role's template: one BIGINT per assignment, and a grant set is the access-mode
        -- class with the sorted distinct list of them (copies of one role, or two teams with the same roles,
        -- give the same set).
        CREATE TABLE ukey AS
        SELECT a.uk, any_value(u.mode) AS mode,
               list_sort(list(DISTINCT (r.src_rk::BIGINT << 2)
                                       | (CASE WHEN a.tk <> 0 AND r.src_impersonates THEN 2 ELSE 0 END)
                                       | (CASE WHEN r.admin THEN 1 ELSE 0 END))) AS k
        FROM asg a JOIN u USING (uk) JOIN r USING (rk) GROUP BY a.uk;
        CREATE TABLE gs AS
        SELECT row_number() OVER ()::INTEGER AS gs, mode, k, users
        FROM (SELECT mode, k, count(*) AS users FROM ukey GROUP BY ALL);
        CREATE TABLE user_gs AS SELECT ukey.uk, gs.gs FROM ukey JOIN gs USING (mode, k);
        CREATE TABLE gs_asg AS
        SELECT gs, mode, (e >> 2)::INTEGER AS src_rk, (e & 2) <> 0 AS via_team, (e & 1) <> 0 AS admin
        FROM gs, unnest(gs.k) AS y(e);
        DROP TABLE ukey; DROP TABLE asg""")
    x.run("effective access per grant set", """
        CREATE TABLE gs_priv AS
        SELECT g.gs, rp.pk, max(rp.depth)::TINYINT AS depth
        FROM gs_asg g JOIN r ON r.rk = g.src_rk JOIN rp ON rp.roleid = r.id JOIN p ON p.pk = rp.pk
        WHERE NOT (g.via_team AND p.name = 'prvActOnBehalfOfAnotherUser')   -- impersonation: direct roles only
          AND (g.mode = 0 OR (g.mode = 2 AND p.right_mask = 1) OR (g.mode = 1 AND p.right_mask = 0))
        GROUP BY g.gs, rp.pk""")
    n = x.con.execute("SELECT (SELECT count(*) FROM gs), (SELECT count(*) FROM user_gs), (SELECT count(*) FROM u WHERE enabled)").fetchone()
    print(f"detail: {n[0]} distinct grant sets for {n[1]} enabled users with a role ({n[2]} enabled)", file=sys.stderr)


def workload_b(x, out):
    path = os.path.join(out, "effective-access.csv")
    # Dictionary-encode the output: ENUMs of the user ids (in id order) and privilege names (in name order), so
    # that the sort of the users x privileges rows compares and moves small integers, and the CSV writer
    # decodes them.
    x.run("dictionary-encode users and privileges", """
        CREATE TYPE user_e AS ENUM (SELECT id::VARCHAR FROM u ORDER BY uk);
        CREATE TYPE privilege_e AS ENUM (SELECT name FROM p ORDER BY pk);
        CREATE TYPE depth_e AS ENUM ('Basic', 'Local', 'Deep', 'Global');
        CREATE TABLE ue AS SELECT ug.uk, ug.gs, u.id::VARCHAR::user_e AS systemuserid FROM user_gs ug JOIN u USING (uk);
        CREATE TABLE ge AS
        SELECT g.gs, p.name::privilege_e AS privilege, (['Basic', 'Local', 'Deep', 'Global'][g.depth])::depth_e AS depth
        FROM gs_priv g JOIN p USING (pk)""")
    x.run("write effective-access.csv (sorted)", f"""
        COPY (
          SELECT ue.systemuserid, ge.privilege, ge.depth FROM ue JOIN ge USING (gs)
          ORDER BY ue.systemuserid, ge.privilege             -- ENUM order: id order, then name order
        ) TO {q(path)} (FORMAT csv, HEADER true)""")


def workload_a(x, tenant, out):
    src = lambda t: source(x.con, tenant, t)  # noqa: E731
    pq = lambda name: q(os.path.join(out, name + ".parquet"))  # noqa: E731
    x.run("privilege tables", f"""
        CREATE TABLE ptab AS                                 -- (privilege, table) for table privileges
        SELECT DISTINCT p.pk, lower(s.tbl) AS tbl FROM ({src('privilegeobjecttypecodesset')}) s
        JOIN p ON p.id = s.privilegeid WHERE p.right_mask <> 0
        UNION ALL                                            -- no row: the table from the name, as a last resort
        SELECT p.pk, lower(regexp_replace(p.name, '^prv(AppendTo|Append|Create|Read|Write|Delete|Assign|Share)', ''))
        FROM p WHERE p.right_mask <> 0 AND p.id NOT IN (SELECT privilegeid FROM ({src('privilegeobjecttypecodesset')}))""")
    x.run("A: effective access per grant set", f"""
        COPY (SELECT gs, pk AS privilege_key, depth FROM gs_priv) TO {pq('gs_privileges')} (FORMAT parquet);
        COPY (SELECT pk AS privilege_key, name AS privilege, right_mask FROM p) TO {pq('privileges')} (FORMAT parquet)""")
    misc = ", ".join(q(m) for m in PRIVILEGED_MISC)
    x.run("A: per user privileges, Global count, privileged", f"""
        CREATE TABLE gs_sum AS
        SELECT gs, count(*) AS privileges, count(*) FILTER (WHERE depth = 4) AS global FROM gs_priv GROUP BY gs;
        CREATE TABLE gs_privileged AS
        SELECT DISTINCT gs FROM gs_asg WHERE admin          -- System Administrator / Customizer by template
        UNION
        SELECT g.gs FROM gs_priv g JOIN p USING (pk) WHERE lower(p.name) IN ({misc})
        UNION
        SELECT g.gs FROM gs_priv g JOIN p USING (pk) JOIN ptab USING (pk)
        WHERE g.depth = 4 AND p.right_mask IN (2, 32) AND ptab.tbl = 'role';
        COPY (
          SELECT u.id AS systemuserid, ug.gs, coalesce(s.privileges, 0) AS privileges, coalesce(s.global, 0) AS global,
                 (pr.gs IS NOT NULL) AS privileged
          FROM u LEFT JOIN user_gs ug USING (uk) LEFT JOIN gs_sum s USING (gs) LEFT JOIN gs_privileged pr USING (gs)
          WHERE u.enabled
        ) TO {pq('users')} (FORMAT parquet)""")
    x.run("read principalobjectaccessset", f"""
        CREATE TABLE poa AS
        SELECT objectid, lower(tbl) AS tbl, principalid,
               CASE lower(principaltype) WHEN 'systemuser' THEN 'U' WHEN '8' THEN 'U' WHEN 'team' THEN 'T' WHEN '9' THEN 'T' END AS kind,
               (coalesce(mask, 0) & {RIGHTS})::INTEGER AS direct,
               ((coalesce(mask, 0) | coalesce(inherited, 0)) & {RIGHTS})::INTEGER AS rights
        FROM ({src('principalobjectaccessset')})
        WHERE (coalesce(mask, 0) | coalesce(inherited, 0)) & {RIGHTS} <> 0""")
    x.run("A: shares per principal and per record", f"""
        COPY (SELECT principalid, kind, count(*) AS shares, count(*) FILTER (WHERE direct <> 0) AS direct,
                     count(*) FILTER (WHERE direct = 0) AS cascaded
              FROM poa GROUP BY ALL) TO {pq('shares_by_principal')} (FORMAT parquet);
        COPY (SELECT tbl, objectid, count(*) AS shares, count(*) FILTER (WHERE direct <> 0) AS direct
              FROM poa GROUP BY ALL) TO {pq('shares_by_record')} (FORMAT parquet)""")
    x.run("A: ineffective shares per user and team", f"""
        CREATE TABLE gs_rights AS                            -- rights held per grant set on each shared table
        SELECT g.gs, ptab.tbl, bit_or(p.right_mask) AS held
        FROM gs_priv g JOIN p USING (pk) JOIN ptab USING (pk)
        WHERE ptab.tbl IN (SELECT DISTINCT tbl FROM poa) GROUP BY ALL;
        CREATE TABLE team_rights AS                          -- a team: the union over its enabled members
        SELECT m.tk, h.tbl, bit_or(h.held) AS held
        FROM (SELECT DISTINCT ut.tk, ug.gs FROM ut JOIN user_gs ug USING (uk)) m JOIN gs_rights h USING (gs)
        GROUP BY ALL;
        COPY (
          SELECT s.principalid, 'U' AS kind, s.tbl, bit_or(s.rights & ~coalesce(h.held, 0)) AS rights,
                 count(DISTINCT s.objectid) AS records
          FROM poa s JOIN u ON s.kind = 'U' AND u.id = s.principalid AND u.enabled
               LEFT JOIN user_gs ug ON ug.uk = u.uk LEFT JOIN gs_rights h ON h.gs = ug.gs AND h.tbl = s.tbl
          WHERE s.rights & ~coalesce(h.held, 0) <> 0 GROUP BY ALL
          UNION ALL
          SELECT s.principalid, 'T', s.tbl, bit_or(s.rights & ~coalesce(h.held, 0)), count(DISTINCT s.objectid)
          FROM poa s JOIN t ON s.kind = 'T' AND t.id = s.principalid
               LEFT JOIN team_rights h ON h.tk = t.tk AND h.tbl = s.tbl
          WHERE s.rights & ~coalesce(h.held, 0) <> 0 GROUP BY ALL
        ) TO {pq('ineffective_shares')} (FORMAT parquet)""")
    x.run("read audits", f"""
        CREATE TABLE aud AS SELECT createdon, action, tbl, userid, callerid FROM ({src('audits')})""")
    x.run("A: audit aggregates", f"""
        COPY (SELECT userid, action, count(*) AS n, max(createdon) AS newest FROM aud WHERE userid IS NOT NULL GROUP BY ALL)
          TO {pq('audit_by_user_action')} (FORMAT parquet);
        COPY (SELECT coalesce(callerid, userid) AS caller, date_trunc('hour', createdon) AS hour, count(*) AS n
              FROM aud WHERE action IN (14, 48) AND coalesce(callerid, userid) IS NOT NULL GROUP BY ALL)
          TO {pq('share_operations_by_caller_hour')} (FORMAT parquet);
        COPY (SELECT tbl, count(*) AS n FROM aud WHERE tbl IS NOT NULL GROUP BY ALL)
          TO {pq('audit_rows_by_table')} (FORMAT parquet)""")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("workload", choices=["A", "B"])
    ap.add_argument("tenant")
    ap.add_argument("out")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--memory-limit", default=None, help="DuckDB memory_limit (default: DuckDB's, 80%% of RAM)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    tmp = os.path.join(a.out, ".duckdb-tmp")
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {a.threads}")
    con.execute(f"SET temp_directory = {q(tmp)}")
    if a.memory_limit:
        con.execute(f"SET memory_limit = {q(a.memory_limit)}")
    # A writes unordered aggregates; B relies on ORDER BY being kept in the file.
    con.execute(f"SET preserve_insertion_order = {'true' if a.workload == 'B' else 'false'}")
    x = Runner(con)
    start = time.perf_counter()
    load_access(x, a.tenant)
    if a.workload == "A":
        workload_a(x, a.tenant, a.out)
    else:
        workload_b(x, a.out)
    print(f"timing: {time.perf_counter() - start:9.3f}s  total (workload {a.workload})", file=sys.stderr)
    con.close()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
