//! Word lists and catalogs the synthetic tenant is built from.

/// First names: (display, ASCII form for the user name).
#[rustfmt::skip]
pub(crate) const FIRST_NAMES: &[(&str, &str)] = &[
    ("Adele", "adele"), ("Alex", "alex"), ("Allan", "allan"), ("Amara", "amara"), ("Ana", "ana"),
    ("Andrés", "andres"), ("Anja", "anja"), ("Arjun", "arjun"), ("Astrid", "astrid"), ("Ben", "ben"),
    ("Bianca", "bianca"), ("Björn", "bjorn"), ("Carlos", "carlos"), ("Chen", "chen"), ("Chloé", "chloe"),
    ("Christie", "christie"), ("Daniel", "daniel"), ("Debra", "debra"), ("Diego", "diego"),
    ("Dmitri", "dmitri"), ("Elena", "elena"), ("Emily", "emily"), ("Enrico", "enrico"), ("Fatima", "fatima"),
    ("François", "francois"), ("Gabriel", "gabriel"), ("Grace", "grace"), ("Hana", "hana"),
    ("Hannah", "hannah"), ("Hiroshi", "hiroshi"), ("Ines", "ines"), ("Isaiah", "isaiah"), ("Ivana", "ivana"),
    ("Jakub", "jakub"), ("James", "james"), ("Jana", "jana"), ("Javier", "javier"), ("Jessica", "jessica"),
    ("Joni", "joni"), ("José", "jose"), ("Julia", "julia"), ("Kenji", "kenji"), ("Khalid", "khalid"),
    ("Lara", "lara"), ("Lee", "lee"), ("Leila", "leila"), ("Lidia", "lidia"), ("Lukas", "lukas"),
    ("Łukasz", "lukasz"), ("Lynne", "lynne"), ("Maria", "maria"), ("Marek", "marek"), ("Megan", "megan"),
    ("Miguel", "miguel"), ("Mei", "mei"), ("Mohammed", "mohammed"), ("Nadia", "nadia"), ("Nestor", "nestor"),
    ("Nia", "nia"), ("Noah", "noah"), ("Olga", "olga"), ("Omar", "omar"), ("Patti", "patti"),
    ("Pedro", "pedro"), ("Pradeep", "pradeep"), ("Priya", "priya"), ("Rafael", "rafael"), ("Raj", "raj"),
    ("Renée", "renee"), ("Ricardo", "ricardo"), ("Rosa", "rosa"), ("Ryan", "ryan"), ("Saanvi", "saanvi"),
    ("Sakura", "sakura"), ("Samuel", "samuel"), ("Sara", "sara"), ("Sebastian", "sebastian"),
    ("Sigrid", "sigrid"), ("Sofia", "sofia"), ("Søren", "soren"), ("Stefan", "stefan"), ("Tariq", "tariq"),
    ("Thomas", "thomas"), ("Tomás", "tomas"), ("Uma", "uma"), ("Valentina", "valentina"), ("Victor", "victor"),
    ("Wei", "wei"), ("Wilhelmina", "wilhelmina"), ("Xavier", "xavier"), ("Yara", "yara"), ("Yusuf", "yusuf"),
    ("Zane", "zane"), ("Zoë", "zoe"), ("Zuzana", "zuzana"),
];

/// Last names: (display, ASCII form).
#[rustfmt::skip]
pub(crate) const LAST_NAMES: &[(&str, &str)] = &[
    ("Abbott", "abbott"), ("Adams", "adams"), ("Agarwal", "agarwal"), ("Alvarez", "alvarez"),
    ("Andersen", "andersen"), ("Bauer", "bauer"), ("Becker", "becker"), ("Bianchi", "bianchi"),
    ("Brown", "brown"), ("Bruno", "bruno"), ("Campbell", "campbell"), ("Castillo", "castillo"),
    ("Chen", "chen"), ("Clarke", "clarke"), ("Cohen", "cohen"), ("Costa", "costa"), ("Dubois", "dubois"),
    ("Dvořák", "dvorak"), ("Eriksson", "eriksson"), ("Evans", "evans"), ("Fernández", "fernandez"),
    ("Fischer", "fischer"), ("Fontaine", "fontaine"), ("García", "garcia"), ("Gomez", "gomez"),
    ("Gupta", "gupta"), ("Hansen", "hansen"), ("Haddad", "haddad"), ("Hernandez", "hernandez"),
    ("Hoffmann", "hoffmann"), ("Ibrahim", "ibrahim"), ("Ito", "ito"), ("Jansen", "jansen"),
    ("Johansson", "johansson"), ("Johnson", "johnson"), ("Kaur", "kaur"), ("Kim", "kim"),
    ("Kowalski", "kowalski"), ("Kumar", "kumar"), ("Larsen", "larsen"), ("Laurent", "laurent"), ("Lee", "lee"),
    ("Li", "li"), ("López", "lopez"), ("Martin", "martin"), ("Meyer", "meyer"), ("Mohamed", "mohamed"),
    ("Moreau", "moreau"), ("Müller", "muller"), ("Murphy", "murphy"), ("Nakamura", "nakamura"),
    ("Nguyen", "nguyen"), ("Nielsen", "nielsen"), ("Novak", "novak"), ("O'Brien", "obrien"),
    ("Okafor", "okafor"), ("Olsen", "olsen"), ("Patel", "patel"), ("Pereira", "pereira"), ("Petrov", "petrov"),
    ("Popescu", "popescu"), ("Quinn", "quinn"), ("Rossi", "rossi"), ("Russo", "russo"), ("Sánchez", "sanchez"),
    ("Santos", "santos"), ("Sato", "sato"), ("Schmidt", "schmidt"), ("Schneider", "schneider"),
    ("Silva", "silva"), ("Singh", "singh"), ("Smith", "smith"), ("Suzuki", "suzuki"), ("Tanaka", "tanaka"),
    ("Taylor", "taylor"), ("Thomas", "thomas"), ("Van der Berg", "vanderberg"), ("Vargas", "vargas"),
    ("Wagner", "wagner"), ("Walker", "walker"), ("Wang", "wang"), ("Weber", "weber"), ("Williams", "williams"),
    ("Wilson", "wilson"), ("Wójcik", "wojcik"), ("Yamamoto", "yamamoto"), ("Yilmaz", "yilmaz"),
    ("Young", "young"), ("Zhang", "zhang"), ("Zimmermann", "zimmermann"),
];

#[rustfmt::skip]
pub(crate) const REGIONS: &[&str] = &[
    "North America", "EMEA", "APAC", "Latin America", "Middle East & Africa", "Nordics", "DACH", "Benelux",
    "Iberia", "UK & Ireland", "ANZ", "Greater China", "Japan", "India", "Southeast Asia", "Central Europe",
];

#[rustfmt::skip]
pub(crate) const CITIES: &[&str] = &[
    "Seattle", "Redmond", "Chicago", "Toronto", "Montréal", "Mexico City", "São Paulo", "Buenos Aires",
    "Bogotá", "London", "Dublin", "Paris", "Lyon", "Berlin", "München", "Zürich", "Wien", "Amsterdam",
    "Brussels", "Madrid", "Barcelona", "Lisboa", "Milano", "Roma", "Oslo", "Stockholm", "København", "Helsinki",
    "Warszawa", "Praha", "Budapest", "Istanbul", "Dubai", "Riyadh", "Johannesburg", "Cairo", "Lagos", "Nairobi",
    "Mumbai", "Bengaluru", "Singapore", "Kuala Lumpur", "Jakarta", "Bangkok", "Manila", "Tokyo", "Osaka",
    "Seoul", "Shanghai", "Beijing", "Hong Kong", "Taipei", "Sydney", "Melbourne", "Auckland", "Vancouver",
    "Boston", "Atlanta", "Dallas", "Denver",
];

#[rustfmt::skip]
pub(crate) const FUNCTIONS: &[&str] = &[
    "Sales", "Service", "Marketing", "Field Service", "Finance", "Operations", "Key Accounts", "Inside Sales",
    "Partner Sales", "Customer Success", "Support Tier 1", "Support Tier 2", "Logistics", "Procurement", "HR",
    "Legal", "R&D", "Projects", "Channel", "Public Sector",
];

#[rustfmt::skip]
pub(crate) const TEAM_WORDS: &[&str] = &[
    "Deal Desk", "Key Accounts", "Renewals", "Escalations", "Onboarding", "Pipeline Review", "Quote Approvers",
    "Territory Owners", "Case Triage", "Knowledge Authors", "Campaign Owners", "Event Staff",
    "Partner Managers", "Back Office", "Collections", "Dispatch", "Warranty", "Returns", "Solution Architects",
    "Bid Team",
];

#[rustfmt::skip]
pub(crate) const GROUP_WORDS: &[&str] = &[
    "CRM-Users", "Dynamics-Sales", "Dynamics-Service", "Dynamics-Marketing", "Sales-Managers", "Service-Leads",
    "Contractors", "Interns", "Finance-Readers", "Field-Technicians", "Power-Platform-Makers", "Data-Analysts",
];

#[rustfmt::skip]
pub(crate) const PROJECT_WORDS: &[&str] = &[
    "Project Phoenix", "Atlas", "Customer 360", "Launch Q3", "Northwind Rollout", "Fabrikam Deal",
    "Tailspin Bid", "Contoso Cares", "Renewal Sprint", "Data Migration", "Partner Summit", "Spring Campaign",
];

#[rustfmt::skip]
pub(crate) const POSITION_TITLES: &[&str] = &[
    "Vice President", "Director", "Senior Manager", "Manager", "Team Lead", "Senior Specialist", "Specialist",
    "Associate",
];

/// Out-of-box tables: (logical name, schema name used in privilege names, object type code,
/// ownership, is activity, weight as a shared or audited record).
pub(crate) struct StdTable {
    pub(crate) logical: &'static str,
    pub(crate) schema: &'static str,
    pub(crate) privilege_name: &'static str,
    pub(crate) otc: u32,
    pub(crate) ownership: Ownership,
    pub(crate) activity: bool,
    pub(crate) weight: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ownership {
    User,
    Organization,
    Business,
    None,
}

impl Ownership {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Ownership::User => "UserOwned",
            Ownership::Organization => "OrganizationOwned",
            Ownership::Business => "BusinessOwned",
            Ownership::None => "None",
        }
    }
}

macro_rules! t {
    ($l:expr, $s:expr, $p:expr, $o:expr, $own:ident, $act:expr, $w:expr) => {
        StdTable {
            logical: $l,
            schema: $s,
            privilege_name: $p,
            otc: $o,
            ownership: Ownership::$own,
            activity: $act,
            weight: $w,
        }
    };
}

pub(crate) const STD_TABLES: &[StdTable] = &[
    t!("account", "Account", "Account", 1, User, false, 200),
    t!("contact", "Contact", "Contact", 2, User, false, 260),
    t!("opportunity", "Opportunity", "Opportunity", 3, User, false, 120),
    t!("lead", "Lead", "Lead", 4, User, false, 90),
    t!("annotation", "Annotation", "Note", 5, User, false, 30),
    t!("systemuser", "SystemUser", "User", 8, Business, false, 0),
    t!("team", "Team", "Team", 9, Business, false, 0),
    t!("businessunit", "BusinessUnit", "BusinessUnit", 10, Business, false, 0),
    t!("incident", "Incident", "Incident", 112, User, false, 110),
    t!("competitor", "Competitor", "Competitor", 123, Organization, false, 0),
    t!("role", "Role", "Role", 1036, Business, false, 0),
    t!("contract", "Contract", "Contract", 1010, User, false, 8),
    t!("pricelevel", "PriceLevel", "PriceLevel", 1022, Organization, false, 0),
    t!("product", "Product", "Product", 1024, Organization, false, 0),
    t!("systemform", "SystemForm", "SystemForm", 1030, Organization, false, 0),
    t!("savedquery", "SavedQuery", "Query", 1039, Organization, false, 0),
    t!("uom", "UoM", "UoM", 1055, Organization, false, 0),
    t!("quote", "Quote", "Quote", 1084, User, false, 25),
    t!("salesorder", "SalesOrder", "SalesOrder", 1088, User, false, 20),
    t!("invoice", "Invoice", "Invoice", 1090, User, false, 12),
    t!(
        "fieldsecurityprofile",
        "FieldSecurityProfile",
        "FieldSecurityProfile",
        1200,
        Organization,
        false,
        0
    ),
    t!("queue", "Queue", "Queue", 2020, User, false, 4),
    t!("queueitem", "QueueItem", "QueueItem", 2029, Organization, false, 0),
    t!("territory", "Territory", "Territory", 2013, Organization, false, 0),
    t!("connection", "Connection", "Connection", 3234, User, false, 6),
    t!("list", "List", "List", 4300, User, false, 6),
    t!("campaign", "Campaign", "Campaign", 4400, User, false, 6),
    t!("duplicaterule", "DuplicateRule", "DuplicateRule", 4414, User, false, 1),
    t!("importfile", "ImportFile", "ImportFile", 4412, User, false, 1),
    t!(
        "bulkdeleteoperation",
        "BulkDeleteOperation",
        "BulkDeleteOperation",
        4424,
        User,
        false,
        1
    ),
    t!("userquery", "UserQuery", "UserQuery", 4230, User, false, 10),
    t!("workflow", "Workflow", "Workflow", 4703, User, false, 3),
    t!("plugintype", "PluginType", "PluginType", 4602, Organization, false, 0),
    t!(
        "sdkmessageprocessingstep",
        "SdkMessageProcessingStep",
        "SdkMessageProcessingStep",
        4608,
        User,
        false,
        1
    ),
    t!("solution", "Solution", "Solution", 7100, Organization, false, 0),
    t!("publisher", "Publisher", "Publisher", 7101, Organization, false, 0),
    t!("report", "Report", "Report", 9100, User, false, 4),
    t!(
        "transactioncurrency",
        "TransactionCurrency",
        "TransactionCurrency",
        9105,
        Organization,
        false,
        0
    ),
    t!(
        "webresource",
        "WebResource",
        "WebResource",
        9333,
        Organization,
        false,
        0
    ),
    t!("goal", "Goal", "Goal", 9600, User, false, 3),
    t!(
        "emailserverprofile",
        "EmailServerProfile",
        "EmailServerProfile",
        9605,
        User,
        false,
        1
    ),
    t!("mailbox", "Mailbox", "Mailbox", 9606, User, false, 2),
    t!("entitlement", "Entitlement", "Entitlement", 9700, User, false, 4),
    t!("sla", "SLA", "SLA", 9750, User, false, 1),
    t!(
        "knowledgearticle",
        "KnowledgeArticle",
        "KnowledgeArticle",
        9953,
        Organization,
        false,
        0
    ),
    t!("position", "Position", "Position", 50, Organization, false, 0),
    t!("audit", "Audit", "Audit", 4567, None, false, 0),
    t!("activitypointer", "ActivityPointer", "Activity", 4200, User, true, 0),
    t!("appointment", "Appointment", "Activity", 4201, User, true, 25),
    t!("email", "Email", "Activity", 4202, User, true, 70),
    t!("fax", "Fax", "Activity", 4204, User, true, 1),
    t!("letter", "Letter", "Activity", 4207, User, true, 2),
    t!("phonecall", "PhoneCall", "Activity", 4210, User, true, 35),
    t!("task", "Task", "Activity", 4212, User, true, 45),
    t!("socialactivity", "SocialActivity", "Activity", 4216, User, true, 2),
    t!(
        "recurringappointmentmaster",
        "RecurringAppointmentMaster",
        "Activity",
        4251,
        User,
        true,
        2
    ),
    t!("adx_website", "adx_website", "adx_website", 10_020, User, false, 1),
    t!(
        "mspp_website",
        "mspp_website",
        "mspp_website",
        10_021,
        Organization,
        false,
        0
    ),
    t!(
        "powerpagesite",
        "powerpagesite",
        "powerpagesite",
        10_022,
        User,
        false,
        1
    ),
    t!(
        "msdyncrm_marketingemaildynamiccontentmetadata",
        "msdyncrm_marketingemaildynamiccontentmetadata",
        "msdyncrm_marketingemaildynamiccontentmetadata",
        10_023,
        Organization,
        false,
        0
    ),
    t!(
        "msdynmkt_journey",
        "msdynmkt_journey",
        "msdynmkt_journey",
        10_024,
        User,
        false,
        3
    ),
    t!(
        "msdynmkt_email",
        "msdynmkt_email",
        "msdynmkt_email",
        10_025,
        User,
        false,
        3
    ),
    t!(
        "msdyn_workorder",
        "msdyn_workorder",
        "msdyn_workorder",
        10_026,
        User,
        false,
        10
    ),
    t!(
        "msdyn_project",
        "msdyn_project",
        "msdyn_project",
        10_027,
        User,
        false,
        5
    ),
    t!(
        "msdyn_timeentry",
        "msdyn_timeentry",
        "msdyn_timeentry",
        10_028,
        User,
        false,
        6
    ),
];

/// Publisher prefixes and nouns for custom tables.
pub(crate) const PREFIXES: &[&str] = &["cr8a1", "new", "contoso", "cr51f", "fab"];

#[rustfmt::skip]
pub(crate) const NOUNS: &[&str] = &[
    "project", "asset", "vehicle", "claim", "policy", "shipment", "warehouse", "inspection", "certificate",
    "survey", "booking", "membership", "subscription", "meter", "reading", "tariff", "site", "visit",
    "complaint", "grant", "donation", "volunteer", "course", "enrollment", "exam", "permit", "license",
    "contractline", "milestone", "risk", "issue", "changerequest", "budget", "expense", "timesheet", "skill",
    "certification", "equipment", "device", "sensor", "alert", "ticket", "invoiceline", "payment", "refund",
    "rebate", "promotion", "loyaltycard", "voucher", "store", "route", "delivery", "carrier", "supplier",
    "purchaseorder", "bid", "tender", "proposal", "lease", "property", "unit", "tenant", "maintenance",
    "workpermit", "incidentreport", "audititem", "finding", "control", "assessment", "vendor", "partner",
    "agreement", "sow", "resource",
];

/// Attribute names added to tables (besides the primary key and the common columns).
#[rustfmt::skip]
pub(crate) const ATTRIBUTES: &[&str] = &[
    "name", "description", "emailaddress1", "telephone1", "address1_city", "address1_country", "revenue",
    "creditlimit", "birthdate", "governmentid", "salary", "bankaccount", "taxid", "discountpercentage",
    "estimatedvalue", "closeprobability", "priority", "category", "subject", "notes", "rating", "externalid",
    "websiteurl", "jobtitle", "department", "annualincome", "creditscore", "marginpercentage", "internalnotes",
];

/// Miscellaneous privileges (no table): (name, can be basic/local/deep too, or Global only).
pub(crate) const MISC_PRIVILEGES: &[(&str, bool)] = &[
    ("prvActOnBehalfOfAnotherUser", false),
    ("prvBulkDelete", false),
    ("prvExportCustomization", false),
    ("prvImportCustomization", false),
    ("prvPublishCustomization", false),
    ("prvBypassCustomBusinessLogic", false),
    ("prvBypassCustomPlugins", false),
    ("prvDeleteAuditPartitions", false),
    ("prvDeleteRecordChangeHistory", false),
    ("prvReadAuditSummary", false),
    ("prvReadAuditPartitions", false),
    ("prvReadRecordAuditHistory", false),
    ("prvReadUserAccessAuditHistory", false),
    ("prvExportToExcel", false),
    ("prvMerge", false),
    ("prvPrint", false),
    ("prvGoMobile", false),
    ("prvGoOffline", false),
    ("prvSyncToOutlook", false),
    ("prvUseOfficeApps", false),
    ("prvWorkflowExecution", false),
    ("prvFlow", false),
    ("prvDocumentGeneration", false),
    ("prvDisableBusinessUnit", false),
    ("prvDisableUser", false),
    ("prvReparentUser", true),
    ("prvReparentBusinessUnit", true),
    ("prvReparentTeam", true),
    ("prvSendAsUser", true),
    ("prvApproveRejectEmailAddress", false),
    ("prvPublishDuplicateRule", false),
    ("prvBrowseAvailability", false),
    ("prvOverridePriceEngineInvoice", false),
    ("prvOverrideQuotePricing", false),
    ("prvAllowQuickCampaign", false),
    ("prvConfigureInternetMarketing", false),
    ("prvCreateOrgEmailTemplates", false),
    ("prvLanguageSettings", false),
    ("prvManageUserSyncToOutlook", true),
    ("prvSearchAvailability", false),
    ("prvPublishArticle", false),
    ("prvPublishReport", false),
    ("prvAddReportToWorkplace", true),
    ("prvPromoteToGlobalQuery", false),
    ("prvUseTabletApp", false),
    ("prvMobileOfflineSync", false),
    ("prvSharePointIntegration", false),
    ("prvBypassUnifiedInterface", false),
];

/// Privileges that make a holder privileged (ACCESS-MODEL.md): never granted by the random roles.
pub(crate) const DANGEROUS_MISC: &[&str] = &[
    "prvActOnBehalfOfAnotherUser",
    "prvBypassCustomBusinessLogic",
    "prvBypassCustomPlugins",
    "prvDeleteAuditPartitions",
    "prvDeleteRecordChangeHistory",
    "prvBulkDelete",
];

pub(crate) const SYSADMIN_TEMPLATE: &str = "627090ff-40a3-4053-8790-584edc5be201";
pub(crate) const SYSCUSTOMIZER_TEMPLATE: &str = "119f245c-3cc8-4b62-b31c-d1a046ced15d";

/// Journeys service users (RULES.md, from seed 001): (name, Entra application id).
pub(crate) const JOURNEYS_SERVICE_USERS: &[(&str, &str)] = &[
    (
        "Customer Experience Platform PROD",
        "3e56e0fc-542f-4522-bac1-c7cab1017459",
    ),
    ("D365 Dataverse Data", "ca179245-7fe3-4d70-a945-09c79f85cf41"),
    ("D365 Experimentation", "729028a7-33d3-428b-b7be-0cff66ad5495"),
    ("D365 Interactives", "c88804dd-52b8-4e23-b62d-f0e38f5cef35"),
    ("D365 Lifecycle Mgmt", "c5efd687-df01-42cb-a6b6-391f24349886"),
    ("D365 Native Segments", "afc9dd19-c23a-4dc8-9fb7-0ad8cec474ff"),
    ("D365 Personalization", "db13e196-bc9c-42fe-9c55-12558c3a16fa"),
    ("D365 Sms Channel", "bd3e2b66-87c7-4fb7-90c3-de39038fbb14"),
    ("D365 Workflow", "ba069707-8fa6-41af-b08d-2d01a0d731e5"),
    // "D365 Landing Forms" (a5e884b3-...) is left out on purpose: a listed service user that is
    // missing while others are present.
];

/// The roles "D365 Marketing" must hold (RULES.md).
pub(crate) const D365_MARKETING_ROLES: &[&str] = &[
    "EventManagement S2SInbound",
    "LinkedIn LeadGen S2SInbound",
    "Marketing Services User",
    "Marketing, Business App Access",
    "Marketing Service user extensible role",
    "Marketing service user real-time role",
];

/// Journeys field security profiles; the last one is left out on purpose.
pub(crate) const JOURNEYS_PROFILES: &[&str] = &[
    "CxpApplicationUser - Mobile app channel instance secrets",
    "CxpApplicationUser - Mobile app secrets",
    "Marketers - Mobile app channel instance secrets",
    "Marketers - Mobile app secrets",
];

#[rustfmt::skip]
pub(crate) const CUSTOM_PROFILES: &[&str] = &[
    "Sales Compensation", "HR Confidential", "Finance - Credit", "Service Escalations", "Compliance - PII",
    "Executive Only", "Partner Pricing", "Payroll", "Legal Hold", "Health Data", "Bank Details", "Tax Ids",
    "Marketing Consent", "Security Operations", "Field Safety", "Data Stewards",
];

#[rustfmt::skip]
pub(crate) const APP_NAMES: &[&str] = &[
    "Contoso ERP Connector", "Power BI Refresh", "Azure Synapse Link", "Contoso Web Portal", "DocuSign Sync",
    "SAP Integration", "Mailchimp Sync", "Contoso Data Lake Export", "Teams Integration", "Service Bus Relay",
    "Contoso Mobile Backend", "Address Validation", "Contoso Billing", "KingswaySoft SSIS", "Scribe Online",
];
