//! The STIX 2.1 Cyber-observable Object types, their properties and their
//! predefined extensions (STIX 2.1 §6), for the semantic checks.
//!
//! Written out here rather than taken from `phalanx-stix` so the checks do
//! not depend on the shape of the object model; the table is the spec's list
//! of names and nothing more.

/// Properties every SCO may carry (STIX 2.1 §3.2, §6).
const COMMON: &[&str] = &[
    "type",
    "id",
    "spec_version",
    "object_marking_refs",
    "granular_markings",
    "defanged",
    "extensions",
];

/// The SCO types and their specific properties.
const TYPES: &[(&str, &[&str])] = &[
    (
        "artifact",
        &[
            "mime_type",
            "payload_bin",
            "url",
            "hashes",
            "encryption_algorithm",
            "decryption_key",
        ],
    ),
    ("autonomous-system", &["number", "name", "rir"]),
    (
        "directory",
        &[
            "path",
            "path_enc",
            "ctime",
            "mtime",
            "atime",
            "contains_refs",
        ],
    ),
    ("domain-name", &["value", "resolves_to_refs"]),
    ("email-addr", &["value", "display_name", "belongs_to_ref"]),
    (
        "email-message",
        &[
            "is_multipart",
            "date",
            "content_type",
            "from_ref",
            "sender_ref",
            "to_refs",
            "cc_refs",
            "bcc_refs",
            "message_id",
            "subject",
            "received_lines",
            "additional_header_fields",
            "body",
            "body_multipart",
            "raw_email_ref",
        ],
    ),
    (
        "file",
        &[
            "hashes",
            "size",
            "name",
            "name_enc",
            "magic_number_hex",
            "mime_type",
            "ctime",
            "mtime",
            "atime",
            "parent_directory_ref",
            "contains_refs",
            "content_ref",
        ],
    ),
    (
        "ipv4-addr",
        &["value", "resolves_to_refs", "belongs_to_refs"],
    ),
    (
        "ipv6-addr",
        &["value", "resolves_to_refs", "belongs_to_refs"],
    ),
    ("mac-addr", &["value"]),
    ("mutex", &["name"]),
    (
        "network-traffic",
        &[
            "start",
            "end",
            "is_active",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "src_byte_count",
            "dst_byte_count",
            "src_packets",
            "dst_packets",
            "ipfix",
            "src_payload_ref",
            "dst_payload_ref",
            "encapsulates_refs",
            "encapsulated_by_ref",
        ],
    ),
    (
        "process",
        &[
            "is_hidden",
            "pid",
            "created_time",
            "cwd",
            "command_line",
            "environment_variables",
            "opened_connection_refs",
            "creator_user_ref",
            "image_ref",
            "parent_ref",
            "child_refs",
        ],
    ),
    (
        "software",
        &["name", "cpe", "swid", "languages", "vendor", "version"],
    ),
    ("url", &["value"]),
    (
        "user-account",
        &[
            "user_id",
            "credential",
            "account_login",
            "account_type",
            "display_name",
            "is_service_account",
            "is_privileged",
            "can_escalate_privs",
            "is_disabled",
            "account_created",
            "account_expires",
            "credential_last_changed",
            "account_first_login",
            "account_last_login",
        ],
    ),
    (
        "windows-registry-key",
        &[
            "key",
            "values",
            "modified_time",
            "creator_user_ref",
            "number_of_subkeys",
        ],
    ),
    (
        "x509-certificate",
        &[
            "is_self_signed",
            "hashes",
            "version",
            "serial_number",
            "signature_algorithm",
            "issuer",
            "validity_not_before",
            "validity_not_after",
            "subject",
            "subject_public_key_algorithm",
            "subject_public_key_modulus",
            "subject_public_key_exponent",
            "x509_v3_extensions",
        ],
    ),
];

/// The predefined extensions: (extension name, SCO type, properties).
const EXTENSIONS: &[(&str, &str, &[&str])] = &[
    ("archive-ext", "file", &["contains_refs", "comment"]),
    ("ntfs-ext", "file", &["sid", "alternate_data_streams"]),
    (
        "pdf-ext",
        "file",
        &[
            "version",
            "is_optimized",
            "document_info_dict",
            "pdfid0",
            "pdfid1",
        ],
    ),
    (
        "raster-image-ext",
        "file",
        &["image_height", "image_width", "bits_per_pixel", "exif_tags"],
    ),
    (
        "windows-pebinary-ext",
        "file",
        &[
            "pe_type",
            "imphash",
            "machine_hex",
            "number_of_sections",
            "time_date_stamp",
            "pointer_to_symbol_table_hex",
            "number_of_symbols",
            "size_of_optional_header",
            "characteristics_hex",
            "file_header_hashes",
            "optional_header",
            "sections",
        ],
    ),
    (
        "http-request-ext",
        "network-traffic",
        &[
            "request_method",
            "request_value",
            "request_version",
            "request_header",
            "message_body_length",
            "message_body_data_ref",
        ],
    ),
    (
        "icmp-ext",
        "network-traffic",
        &["icmp_type_hex", "icmp_code_hex"],
    ),
    (
        "socket-ext",
        "network-traffic",
        &[
            "address_family",
            "is_blocking",
            "is_listening",
            "options",
            "socket_type",
            "socket_descriptor",
            "socket_handle",
        ],
    ),
    (
        "tcp-ext",
        "network-traffic",
        &["src_flags_hex", "dst_flags_hex"],
    ),
    (
        "windows-process-ext",
        "process",
        &[
            "aslr_enabled",
            "dep_enabled",
            "priority",
            "owner_sid",
            "window_title",
            "startup_info",
            "integrity_level",
        ],
    ),
    (
        "windows-service-ext",
        "process",
        &[
            "service_name",
            "descriptions",
            "display_name",
            "group_name",
            "start_type",
            "service_dll_refs",
            "service_type",
            "service_status",
        ],
    ),
    (
        "unix-account-ext",
        "user-account",
        &["gid", "groups", "home_dir", "shell"],
    ),
];

/// True for custom object types and extension names (`x-` prefix), and for
/// extension-definition identifiers used as extension names.
pub(crate) fn is_custom_name(name: &str) -> bool {
    name.starts_with("x-") || name.starts_with("extension-definition--")
}

/// True for custom property names (`x_` prefix).
pub(crate) fn is_custom_property(name: &str) -> bool {
    name.starts_with("x_")
}

/// The specific properties of a predefined SCO type, or `None` for an
/// unknown type.
pub(crate) fn properties(object_type: &str) -> Option<&'static [&'static str]> {
    TYPES
        .iter()
        .find(|(name, _)| *name == object_type)
        .map(|(_, props)| *props)
}

/// True when `property` is a common or specific property of `object_type`
/// (which must be a predefined type).
pub(crate) fn has_property(object_type: &str, property: &str) -> bool {
    COMMON.contains(&property)
        || properties(object_type).is_some_and(|props| props.contains(&property))
}

/// The properties of a predefined extension of `object_type`, or `None`
/// when `extension` is not one.
pub(crate) fn extension_properties(
    object_type: &str,
    extension: &str,
) -> Option<&'static [&'static str]> {
    EXTENSIONS
        .iter()
        .find(|(name, owner, _)| *name == extension && *owner == object_type)
        .map(|(_, _, props)| *props)
}

/// The predefined extensions of `object_type`, for messages.
pub(crate) fn extension_names(object_type: &str) -> Vec<&'static str> {
    EXTENSIONS
        .iter()
        .filter(|(_, owner, _)| *owner == object_type)
        .map(|(name, _, _)| *name)
        .collect()
}
