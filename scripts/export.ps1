#Requires -Version 7.0
<#
.SYNOPSIS
    Export one Dataverse environment into a dvposture export directory (see docs/exporting.md).

.DESCRIPTION
    PowerShell 7 twin of scripts/export.sh. Fetches every table of the input contract from the Dataverse
    Web API with the right $select, saves every @odata.nextLink page untouched as NAME.json, NAME.2.json, ...
    and writes the audit log as NDJSON (audits.ndjson, page by page). Sends Prefer: odata.maxpagesize=5000,
    waits and retries on HTTP 429 (Retry-After), stops with an explanation on 401/403.

    The token is kept as a SecureString and handed to Invoke-RestMethod -Authentication Bearer; it is never
    printed. Each response is written by Invoke-RestMethod -OutFile, so the saved pages are the service's
    bytes, not a re-serialization.

.PARAMETER Org
    Environment URL, e.g. https://contoso.crm4.dynamics.com
.PARAMETER Out
    Export directory. Created; must be empty unless -Force.
.PARAMETER Token
    Dataverse access token (string or SecureString). Default: $env:DVPOSTURE_TOKEN, else
    Get-AzAccessToken -ResourceUrl <Org> (Az.Accounts, after Connect-AzAccount).
.PARAMETER BapToken
    Token for the Power Platform admin API (resource https://service.powerapps.com/). Default:
    $env:DVPOSTURE_BAP_TOKEN, else Get-AzAccessToken.
.PARAMETER AuditDays
    Export audit rows created in the last N days (default 90; 0 = no audits).
.PARAMETER EnvironmentId
    Also save environment.json from the Power Platform admin API.
.PARAMETER Skip
    Tables to leave out, e.g. -Skip audits,principalobjectaccessset
.PARAMETER PageSize
    Prefer: odata.maxpagesize (default and maximum 5000).
.PARAMETER Gzip
    Compress every file written (NAME.json.gz ...).
.PARAMETER Force
    Write into a non-empty directory: first deletes the files this script writes, keeps all others.
.PARAMETER InsecureHttp
    Test only: allow http:// for -Org and -BapBase (a local mock server).
.PARAMETER BapBase
    Test only: base URL of the admin API instead of https://api.bap.microsoft.com

.EXAMPLE
    Connect-AzAccount
    ./scripts/export.ps1 -Org https://contoso.crm4.dynamics.com -Out ./contoso -EnvironmentId 7f3c2a9e-4b1d-4e8a-9c65-1d2e8b7a0f43
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$Org,
    [Parameter(Mandatory)][string]$Out,
    [object]$Token,
    [object]$BapToken,
    [ValidateRange(0, 36500)][int]$AuditDays = 90,
    [ValidatePattern('^[A-Za-z0-9-]+$')][string]$EnvironmentId,
    [string[]]$Skip = @(),
    [ValidateRange(1, 5000)][int]$PageSize = 5000,
    [switch]$Gzip,
    [switch]$Force,
    [switch]$InsecureHttp,
    [string]$BapBase = 'https://api.bap.microsoft.com'
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$ApiPath = '/api/data/v9.2'
$BapApiVersion = '2021-04-01'
$BapResource = 'https://service.powerapps.com/'
$MaxRetries = 8

# Name -> relative query. $select lists exactly the columns of INPUT.md; lookups as _x_value.
$Tables = [ordered]@{
    organizations                = 'organizations?$select=organizationid,name,isauditenabled,isuseraccessauditenabled,isreadauditenabled,auditretentionperiodv2,auditretentionperiod,ishierarchicalsecuritymodelenabled,maxdepthforhierarchicalsecuritymodel,usepositionhierarchy,useraccessauditinginterval,orgdborgsettings'
    businessunits                = 'businessunits?$select=businessunitid,name,_parentbusinessunitid_value,isdisabled'
    systemusers                  = 'systemusers?$select=systemuserid,fullname,domainname,internalemailaddress,azureactivedirectoryobjectid,applicationid,isdisabled,azurestate,accessmode,islicensed,_businessunitid_value,_parentsystemuserid_value,_positionid_value,createdon'
    teams                        = 'teams?$select=teamid,name,teamtype,membershiptype,azureactivedirectoryobjectid,_businessunitid_value,isdefault,_teamtemplateid_value,_administratorid_value'
    teammemberships              = 'teammemberships?$select=teamid,systemuserid'
    roles                        = 'roles?$select=roleid,name,_businessunitid_value,_parentrootroleid_value,_roletemplateid_value,ismanaged,iscustomizable,isinherited,createdon,modifiedon'
    privileges                   = 'privileges?$select=privilegeid,name,accessright,canbebasic,canbelocal,canbedeep,canbeglobal'
    privilegeobjecttypecodesset  = 'privilegeobjecttypecodesset?$select=_privilegeid_value,objecttypecode'
    roleprivilegescollection     = 'roleprivilegescollection?$select=roleid,privilegeid,privilegedepthmask,_recordfilterid_value'
    systemuserrolescollection    = 'systemuserrolescollection?$select=systemuserid,roleid'
    teamrolescollection          = 'teamrolescollection?$select=teamid,roleid'
    principalobjectaccessset     = 'principalobjectaccessset?$select=principalobjectaccessid,objectid,objecttypecode,principalid,principaltypecode,accessrightsmask,inheritedaccessrightsmask,changedon'
    fieldsecurityprofiles        = 'fieldsecurityprofiles?$select=fieldsecurityprofileid,name'
    fieldpermissions             = 'fieldpermissions?$select=fieldpermissionid,_fieldsecurityprofileid_value,entityname,attributelogicalname,canread,cancreate,canupdate,canreadunmasked'
    systemuserprofilescollection = 'systemuserprofilescollection?$select=systemuserid,fieldsecurityprofileid'
    teamprofilescollection       = 'teamprofilescollection?$select=teamid,fieldsecurityprofileid'
    positions                    = 'positions?$select=positionid,name,_parentpositionid_value'
    entitydefinitions            = 'EntityDefinitions?$select=LogicalName,SchemaName,ObjectTypeCode,OwnershipType,IsActivity,IsAuditEnabled&$expand=Attributes($select=LogicalName,IsAuditEnabled)'
}
# Newer columns an older environment may not have yet: on HTTP 400 naming one of them, the table is
# fetched again without it (with a warning) instead of losing the whole table.
$NewerColumns = @{ fieldpermissions = @('canreadunmasked'); roleprivilegescollection = @('_recordfilterid_value') }
$AuditQuery = 'audits?$select=auditid,createdon,action,operation,objecttypecode,_objectid_value,_userid_value,_callinguserid_value,attributemask'

function Fail([string]$Message) {
    # A terminating error with the message only (never a request or its headers).
    throw "export.ps1: error: $Message"
}
function Log([string]$Message) { [Console]::Error.WriteLine($Message) }

function Test-Base([string]$Name, [string]$Url, [bool]$AllowPath) {
    $pattern = if ($AllowPath) { '^(https?)://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._/-]*)?$' } else { '^(https?)://[A-Za-z0-9.-]+(:[0-9]+)?$' }
    if ($Url -notmatch $pattern) { Fail "$Name must look like https://contoso.crm4.dynamics.com (scheme and host only)" }
    if ($Matches[1] -eq 'http' -and -not $InsecureHttp) { Fail "$Name must be https:// (plain http is only for tests, with -InsecureHttp)" }
}

$Org = $Org.TrimEnd('/')
$BapBase = $BapBase.TrimEnd('/')
Test-Base '-Org' $Org $false
Test-Base '-BapBase' $BapBase $true
$Api = "$Org$ApiPath"
$SkipSet = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
foreach ($s in $Skip) { foreach ($p in ($s -split ',')) { if ($p.Trim()) { [void]$SkipSet.Add($p.Trim()) } } }
foreach ($s in $SkipSet) {
    if (-not ($Tables.Contains($s) -or $s -eq 'audits')) { Fail "-Skip: unknown table '$s' (names as in docs/exporting.md, e.g. audits,principalobjectaccessset)" }
}
if ($AuditDays -eq 0) { [void]$SkipSet.Add('audits') }

# --- Tokens (SecureString only) ---------------------------------------------------------------
function ConvertTo-SecureToken([object]$Value) {
    if ($null -eq $Value) { return $null }
    if ($Value -is [securestring]) { return $Value }
    $text = ([string]$Value).Trim()
    if (-not $text) { Fail 'the access token is empty' }
    if ($text -match '\s') { Fail 'the access token contains white space; pass the bare token' }
    return (ConvertTo-SecureString -String $text -AsPlainText -Force)
}
function Get-AzToken([string]$Resource) {
    if (-not (Get-Command Get-AzAccessToken -ErrorAction SilentlyContinue)) {
        Fail "no token: pass -Token, set DVPOSTURE_TOKEN, or install Az.Accounts and run Connect-AzAccount"
    }
    try { $t = Get-AzAccessToken -ResourceUrl $Resource -WarningAction SilentlyContinue }
    catch { Fail "Get-AzAccessToken -ResourceUrl $Resource failed: $($_.Exception.Message) (run Connect-AzAccount)" }
    # Az.Accounts 5 and later return a SecureString, older versions a string.
    return (ConvertTo-SecureToken $t.Token)
}

$DvFromAz = $false
if ($null -eq $Token -and $env:DVPOSTURE_TOKEN) { $Token = $env:DVPOSTURE_TOKEN }
if ($null -eq $Token) {
    Log "getting a Dataverse token with Get-AzAccessToken -ResourceUrl $Org"
    $DvToken = Get-AzToken $Org
    $DvFromAz = $true
} else {
    $DvToken = ConvertTo-SecureToken $Token
}
$Token = $null
if ($null -eq $BapToken -and $env:DVPOSTURE_BAP_TOKEN) { $BapToken = $env:DVPOSTURE_BAP_TOKEN }
$BapSecure = ConvertTo-SecureToken $BapToken
$BapToken = $null

# --- Output directory -------------------------------------------------------------------------
$null = New-Item -ItemType Directory -Force -Path $Out
$Out = (Resolve-Path -LiteralPath $Out).ProviderPath
$WorkDir = Join-Path ([IO.Path]::GetTempPath()) ("dvposture-export." + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path $WorkDir

$owned = @($Tables.Keys) + @('audits', 'environment')
$ownedPattern = '^(' + (($owned | ForEach-Object { [regex]::Escape($_) }) -join '|') + ')(\.[0-9]+)?\.(json|ndjson)(\.gz|\.partial)?$'
$existing = @(Get-ChildItem -LiteralPath $Out -Force)
if ($existing.Count -gt 0) {
    if (-not $Force) { Fail "$Out is not empty; choose an empty directory or pass -Force (deletes only this script's files)" }
    foreach ($f in $existing) {
        if (-not $f.PSIsContainer -and $f.Name -match $ownedPattern) { Remove-Item -LiteralPath $f.FullName -Force }
        elseif ($f.Name -match '\.csv(\.gz)?$') { Log "warning: $($f.Name) is kept; if it holds a table exported here, dvposture rejects the two formats" }
    }
}
Log "exporting $Org into $Out"

# --- HTTP -------------------------------------------------------------------------------------
function Get-ErrorText([string]$Path) {
    $msg = ''
    try {
        $raw = Get-Content -LiteralPath $Path -Raw -ErrorAction Stop
        try { $doc = $raw | ConvertFrom-Json -ErrorAction Stop; $msg = [string]$doc.error.message } catch { $msg = $raw }
        if (-not $msg) { $msg = $raw }
    } catch { }
    $msg = ($msg -replace '\s+', ' ').Trim()
    if ($msg.Length -gt 300) { $msg = $msg.Substring(0, 300) + '...' }
    return $msg
}

# Returns the status: 200, or 400 when -Allow400; any other outcome is a terminating error.
function Invoke-Page([string]$Uri, [string]$Which, [string]$Body, [string]$Label, [switch]$Allow400) {
    $attempt = 0
    $refreshed = $false
    while ($true) {
        $attempt++
        $tok = if ($Which -eq 'dv') { $script:DvToken } else { $script:BapSecure }
        $sc = 0
        $hdrs = $null
        $params = @{
            Uri                            = $Uri
            Method                         = 'Get'
            Authentication                 = 'Bearer'
            Token                          = $tok
            Headers                        = @{ 'Accept' = 'application/json'; 'OData-MaxVersion' = '4.0'; 'OData-Version' = '4.0'; 'Prefer' = "odata.maxpagesize=$PageSize" }
            OutFile                        = $Body
            SkipHttpErrorCheck             = $true
            StatusCodeVariable             = 'sc'
            ResponseHeadersVariable        = 'hdrs'
            AllowUnencryptedAuthentication = [bool]$InsecureHttp
            TimeoutSec                     = 900
        }
        try {
            $null = Invoke-RestMethod @params
        } catch {
            if ($attempt -lt 4) {
                Log "  ${Label}: network error ($($_.Exception.Message)), retrying in $($attempt * 5) s"
                Start-Sleep -Seconds ($attempt * 5); continue
            }
            Fail "${Label}: request failed: $($_.Exception.Message)"
        }
        switch ([int]$sc) {
            200 { return 200 }
            400 {
                if ($Allow400) { return 400 }
                Fail "${Label}: HTTP 400 Bad Request: $(Get-ErrorText $Body)"
            }
            { $_ -in 429, 503 } {
                if ($attempt -gt $MaxRetries) { Fail "${Label}: HTTP $sc still returned after $MaxRetries retries" }
                $wait = $attempt * 10
                if ($hdrs -and $hdrs.ContainsKey('Retry-After')) {
                    $v = 0
                    if ([int]::TryParse(([string]@($hdrs['Retry-After'])[0]).Trim(), [ref]$v)) { $wait = [Math]::Min($v, 600) }
                }
                Log "  ${Label}: HTTP $sc (service protection limit), waiting $wait s as Retry-After asks"
                Start-Sleep -Seconds $wait; continue
            }
            { $_ -in 502, 504 } {
                if ($attempt -ge 4) { Fail "${Label}: HTTP $sc from the service: $(Get-ErrorText $Body)" }
                Log "  ${Label}: HTTP $sc, retrying in $($attempt * 10) s"
                Start-Sleep -Seconds ($attempt * 10); continue
            }
            401 {
                if (-not $refreshed -and $Which -eq 'dv' -and $script:DvFromAz) {
                    $script:DvToken = Get-AzToken $Org; $refreshed = $true
                    Log "  ${Label}: token expired, got a new one from Get-AzAccessToken"; continue
                }
                $for = if ($Which -eq 'dv') { $Org } else { $BapResource }
                Fail "${Label}: HTTP 401 Unauthorized: the token was refused (expired, or issued for another resource: it must be for $for). Service says: $(Get-ErrorText $Body)"
            }
            403 {
                Fail "${Label}: HTTP 403 Forbidden: the signed-in user may not read this. Use a user with the System Administrator role or a read-only auditor role that can read this table (audits need View Audit Summary, prvReadAuditSummary), or leave the table out with -Skip. Service says: $(Get-ErrorText $Body)"
            }
            default { Fail "${Label}: HTTP ${sc}: $(Get-ErrorText $Body)" }
        }
    }
}

function Open-Json([string]$Path) {
    $fs = [IO.File]::OpenRead($Path)
    try { return [System.Text.Json.JsonDocument]::Parse($fs, [System.Text.Json.JsonDocumentOptions]::new()) }
    finally { $fs.Dispose() }
}

# Returns @(rows, nextLink or ''); refuses a nextLink that leaves the API host.
function Get-PageInfo([string]$Path) {
    $doc = Open-Json $Path
    try {
        $root = $doc.RootElement
        if ($root.ValueKind -eq [System.Text.Json.JsonValueKind]::Array) { return @($root.GetArrayLength(), '') }
        $rows = 1
        $v = $null
        if ($root.TryGetProperty('value', [ref]$v) -and $v.ValueKind -eq [System.Text.Json.JsonValueKind]::Array) { $rows = $v.GetArrayLength() }
        $next = ''
        $n = $null
        if ($root.TryGetProperty('@odata.nextLink', [ref]$n)) { $next = $n.GetString() }
        if ($next) {
            $a = [Uri]$next; $b = [Uri]$Api
            if ($a.Scheme -ne $b.Scheme -or $a.Authority -ne $b.Authority) {
                Fail "@odata.nextLink points to another host ($($a.Scheme)://$($a.Authority)); not followed"
            }
        }
        return @($rows, $next)
    } finally { $doc.Dispose() }
}

# Appends the rows of one page to an NDJSON file, one compact object a line.
function Add-Ndjson([string]$Page, [string]$Target) {
    $doc = Open-Json $Page
    $out = [IO.File]::Open($Target, [IO.FileMode]::Append, [IO.FileAccess]::Write)
    $writer = [System.Text.Json.Utf8JsonWriter]::new($out, [System.Text.Json.JsonWriterOptions]::new())
    try {
        $v = $null
        if (-not $doc.RootElement.TryGetProperty('value', [ref]$v)) { Fail 'page has no value array' }
        foreach ($row in $v.EnumerateArray()) {
            $row.WriteTo($writer)
            $writer.Flush()
            $out.WriteByte(10)
            $writer.Reset()
        }
    } finally { $writer.Dispose(); $out.Dispose(); $doc.Dispose() }
}

$Written = [System.Collections.Generic.List[string]]::new()
$PageTmp = Join-Path $WorkDir 'page.json'

function Remove-Column([string]$Q, [string]$C) {
    $e = [regex]::Escape($C)
    $Q = $Q -replace ",$e(?=,|&|$)", ''
    return ($Q -replace "=$e,", '=')
}

function Export-Table([string]$Name, [string]$Query) {
    $url = "$Api/$Query"; $n = 0; $total = 0
    while ($url) {
        $n++
        if ($n -eq 1 -and $NewerColumns.ContainsKey($Name)) {
            $status = Invoke-Page $url 'dv' $PageTmp "$Name page $n" -Allow400
            if ($status -eq 400) {
                $msg = Get-ErrorText $PageTmp
                $dropped = $null
                foreach ($c in $NewerColumns[$Name]) {
                    if ($msg -like "*$c*" -and $Query -like "*$c*") { $Query = Remove-Column $Query $c; $dropped = $c }
                }
                if (-not $dropped) { Fail "$Name page ${n}: HTTP 400 Bad Request: $msg" }
                Log "  warning: ${Name}: this environment has no column $dropped; exported without it (HTTP 400: $msg)"
                $url = "$Api/$Query"; $n = 0
                continue
            }
        } else {
            $null = Invoke-Page $url 'dv' $PageTmp "$Name page $n"
        }
        $rows, $next = Get-PageInfo $PageTmp
        $file = if ($n -eq 1) { Join-Path $Out "$Name.json" } else { Join-Path $Out "$Name.$n.json" }
        Move-Item -LiteralPath $PageTmp -Destination $file -Force
        $Written.Add($file)
        $total += $rows
        Log "  ${Name}: page $n, $rows rows -> $(Split-Path -Leaf $file)"
        $url = $next
    }
    Log "${Name}: $total rows in $n file(s)"
}

function Export-Audits {
    $from = (Get-Date).ToUniversalTime().AddDays(-$AuditDays).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [Globalization.CultureInfo]::InvariantCulture)
    $url = "$Api/$AuditQuery&`$filter=createdon%20ge%20$from"
    $part = Join-Path $Out 'audits.ndjson.partial'
    $null = New-Item -ItemType File -Path $part -Force
    Log "audits: createdon ge $from (last $AuditDays days); this is the largest table, be patient"
    $n = 0; $total = 0
    while ($url) {
        $n++
        $null = Invoke-Page $url 'dv' $PageTmp "audits page $n"
        $rows, $next = Get-PageInfo $PageTmp
        Add-Ndjson $PageTmp $part
        Remove-Item -LiteralPath $PageTmp -Force
        $total += $rows
        Log "  audits: page $n, $rows rows (total $total)"
        $url = $next
    }
    $final = Join-Path $Out 'audits.ndjson'
    Move-Item -LiteralPath $part -Destination $final -Force
    $Written.Add($final)
    Log "audits: $total rows -> audits.ndjson"
}

function Export-Environment {
    if ($null -eq $script:BapSecure) {
        Log "getting an admin API token with Get-AzAccessToken -ResourceUrl $BapResource"
        $script:BapSecure = Get-AzToken $BapResource
    }
    $url = "$BapBase/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/${EnvironmentId}?api-version=$BapApiVersion"
    $null = Invoke-Page $url 'bap' $PageTmp 'environment'
    $file = Join-Path $Out 'environment.json'
    Move-Item -LiteralPath $PageTmp -Destination $file -Force
    $Written.Add($file)
    Log 'environment: environment.json'
}

function Compress-File([string]$Path) {
    $src = [IO.File]::OpenRead($Path)
    $dst = [IO.File]::Create("$Path.gz")
    $gz = [IO.Compression.GZipStream]::new($dst, [IO.Compression.CompressionLevel]::Optimal)
    try { $src.CopyTo($gz) } finally { $gz.Dispose(); $dst.Dispose(); $src.Dispose() }
    Remove-Item -LiteralPath $Path -Force
}

# --- Run --------------------------------------------------------------------------------------
try {
    foreach ($name in $Tables.Keys) {
        if ($SkipSet.Contains($name)) { Log "${name}: skipped (-Skip)"; continue }
        Export-Table $name $Tables[$name]
    }
    if ($SkipSet.Contains('audits')) { Log 'audits: skipped' } else { Export-Audits }
    if ($EnvironmentId) { Export-Environment }
    else { Log "environment: skipped (no -EnvironmentId); rules on the environment will be 'not evaluated'" }
    if ($Gzip) {
        foreach ($f in $Written) { Compress-File $f }
        Log "gzip: $($Written.Count) file(s) compressed"
    }
    if (-not (Test-Path -LiteralPath (Join-Path $Out 'customerinsights.json'))) {
        Log 'note: write customerinsights.json by hand if you use Customer Insights (docs/exporting.md)'
    }
    Log "done: $($Written.Count) file(s) in $Out"
} finally {
    Remove-Item -LiteralPath $WorkDir -Recurse -Force -ErrorAction SilentlyContinue
}
