//! The predefined SCO extensions (STIX 2.1 §6.7.2–§6.7.6, §6.12.2–§6.12.5,
//! §6.13.2–§6.13.3, §6.16.2) and the embedded types they use.

use super::vocab::*;
use super::{
    BOOL, Constraint, DICT, FLOAT, HASHES, HEX, INT, ObjectDef, STR, STR_LIST, TimestampPrecision,
    UINT, ValueKind, opt, reference, req,
};

/// Every predefined extension, whichever SCO type carries it.
pub static PREDEFINED_EXTENSIONS: &[&ObjectDef] = &[
    &ARCHIVE_EXT,
    &NTFS_EXT,
    &PDF_EXT,
    &RASTER_IMAGE_EXT,
    &WINDOWS_PEBINARY_EXT,
    &HTTP_REQUEST_EXT,
    &ICMP_EXT,
    &SOCKET_EXT,
    &TCP_EXT,
    &WINDOWS_PROCESS_EXT,
    &WINDOWS_SERVICE_EXT,
    &UNIX_ACCOUNT_EXT,
];

/// `archive-ext` on `file`.
pub static ARCHIVE_EXT: ObjectDef = ObjectDef {
    name: "archive-ext",
    properties: &[
        req(
            "contains_refs",
            ValueKind::List(&reference(&["file", "directory"])),
        ),
        opt("comment", STR),
    ],
    constraints: &[],
};

/// `alternate-data-stream-type`, the items of `ntfs-ext.alternate_data_streams`.
pub static ALTERNATE_DATA_STREAM: ObjectDef = ObjectDef {
    name: "alternate-data-stream-type",
    properties: &[req("name", STR), opt("hashes", HASHES), opt("size", UINT)],
    constraints: &[],
};

/// `ntfs-ext` on `file`.
pub static NTFS_EXT: ObjectDef = ObjectDef {
    name: "ntfs-ext",
    properties: &[
        opt("sid", STR),
        opt(
            "alternate_data_streams",
            ValueKind::List(&ValueKind::Object(&ALTERNATE_DATA_STREAM)),
        ),
    ],
    constraints: &[Constraint::AtLeastOneSpecific],
};

/// `pdf-ext` on `file`.
pub static PDF_EXT: ObjectDef = ObjectDef {
    name: "pdf-ext",
    properties: &[
        opt("version", STR),
        opt("is_optimized", BOOL),
        opt("document_info_dict", DICT),
        opt("pdfid0", STR),
        opt("pdfid1", STR),
    ],
    constraints: &[Constraint::AtLeastOneSpecific],
};

/// `raster-image-ext` on `file`.
pub static RASTER_IMAGE_EXT: ObjectDef = ObjectDef {
    name: "raster-image-ext",
    properties: &[
        opt("image_height", INT),
        opt("image_width", INT),
        opt("bits_per_pixel", INT),
        opt("exif_tags", DICT),
    ],
    constraints: &[Constraint::AtLeastOneSpecific],
};

/// `windows-pe-optional-header-type`.
pub static WINDOWS_PE_OPTIONAL_HEADER: ObjectDef = ObjectDef {
    name: "windows-pe-optional-header-type",
    properties: &[
        opt("magic_hex", HEX),
        opt("major_linker_version", INT),
        opt("minor_linker_version", INT),
        opt("size_of_code", UINT),
        opt("size_of_initialized_data", UINT),
        opt("size_of_uninitialized_data", UINT),
        opt("address_of_entry_point", INT),
        opt("base_of_code", INT),
        opt("base_of_data", INT),
        opt("image_base", INT),
        opt("section_alignment", INT),
        opt("file_alignment", INT),
        opt("major_os_version", INT),
        opt("minor_os_version", INT),
        opt("major_image_version", INT),
        opt("minor_image_version", INT),
        opt("major_subsystem_version", INT),
        opt("minor_subsystem_version", INT),
        opt("win32_version_value_hex", HEX),
        opt("size_of_image", UINT),
        opt("size_of_headers", UINT),
        opt("checksum_hex", HEX),
        opt("subsystem_hex", HEX),
        opt("dll_characteristics_hex", HEX),
        opt("size_of_stack_reserve", UINT),
        opt("size_of_stack_commit", UINT),
        opt("size_of_heap_reserve", UINT),
        opt("size_of_heap_commit", UINT),
        opt("loader_flags_hex", HEX),
        opt("number_of_rva_and_sizes", INT),
        opt("hashes", HASHES),
    ],
    constraints: &[Constraint::AtLeastOneSpecific],
};

/// `windows-pe-section-type`.
pub static WINDOWS_PE_SECTION: ObjectDef = ObjectDef {
    name: "windows-pe-section-type",
    properties: &[
        req("name", STR),
        opt("size", UINT),
        opt("entropy", FLOAT),
        opt("hashes", HASHES),
    ],
    constraints: &[],
};

/// `windows-pebinary-ext` on `file`.
pub static WINDOWS_PEBINARY_EXT: ObjectDef = ObjectDef {
    name: "windows-pebinary-ext",
    properties: &[
        req("pe_type", ValueKind::OpenVocab(WINDOWS_PEBINARY_TYPE_OV)),
        opt("imphash", STR),
        opt("machine_hex", HEX),
        opt("number_of_sections", UINT),
        opt(
            "time_date_stamp",
            ValueKind::Timestamp(TimestampPrecision::Seconds),
        ),
        opt("pointer_to_symbol_table_hex", HEX),
        opt("number_of_symbols", UINT),
        opt("size_of_optional_header", UINT),
        opt("characteristics_hex", HEX),
        opt("file_header_hashes", HASHES),
        opt(
            "optional_header",
            ValueKind::Object(&WINDOWS_PE_OPTIONAL_HEADER),
        ),
        opt(
            "sections",
            ValueKind::List(&ValueKind::Object(&WINDOWS_PE_SECTION)),
        ),
    ],
    constraints: &[],
};

/// `http-request-ext` on `network-traffic`.
pub static HTTP_REQUEST_EXT: ObjectDef = ObjectDef {
    name: "http-request-ext",
    properties: &[
        req("request_method", STR),
        req("request_value", STR),
        opt("request_version", STR),
        opt("request_header", DICT),
        opt("message_body_length", INT),
        opt("message_body_data_ref", reference(&["artifact"])),
    ],
    constraints: &[],
};

/// `icmp-ext` on `network-traffic`.
pub static ICMP_EXT: ObjectDef = ObjectDef {
    name: "icmp-ext",
    properties: &[req("icmp_type_hex", HEX), req("icmp_code_hex", HEX)],
    constraints: &[],
};

/// `socket-ext` on `network-traffic`.
pub static SOCKET_EXT: ObjectDef = ObjectDef {
    name: "socket-ext",
    properties: &[
        req(
            "address_family",
            ValueKind::Enum(NETWORK_SOCKET_ADDRESS_FAMILY_ENUM),
        ),
        opt("is_blocking", BOOL),
        opt("is_listening", BOOL),
        opt("options", DICT),
        opt("socket_type", ValueKind::Enum(NETWORK_SOCKET_TYPE_ENUM)),
        opt("socket_descriptor", UINT),
        opt("socket_handle", INT),
    ],
    constraints: &[],
};

/// `tcp-ext` on `network-traffic`.
pub static TCP_EXT: ObjectDef = ObjectDef {
    name: "tcp-ext",
    properties: &[opt("src_flags_hex", HEX), opt("dst_flags_hex", HEX)],
    constraints: &[Constraint::AtLeastOneSpecific],
};

/// `windows-process-ext` on `process`.
pub static WINDOWS_PROCESS_EXT: ObjectDef = ObjectDef {
    name: "windows-process-ext",
    properties: &[
        opt("aslr_enabled", BOOL),
        opt("dep_enabled", BOOL),
        opt("priority", STR),
        opt("owner_sid", STR),
        opt("window_title", STR),
        opt("startup_info", DICT),
        opt(
            "integrity_level",
            ValueKind::Enum(WINDOWS_INTEGRITY_LEVEL_ENUM),
        ),
    ],
    constraints: &[Constraint::AtLeastOneSpecific],
};

/// `windows-service-ext` on `process`.
pub static WINDOWS_SERVICE_EXT: ObjectDef = ObjectDef {
    name: "windows-service-ext",
    properties: &[
        opt("service_name", STR),
        opt("descriptions", STR_LIST),
        opt("display_name", STR),
        opt("group_name", STR),
        opt(
            "start_type",
            ValueKind::Enum(WINDOWS_SERVICE_START_TYPE_ENUM),
        ),
        opt("service_dll_refs", ValueKind::List(&reference(&["file"]))),
        opt("service_type", ValueKind::Enum(WINDOWS_SERVICE_TYPE_ENUM)),
        opt(
            "service_status",
            ValueKind::Enum(WINDOWS_SERVICE_STATUS_ENUM),
        ),
    ],
    constraints: &[Constraint::AtLeastOneSpecific],
};

/// `unix-account-ext` on `user-account`.
pub static UNIX_ACCOUNT_EXT: ObjectDef = ObjectDef {
    name: "unix-account-ext",
    properties: &[
        opt("gid", INT),
        opt("groups", STR_LIST),
        opt("home_dir", STR),
        opt("shell", STR),
    ],
    constraints: &[Constraint::AtLeastOneSpecific],
};
