//! The engine benchmark: VNet-to-VNet rings of a given size, planned from empty state,
//! applied on the instant simulated cloud and planned again with no changes, each run as the
//! `vnetform` binary and measured for wall time and peak memory (plans up to 3,000 resources,
//! Terraform's too, as the median of three runs); then a small ring applied
//! with the simulator's realistic latency, against the topology's critical path; and, when
//! Terraform and the null provider are available (`../shared/bench/`), Terraform's engine on
//! the same number of resources in the same run.
//!
//! ```text
//! cargo bench --bench engine                       # 1000, 10000 and 100000 resources
//! cargo bench --bench engine -- 1000 3000 --terraform=DIR   # and Terraform (up to 3,000),
//!                                                         # with the null provider in DIR
//! cargo bench --bench engine -- 3000 --pg=CONN_STR     # and apply with state in PostgreSQL
//! ```
//!
//! Needs GNU time (`/usr/bin/time`) for peak memory. Prints a Markdown report.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Resources per VNet: the VNet, its two subnets, a public IP, a gateway and two connections.
const PER_VNET: usize = 7;

/// Terraform runs beside vnetform up to this size: its apply rewrites the whole state after
/// every resource, so beyond it one run takes tens of minutes.
const TERRAFORM_UP_TO: usize = 3000;

/// One measured run.
struct Measure {
    seconds: f64,
    peak_mb: f64,
}

impl Measure {
    /// `0.12 s, 49 MB`.
    fn cell(&self) -> String {
        format!("{:.2} s, {:.0} MB", self.seconds, self.peak_mb)
    }
}

/// A plan from empty state, the apply of that plan, and a plan with no changes.
struct Runs {
    plan: Measure,
    apply: Measure,
    noop: Measure,
}

impl Runs {
    fn each(&self) -> [&Measure; 3] {
        [&self.plan, &self.apply, &self.noop]
    }

    /// The three runs' cells of a table row.
    fn cells(&self) -> String {
        self.each().map(Measure::cell).join(" | ")
    }

    /// How many times faster and smaller `other` ran than these: `40x, 5.2x` per run.
    fn ratios(&self, other: &Runs) -> String {
        self.each()
            .iter()
            .zip(other.each())
            .map(|(a, b)| {
                format!(
                    "{:.0}x, {:.1}x",
                    a.seconds / b.seconds,
                    a.peak_mb / b.peak_mb
                )
            })
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let terraform = args
        .iter()
        .find_map(|a| a.strip_prefix("--terraform=").map(PathBuf::from));
    let postgres = args
        .iter()
        .find_map(|a| a.strip_prefix("--pg=").map(str::to_owned));
    let mut sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![1000, 10_000, 100_000];
    }
    let mut report = format!(
        "## vnetform {} on {}\n\nEach cell: wall time, peak resident memory.\n\n| resources | plan | apply | no-change plan |\n|---:|---:|---:|---:|\n",
        env!("CARGO_PKG_VERSION"),
        machine()
    );
    for &size in &sizes {
        let vnets = (size / PER_VNET).max(3);
        let dir = tempfile::tempdir().expect("scratch directory");
        std::fs::write(dir.path().join("main.tf"), ring(vnets)).expect("write the ring");
        let runs = repeats(size);
        let ours = Runs {
            plan: median(runs, || {
                vnetform(dir.path(), &["plan", "-out=bench.plan"], &[])
            }),
            apply: vnetform(dir.path(), &["apply", "bench.plan"], &[]),
            noop: median(runs, || {
                vnetform(dir.path(), &["plan", "-detailed-exitcode"], &[])
            }),
        };
        writeln!(report, "| {} | {} |", vnets * PER_VNET + 1, ours.cells()).unwrap();
        if let Some(conn_str) = &postgres {
            let pg = apply_in_postgres(conn_str, vnets);
            writeln!(
                report,
                "| state in PostgreSQL | | {} ({:.2}x local) | |",
                pg.cell(),
                pg.seconds / ours.apply.seconds,
            )
            .unwrap();
        }
        if let Some(plugins) = terraform.as_ref().filter(|_| size <= TERRAFORM_UP_TO) {
            let tf = terraform_ring(plugins, vnets * PER_VNET);
            writeln!(
                report,
                "| Terraform {} ({} null resources) | {} |",
                tf.version,
                tf.resources,
                tf.runs.cells()
            )
            .unwrap();
            writeln!(
                report,
                "| ratio (Terraform / vnetform) | {} |",
                tf.runs.ratios(&ours)
            )
            .unwrap();
        }
    }
    report.push_str(&latency_section());
    println!("{report}");
}

/// The apply of the same ring with its state in PostgreSQL (a schema of its own on the server
/// `conn_str` names), planned first.
fn apply_in_postgres(conn_str: &str, vnets: usize) -> Measure {
    let dir = tempfile::tempdir().expect("scratch directory");
    let schema = format!("bench_{}_{vnets}", std::process::id());
    let backend =
        format!("terraform {{\n  backend \"pg\" {{\n    schema_name = \"{schema}\"\n  }}\n}}\n");
    std::fs::write(dir.path().join("main.tf"), backend + &ring(vnets)).expect("write the ring");
    let env = [("PG_CONN_STR", conn_str)];
    vnetform(dir.path(), &["plan", "-out=bench.plan"], &env);
    vnetform(dir.path(), &["apply", "bench.plan"], &env)
}

/// A ring of `vnets` VNets (`10.a.b.0/24` each, so up to 65,536), every VNet's gateway linked
/// to the next one's in both directions; one block per resource, as generated configurations
/// are written.
fn ring(vnets: usize) -> String {
    let mut out = String::from(
        "resource \"azurerm_resource_group\" \"rg\" {\n  name     = \"bench-rg\"\n  location = \"westeurope\"\n}\n",
    );
    for i in 0..vnets {
        let net = format!("10.{}.{}", i / 256, i % 256);
        write!(
            out,
            r#"
resource "azurerm_virtual_network" "v{i}" {{
  name                = "vnet{i}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["{net}.0/24"]
}}

resource "azurerm_subnet" "default{i}" {{
  name                 = "default"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.v{i}.name
  address_prefixes     = ["{net}.0/25"]
}}

resource "azurerm_subnet" "gw{i}" {{
  name                 = "GatewaySubnet"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.v{i}.name
  address_prefixes     = ["{net}.224/27"]
}}

resource "azurerm_public_ip" "p{i}" {{
  name                = "pip{i}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}}

resource "azurerm_virtual_network_gateway" "g{i}" {{
  name                = "vgw{i}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"

  ip_configuration {{
    subnet_id            = azurerm_subnet.gw{i}.id
    public_ip_address_id = azurerm_public_ip.p{i}.id
  }}
}}
"#
        )
        .unwrap();
    }
    for i in 0..vnets {
        let j = (i + 1) % vnets;
        for (from, to) in [(i, j), (j, i)] {
            write!(
                out,
                r#"
resource "azurerm_virtual_network_gateway_connection" "c{from}_{to}" {{
  name                            = "conn{from}-{to}"
  location                        = "westeurope"
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.g{from}.id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.g{to}.id
  shared_key                      = "ring{i}key"
}}
"#
            )
            .unwrap();
        }
    }
    out
}

/// Runs the vnetform binary in `dir` under GNU time.
fn vnetform(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Measure {
    let mut cmd = Command::new("/usr/bin/time");
    cmd.args(["-f", "%e %M", "-o", "time.txt"])
        .arg(env!("CARGO_BIN_EXE_vnetform"))
        .args(args)
        .arg("-no-color")
        .envs(env.iter().copied())
        .current_dir(dir);
    if args[0] == "apply" && args.len() == 1 {
        cmd.arg("-auto-approve");
    }
    timed(dir, cmd)
}

/// Runs `cmd` (GNU time writing `time.txt` in `dir`) and reads what it measured.
fn timed(dir: &Path, mut cmd: Command) -> Measure {
    let output = cmd.output().expect("run under /usr/bin/time");
    let code = output.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 2,
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(dir.join("time.txt")).expect("GNU time's report");
    let mut fields = text.split_whitespace();
    let seconds: f64 = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let kb: f64 = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0.0);
    Measure {
        seconds,
        peak_mb: kb / 1024.0,
    }
}

/// Terraform on the null-resource ring of about `resources` resources.
struct TerraformRun {
    version: String,
    resources: usize,
    runs: Runs,
}

/// How many times a plan is run at `size` resources: three up to Terraform's sizes, where a
/// single run of a fraction of a second is at the mercy of the machine's noise; once beyond.
fn repeats(size: usize) -> usize {
    if size <= TERRAFORM_UP_TO { 3 } else { 1 }
}

/// The run of median time among `runs` runs (the highest peak memory of them).
fn median(runs: usize, mut run: impl FnMut() -> Measure) -> Measure {
    let mut all: Vec<Measure> = (0..runs).map(|_| run()).collect();
    let peak_mb = all.iter().map(|m| m.peak_mb).fold(0.0, f64::max);
    all.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    Measure {
        seconds: all[all.len() / 2].seconds,
        peak_mb,
    }
}

fn terraform_ring(plugins: &Path, resources: usize) -> TerraformRun {
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_tf_null.py");
    let dir = tempfile::tempdir().expect("scratch directory");
    let vnets = resources / 6;
    let status = Command::new("python3")
        .arg(&generator)
        .arg(vnets.to_string())
        .arg(dir.path())
        .output()
        .expect("run gen_tf_null.py");
    assert!(status.status.success(), "gen_tf_null.py failed");
    let tf = |args: &[&str]| {
        let mut cmd = Command::new("/usr/bin/time");
        cmd.args(["-f", "%e %M", "-o", "time.txt", "terraform"])
            .args(args)
            .env("TF_IN_AUTOMATION", "1")
            .current_dir(dir.path());
        timed(dir.path(), cmd)
    };
    tf(&[
        "init",
        "-input=false",
        &format!("-plugin-dir={}", plugins.join("plugins").display()),
    ]);
    let runs = repeats(resources);
    let plan = median(runs, || tf(&["plan", "-input=false", "-out=p"]));
    let apply = tf(&["apply", "-input=false", "-auto-approve", "p"]);
    let noop = median(runs, || tf(&["plan", "-input=false", "-detailed-exitcode"]));
    let version = Command::new("terraform")
        .arg("version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("Terraform ")
                .to_owned()
        })
        .unwrap_or_default();
    TerraformRun {
        version,
        resources: vnets * 6,
        runs: Runs { plan, apply, noop },
    }
}

/// A ring of 20 VNets applied with the simulator's latency factor 0.001 (a gateway takes 2.4 s),
/// against its critical path: resource group, VNet, subnet, gateway, connection.
fn latency_section() -> String {
    const FACTOR: f64 = 0.001;
    let dir = tempfile::tempdir().expect("scratch directory");
    std::fs::write(dir.path().join("main.tf"), ring(20)).expect("write the ring");
    let started = Instant::now();
    let apply = vnetform(
        dir.path(),
        &["apply"],
        &[("VNETFORM_SIM_LATENCY", &FACTOR.to_string())],
    );
    let wall = started.elapsed().as_secs_f64().max(apply.seconds);
    // Azure's typical seconds (docs/backends.md) along the longest chain.
    let critical = Duration::from_secs(2 + 10 + 5 + 2400 + 90).as_secs_f64() * FACTOR;
    format!(
        "\n## Realistic latency (factor {FACTOR}: a gateway takes 2.4 s)\n\n\
         20-VNet ring, {} resources: apply {wall:.2} s against a critical path of {critical:.2} s \
         ({:+.1}%), including planning.\n",
        20 * PER_VNET + 1,
        (wall / critical - 1.0) * 100.0
    )
}

/// The CPU model and core count, for the report.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpu}, {cores} cores")
}
