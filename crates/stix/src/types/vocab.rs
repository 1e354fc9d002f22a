//! STIX 2.1 vocabularies (§10) and enumerations.
//!
//! Names ending in `_OV` are open vocabularies: values outside them are
//! accepted (with a warning from the validator). Names ending in `_ENUM` are
//! closed: other values are errors.

/// `account-type-ov`.
pub const ACCOUNT_TYPE_OV: &[&str] = &[
    "facebook",
    "ldap",
    "nis",
    "openid",
    "radius",
    "skype",
    "tacacs",
    "twitter",
    "unix",
    "windows-local",
    "windows-domain",
];

/// `attack-motivation-ov`.
pub const ATTACK_MOTIVATION_OV: &[&str] = &[
    "accidental",
    "coercion",
    "dominance",
    "ideology",
    "notoriety",
    "organizational-gain",
    "personal-gain",
    "personal-satisfaction",
    "revenge",
    "unpredictable",
];

/// `attack-resource-level-ov`.
pub const ATTACK_RESOURCE_LEVEL_OV: &[&str] = &[
    "individual",
    "club",
    "contest",
    "team",
    "organization",
    "government",
];

/// `encryption-algorithm-enum`.
pub const ENCRYPTION_ALGORITHM_ENUM: &[&str] =
    &["AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated"];

/// `extension-type-enum`.
pub const EXTENSION_TYPE_ENUM: &[&str] = &[
    "new-sdo",
    "new-sco",
    "new-sro",
    "property-extension",
    "toplevel-property-extension",
];

/// `grouping-context-ov`.
pub const GROUPING_CONTEXT_OV: &[&str] =
    &["suspicious-activity", "malware-analysis", "unspecified"];

/// `hash-algorithm-ov`.
pub const HASH_ALGORITHM_OV: &[&str] = &[
    "MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH",
];

/// `identity-class-ov`.
pub const IDENTITY_CLASS_OV: &[&str] = &[
    "individual",
    "group",
    "system",
    "organization",
    "class",
    "unknown",
];

/// `implementation-language-ov`.
pub const IMPLEMENTATION_LANGUAGE_OV: &[&str] = &[
    "applescript",
    "bash",
    "c",
    "c++",
    "c#",
    "go",
    "java",
    "javascript",
    "lua",
    "objective-c",
    "perl",
    "php",
    "powershell",
    "python",
    "ruby",
    "scala",
    "swift",
    "typescript",
    "visual-basic",
    "x86-32",
    "x86-64",
];

/// `indicator-type-ov`.
pub const INDICATOR_TYPE_OV: &[&str] = &[
    "anomalous-activity",
    "anonymization",
    "benign",
    "compromised",
    "malicious-activity",
    "attribution",
    "unknown",
];

/// `industry-sector-ov`.
pub const INDUSTRY_SECTOR_OV: &[&str] = &[
    "agriculture",
    "aerospace",
    "automotive",
    "chemical",
    "commercial",
    "communications",
    "construction",
    "defense",
    "education",
    "energy",
    "entertainment",
    "financial-services",
    "government",
    "emergency-services",
    "government-national",
    "government-regional",
    "government-local",
    "government-public-services",
    "healthcare",
    "hospitality-leisure",
    "infrastructure",
    "dams",
    "nuclear",
    "water",
    "insurance",
    "manufacturing",
    "mining",
    "non-profit",
    "pharmaceuticals",
    "retail",
    "technology",
    "telecommunications",
    "transportation",
    "utilities",
];

/// `infrastructure-type-ov`.
pub const INFRASTRUCTURE_TYPE_OV: &[&str] = &[
    "amplification",
    "anonymization",
    "botnet",
    "command-and-control",
    "control-system",
    "exfiltration",
    "firewall",
    "hosting-malware",
    "hosting-target-lists",
    "phishing",
    "reconnaissance",
    "routers-switches",
    "staging",
    "workstation",
    "unknown",
];

/// `malware-capabilities-ov`.
pub const MALWARE_CAPABILITIES_OV: &[&str] = &[
    "accesses-remote-machines",
    "anti-debugging",
    "anti-disassembly",
    "anti-emulation",
    "anti-memory-forensics",
    "anti-sandbox",
    "anti-vm",
    "captures-input-peripherals",
    "captures-output-peripherals",
    "captures-system-state-data",
    "cleans-traces-of-infection",
    "commits-fraud",
    "communicates-with-c2",
    "compromises-data-availability",
    "compromises-data-integrity",
    "compromises-system-availability",
    "controls-local-machine",
    "degrades-security-software",
    "degrades-system-updates",
    "determines-c2-server",
    "emails-spam",
    "escalates-privileges",
    "evades-av",
    "exfiltrates-data",
    "fingerprints-host",
    "hides-artifacts",
    "hides-executing-code",
    "infects-files",
    "infects-remote-machines",
    "installs-other-components",
    "persists-after-system-reboot",
    "prevents-artifact-access",
    "prevents-artifact-deletion",
    "probes-network-environment",
    "self-modifies",
    "steals-authentication-credentials",
    "violates-system-operational-integrity",
];

/// `malware-result-ov`.
pub const MALWARE_RESULT_OV: &[&str] = &["malicious", "suspicious", "benign", "unknown"];

/// `malware-type-ov`.
pub const MALWARE_TYPE_OV: &[&str] = &[
    "adware",
    "backdoor",
    "bot",
    "bootkit",
    "ddos",
    "downloader",
    "dropper",
    "exploit-kit",
    "keylogger",
    "ransomware",
    "remote-access-trojan",
    "resource-exploitation",
    "rogue-security-software",
    "rootkit",
    "screen-capture",
    "spyware",
    "trojan",
    "unknown",
    "virus",
    "webshell",
    "wiper",
    "worm",
];

/// `network-socket-address-family-enum`.
pub const NETWORK_SOCKET_ADDRESS_FAMILY_ENUM: &[&str] = &[
    "AF_UNSPEC",
    "AF_INET",
    "AF_IPX",
    "AF_APPLETALK",
    "AF_NETBIOS",
    "AF_INET6",
    "AF_IRDA",
    "AF_BTH",
];

/// `network-socket-type-enum`.
pub const NETWORK_SOCKET_TYPE_ENUM: &[&str] = &[
    "SOCK_STREAM",
    "SOCK_DGRAM",
    "SOCK_RAW",
    "SOCK_RDM",
    "SOCK_SEQPACKET",
];

/// `opinion-enum`.
pub const OPINION_ENUM: &[&str] = &[
    "strongly-disagree",
    "disagree",
    "neutral",
    "agree",
    "strongly-agree",
];

/// `pattern-type-ov`.
pub const PATTERN_TYPE_OV: &[&str] = &["stix", "pcre", "sigma", "snort", "suricata", "yara"];

/// `processor-architecture-ov`.
pub const PROCESSOR_ARCHITECTURE_OV: &[&str] = &[
    "alpha", "arm", "ia-64", "mips", "powerpc", "sparc", "x86", "x86-64",
];

/// `region-ov`.
pub const REGION_OV: &[&str] = &[
    "africa",
    "eastern-africa",
    "middle-africa",
    "northern-africa",
    "southern-africa",
    "western-africa",
    "americas",
    "latin-america-caribbean",
    "south-america",
    "caribbean",
    "central-america",
    "northern-america",
    "asia",
    "central-asia",
    "eastern-asia",
    "southern-asia",
    "south-eastern-asia",
    "western-asia",
    "europe",
    "eastern-europe",
    "northern-europe",
    "southern-europe",
    "western-europe",
    "oceania",
    "antarctica",
    "australia-new-zealand",
    "melanesia",
    "micronesia",
    "polynesia",
];

/// `report-type-ov`.
pub const REPORT_TYPE_OV: &[&str] = &[
    "attack-pattern",
    "campaign",
    "identity",
    "indicator",
    "intrusion-set",
    "malware",
    "observed-data",
    "threat-actor",
    "threat-report",
    "tool",
    "vulnerability",
];

/// `threat-actor-role-ov`.
pub const THREAT_ACTOR_ROLE_OV: &[&str] = &[
    "agent",
    "director",
    "independent",
    "infrastructure-architect",
    "infrastructure-operator",
    "malware-author",
    "sponsor",
];

/// `threat-actor-sophistication-ov`.
pub const THREAT_ACTOR_SOPHISTICATION_OV: &[&str] = &[
    "none",
    "minimal",
    "intermediate",
    "advanced",
    "expert",
    "innovator",
    "strategic",
];

/// `threat-actor-type-ov`.
pub const THREAT_ACTOR_TYPE_OV: &[&str] = &[
    "activist",
    "competitor",
    "crime-syndicate",
    "criminal",
    "hacker",
    "insider-accidental",
    "insider-disgruntled",
    "nation-state",
    "sensationalist",
    "spy",
    "terrorist",
    "unknown",
];

/// `tool-type-ov`.
pub const TOOL_TYPE_OV: &[&str] = &[
    "denial-of-service",
    "exploitation",
    "information-gathering",
    "network-capture",
    "credential-exploitation",
    "remote-access",
    "vulnerability-scanning",
    "unknown",
];

/// `windows-integrity-level-enum`.
pub const WINDOWS_INTEGRITY_LEVEL_ENUM: &[&str] = &["low", "medium", "high", "system"];

/// `windows-pebinary-type-ov`.
pub const WINDOWS_PEBINARY_TYPE_OV: &[&str] = &["dll", "exe", "sys"];

/// `windows-registry-datatype-enum`.
pub const WINDOWS_REGISTRY_DATATYPE_ENUM: &[&str] = &[
    "REG_NONE",
    "REG_SZ",
    "REG_EXPAND_SZ",
    "REG_BINARY",
    "REG_DWORD",
    "REG_DWORD_BIG_ENDIAN",
    "REG_DWORD_LITTLE_ENDIAN",
    "REG_LINK",
    "REG_MULTI_SZ",
    "REG_RESOURCE_LIST",
    "REG_FULL_RESOURCE_DESCRIPTION",
    "REG_RESOURCE_REQUIREMENTS_LIST",
    "REG_QWORD",
    "REG_INVALID_TYPE",
];

/// `windows-service-start-type-enum`.
pub const WINDOWS_SERVICE_START_TYPE_ENUM: &[&str] = &[
    "SERVICE_AUTO_START",
    "SERVICE_BOOT_START",
    "SERVICE_DEMAND_START",
    "SERVICE_DISABLED",
    "SERVICE_SYSTEM_ALERT",
];

/// `windows-service-status-enum`.
pub const WINDOWS_SERVICE_STATUS_ENUM: &[&str] = &[
    "SERVICE_CONTINUE_PENDING",
    "SERVICE_PAUSE_PENDING",
    "SERVICE_PAUSED",
    "SERVICE_RUNNING",
    "SERVICE_START_PENDING",
    "SERVICE_STOP_PENDING",
    "SERVICE_STOPPED",
];

/// `windows-service-type-enum`.
pub const WINDOWS_SERVICE_TYPE_ENUM: &[&str] = &[
    "SERVICE_KERNEL_DRIVER",
    "SERVICE_FILE_SYSTEM_DRIVER",
    "SERVICE_WIN32_OWN_PROCESS",
    "SERVICE_WIN32_SHARE_PROCESS",
];
