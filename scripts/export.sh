#!/usr/bin/env bash
# Export one Dataverse environment into a dvposture export directory (see docs/exporting.md).
#
# Needs only bash, curl and python3 (standard library). Every table of the input contract is fetched
# from the Dataverse Web API with the right $select, every @odata.nextLink page is saved untouched as
# NAME.json, NAME.2.json, ..., and the audit log is written as NDJSON (audits.ndjson).
#
# The access token is never printed and never put on a command line: curl reads the
# Authorization header from a private temporary file (mode 600) that is removed on exit.
# shellcheck disable=SC2016  # the OData queries hold a literal $select/$expand/$filter
set -euo pipefail
umask 077

readonly API_PATH="/api/data/v9.2"
readonly BAP_BASE_DEFAULT="https://api.bap.microsoft.com"
readonly BAP_API_VERSION="2021-04-01"
readonly BAP_RESOURCE="https://service.powerapps.com/"
readonly MAX_RETRIES=8

# name|relative path and query (after /api/data/v9.2/). $select lists exactly the columns of
# shared/spec/INPUT.md; lookups are spelled _x_value as the Web API returns them.
TABLES=(
  'organizations|organizations?$select=organizationid,name,isauditenabled,isuseraccessauditenabled,isreadauditenabled,auditretentionperiodv2,auditretentionperiod,ishierarchicalsecuritymodelenabled,maxdepthforhierarchicalsecuritymodel,usepositionhierarchy,useraccessauditinginterval,orgdborgsettings'
  'businessunits|businessunits?$select=businessunitid,name,_parentbusinessunitid_value,isdisabled'
  'systemusers|systemusers?$select=systemuserid,fullname,domainname,internalemailaddress,azureactivedirectoryobjectid,applicationid,isdisabled,azurestate,accessmode,islicensed,_businessunitid_value,_parentsystemuserid_value,_positionid_value,createdon'
  'teams|teams?$select=teamid,name,teamtype,membershiptype,azureactivedirectoryobjectid,_businessunitid_value,isdefault,_teamtemplateid_value,_administratorid_value'
  'teammemberships|teammemberships?$select=teamid,systemuserid'
  'roles|roles?$select=roleid,name,_businessunitid_value,_parentrootroleid_value,_roletemplateid_value,ismanaged,iscustomizable,isinherited,createdon,modifiedon'
  'privileges|privileges?$select=privilegeid,name,accessright,canbebasic,canbelocal,canbedeep,canbeglobal'
  'privilegeobjecttypecodesset|privilegeobjecttypecodesset?$select=_privilegeid_value,objecttypecode'
  'roleprivilegescollection|roleprivilegescollection?$select=roleid,privilegeid,privilegedepthmask,_recordfilterid_value'
  'systemuserrolescollection|systemuserrolescollection?$select=systemuserid,roleid'
  'teamrolescollection|teamrolescollection?$select=teamid,roleid'
  'principalobjectaccessset|principalobjectaccessset?$select=principalobjectaccessid,objectid,objecttypecode,principalid,principaltypecode,accessrightsmask,inheritedaccessrightsmask,changedon'
  'fieldsecurityprofiles|fieldsecurityprofiles?$select=fieldsecurityprofileid,name'
  'fieldpermissions|fieldpermissions?$select=fieldpermissionid,_fieldsecurityprofileid_value,entityname,attributelogicalname,canread,cancreate,canupdate,canreadunmasked'
  'systemuserprofilescollection|systemuserprofilescollection?$select=systemuserid,fieldsecurityprofileid'
  'teamprofilescollection|teamprofilescollection?$select=teamid,fieldsecurityprofileid'
  'positions|positions?$select=positionid,name,_parentpositionid_value'
  'entitydefinitions|EntityDefinitions?$select=LogicalName,SchemaName,ObjectTypeCode,OwnershipType,IsActivity,IsAuditEnabled&$expand=Attributes($select=LogicalName,IsAuditEnabled)'
)
# Newer columns an older environment may not have yet: on HTTP 400 naming one of them, the table is
# fetched again without it (a warning says so), instead of losing the whole table.
declare -A NEWER_COLUMNS=(
  [fieldpermissions]='canreadunmasked'
  [roleprivilegescollection]='_recordfilterid_value'
)
readonly AUDIT_QUERY='audits?$select=auditid,createdon,action,operation,objecttypecode,_objectid_value,_userid_value,_callinguserid_value,attributemask'

usage() {
  cat <<'EOF'
Usage: scripts/export.sh --org URL --out DIR [options]

Downloads every table dvposture reads from the Dataverse Web API into DIR
(one file per @odata.nextLink page: NAME.json, NAME.2.json, ...; audits as audits.ndjson).

Required:
  --org URL               environment URL, e.g. https://contoso.crm4.dynamics.com
  --out DIR               export directory (created; must be empty unless --force)

Authentication (the token is never printed):
  --token TOKEN           Dataverse access token (visible in the process list: prefer one of the next two)
  --token-file FILE       read the Dataverse token from FILE ('-' = standard input)
                          also: environment variable DVPOSTURE_TOKEN
                          default: az account get-access-token --resource URL (needs 'az login')
  --bap-token TOKEN       token for the Power Platform admin API (resource https://service.powerapps.com/);
                          also DVPOSTURE_BAP_TOKEN; default: az account get-access-token

Options:
  --audit-days N          export audit rows with createdon in the last N days (default 90; 0 = no audits)
  --environment-id ID     also save environment.json from the Power Platform admin API
  --skip LIST             comma-separated tables to leave out (e.g. audits,principalobjectaccessset)
  --page-size N           Prefer: odata.maxpagesize (default and maximum 5000)
  --gzip                  gzip every file written (NAME.json.gz ...; dvposture reads them as they are)
  --force                 write into a non-empty DIR: first deletes the files this script writes
                          (NAME.json, NAME.N.json, audits.ndjson, environment.json); keeps all others
  -h, --help              show this help

Test only (never for a real tenant):
  --insecure-http         allow http:// for --org and --bap-base (a local mock server)
  --bap-base URL          base URL of the admin API instead of https://api.bap.microsoft.com

Exit status: 0 done; 1 an error (message on stderr); 2 bad usage.
HTTP 429 is retried after Retry-After; 401/403 stop the export with an explanation.
EOF
}

die() { printf 'export.sh: error: %s\n' "$*" >&2; exit 1; }
usage_error() { printf 'export.sh: %s\n(see --help)\n' "$*" >&2; exit 2; }
log() { printf '%s\n' "$*" >&2; }

ORG="" OUT="" TOKEN="${DVPOSTURE_TOKEN:-}" TOKEN_FILE="" BAP_TOKEN="${DVPOSTURE_BAP_TOKEN:-}"
AUDIT_DAYS=90 ENV_ID="" SKIP="" PAGE_SIZE=5000 GZIP=0 FORCE=0 INSECURE=0 BAP_BASE="$BAP_BASE_DEFAULT"

need_arg() { [[ $# -ge 2 && -n "$2" ]] || usage_error "option $1 needs a value"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --org) need_arg "$@"; ORG="$2"; shift 2 ;;
    --out) need_arg "$@"; OUT="$2"; shift 2 ;;
    --token) need_arg "$@"; TOKEN="$2"; shift 2 ;;
    --token-file) need_arg "$@"; TOKEN_FILE="$2"; shift 2 ;;
    --bap-token) need_arg "$@"; BAP_TOKEN="$2"; shift 2 ;;
    --audit-days) need_arg "$@"; AUDIT_DAYS="$2"; shift 2 ;;
    --environment-id) need_arg "$@"; ENV_ID="$2"; shift 2 ;;
    --skip) need_arg "$@"; SKIP="$2"; shift 2 ;;
    --page-size) need_arg "$@"; PAGE_SIZE="$2"; shift 2 ;;
    --gzip) GZIP=1; shift ;;
    --force) FORCE=1; shift ;;
    --insecure-http) INSECURE=1; shift ;;
    --bap-base) need_arg "$@"; BAP_BASE="$2"; shift 2 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done

[[ -n "$ORG" ]] || usage_error "--org is required"
[[ -n "$OUT" ]] || usage_error "--out is required"
[[ "$AUDIT_DAYS" =~ ^[0-9]+$ ]] || usage_error "--audit-days must be a whole number of days"
[[ "$PAGE_SIZE" =~ ^[0-9]+$ && "$PAGE_SIZE" -ge 1 && "$PAGE_SIZE" -le 5000 ]] \
  || usage_error "--page-size must be 1..5000 (the Web API ignores larger values)"
[[ -z "$ENV_ID" || "$ENV_ID" =~ ^[A-Za-z0-9-]+$ ]] || usage_error "--environment-id must be the environment id (a GUID)"
command -v curl >/dev/null || die "curl is not installed"
command -v python3 >/dev/null || die "python3 is not installed"

ORG="${ORG%/}"
check_base() { # $1 option name, $2 URL
  if [[ "$2" =~ ^https://[A-Za-z0-9.-]+(:[0-9]+)?$ ]]; then return 0; fi
  if [[ "$2" =~ ^http://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._/-]*)?$ ]]; then
    [[ $INSECURE -eq 1 ]] || usage_error "$1 must be https:// (plain http is only for tests, with --insecure-http)"
    return 0
  fi
  [[ "$1" == --bap-base && "$2" =~ ^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._/-]*)?$ ]] && return 0
  usage_error "$1 must look like https://contoso.crm4.dynamics.com (scheme and host only)"
}
check_base --org "$ORG"
BAP_BASE="${BAP_BASE%/}"
check_base --bap-base "$BAP_BASE"
API="$ORG$API_PATH"

declare -A SKIPPED=()
if [[ -n "$SKIP" ]]; then
  IFS=',' read -r -a _skip <<<"$SKIP"
  for s in "${_skip[@]}"; do
    s="${s,,}"; s="${s// /}"
    [[ -n "$s" ]] && SKIPPED["$s"]=1
  done
fi
for s in "${!SKIPPED[@]}"; do
  known=0
  for t in "${TABLES[@]}" "audits|"; do [[ "${t%%|*}" == "$s" ]] && known=1; done
  [[ $known -eq 1 ]] || usage_error "--skip: unknown table '$s' (names as in docs/exporting.md, e.g. audits,principalobjectaccessset)"
done
[[ "$AUDIT_DAYS" -eq 0 ]] && SKIPPED[audits]=1

# ---------------------------------------------------------------------------------------------
# Private work area: the Authorization header files and the Python helper live here.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dvposture-export.XXXXXX")"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$WORK/helper.py" <<'PY'
import datetime, gzip, json, os, shutil, sys
from urllib.parse import urlsplit

def page_info(path, base):
    """Print '<rows>\t<nextLink or empty>'; refuse a nextLink that leaves the API base."""
    with open(path, "rb") as f:
        doc = json.load(f)
    if isinstance(doc, list):
        print(f"{len(doc)}\t")
        return
    if not isinstance(doc, dict):
        sys.exit("response is not a JSON object")
    rows = doc.get("value")
    n = len(rows) if isinstance(rows, list) else 1
    nxt = doc.get("@odata.nextLink") or ""
    if nxt:
        a, b = urlsplit(nxt), urlsplit(base)
        if (a.scheme, a.netloc.lower()) != (b.scheme, b.netloc.lower()):
            sys.exit(f"@odata.nextLink points to another host ({a.scheme}://{a.netloc}); not followed")
        if any(c in nxt for c in "\r\n\t"):
            sys.exit("@odata.nextLink contains control characters; not followed")
    print(f"{n}\t{nxt}")

def to_ndjson(page, out):
    """Append the rows of one OData page to an NDJSON file, one compact object a line."""
    with open(page, "rb") as f:
        doc = json.load(f)
    rows = doc.get("value") if isinstance(doc, dict) else doc
    if not isinstance(rows, list):
        sys.exit("page has no value array")
    with open(out, "a", encoding="utf-8", newline="\n") as o:
        for row in rows:
            o.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            o.write("\n")

def error_message(path):
    """The service's error text (error.message), cut short; never the request or its headers."""
    try:
        with open(path, "rb") as f:
            raw = f.read(65536)
        try:
            doc = json.loads(raw)
            msg = doc.get("error", {}).get("message") or json.dumps(doc)[:300]
        except Exception:
            msg = raw.decode("utf-8", "replace")
    except OSError:
        msg = ""
    msg = " ".join(msg.split())
    print(msg[:300] + ("..." if len(msg) > 300 else ""))

def since(days):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=int(days))
    print(t.strftime("%Y-%m-%dT%H:%M:%SZ"))

def gzip_file(path):
    with open(path, "rb") as src, gzip.GzipFile(path + ".gz", "wb", mtime=0) as dst:
        shutil.copyfileobj(src, dst)
    os.remove(path)

cmd, *args = sys.argv[1:]
{"page-info": page_info, "to-ndjson": to_ndjson, "error-message": error_message,
 "since": since, "gzip": gzip_file}[cmd](*args)
PY
helper() { python3 "$WORK/helper.py" "$@"; }

# ---------------------------------------------------------------------------------------------
# Tokens. They go only into header files in $WORK (mode 600), read by curl with -H @file.
write_auth() { # $1 header file, $2 token
  local t="$2"
  t="${t#"${t%%[![:space:]]*}"}"; t="${t%"${t##*[![:space:]]}"}"
  [[ -n "$t" ]] || die "the access token is empty"
  [[ "$t" != *[[:space:]]* ]] || die "the access token contains white space; pass the bare token"
  printf 'Authorization: Bearer %s\n' "$t" >"$1"
}

az_token() { # $1 resource; prints the token (captured, never shown)
  command -v az >/dev/null || return 1
  az account get-access-token --resource "$1" --query accessToken -o tsv 2>"$WORK/az.err"
}

DV_TOKEN_FROM_AZ=0
if [[ -n "$TOKEN_FILE" ]]; then
  if [[ "$TOKEN_FILE" == - ]]; then TOKEN="$(cat)"; else
    [[ -r "$TOKEN_FILE" ]] || die "cannot read --token-file $TOKEN_FILE"
    TOKEN="$(cat -- "$TOKEN_FILE")"
  fi
fi
if [[ -z "$TOKEN" ]]; then
  command -v az >/dev/null || die "no token: pass --token/--token-file, or install the Azure CLI and run 'az login'"
  log "getting a Dataverse token from the Azure CLI (az account get-access-token --resource $ORG)"
  TOKEN="$(az_token "$ORG")" || die "az account get-access-token failed: $(head -c 300 "$WORK/az.err" | tr '\n' ' ')(run 'az login', with --allow-no-subscriptions if the tenant has no Azure subscription)"
  DV_TOKEN_FROM_AZ=1
fi
write_auth "$WORK/dv.hdr" "$TOKEN"
unset TOKEN

refresh_dv_token() {
  [[ $DV_TOKEN_FROM_AZ -eq 1 ]] || return 1
  local t
  t="$(az_token "$ORG")" || return 1
  write_auth "$WORK/dv.hdr" "$t"
}

# ---------------------------------------------------------------------------------------------
# Output directory.
mkdir -p -- "$OUT" || die "cannot create $OUT"
OUT="$(cd -- "$OUT" && pwd)"
owned_files() { # files of earlier runs of this script, for --force
  local t name
  for t in "${TABLES[@]}" "audits|" "environment|"; do
    name="${t%%|*}"
    find "$OUT" -maxdepth 1 -type f \( -iname "$name.json" -o -iname "$name.json.gz" \
      -o -iregex ".*/$name\.[0-9]+\.json\(\.gz\)?" -o -iname "$name.ndjson" -o -iname "$name.ndjson.gz" \
      -o -iname "$name.ndjson.partial" \) -print
  done
}
if [[ -n "$(find "$OUT" -mindepth 1 -maxdepth 1 -print -quit)" ]]; then
  [[ $FORCE -eq 1 ]] || die "$OUT is not empty; choose an empty directory or pass --force (deletes only this script's files)"
  while IFS= read -r f; do rm -f -- "$f"; done < <(owned_files)
  for f in "$OUT"/*; do
    case "${f##*/}" in
      *.csv|*.csv.gz) log "warning: ${f##*/} is kept; if it holds a table exported here, dvposture rejects the two formats" ;;
    esac
  done
fi
log "exporting $ORG into $OUT"

# ---------------------------------------------------------------------------------------------
# HTTP. http_get URL HEADERFILE BODYFILE LABEL [allow400] -> 0 on 200; 3 on 400 when allowed;
# otherwise dies with an explanation.
http_get() {
  local url="$1" auth="$2" body="$3" label="$4" allow400="${5:-0}" attempt=0 code rc wait refreshed=0
  while :; do
    attempt=$((attempt + 1))
    rc=0
    code="$(curl -sS -g --compressed --connect-timeout 30 --max-time 900 \
      -o "$body" -D "$WORK/resp.hdr" -w '%{http_code}' \
      -H @"$auth" -H 'Accept: application/json' -H 'OData-MaxVersion: 4.0' -H 'OData-Version: 4.0' \
      -H "Prefer: odata.maxpagesize=$PAGE_SIZE" \
      --url "$url" 2>"$WORK/curl.err")" || rc=$?
    if [[ $rc -ne 0 ]]; then
      if [[ $attempt -lt 4 ]]; then
        log "  $label: network error (curl exit $rc), retrying in $((attempt * 5)) s"
        sleep $((attempt * 5)); continue
      fi
      die "$label: request failed (curl exit $rc): $(head -c 300 "$WORK/curl.err" | tr '\n' ' ')"
    fi
    case "$code" in
      200) return 0 ;;
      400) [[ "$allow400" -eq 1 ]] && return 3
        die "$label: HTTP 400 Bad Request: $(helper error-message "$body")" ;;
      429|503)
        [[ $attempt -le $MAX_RETRIES ]] || die "$label: HTTP $code still returned after $MAX_RETRIES retries"
        wait="$(tr -d '\r' <"$WORK/resp.hdr" | awk -F': *' 'tolower($1)=="retry-after" {v=$2} END {print v}')"
        [[ "$wait" =~ ^[0-9]+$ ]] || wait=$((attempt * 10))
        [[ "$wait" -le 600 ]] || wait=600
        log "  $label: HTTP $code (service protection limit), waiting $wait s as Retry-After asks"
        sleep "$wait"; continue ;;
      502|504)
        [[ $attempt -lt 4 ]] || die "$label: HTTP $code from the service: $(helper error-message "$body")"
        log "  $label: HTTP $code, retrying in $((attempt * 10)) s"
        sleep $((attempt * 10)); continue ;;
      401)
        if [[ $refreshed -eq 0 && "$auth" == "$WORK/dv.hdr" ]] && refresh_dv_token; then
          refreshed=1; log "  $label: token expired, got a new one from the Azure CLI"; continue
        fi
        die "$label: HTTP 401 Unauthorized: the token was refused (expired, or issued for another resource: it must be for $( [[ "$auth" == "$WORK/dv.hdr" ]] && echo "$ORG" || echo "$BAP_RESOURCE")). Service says: $(helper error-message "$body")" ;;
      403)
        die "$label: HTTP 403 Forbidden: the signed-in user may not read this. Use a user with the System Administrator role or a read-only auditor role that can read this table (audits need View Audit Summary, prvReadAuditSummary), or leave the table out with --skip. Service says: $(helper error-message "$body")" ;;
      *)
        die "$label: HTTP $code: $(helper error-message "$body")" ;;
    esac
  done
}

page_file() { # $1 name, $2 page number
  if [[ "$2" -eq 1 ]]; then printf '%s/%s.json' "$OUT" "$1"; else printf '%s/%s.%d.json' "$OUT" "$1" "$2"; fi
}

WRITTEN=()
drop_column() { # $1 query, $2 column -> the query without that column in $select
  local q="$1" c="$2"
  q="${q/,$c,/,}"; q="${q/%,$c/}"; q="${q/=$c,/=}"
  printf '%s' "$q"
}

export_table() { # $1 name, $2 relative query; saves every page untouched
  local name="$1" query="$2" url="$API/$2" n=0 total=0 info rows next file rc msg col dropped
  while [[ -n "$url" ]]; do
    n=$((n + 1))
    if [[ $n -eq 1 && -n "${NEWER_COLUMNS[$name]:-}" ]]; then
      rc=0
      http_get "$url" "$WORK/dv.hdr" "$WORK/page.json" "$name page $n" 1 || rc=$?
      if [[ $rc -eq 3 ]]; then
        msg="$(helper error-message "$WORK/page.json")"
        dropped=""
        for col in ${NEWER_COLUMNS[$name]}; do
          if [[ "${msg,,}" == *"${col,,}"* && "$query" == *"$col"* ]]; then
            query="$(drop_column "$query" "$col")"; dropped="$col"
          fi
        done
        [[ -n "$dropped" ]] || die "$name page $n: HTTP 400 Bad Request: $msg"
        log "  warning: $name: this environment has no column $dropped; exported without it (HTTP 400: $msg)"
        url="$API/$query"; n=0
        continue
      fi
    else
      http_get "$url" "$WORK/dv.hdr" "$WORK/page.json" "$name page $n"
    fi
    info="$(helper page-info "$WORK/page.json" "$API" 2>"$WORK/py.err")" \
      || die "$name page $n: $(tr '\n' ' ' <"$WORK/py.err")"
    rows="${info%%$'\t'*}"; next="${info#*$'\t'}"
    file="$(page_file "$name" "$n")"
    mv -- "$WORK/page.json" "$file"
    WRITTEN+=("$file")
    total=$((total + rows))
    log "  $name: page $n, $rows rows -> ${file##*/}"
    url="$next"
  done
  log "$name: $total rows in $n file(s)"
}

export_audits() { # NDJSON, page by page; renamed to audits.ndjson only when complete
  local from url n=0 total=0 info rows next part="$OUT/audits.ndjson.partial"
  from="$(helper since "$AUDIT_DAYS")"
  url="$API/$AUDIT_QUERY&\$filter=createdon%20ge%20$from"
  : >"$part"
  log "audits: createdon ge $from (last $AUDIT_DAYS days); this is the largest table, be patient"
  while [[ -n "$url" ]]; do
    n=$((n + 1))
    http_get "$url" "$WORK/dv.hdr" "$WORK/page.json" "audits page $n"
    info="$(helper page-info "$WORK/page.json" "$API" 2>"$WORK/py.err")" \
      || die "audits page $n: $(tr '\n' ' ' <"$WORK/py.err") (partial rows left in ${part##*/})"
    rows="${info%%$'\t'*}"; next="${info#*$'\t'}"
    helper to-ndjson "$WORK/page.json" "$part" 2>"$WORK/py.err" \
      || die "audits page $n: $(tr '\n' ' ' <"$WORK/py.err")"
    rm -f -- "$WORK/page.json"
    total=$((total + rows))
    log "  audits: page $n, $rows rows (total $total)"
    url="$next"
  done
  mv -- "$part" "$OUT/audits.ndjson"
  WRITTEN+=("$OUT/audits.ndjson")
  log "audits: $total rows -> audits.ndjson"
}

export_environment() {
  local url="$BAP_BASE/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/$ENV_ID?api-version=$BAP_API_VERSION"
  if [[ -z "$BAP_TOKEN" ]]; then
    command -v az >/dev/null || die "environment.json needs a token for $BAP_RESOURCE: pass --bap-token, or install the Azure CLI"
    BAP_TOKEN="$(az_token "$BAP_RESOURCE")" || die "az account get-access-token --resource $BAP_RESOURCE failed: $(head -c 300 "$WORK/az.err" | tr '\n' ' ')"
  fi
  write_auth "$WORK/bap.hdr" "$BAP_TOKEN"
  BAP_TOKEN=""
  http_get "$url" "$WORK/bap.hdr" "$WORK/page.json" "environment"
  mv -- "$WORK/page.json" "$OUT/environment.json"
  WRITTEN+=("$OUT/environment.json")
  log "environment: environment.json"
}

# ---------------------------------------------------------------------------------------------
for t in "${TABLES[@]}"; do
  name="${t%%|*}"
  if [[ -n "${SKIPPED[$name]:-}" ]]; then log "$name: skipped (--skip)"; continue; fi
  export_table "$name" "${t#*|}"
done
if [[ -n "${SKIPPED[audits]:-}" ]]; then log "audits: skipped"; else export_audits; fi
if [[ -n "$ENV_ID" ]]; then export_environment; else
  log "environment: skipped (no --environment-id); rules on the environment will be 'not evaluated'"
fi

if [[ $GZIP -eq 1 ]]; then
  for f in "${WRITTEN[@]}"; do helper gzip "$f"; done
  log "gzip: ${#WRITTEN[@]} file(s) compressed"
fi
[[ -e "$OUT/customerinsights.json" ]] || log "note: write customerinsights.json by hand if you use Customer Insights (docs/exporting.md)"
log "done: ${#WRITTEN[@]} file(s) in $OUT"
