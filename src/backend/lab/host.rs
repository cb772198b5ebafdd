//! The host side of the lab: makes this machine's network namespaces, links and IKE daemons
//! match a [`Layout`], and reads back what the daemons say about their tunnels.
//!
//! It owns every namespace whose name starts with the lab's prefix and every file under the
//! lab's directory; it never reads the lab's store or the configuration. What it built is
//! recorded namespace by namespace (`host.json`, written after each one), so a run killed
//! half-way is finished by the next: a namespace that exists but is not recorded as built to
//! its current description is removed and built again.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::layout::{self, Layout, Namespace, Route, Tunnel};

/// Where Debian installs the IKE daemon (it is not on PATH).
pub const CHARON: &str = "/usr/lib/ipsec/charon";

/// How long new or changed tunnels are given to come up (or fail) before a change is done.
const TUNNEL_SETTLE: Duration = Duration::from_secs(3);

/// How long a daemon may take to open its control socket.
const DAEMON_START: Duration = Duration::from_secs(10);

/// A failure to change or read the host.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("`{command}` failed: {output}")]
    Command { command: String, output: String },
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the IKE daemon in {namespace} did not start within {DAEMON_START:?}; see {log}")]
    DaemonStart { namespace: String, log: String },
}

fn io_error(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> HostError {
    let what = what.into();
    move |source| HostError::Io { what, source }
}

/// One lab on this host.
#[derive(Debug, Clone)]
pub struct Host {
    /// The lab's name, the prefix of all its namespaces.
    pub lab: String,
    /// The lab's directory: records, daemon configurations, sockets and logs.
    pub dir: PathBuf,
}

/// What could not be done on the host, and the object (by id) it was done for; `None` for
/// what all objects share (the lab's internet, its records).
#[derive(Debug)]
pub struct Failure {
    pub object: Option<String>,
    pub error: HostError,
}

impl Failure {
    fn of(object: Option<&str>, error: HostError) -> Failure {
        Failure {
            object: object.map(str::to_lowercase),
            error,
        }
    }
}

/// What loading a daemon's tunnels leaves to do: tunnels to end (gone or changed), and
/// tunnels to start afresh (new or changed).
#[derive(Debug, Default)]
struct Reload {
    ended: Vec<String>,
    restarted: Vec<Tunnel>,
}

/// A tunnel's state as its daemon reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TunnelStatus {
    Connected,
    Connecting,
    NotConnected(String),
}

impl TunnelStatus {
    /// Azure's word for it (`connectionStatus`).
    pub fn azure_name(&self) -> &'static str {
        match self {
            TunnelStatus::Connected => "Connected",
            TunnelStatus::Connecting => "Connecting",
            TunnelStatus::NotConnected(_) => "NotConnected",
        }
    }
}

/// Runs a command and returns what it printed, or fails with what it said.
fn run(command: &mut Command) -> Result<String, HostError> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(io_error(format!("running {:?}", command.get_program())))?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let args: Vec<String> = std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    Err(HostError::Command {
        command: args.join(" "),
        output: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
    })
}

/// Runs `ip -batch` with `lines`, in namespace `ns`.
fn ip_batch(ns: &str, lines: &[String]) -> Result<(), HostError> {
    if lines.is_empty() {
        return Ok(());
    }
    let mut child = Command::new("ip")
        .args(["-n", ns, "-batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(io_error("running ip"))?;
    let mut script = lines.join("\n");
    script.push('\n');
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(script.as_bytes())
        .map_err(io_error("writing to ip"))?;
    let output = child.wait_with_output().map_err(io_error("running ip"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(HostError::Command {
        command: format!("ip -n {ns} -batch -  <<< {script}"),
        output: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
    })
}

fn route_spec(route: &Route) -> String {
    let mut spec = route.to.to_string();
    if let Some(via) = route.via {
        spec.push_str(&format!(" via {via}"));
    }
    if let Some(dev) = &route.dev {
        spec.push_str(&format!(" dev {dev}"));
    }
    spec
}

/// The namespaces on this host whose names start with `prefix`.
fn namespaces_with_prefix(prefix: &str) -> Result<BTreeSet<String>, HostError> {
    let listed = run(Command::new("ip").args(["netns", "list"]))?;
    Ok(listed
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| name.starts_with(prefix))
        .map(str::to_owned)
        .collect())
}

impl Host {
    fn record_path(&self) -> PathBuf {
        self.dir.join("host.json")
    }

    fn recorded(&self) -> BTreeMap<String, Namespace> {
        read_record(&self.record_path()).unwrap_or_default()
    }

    fn record(&self, built: &BTreeMap<String, Namespace>) -> Result<(), HostError> {
        write_file(&self.record_path(), &record_text(built))
    }

    fn daemon_dir(&self, ns: &str) -> PathBuf {
        self.dir.join("daemons").join(ns)
    }

    fn socket(&self, ns: &str) -> PathBuf {
        self.daemon_dir(ns).join("run").join("charon.vici")
    }

    /// Makes the host hold exactly `layout`: removes what it no longer describes (and what
    /// changed), builds what is missing, then gives each daemon its tunnels. A namespace
    /// that cannot be built is reported against its object and left out, with what hangs
    /// off it, while the rest is built: one object's failure is not another's.
    pub fn converge(&self, layout: &Layout) -> Result<(), Vec<Failure>> {
        let mut failures = Vec::new();
        let built = self
            .converge_namespaces(layout, &mut failures)
            .map_err(|e| vec![Failure::of(None, e)])?;
        // Every daemon gets its new tunnels before any tunnel is started again, so that no
        // negotiation meets a configuration about to change.
        let mut reloads = Vec::new();
        for (name, ns) in layout.build_order() {
            if !ns.daemon || !built.contains_key(name) {
                continue;
            }
            let tunnels = layout.tunnels.get(name).map_or(&[][..], Vec::as_slice);
            match self.load_daemon(name, tunnels) {
                Ok(reload) => reloads.push((name.as_str(), reload)),
                Err(e) => failures.push(Failure::of(ns.id.as_deref(), e)),
            }
        }
        for (ns, reload) in &reloads {
            for name in &reload.ended {
                let _ = self.swanctl(ns, &["--terminate", "--ike", name, "--force"]);
            }
        }
        // Each pair of ends is started from one of them: two at once would collide.
        let mut started = BTreeSet::new();
        for (ns, reload) in &reloads {
            for tunnel in &reload.restarted {
                let ends = (
                    tunnel.local.min(tunnel.remote),
                    tunnel.local.max(tunnel.remote),
                );
                if started.insert(ends) {
                    self.start_tunnel(ns, &tunnel.name);
                }
            }
        }
        // A change is done when its tunnels are up, or have failed, as in Azure.
        let deadline = Instant::now() + TUNNEL_SETTLE;
        for (ns, reload) in &reloads {
            for tunnel in &reload.restarted {
                self.settle(
                    ns,
                    &tunnel.name,
                    deadline.saturating_duration_since(Instant::now()),
                );
            }
        }
        if let Err(e) = self.remove_orphan_daemon_dirs(layout) {
            failures.push(Failure::of(None, e));
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures)
        }
    }

    /// Removes and builds namespaces until the host holds those of `layout` (but the ones
    /// that fail, added to `failures`); returns what is built, as recorded.
    fn converge_namespaces(
        &self,
        layout: &Layout,
        failures: &mut Vec<Failure>,
    ) -> Result<BTreeMap<String, Namespace>, HostError> {
        std::fs::create_dir_all(&self.dir)
            .map_err(io_error(format!("creating {}", self.dir.display())))?;
        let existing = namespaces_with_prefix(&layout::prefix(&self.lab))?;
        let mut built = self.recorded();
        built.retain(|name, _| existing.contains(name));
        let stale: BTreeSet<String> = layout
            .namespaces
            .iter()
            .filter(|(name, ns)| built.get(*name) != Some(ns))
            .map(|(name, _)| name.clone())
            .collect();
        let rebuild = layout::with_dependents(layout, stale);
        let mut removals: Vec<&String> = existing
            .iter()
            .filter(|name| rebuild.contains(*name) || !layout.namespaces.contains_key(*name))
            .collect();
        // Children first, so that their routes in their parents go with them.
        removals.sort_by_key(|name| std::cmp::Reverse(built.get(*name).map(|ns| ns.role)));
        for name in removals {
            let described = built.get(name);
            if let Err(e) = self.remove(name, described) {
                failures.push(Failure::of(described.and_then(|ns| ns.id.as_deref()), e));
                continue;
            }
            built.remove(name);
            self.record(&built)?;
        }
        for (name, ns) in layout.build_order() {
            let parent_missing = ns.parents().any(|p| !built.contains_key(p));
            if built.contains_key(name) || parent_missing {
                continue;
            }
            if let Err(e) = self.build(name, ns) {
                failures.push(Failure::of(ns.id.as_deref(), e));
                // Half built: gone, so that the next run starts it afresh.
                let _ = self.remove(name, Some(ns));
                continue;
            }
            built.insert(name.clone(), ns.clone());
            self.record(&built)?;
        }
        Ok(built)
    }

    /// Removes a namespace, its processes, the routes its links added in other namespaces,
    /// and its daemon's files.
    fn remove(&self, name: &str, described: Option<&Namespace>) -> Result<(), HostError> {
        // A namespace's links go when the kernel gets round to destroying it, which may be
        // after it has been built again: its veths are deleted now, with their far ends.
        let veths =
            run(Command::new("ip").args(["-n", name, "-o", "link", "show", "type", "veth"]))
                .unwrap_or_default();
        let deletions: Vec<String> = veths
            .lines()
            .filter_map(|line| line.split(": ").nth(1)?.split('@').next())
            .map(|link| format!("link del dev {link}"))
            .collect();
        let _ = ip_batch(name, &deletions);
        let pids = run(Command::new("ip").args(["netns", "pids", name])).unwrap_or_default();
        let pids: Vec<&str> = pids.split_whitespace().collect();
        if !pids.is_empty() {
            // A process may have ended on its own meanwhile.
            let _ = run(Command::new("kill").arg("-KILL").args(&pids));
        }
        for uplink in described
            .map(|ns| ns.uplinks.as_slice())
            .unwrap_or_default()
        {
            for route in &uplink.peer_routes {
                // The far namespace may be gone already; then so is the route.
                let _ = ip_batch(
                    &uplink.peer_ns,
                    &[format!("route del {}", route_spec(route))],
                );
            }
        }
        run(Command::new("ip").args(["netns", "del", name]))?;
        let dir = self.daemon_dir(name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .map_err(io_error(format!("removing {}", dir.display())))?;
        }
        Ok(())
    }

    /// Creates a namespace with its bridges, links, addresses and routes.
    fn build(&self, name: &str, ns: &Namespace) -> Result<(), HostError> {
        run(Command::new("ip").args(["netns", "add", name]))?;
        let mut lines = vec!["link set lo up".to_owned()];
        for address in &ns.loopback {
            lines.push(format!("addr add {address} dev lo"));
        }
        for bridge in &ns.bridges {
            lines.push(format!("link add name {} type bridge", bridge.name));
            for address in &bridge.addresses {
                lines.push(format!("addr add {address} dev {}", bridge.name));
            }
            lines.push(format!("link set dev {} up", bridge.name));
        }
        for uplink in &ns.uplinks {
            lines.push(format!(
                "link add name {} type veth peer name {} netns {}",
                uplink.name, uplink.peer_name, uplink.peer_ns
            ));
            lines.push(format!("addr add {} dev {}", uplink.address, uplink.name));
            lines.push(format!("link set dev {} up", uplink.name));
        }
        for route in &ns.routes {
            lines.push(format!("route replace {}", route_spec(route)));
        }
        ip_batch(name, &lines)?;
        for uplink in &ns.uplinks {
            let mut far = Vec::new();
            if let Some(bridge) = &uplink.peer_bridge {
                far.push(format!("link set dev {} master {bridge}", uplink.peer_name));
            }
            if let Some(address) = &uplink.peer_address {
                far.push(format!("addr add {address} dev {}", uplink.peer_name));
            }
            far.push(format!("link set dev {} up", uplink.peer_name));
            for route in &uplink.peer_routes {
                far.push(format!("route replace {}", route_spec(route)));
            }
            ip_batch(&uplink.peer_ns, &far)?;
        }
        if ns.forwarding {
            run(Command::new("ip").args([
                "netns",
                "exec",
                name,
                "sysctl",
                "-qw",
                "net.ipv4.ip_forward=1",
            ]))?;
        }
        Ok(())
    }

    fn remove_orphan_daemon_dirs(&self, layout: &Layout) -> Result<(), HostError> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("daemons")) else {
            return Ok(());
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !layout.namespaces.get(&name).is_some_and(|ns| ns.daemon) {
                std::fs::remove_dir_all(entry.path())
                    .map_err(io_error(format!("removing {}", entry.path().display())))?;
            }
        }
        Ok(())
    }

    /// Starts the namespace's daemon unless it runs, and loads its tunnels when they changed
    /// (or the daemon is new). A tunnel keeps its security associations through a reload:
    /// returns the tunnels to end — those gone, and those changed (a new key, new selectors),
    /// which are started afresh, as Azure resets a connection it updates.
    fn load_daemon(&self, ns: &str, tunnels: &[Tunnel]) -> Result<Reload, HostError> {
        let dir = self.daemon_dir(ns);
        let started = if self.daemon_answers(ns) {
            false
        } else {
            self.start_daemon(ns, &dir)?;
            true
        };
        let record = dir.join("tunnels.json");
        let loaded: Vec<Tunnel> = read_record(&record)
            .filter(|_| !started)
            .unwrap_or_default();
        if !started && loaded == tunnels {
            return Ok(Reload::default());
        }
        anchor_local_prefixes(ns, tunnels)?;
        let conf = dir.join("swanctl.conf");
        write_file(&conf, swanctl_conf(tunnels).as_bytes())?;
        self.swanctl(
            ns,
            &["--load-all", "--noprompt", "--file", &path_text(&conf)],
        )?;
        write_file(&record, &record_text(tunnels))?;
        Ok(Reload {
            ended: loaded
                .iter()
                .filter(|old| !tunnels.contains(old))
                .map(|old| old.name.clone())
                .collect(),
            restarted: tunnels
                .iter()
                .filter(|t| !loaded.contains(t))
                .cloned()
                .collect(),
        })
    }

    fn daemon_answers(&self, ns: &str) -> bool {
        std::os::unix::net::UnixStream::connect(self.socket(ns)).is_ok()
    }

    /// Starts charon in the namespace with its own configuration and a private /run (charon
    /// keeps its pid file and socket there), then waits for its control socket.
    fn start_daemon(&self, ns: &str, dir: &Path) -> Result<(), HostError> {
        let run_dir = dir.join("run");
        if run_dir.exists() {
            std::fs::remove_dir_all(&run_dir)
                .map_err(io_error(format!("removing {}", run_dir.display())))?;
        }
        std::fs::create_dir_all(&run_dir)
            .map_err(io_error(format!("creating {}", run_dir.display())))?;
        let log = dir.join("charon.log");
        let conf = dir.join("strongswan.conf");
        write_file(&conf, strongswan_conf(&log).as_bytes())?;
        let output = std::fs::File::create(dir.join("charon.out"))
            .map_err(io_error(format!("creating {}", dir.display())))?;
        Command::new("ip")
            .args(["netns", "exec", ns, "sh", "-c"])
            .arg(format!("mount --bind \"$0\" /run && exec {CHARON}"))
            .arg(&run_dir)
            .env("STRONGSWAN_CONF", &conf)
            .stdin(Stdio::null())
            .stdout(output.try_clone().map_err(io_error("charon's output"))?)
            .stderr(output)
            .process_group(0)
            .spawn()
            .map_err(io_error(format!("starting charon in {ns}")))?;
        let deadline = Instant::now() + DAEMON_START;
        while !self.daemon_answers(ns) {
            if Instant::now() > deadline {
                return Err(HostError::DaemonStart {
                    namespace: ns.to_owned(),
                    log: dir.join("charon.out").display().to_string(),
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    fn swanctl(&self, ns: &str, args: &[&str]) -> Result<String, HostError> {
        let uri = format!("unix://{}", self.socket(ns).display());
        run(Command::new("swanctl").args(args).args(["--uri", &uri]))
    }

    /// What the daemon in `ns` says of tunnel `name`: connected when its IKE and IPsec
    /// security associations are up; else the last failure its log gives, if any.
    pub fn tunnel_status(&self, ns: &str, name: &str) -> TunnelStatus {
        let listed = self
            .swanctl(ns, &["--list-sas", "--ike", name, "--raw"])
            .unwrap_or_default();
        if listed.contains("state=ESTABLISHED") && listed.contains("state=INSTALLED") {
            return TunnelStatus::Connected;
        }
        let log =
            std::fs::read_to_string(self.daemon_dir(ns).join("charon.log")).unwrap_or_default();
        last_failure(&log, name).map_or(TunnelStatus::Connecting, TunnelStatus::NotConnected)
    }

    /// Waits up to `limit` for a tunnel to come up or fail.
    fn settle(&self, ns: &str, name: &str, limit: Duration) -> TunnelStatus {
        let deadline = Instant::now() + limit;
        let mut retry_at = Some(Instant::now() + limit / 2);
        loop {
            let status = self.tunnel_status(ns, name);
            if status != TunnelStatus::Connecting || Instant::now() > deadline {
                return status;
            }
            // A negotiation lost in a collision is not retried by the daemon: once more.
            if retry_at.is_some_and(|at| Instant::now() > at) {
                retry_at = None;
                self.start_tunnel(ns, name);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Asks the daemon to start a tunnel, waiting (briefly) for it to come up or fail.
    fn start_tunnel(&self, ns: &str, name: &str) {
        // Failure shows in the tunnel's status, with its reason.
        let _ = self.swanctl(ns, &["--initiate", "--child", name, "--timeout", "2"]);
    }
}

/// Gives the namespace an address inside every prefix its tunnels send from. The daemon's
/// user-space IPsec routes a tunnel only from an address of its own inside the local
/// selector, which a gateway passing on transit prefixes (BGP) does not have: it gets the
/// last address of each such prefix on its loopback, as /32 (Azure never hands out the last
/// address of a subnet). Anchors no tunnel needs any more are removed.
fn anchor_local_prefixes(ns: &str, tunnels: &[Tunnel]) -> Result<(), HostError> {
    let shown = run(Command::new("ip").args(["-n", ns, "-o", "-4", "addr", "show"]))?;
    let held: Vec<(String, ipnet::IpNet)> = shown
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let device = words.nth(1)?.to_owned();
            let address = words.nth(1)?.parse().ok()?;
            Some((device, address))
        })
        .collect();
    let prefixes: BTreeSet<ipnet::IpNet> = tunnels
        .iter()
        .flat_map(|t| t.local_ts.iter().copied())
        .collect();
    let anchors: BTreeSet<ipnet::IpNet> = prefixes
        .iter()
        .filter(|p| {
            !held
                .iter()
                .any(|(device, a)| p.contains(&a.addr()) && !is_anchor(device, a))
        })
        .filter_map(|p| ipnet::IpNet::new(p.broadcast(), 32).ok())
        .collect();
    let present: BTreeSet<ipnet::IpNet> = held
        .iter()
        .filter(|(device, a)| is_anchor(device, a))
        .map(|(_, a)| *a)
        .collect();
    let mut lines: Vec<String> = present
        .difference(&anchors)
        .map(|a| format!("addr del {a} dev lo"))
        .collect();
    lines.extend(
        anchors
            .difference(&present)
            .map(|a| format!("addr add {a} dev lo")),
    );
    ip_batch(ns, &lines)
}

/// Whether an address is an anchor [`anchor_local_prefixes`] added.
fn is_anchor(device: &str, address: &ipnet::IpNet) -> bool {
    device == "lo" && address.prefix_len() == 32 && !address.addr().is_loopback()
}

/// A record this module wrote, or `None` when it is missing or unreadable (then rebuilt).
fn read_record<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn record_text<T: serde::Serialize + ?Sized>(record: &T) -> Vec<u8> {
    serde_json::to_vec_pretty(record).expect("records serialize")
}

/// Writes one of the lab's files whole or not at all (mode 0600: some hold shared keys).
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), HostError> {
    crate::state::atomic_write(path, bytes).map_err(io_error(format!("writing {}", path.display())))
}

fn path_text(path: &Path) -> String {
    path.display().to_string()
}

/// The daemon's configuration: the plugins this kernel needs (IPsec in user space through a
/// TUN device, since there is no kernel ESP) and a log naming each tunnel.
fn strongswan_conf(log: &Path) -> String {
    format!(
        r#"charon {{
  load = random nonce aes sha1 sha2 md5 hmac gcm kdf pem pkcs1 x509 revocation constraints pubkey openssl gmp kernel-libipsec kernel-netlink socket-default vici
  plugins {{
    kernel-libipsec {{
      load = yes
    }}
  }}
  retransmit_tries = 3
  retransmit_timeout = 1
  filelog {{
    lab {{
      path = {}
      default = 1
      ike_name = yes
      flush_line = yes
    }}
  }}
}}
"#,
        log.display()
    )
}

/// The tunnels as swanctl.conf. The lab starts each tunnel itself, from one end of each pair
/// (see [`Host::converge`]); a dead peer is retried.
fn swanctl_conf(tunnels: &[Tunnel]) -> String {
    let mut connections = String::new();
    let mut secrets = String::new();
    for t in tunnels {
        let ts = |prefixes: &[ipnet::IpNet]| {
            prefixes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        let (ike, esp) = t
            .proposals
            .as_ref()
            .map_or(("default", "default"), |p| (p.ike.as_str(), p.esp.as_str()));
        connections.push_str(&format!(
            r#"  {name} {{
    version = 2
    local_addrs = {local}
    remote_addrs = {remote}
    proposals = {ike}
    encap = yes
    keyingtries = 0
    local {{
      auth = psk
      id = {local}
    }}
    remote {{
      auth = psk
      id = {remote}
    }}
    children {{
      {name} {{
        local_ts = {local_ts}
        remote_ts = {remote_ts}
        esp_proposals = {esp}
        start_action = none
        dpd_action = restart
      }}
    }}
  }}
"#,
            name = t.name,
            local = t.local,
            remote = t.remote,
            local_ts = ts(&t.local_ts),
            remote_ts = ts(&t.remote_ts),
        ));
        // Hex, so that no character of the key needs quoting.
        let hex: String = t.shared_key.bytes().map(|b| format!("{b:02x}")).collect();
        secrets.push_str(&format!(
            "  ike-{name} {{\n    id-local = {local}\n    id-remote = {remote}\n    secret = 0x{hex}\n  }}\n",
            name = t.name,
            local = t.local,
            remote = t.remote,
        ));
    }
    format!("connections {{\n{connections}}}\nsecrets {{\n{secrets}}}\n")
}

/// Why the tunnel `name` last failed, from the daemon's log, unless it has come up since.
fn last_failure(log: &str, name: &str) -> Option<String> {
    let tag = format!("<{name}|");
    for line in log.lines().rev().filter(|l| l.contains(&tag)) {
        if line.contains("established between") {
            return None;
        }
        if line.contains("AUTHENTICATION_FAILED") || line.contains("MAC mismatched") {
            return Some("authentication failed: the shared keys differ".into());
        }
        if line.contains("NO_PROPOSAL_CHOSEN") {
            return Some(
                "no proposal chosen: the peer has no matching connection, or no matching IPsec policy"
                    .into(),
            );
        }
        if line.contains("giving up after")
            || line.contains("retransmit") && line.contains("of request")
        {
            return Some("the peer does not answer".into());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_says_why_a_tunnel_failed() {
        let log = "\
12[IKE] <c1|1> initiating IKE_SA c1[1] to 198.51.100.11
13[IKE] <c1|1> received AUTHENTICATION_FAILED notify error
13[IKE] <c2|2> IKE_SA c2[2] established between 198.51.100.10[198.51.100.10]...198.51.100.12[198.51.100.12]
";
        assert_eq!(
            last_failure(log, "c1").as_deref(),
            Some("authentication failed: the shared keys differ")
        );
        assert_eq!(last_failure(log, "c2"), None);
        assert_eq!(last_failure(log, "c3"), None);
    }

    #[test]
    fn a_configuration_lists_its_tunnels() {
        let tunnel = Tunnel {
            name: "c0123abcd".into(),
            connection_id: "/x".into(),
            local: "198.51.100.10".parse().unwrap(),
            remote: "198.51.100.11".parse().unwrap(),
            local_ts: vec!["10.0.0.0/16".parse().unwrap()],
            remote_ts: vec![
                "10.1.0.0/16".parse().unwrap(),
                "10.2.0.0/16".parse().unwrap(),
            ],
            shared_key: "a\"b".into(),
            proposals: None,
        };
        let conf = swanctl_conf(std::slice::from_ref(&tunnel));
        assert!(
            conf.contains("remote_ts = 10.1.0.0/16,10.2.0.0/16"),
            "{conf}"
        );
        assert!(conf.contains("secret = 0x612262"), "{conf}");
    }
}
