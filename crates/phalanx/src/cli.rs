//! The command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Phalanx: a federated cyber-defence node (STIX 2.1 over TAXII 2.1).
#[derive(Debug, Parser)]
#[command(name = "phalanx", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Log filter (tracing `EnvFilter` syntax), e.g. `info` or `phalanx=debug,tower_http=info`.
    #[arg(long, global = true, env = "PHALANX_LOG", default_value = "info")]
    pub log: String,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the node's configuration and data are.
#[derive(Debug, Clone, Args)]
pub struct NodeArgs {
    /// Configuration file (TOML). Without one the node runs in zero-configuration mode.
    #[arg(long, short = 'c', env = "PHALANX_CONFIG")]
    pub config: Option<PathBuf>,

    /// Data folder (overrides `node.data_dir`).
    #[arg(long, env = "PHALANX_DATA")]
    pub data: Option<PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a node: the TAXII 2.1 server on the embedded database.
    Serve {
        #[command(flatten)]
        node: NodeArgs,
        /// Address to listen on (overrides `node.listen`).
        #[arg(long, env = "PHALANX_LISTEN")]
        listen: Option<SocketAddr>,
    },
    /// Import STIX objects (bundles, JSON arrays, single objects or JSON lines) into a collection,
    /// with the same validation as the TAXII API.
    Import {
        #[command(flatten)]
        node: NodeArgs,
        /// Target collection: its id, its alias, or `root/alias` (default: the only collection).
        #[arg(long)]
        collection: Option<String>,
        /// Files to import (`-` for standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Export a collection (or the part a filter selects) as a STIX bundle, or the active
    /// indicators in a sensor format (`--format zeek-intel|suricata-rules|suricata-dataset|csv`).
    Export {
        #[command(flatten)]
        node: NodeArgs,
        /// Source collection: its id, its alias, or `root/alias` (default: the only collection;
        /// for a sensor format, every collection).
        #[arg(long)]
        collection: Option<String>,
        /// Only these object types (repeatable; STIX bundles only).
        #[arg(long = "type")]
        types: Vec<String>,
        /// Every version of every object, not only the latest (STIX bundles only).
        #[arg(long)]
        all_versions: bool,
        /// Output file (default: standard output); the output folder for `suricata-dataset`.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
        /// What to write: a STIX bundle, or the active indicators in a sensor format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Stix)]
        format: ExportFormat,
        /// Sensor formats: read the indicators from this file (bundle, JSON array, objects or
        /// JSON lines; `-` for standard input) instead of the node's store.
        #[arg(long)]
        indicators: Option<PathBuf>,
        /// Sensor formats: the lowest Suricata `sid` (rules use BASE .. BASE + 2^30).
        #[arg(long, default_value_t = 9_000_000)]
        sid_base: u32,
    },
    /// Validate STIX files: report every problem in every object; exit 1 if any object is invalid.
    Validate {
        /// Files to check (`-` for standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Check the store's integrity (SQLite `integrity_check`) and print per-collection counts;
    /// exit 1 if the store is damaged.
    Check {
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Manage principals (users and services) and their rights.
    #[command(subcommand)]
    Principal(PrincipalCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Write and test STIX patterns.
    #[command(subcommand)]
    Pattern(PatternCommand),
    /// Match sensor telemetry against indicators.
    #[command(subcommand)]
    Detect(DetectCommand),
    /// Write a deterministic workload (indicators, telemetry, ground truth) to a folder.
    Workload(WorkloadArgs),
    /// Measure; every benchmark prints JSON with its figures beside a floor from the same run.
    #[command(subcommand)]
    Bench(BenchCommand),
}

/// `phalanx detect …`.
#[derive(Debug, Subcommand)]
pub enum DetectCommand {
    /// Match a telemetry file against a bundle of indicators, once: one alert per (event,
    /// indicator) match as JSON lines, a summary on standard error.
    Run(DetectRunArgs),
}

/// `phalanx detect run`.
#[derive(Debug, Args)]
pub struct DetectRunArgs {
    /// The indicators: a STIX bundle, a JSON array of objects, or one object.
    #[arg(long)]
    pub indicators: PathBuf,
    /// The telemetry, one JSON record per line (`-` for standard input).
    #[arg(long)]
    pub input: PathBuf,
    /// The telemetry format: `eve` (Suricata), `zeek` (Zeek JSON logs) or `json` (mapped).
    #[arg(long, default_value = "eve")]
    pub format: String,
    /// For `--format json`: a TOML field mapping (default: the Elastic Common Schema layout).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Where the alerts go (`-` for standard output).
    #[arg(long, short = 'o', default_value = "-")]
    pub output: PathBuf,
    /// Also write the aggregated STIX sightings, as a bundle, to this file.
    #[arg(long)]
    pub sightings: Option<PathBuf>,
    /// The STIX identity of the sighting node (`where_sighted_refs`); default: derived from
    /// the host name.
    #[arg(long)]
    pub identity: Option<String>,
    /// Sighting buckets, in seconds of event time.
    #[arg(long, default_value_t = 3600)]
    pub bucket_seconds: u64,
    /// The source name in alerts (default: the input file name).
    #[arg(long)]
    pub source_name: Option<String>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `phalanx export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A STIX 2.1 bundle of the stored objects.
    Stix,
    /// Suricata datasets and hash lists with the rules that load them (needs `--output DIR`).
    SuricataDataset,
    /// One Suricata rule per indicator and sensor buffer.
    SuricataRules,
    /// A Zeek Intelligence Framework file.
    ZeekIntel,
    /// CSV, one row per indicator value.
    Csv,
}

/// `phalanx principal …`.
#[derive(Debug, Subcommand)]
pub enum PrincipalCommand {
    /// Create a principal or update its password and admin flag.
    Add {
        #[command(flatten)]
        node: NodeArgs,
        /// Name (also the HTTP Basic user name).
        name: String,
        /// Make it an administrator (every right on every collection).
        #[arg(long)]
        admin: bool,
        /// Read a password from standard input (first line) for HTTP Basic authentication.
        #[arg(long)]
        password_stdin: bool,
        /// Grant read access to a collection (repeatable).
        #[arg(long)]
        read: Vec<String>,
        /// Grant write access to a collection (repeatable).
        #[arg(long)]
        write: Vec<String>,
    },
    /// List principals with their rights and keys.
    List {
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Remove a principal, its grants and its keys.
    Remove {
        #[command(flatten)]
        node: NodeArgs,
        /// Name.
        name: String,
    },
    /// Set a principal's rights on one collection (no flag: remove them).
    Grant {
        #[command(flatten)]
        node: NodeArgs,
        /// Name.
        name: String,
        /// Collection: id, alias, or `root/alias`.
        #[arg(long)]
        collection: String,
        /// May read.
        #[arg(long)]
        read: bool,
        /// May write.
        #[arg(long)]
        write: bool,
    },
    /// Hash a password read from standard input, for `password_hash` in the configuration file.
    HashPassword,
}

/// `phalanx key …`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key for a principal and print it (it is shown only once).
    Create {
        #[command(flatten)]
        node: NodeArgs,
        /// The principal the key acts for.
        principal: String,
        /// A label to recognise the key by.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List API keys (never the secrets).
    List {
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Revoke an API key by its id.
    Revoke {
        #[command(flatten)]
        node: NodeArgs,
        /// Key id, as `key list` shows it.
        key_id: String,
    },
}

/// `phalanx pattern …`.
#[derive(Debug, Subcommand)]
pub enum PatternCommand {
    /// Parse a pattern, explain any error, print warnings and the canonical form.
    Check {
        /// The STIX pattern.
        pattern: String,
    },
    /// Evaluate patterns against observed-data: JSON lines
    /// `{"pattern": "...", "observed_data": [...]}` on stdin, one result line per input on stdout.
    Eval,
}

/// `phalanx workload`.
#[derive(Debug, Clone, Args)]
pub struct WorkloadArgs {
    /// Number of indicators.
    #[arg(long, default_value_t = 10_000)]
    pub indicators: usize,
    /// Number of telemetry events.
    #[arg(long, default_value_t = 100_000)]
    pub events: usize,
    /// Seed.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Fraction of events that carry an indicator's value.
    #[arg(long, default_value_t = 0.01)]
    pub hit_rate: f64,
    /// Telemetry format.
    #[arg(long, value_enum, default_value_t = TelemetryFormat::Eve)]
    pub format: TelemetryFormat,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
}

/// Telemetry formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TelemetryFormat {
    /// Suricata EVE JSON.
    Eve,
    /// Zeek JSON logs.
    Zeek,
}

/// `phalanx bench …`.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Start a node and measure TAXII ingest, paging and filtered queries.
    Taxii {
        /// Store sizes to measure at (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "100000,1000000")]
        sizes: Vec<usize>,
        /// Objects per POST envelope.
        #[arg(long, default_value_t = 1000)]
        envelope: usize,
        /// Filtered queries to time per size.
        #[arg(long, default_value_t = 200)]
        queries: usize,
        /// Keep the data folder here instead of a temporary one.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Measure the multi-pattern index.
    Patterns {
        /// Index sizes (indicators), comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1000,100000,1000000")]
        sizes: Vec<usize>,
        /// Observations to match per size.
        #[arg(long, default_value_t = 1_000_000)]
        observations: usize,
        /// Workload seed (the same seed gives the same indicators and events).
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Measure detection on generated EVE lines: events per second on one core beside the
    /// floor of decoding the same lines with no matching.
    Detect {
        /// Active indicator counts, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "100000,1000000")]
        sizes: Vec<usize>,
        /// EVE lines per size.
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// Workload seed.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}
