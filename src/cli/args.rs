//! Command-line arguments (clap derive).

use crate::core::model::Mode;
use crate::core::policy::limits::checked_duration_secs;
use crate::core::settings::SettingsOverride;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "imgreaper",
    version,
    about = "Keeps the container images on this device under control",
    long_about = "Without a subcommand, opens the interactive console. Subcommands serve scripts and cron.\n\
                  Exit codes: 0 ok, 1 failure, 2 usage error or invalid policy."
)]
pub struct Cli {
    /// Database path (default: the per-user data directory; as root /var/lib/imgreaper/imgreaper.db)
    #[arg(long, env = "IMGREAPER_DB", global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Docker engine address (default: DOCKER_HOST, else unix:///var/run/docker.sock)
    #[arg(long, global = true, value_name = "URL")]
    pub host: Option<String>,

    /// Where disk pressure reads disk use (default: the engine's data root, from docker info)
    #[arg(long, global = true, value_name = "PATH")]
    pub data_root: Option<PathBuf>,

    /// The node policy that places policies on this node (default: /etc/imgreaper/node.policy.json)
    #[arg(
        long,
        env = "IMGREAPER_NODE_POLICY",
        global = true,
        value_name = "PATH"
    )]
    pub node_policy: Option<PathBuf>,

    #[command(flatten)]
    pub console: ConsoleArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args, Default)]
pub struct ConsoleArgs {
    /// Console: open the fleet's Nodes view on this inventory (Ansible INI or YAML, a list of
    /// [user@]host[:port], or host1,host2)
    #[arg(long, short = 'i', value_name = "INVENTORY")]
    pub inventory: Option<String>,
    /// Console: only the inventory's nodes this Ansible host pattern selects
    #[arg(long, short = 'l', value_name = "PATTERN", requires = "inventory")]
    pub limit: Option<String>,
    /// Console: look only (no remove, postpone, pin, approve or rule edits; no enforcer)
    #[arg(long)]
    pub read_only: bool,
    /// Console: theme name (dark, light, high-contrast, mono) or a user theme in the config directory
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the enforcer headless (the system service); its mode and guard flags apply to this run
    /// only (`imgreaper settings` stores them)
    Run(RunArgs),
    /// List every local image reference with its state, rule and deadline
    Images {
        /// Machine-readable output (see README for the format)
        #[arg(long)]
        json: bool,
        /// Every column, whole, however wide the terminal (as is a pipe)
        #[arg(long)]
        wide: bool,
    },
    /// Show this node's properties and constraints (built-ins included), or check a node policy file
    Node {
        /// Check this node policy file (errors with line:column) instead of showing the node
        #[arg(long, value_name = "FILE")]
        check: Option<PathBuf>,
        /// Machine-readable output
        #[arg(long)]
        json: bool,
    },
    /// Check, preview, apply and inspect policies
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Remove references now (never forced; an image in use is refused)
    Remove {
        #[arg(required = true, value_name = "REF")]
        references: Vec<String>,
        /// Remove a name a keep rule keeps, all the same (audited)
        #[arg(long)]
        ignore_keep: bool,
    },
    /// Move a reference's removal later than it is planned now, or end its postponement
    Postpone {
        #[arg(value_name = "REF")]
        reference: String,
        /// How much later than planned now (a postponed removal included), e.g. 30m, 2h, 1day
        #[arg(
            long = "for",
            value_name = "DURATION",
            value_parser = postpone_duration,
            allow_hyphen_values = true,
            required_unless_present = "cancel",
            conflicts_with = "cancel"
        )]
        duration: Option<std::time::Duration>,
        /// End the postponement: the removal goes back to when it was planned without it
        #[arg(long)]
        cancel: bool,
    },
    /// Never remove a reference until it is unpinned
    Pin {
        #[arg(value_name = "REF")]
        reference: String,
    },
    /// Undo a pin
    Unpin {
        #[arg(value_name = "REF")]
        reference: String,
    },
    /// Approve due removals (in approve mode); without a reference, list what awaits approval
    Approve {
        #[arg(value_name = "REF", conflicts_with = "all")]
        references: Vec<String>,
        /// Approve every reference awaiting approval
        #[arg(long)]
        all: bool,
    },
    /// Count images as pulled by the agent (agent-downloaded), so `agent_downloaded_only` rules apply
    Adopt {
        #[arg(required = true, value_name = "REF")]
        references: Vec<String>,
    },
    /// Stop counting images as agent-downloaded, so `agent_downloaded_only` rules spare them
    Disown {
        #[arg(required = true, value_name = "REF")]
        references: Vec<String>,
    },
    /// Show or change the stored enforcer settings (mode and guards)
    Settings(SettingsArgs),
    /// Show the audit log, newest first, with the bytes the shown removals freed
    Log(LogArgs),
    /// Ask the registries whether local tags moved: `current`, `update available`, or why it
    /// cannot tell (every local tag when no REF is given)
    Check {
        #[arg(value_name = "REF")]
        references: Vec<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Pull the tags whose registry digest moved (an unchanged tag costs one HEAD and no
    /// download); the former image stays, and its rules apply
    Refresh {
        #[arg(required = true, value_name = "REF")]
        references: Vec<String>,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Retention on a registry: which tags a registry policy keeps, and deleting the rest
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// Many nodes at once, over SSH: status, images, preview and apply a policy, the manual
    /// actions, the log (see README, "The fleet")
    Fleet(FleetArgs),
    /// Speak the fleet protocol on standard input and output: what `imgreaper fleet` and the
    /// console's Nodes view run on each node over SSH (see README, "The fleet")
    Rpc,
    /// Print a shell completion script (see README for where it goes)
    Completions {
        shell: clap_complete::Shell,
        /// Ask imgreaper at each TAB, which also completes local reference names
        #[arg(long)]
        dynamic: bool,
    },
    /// Print the manual page (roff), or write one page per subcommand into DIR
    Manpage {
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// `imgreaper log`: which entries, and how.
#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    #[arg(long)]
    pub json: bool,
    /// How many of the matching entries to show, newest first (the total counts them all)
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Only entries at or after this: a time (RFC 3339, e.g. 2024-05-01T22:00:00Z) or how long
    /// ago (12h, 2days)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only entries at or before this: a time or how long ago, as for --since
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only these actions, comma-separated or repeated (remove, untag, pin, postpone, …)
    #[arg(long, value_delimiter = ',', value_name = "ACTION")]
    pub action: Vec<String>,
    /// Only entries whose actor contains this (a user name, an SSH address, `service`)
    #[arg(long, value_name = "TEXT")]
    pub actor: Option<String>,
    /// Only entries whose reference matches this pattern, as rules match (`myorg/*`)
    #[arg(value_name = "PATTERN")]
    pub pattern: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print an annotated starting policy that `policy check` accepts
    New {
        #[arg(long, value_enum, default_value_t = ExportFormat::Seed)]
        format: ExportFormat,
        /// A whole node management policy (label, constraints, enabled, start …), not only the rules
        #[arg(long)]
        nmp: bool,
    },
    /// Validate a policy file (exit 2 when invalid)
    Check { file: PathBuf },
    /// Show what a policy file would match here and when each reference would go; saves nothing
    Preview {
        file: PathBuf,
        #[arg(long)]
        json: bool,
        /// Name it would be saved under (default: the file's stem)
        #[arg(long)]
        name: Option<String>,
    },
    /// Validate and save a policy file; the enforcer picks it up
    Apply {
        file: PathBuf,
        /// Name to save it under (default: the file's stem)
        #[arg(long)]
        name: Option<String>,
    },
    /// List saved policies: whether each applies on this node, and why not
    List {
        /// Machine-readable output
        #[arg(long)]
        json: bool,
    },
    /// Show a saved policy as JSON
    Show { name: String },
    /// Print a saved policy as a document ready to publish, as it was read (spelling, key order)
    Export {
        name: String,
        /// The spelling to write (default: the one the policy was written in)
        #[arg(long, value_enum)]
        format: Option<ExportFormat>,
    },
    /// Delete a saved policy
    Delete { name: String },
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Print, per tag, whether the policy keeps it and why; deletes nothing
    Plan {
        file: PathBuf,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        registry: RegistryArgs,
        #[command(flatten)]
        fleet: HeldArgs,
    },
    /// Delete the manifests the plan deletes: asks on a terminal; without one, only with --yes
    Reap {
        file: PathBuf,
        /// Delete without asking
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        registry: RegistryArgs,
        #[command(flatten)]
        fleet: HeldArgs,
    },
}

/// The fleet whose images a registry plan keeps (§15): a digest any node still holds stays.
#[derive(Debug, Clone, Args, Default)]
pub struct HeldArgs {
    /// Keep every manifest a node of this inventory still holds (an Ansible inventory, a list
    /// of [user@]host[:port], or host1,host2; reached as `imgreaper fleet` reaches it)
    #[arg(long, short = 'i', value_name = "INVENTORY")]
    pub inventory: Option<String>,
    /// Only the inventory's nodes this Ansible host pattern selects
    #[arg(long, short = 'l', value_name = "PATTERN", requires = "inventory")]
    pub limit: Option<String>,
    /// Go on when some nodes cannot be asked: what they hold is unknown, and may be deleted
    #[arg(long, requires = "inventory")]
    pub allow_unreachable: bool,
    /// How many nodes at once
    #[arg(long, default_value_t = crate::fleet::run::DEFAULT_FORKS, requires = "inventory")]
    pub forks: usize,
    /// How long one node may take to answer, connection included
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30s",
        requires = "inventory"
    )]
    pub timeout: humantime::Duration,
}

/// How registries are reached.
#[derive(Debug, Clone, Args, Default)]
pub struct RegistryArgs {
    /// A registry (HOST[:PORT]) that may be reached over plain HTTP; loopback ones always may
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure: Vec<String>,
    /// Requests in flight at once
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub concurrency: usize,
}

impl RegistryArgs {
    pub fn client(&self) -> crate::registry::Client {
        crate::registry::Client::new(crate::registry::ClientOptions {
            insecure: self.insecure.clone(),
            concurrency: self.concurrency.max(1),
            ..crate::registry::ClientOptions::default()
        })
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// `image_policy.removal[]` with snake_case keys
    Seed,
    /// The Open Horizon agent's `agentImagePolicy.imageRemovalPolicies[]`
    Anax,
}

/// Flags that apply to one `run` process only; `imgreaper settings` stores them for every run.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// One reconcile-and-sweep, then exit (exit 1 if a due removal did not happen)
    #[arg(long)]
    pub once: bool,
    /// Shorthand for --mode dry-run
    #[arg(long, conflicts_with = "mode")]
    pub dry_run: bool,
    #[command(flatten)]
    pub settings: SettingsFlags,
    /// Write Prometheus metrics here after every cycle and action (for node_exporter's textfile
    /// collector, e.g. /var/lib/prometheus/node-exporter/imgreaper.prom)
    #[arg(long, value_name = "PATH")]
    pub metrics_file: Option<std::path::PathBuf>,
    /// Ask the registries whether local tags moved, at start and then this often (e.g. 6h);
    /// what is found shows as `update available`. Without it no registry is contacted
    #[arg(long, value_name = "DUR")]
    pub check_updates: Option<humantime::Duration>,
    /// With --check-updates: a registry (HOST[:PORT]) that may be reached over plain HTTP
    #[arg(
        long = "insecure-registry",
        value_name = "HOST",
        requires = "check_updates"
    )]
    pub insecure_registry: Vec<String>,
}

/// The stored settings every enforcer starts from (the service, the console, cron runs).
#[derive(Debug, Clone, Args)]
pub struct SettingsArgs {
    #[command(flatten)]
    pub settings: SettingsFlags,
}

/// The enforcer's settings as flags: on `run` for that process only, on `settings` stored.
#[derive(Debug, Clone, Args)]
pub struct SettingsFlags {
    /// auto: remove when due; approve: wait for an operator; dry-run: record only
    #[arg(long, value_parser = ["auto", "approve", "dry-run"])]
    pub mode: Option<String>,
    /// Nothing is removed this long after the host or the engine (re)started (default 5m)
    #[arg(long, value_name = "DUR")]
    pub startup_delay: Option<humantime::Duration>,
    /// Nothing is removed this long after an image is first seen or pulled (default 10m)
    #[arg(long, value_name = "DUR")]
    pub min_age: Option<humantime::Duration>,
    /// Full inventory at least this often (default 60s)
    #[arg(long, value_name = "DUR")]
    pub interval: Option<humantime::Duration>,
}

impl SettingsFlags {
    /// The settings these flags give, each duration at most 100 years.
    pub fn to_override(&self) -> Result<SettingsOverride, super::UsageError> {
        let seconds = |flag: &str, d: Option<humantime::Duration>| {
            d.map(|d| checked_duration_secs(flag, d.into()))
                .transpose()
                .map_err(super::UsageError)
        };
        Ok(SettingsOverride {
            mode: self.mode.as_deref().and_then(Mode::parse),
            startup_delay_secs: seconds("--startup-delay", self.startup_delay)?,
            min_age_secs: seconds("--min-age", self.min_age)?,
            interval_secs: match seconds("--interval", self.interval)? {
                Some(0) => {
                    return Err(super::UsageError(
                        "--interval 0s would take an inventory without pause: give at least 1s \
                         (the enforcer also wakes on every engine event and at each deadline)"
                            .into(),
                    ));
                }
                other => other,
            },
        })
    }
}

/// `--for`: a positive duration; zero and negative ones say what does what was meant.
fn postpone_duration(text: &str) -> Result<std::time::Duration, String> {
    if text.trim_start().starts_with('-') {
        return Err(
            "a postponement only moves a removal later; `--cancel` ends a postponement, \
             `imgreaper remove` removes now"
                .into(),
        );
    }
    let duration = humantime::parse_duration(text)
        .map_err(|e| format!("{e}; write a duration such as 30m, 2h or 1day"))?;
    if duration.is_zero() {
        return Err("that moves the removal no later; `--cancel` ends a postponement".into());
    }
    Ok(duration)
}

/// `imgreaper fleet …`: what every fleet command takes.
#[derive(Debug, Args)]
pub struct FleetArgs {
    #[command(subcommand)]
    pub command: FleetCommand,
    /// The nodes: an Ansible inventory (INI or YAML), a file of [user@]host[:port] lines, or
    /// host1,host2
    #[arg(
        long,
        short = 'i',
        global = true,
        env = "IMGREAPER_INVENTORY",
        value_name = "INVENTORY"
    )]
    pub inventory: Option<String>,
    /// Only the nodes this Ansible host pattern selects (groups, names, globs, ~regex, `:`/`,`,
    /// `&` and `!`)
    #[arg(long, short = 'l', global = true, value_name = "PATTERN")]
    pub limit: Option<String>,
    /// How many nodes at once
    #[arg(long, short = 'f', global = true, default_value_t = crate::fleet::run::DEFAULT_FORKS)]
    pub forks: usize,
    /// How long one node may take to answer, connection included (e.g. 10s, 1m)
    #[arg(long, global = true, value_name = "DURATION", default_value = "30s")]
    pub timeout: humantime::Duration,
    /// One JSON array, an object per node: {"node", "error", …}
    #[arg(long, global = true)]
    pub json: bool,
    /// Act without asking (needed where there is no terminal to ask on)
    #[arg(long, short = 'y', global = true)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Each node at a glance: reachable, engine, mode, images, due, next removal, reclaimable
    /// and freed bytes
    Status,
    /// Every reference on every node, with its state and removal time
    Images,
    /// What a policy file would do on each node and in total (placed or not, newly scheduled,
    /// spared, what goes within an hour and a day); saves nothing
    Preview {
        file: PathBuf,
        /// Name it would be saved under (default: the file's stem)
        #[arg(long)]
        name: Option<String>,
    },
    /// Preview a policy file on each node, then save it on every node (it applies where it is
    /// placed)
    Apply {
        file: PathBuf,
        /// Name to save it under (default: the file's stem)
        #[arg(long)]
        name: Option<String>,
    },
    /// Remove references now on every node that has them
    Remove {
        #[arg(required = true, value_name = "REF")]
        references: Vec<String>,
        /// Remove a name a keep rule keeps, all the same (audited)
        #[arg(long)]
        ignore_keep: bool,
    },
    /// Hold a reference's removal for a while on every node that has it
    Postpone {
        #[arg(value_name = "REF")]
        reference: String,
        /// How long, e.g. 30m, 2h, 1day
        #[arg(long = "for", value_name = "DURATION")]
        duration: humantime::Duration,
    },
    /// Pin a reference or pattern on every node
    Pin {
        #[arg(value_name = "REF")]
        reference: String,
    },
    /// Undo a pin on every node
    Unpin {
        #[arg(value_name = "REF")]
        reference: String,
    },
    /// Approve removals awaiting approval on every node
    Approve {
        #[arg(
            value_name = "REF",
            required_unless_present = "all",
            conflicts_with = "all"
        )]
        references: Vec<String>,
        /// Every reference awaiting approval
        #[arg(long)]
        all: bool,
    },
    /// The newest audit log entries of every node
    Log {
        /// How many entries per node
        #[arg(long, default_value_t = 20)]
        last: usize,
    },
}
