//! The 18 STIX Cyber-observable Objects (STIX 2.1 §6) and their embedded
//! types.

use super::sco_ext;
use super::vocab::*;
use super::{
    BOOL, Constraint, DICT, HASHES, HEX, INT, ObjectDef, ObjectKind, RefTarget, STR, STR_LIST, TS,
    TypeDef, UINT, ValueKind, opt, reference, req,
};

const fn sco(
    name: &'static str,
    properties: &'static [super::PropertyDef],
    constraints: &'static [Constraint],
    id_contributing: &'static [&'static str],
) -> TypeDef {
    TypeDef {
        name,
        kind: ObjectKind::Sco,
        properties,
        constraints,
        id_contributing,
        extensions: &[],
    }
}

const PORT: ValueKind = ValueKind::Integer {
    min: Some(0),
    max: Some(65535),
};
const EMAIL_ADDR_REF: ValueKind = reference(&["email-addr"]);
const ADDRESS_REF: ValueKind = reference(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"]);

/// `artifact` (§6.1).
pub static ARTIFACT: TypeDef = sco(
    "artifact",
    &[
        opt("mime_type", STR),
        opt("payload_bin", ValueKind::Binary),
        opt("url", STR),
        opt("hashes", HASHES),
        opt(
            "encryption_algorithm",
            ValueKind::Enum(ENCRYPTION_ALGORITHM_ENUM),
        ),
        opt("decryption_key", STR),
    ],
    &[
        Constraint::ExactlyOne(&["payload_bin", "url"]),
        Constraint::Requires {
            property: "url",
            requires: &["hashes"],
        },
        Constraint::Requires {
            property: "decryption_key",
            requires: &["encryption_algorithm"],
        },
    ],
    &["hashes", "payload_bin"],
);

/// `autonomous-system` (§6.2).
pub static AUTONOMOUS_SYSTEM: TypeDef = sco(
    "autonomous-system",
    &[req("number", INT), opt("name", STR), opt("rir", STR)],
    &[],
    &["number"],
);

/// `directory` (§6.3).
pub static DIRECTORY: TypeDef = sco(
    "directory",
    &[
        req("path", STR),
        opt("path_enc", STR),
        opt("ctime", TS),
        opt("mtime", TS),
        opt("atime", TS),
        opt(
            "contains_refs",
            ValueKind::List(&reference(&["file", "directory"])),
        ),
    ],
    &[],
    &["path"],
);

/// `domain-name` (§6.4).
pub static DOMAIN_NAME: TypeDef = sco(
    "domain-name",
    &[
        req("value", STR),
        opt(
            "resolves_to_refs",
            ValueKind::List(&reference(&["ipv4-addr", "ipv6-addr", "domain-name"])),
        ),
    ],
    &[],
    &["value"],
);

/// `email-addr` (§6.5).
pub static EMAIL_ADDR: TypeDef = sco(
    "email-addr",
    &[
        req("value", STR),
        opt("display_name", STR),
        opt("belongs_to_ref", reference(&["user-account"])),
    ],
    &[],
    &["value"],
);

/// `email-mime-part-type` (§6.6.2), the items of `body_multipart`.
pub static EMAIL_MIME_PART: ObjectDef = ObjectDef {
    name: "email-mime-part-type",
    properties: &[
        opt("body", STR),
        opt("body_raw_ref", reference(&["artifact", "file"])),
        opt("content_type", STR),
        opt("content_disposition", STR),
    ],
    constraints: &[Constraint::ExactlyOne(&["body", "body_raw_ref"])],
};

/// `email-message` (§6.6).
pub static EMAIL_MESSAGE: TypeDef = sco(
    "email-message",
    &[
        req("is_multipart", BOOL),
        opt("date", TS),
        opt("content_type", STR),
        opt("from_ref", EMAIL_ADDR_REF),
        opt("sender_ref", EMAIL_ADDR_REF),
        opt("to_refs", ValueKind::List(&EMAIL_ADDR_REF)),
        opt("cc_refs", ValueKind::List(&EMAIL_ADDR_REF)),
        opt("bcc_refs", ValueKind::List(&EMAIL_ADDR_REF)),
        opt("message_id", STR),
        opt("subject", STR),
        opt("received_lines", STR_LIST),
        opt("additional_header_fields", DICT),
        opt("body", STR),
        opt(
            "body_multipart",
            ValueKind::List(&ValueKind::Object(&EMAIL_MIME_PART)),
        ),
        opt("raw_email_ref", reference(&["artifact"])),
    ],
    &[
        Constraint::When {
            flag: "is_multipart",
            value: true,
            require: &[],
            forbid: &["body"],
        },
        Constraint::When {
            flag: "is_multipart",
            value: false,
            require: &[],
            forbid: &["body_multipart"],
        },
    ],
    &["from_ref", "subject", "body"],
);

/// `file` (§6.7).
pub static FILE: TypeDef = TypeDef {
    extensions: &[
        &sco_ext::ARCHIVE_EXT,
        &sco_ext::NTFS_EXT,
        &sco_ext::PDF_EXT,
        &sco_ext::RASTER_IMAGE_EXT,
        &sco_ext::WINDOWS_PEBINARY_EXT,
    ],
    ..sco(
        "file",
        &[
            opt("hashes", HASHES),
            opt("size", UINT),
            opt("name", STR),
            opt("name_enc", STR),
            opt("magic_number_hex", HEX),
            opt("mime_type", STR),
            opt("ctime", TS),
            opt("mtime", TS),
            opt("atime", TS),
            opt("parent_directory_ref", reference(&["directory"])),
            opt(
                "contains_refs",
                ValueKind::List(&ValueKind::Identifier(RefTarget::Sco)),
            ),
            opt("content_ref", reference(&["artifact"])),
        ],
        &[Constraint::AtLeastOne(&["hashes", "name"])],
        &["hashes", "name", "extensions", "parent_directory_ref"],
    )
};

const IP_ADDR_PROPERTIES: &[super::PropertyDef] = &[
    req("value", STR),
    opt(
        "resolves_to_refs",
        ValueKind::List(&reference(&["mac-addr"])),
    ),
    opt(
        "belongs_to_refs",
        ValueKind::List(&reference(&["autonomous-system"])),
    ),
];

/// `ipv4-addr` (§6.8).
pub static IPV4_ADDR: TypeDef = sco("ipv4-addr", IP_ADDR_PROPERTIES, &[], &["value"]);

/// `ipv6-addr` (§6.9).
pub static IPV6_ADDR: TypeDef = sco("ipv6-addr", IP_ADDR_PROPERTIES, &[], &["value"]);

/// `mac-addr` (§6.10).
pub static MAC_ADDR: TypeDef = sco("mac-addr", &[req("value", STR)], &[], &["value"]);

/// `mutex` (§6.11).
pub static MUTEX: TypeDef = sco("mutex", &[req("name", STR)], &[], &["name"]);

/// `network-traffic` (§6.12).
pub static NETWORK_TRAFFIC: TypeDef = TypeDef {
    extensions: &[
        &sco_ext::HTTP_REQUEST_EXT,
        &sco_ext::ICMP_EXT,
        &sco_ext::SOCKET_EXT,
        &sco_ext::TCP_EXT,
    ],
    ..sco(
        "network-traffic",
        &[
            opt("start", TS),
            opt("end", TS),
            opt("is_active", BOOL),
            opt("src_ref", ADDRESS_REF),
            opt("dst_ref", ADDRESS_REF),
            opt("src_port", PORT),
            opt("dst_port", PORT),
            req("protocols", STR_LIST),
            opt("src_byte_count", UINT),
            opt("dst_byte_count", UINT),
            opt("src_packets", UINT),
            opt("dst_packets", UINT),
            opt("ipfix", DICT),
            opt("src_payload_ref", reference(&["artifact"])),
            opt("dst_payload_ref", reference(&["artifact"])),
            opt(
                "encapsulates_refs",
                ValueKind::List(&reference(&["network-traffic"])),
            ),
            opt("encapsulated_by_ref", reference(&["network-traffic"])),
        ],
        &[
            Constraint::AtLeastOne(&["src_ref", "dst_ref"]),
            Constraint::When {
                flag: "is_active",
                value: true,
                require: &[],
                forbid: &["end"],
            },
            Constraint::Order {
                earlier: "start",
                later: "end",
                strict: false,
            },
        ],
        &[
            "start",
            "end",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "extensions",
        ],
    )
};

/// `process` (§6.13). It has no ID-contributing properties: its id is always
/// a UUIDv4.
pub static PROCESS: TypeDef = TypeDef {
    extensions: &[&sco_ext::WINDOWS_PROCESS_EXT, &sco_ext::WINDOWS_SERVICE_EXT],
    ..sco(
        "process",
        &[
            opt("is_hidden", BOOL),
            opt("pid", INT),
            opt("created_time", TS),
            opt("cwd", STR),
            opt("command_line", STR),
            opt("environment_variables", DICT),
            opt(
                "opened_connection_refs",
                ValueKind::List(&reference(&["network-traffic"])),
            ),
            opt("creator_user_ref", reference(&["user-account"])),
            opt("image_ref", reference(&["file"])),
            opt("parent_ref", reference(&["process"])),
            opt("child_refs", ValueKind::List(&reference(&["process"]))),
        ],
        &[Constraint::AtLeastOneSpecific],
        &[],
    )
};

/// `software` (§6.14).
pub static SOFTWARE: TypeDef = sco(
    "software",
    &[
        req("name", STR),
        opt("cpe", STR),
        opt("swid", STR),
        opt("languages", STR_LIST),
        opt("vendor", STR),
        opt("version", STR),
    ],
    &[],
    &["name", "cpe", "swid", "vendor", "version"],
);

/// `url` (§6.15).
pub static URL: TypeDef = sco("url", &[req("value", STR)], &[], &["value"]);

/// `user-account` (§6.16).
pub static USER_ACCOUNT: TypeDef = TypeDef {
    extensions: &[&sco_ext::UNIX_ACCOUNT_EXT],
    ..sco(
        "user-account",
        &[
            opt("user_id", STR),
            opt("credential", STR),
            opt("account_login", STR),
            opt("account_type", ValueKind::OpenVocab(ACCOUNT_TYPE_OV)),
            opt("display_name", STR),
            opt("is_service_account", BOOL),
            opt("is_privileged", BOOL),
            opt("can_escalate_privs", BOOL),
            opt("is_disabled", BOOL),
            opt("account_created", TS),
            opt("account_expires", TS),
            opt("credential_last_changed", TS),
            opt("account_first_login", TS),
            opt("account_last_login", TS),
        ],
        &[Constraint::AtLeastOneSpecific],
        &["account_type", "user_id", "account_login"],
    )
};

/// `windows-registry-value-type` (§6.17.2), the items of `values`.
pub static WINDOWS_REGISTRY_VALUE: ObjectDef = ObjectDef {
    name: "windows-registry-value-type",
    properties: &[
        opt("name", STR),
        opt("data", STR),
        opt("data_type", ValueKind::Enum(WINDOWS_REGISTRY_DATATYPE_ENUM)),
    ],
    constraints: &[Constraint::AtLeastOneSpecific],
};

/// `windows-registry-key` (§6.17).
pub static WINDOWS_REGISTRY_KEY: TypeDef = sco(
    "windows-registry-key",
    &[
        opt("key", STR),
        opt(
            "values",
            ValueKind::List(&ValueKind::Object(&WINDOWS_REGISTRY_VALUE)),
        ),
        opt("modified_time", TS),
        opt("creator_user_ref", reference(&["user-account"])),
        opt("number_of_subkeys", INT),
    ],
    &[Constraint::AtLeastOneSpecific],
    &["key", "values"],
);

/// `x509-v3-extensions-type` (§6.18.2).
pub static X509_V3_EXTENSIONS: ObjectDef = ObjectDef {
    name: "x509-v3-extensions-type",
    properties: &[
        opt("basic_constraints", STR),
        opt("name_constraints", STR),
        opt("policy_constraints", STR),
        opt("key_usage", STR),
        opt("extended_key_usage", STR),
        opt("subject_key_identifier", STR),
        opt("authority_key_identifier", STR),
        opt("subject_alternative_name", STR),
        opt("issuer_alternative_name", STR),
        opt("subject_directory_attributes", STR),
        opt("crl_distribution_points", STR),
        opt("inhibit_any_policy", STR),
        opt("private_key_usage_period_not_before", TS),
        opt("private_key_usage_period_not_after", TS),
        opt("certificate_policies", STR),
        opt("policy_mappings", STR),
    ],
    constraints: &[Constraint::AtLeastOneSpecific],
};

/// `x509-certificate` (§6.18).
pub static X509_CERTIFICATE: TypeDef = sco(
    "x509-certificate",
    &[
        opt("is_self_signed", BOOL),
        opt("hashes", HASHES),
        opt("version", STR),
        opt("serial_number", STR),
        opt("signature_algorithm", STR),
        opt("issuer", STR),
        opt("validity_not_before", TS),
        opt("validity_not_after", TS),
        opt("subject", STR),
        opt("subject_public_key_algorithm", STR),
        opt("subject_public_key_modulus", STR),
        opt("subject_public_key_exponent", INT),
        opt("x509_v3_extensions", ValueKind::Object(&X509_V3_EXTENSIONS)),
    ],
    &[Constraint::AtLeastOneSpecific],
    &["hashes", "serial_number"],
);
