//! The lab backend on this host: real namespaces, real IKEv2 tunnels, real pings.
//!
//! These need root and strongSwan's charon. Without them they skip with a message, except
//! under `CI=true`, where they fail: CI installs what they need.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{Workspace, root};

/// A working directory initialized for the lab, whose namespaces and daemons are removed
/// when it is dropped, whatever the test did.
struct Lab {
    ws: Workspace,
    name: String,
}

impl Lab {
    /// A lab for `config` (a directory of the repository), or `None` (with a message) when
    /// this host cannot hold one.
    fn new(config: &str) -> Option<Lab> {
        if let Err(missing) = vnetform::backend::lab::check_requirements() {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("the lab tests must run in CI: {missing}");
            }
            eprintln!("skipping a lab test: {missing}");
            return None;
        }
        let ws = Workspace::new();
        ws.use_config(&root().join(config));
        ws.run(&["init", "-cloud=lab"]).ok();
        let name = vnetform::backend::lab::lab_name(ws.path());
        Some(Lab { ws, name })
    }

    fn run(&self, args: &[&str]) -> common::Run {
        self.ws.run(args)
    }

    fn status(&self) -> serde_json::Value {
        let out = self.run(&["lab", "status", "-json"]).ok().stdout;
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }

    /// The status of the tunnel of connection `name`, and the reason when it is down.
    fn tunnel(&self, name: &str) -> (String, String) {
        let status = self.status();
        let tunnel = status["tunnels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["connection"] == name)
            .unwrap_or_else(|| panic!("no tunnel {name} in {status}"))
            .clone();
        let text = |k: &str| tunnel[k].as_str().unwrap_or_default().to_owned();
        (text("status"), text("reason"))
    }

    fn reaches(&self, from: &str, to: &str) -> bool {
        let ping = self.run(&["lab", "ping", from, to]);
        assert!(
            ping.code == 0 || ping.stdout.contains("unreachable"),
            "lab ping failed: {}{}",
            ping.stdout,
            ping.stderr
        );
        ping.code == 0
    }

    /// Asserts that `lab check` finds every pair of VMs as the reachability analysis says.
    fn check_is_clean(&self) {
        let check = self.run(&["lab", "check", "-json"]);
        let doc: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
        assert_eq!(doc["mismatches"], 0, "{}", check.stdout);
        assert_eq!(check.code, 0);
    }

    fn namespaces(&self) -> BTreeSet<String> {
        namespaces_of(&self.name)
    }

    /// Destroys everything and checks that no namespace, daemon or file of the lab is left.
    fn destroy_leaves_nothing(&self) {
        self.run(&["destroy", "-auto-approve"]).ok();
        assert_eq!(self.namespaces(), BTreeSet::new());
        assert_eq!(
            daemons_under(self.ws.path()),
            0,
            "no charon of the lab runs"
        );
        let daemons = self.ws.path().join(".vnetform/lab/daemons");
        let left = std::fs::read_dir(&daemons).map_or(0, |d| d.count());
        assert_eq!(left, 0, "no daemon files are left");
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in self.namespaces() {
            let pids = command_output("ip", &["netns", "pids", &ns]);
            for pid in pids.split_whitespace() {
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", pid])
                    .status();
            }
            let _ = std::process::Command::new("ip")
                .args(["netns", "del", &ns])
                .status();
        }
    }
}

fn command_output(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

fn namespaces_of(lab: &str) -> BTreeSet<String> {
    command_output("ip", &["netns", "list"])
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with(&format!("{lab}-")))
        .map(str::to_owned)
        .collect()
}

/// How many processes run with a configuration under `dir` (the lab's daemons).
fn daemons_under(dir: &Path) -> usize {
    let needle = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter(|e| {
            std::fs::read(e.path().join("environ"))
                .map(|env| String::from_utf8_lossy(&env).contains(&needle))
                .unwrap_or(false)
        })
        .count()
}

const ONE_WAY: &str = "azurerm_virtual_network_gateway_connection.vnet1_to_vnet2";
const BACK: &str = "azurerm_virtual_network_gateway_connection.vnet2_to_vnet1";

#[test]
fn the_example_tunnel_carries_traffic_once_both_connections_exist() {
    let Some(lab) = Lab::new("examples/vnet-to-vnet") else {
        return;
    };
    let vms = [
        "-target=azurerm_linux_virtual_machine.vm1",
        "-target=azurerm_linux_virtual_machine.vm2",
    ];
    let one_way = format!("-target={ONE_WAY}");
    lab.run(&["apply", "-auto-approve", &one_way, vms[0], vms[1]])
        .ok();
    assert!(!lab.reaches("vm1", "vm2"), "one connection is no tunnel");
    let (status, reason) = lab.tunnel("VNet1-to-VNet2");
    assert_ne!(status, "Connected", "{reason}");
    let gateways = lab.status()["gateways"].clone();
    for gateway in gateways.as_array().unwrap() {
        let public = gateway["addresses"][1].as_str().unwrap();
        assert!(
            public.starts_with("198.51.100.") || public.starts_with("203.0.113."),
            "public IPs come from the documentation ranges: {gateway}"
        );
    }

    lab.run(&["apply", "-auto-approve"]).ok();
    assert!(lab.reaches("vm1", "vm2"));
    assert!(lab.reaches("azurerm_linux_virtual_machine.vm2", "vm1"));
    assert_eq!(lab.tunnel("VNet1-to-VNet2").0, "Connected");
    assert_eq!(lab.tunnel("VNet2-to-VNet1").0, "Connected");
    lab.check_is_clean();
    let exec = lab.run(&[
        "lab", "exec", "vm1", "--", "ip", "-4", "-o", "addr", "show", "eth0",
    ]);
    assert!(exec.ok().stdout.contains("10.0.1.4/24"));
    assert_eq!(
        lab.run(&["lab", "exec", "vm2", "--", "false"]).code,
        1,
        "its exit code"
    );

    // A VM deleted behind vnetform's back leaves the host at the next refresh, and comes back.
    let vm2 = lab.ws.id_of("azurerm_linux_virtual_machine.vm2");
    lab.run(&["sim", "delete", &vm2]).ok();
    let plan = lab.run(&["plan", "-no-color"]).ok().stdout;
    assert!(
        plan.contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );
    assert!(!lab.reaches("vm1", "10.1.4.4"));
    lab.run(&["apply", "-auto-approve"]).ok();
    assert!(lab.reaches("vm1", "vm2"));
    let unknown = lab.run(&["lab", "ping", "vm1", "vm9"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown
            .stderr
            .contains("neither a VM of the lab nor an IP address"),
        "{}",
        unknown.stderr
    );

    lab.run(&["apply", "-refresh-only", "-auto-approve"]).ok();
    let shown = lab.run(&["state", "show", ONE_WAY]).ok().stdout;
    assert!(
        shown.contains("connection_status") && shown.contains("\"Connected\""),
        "{shown}"
    );
    let plan = lab.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        plan.code, 0,
        "a second plan shows no changes: {}",
        plan.stdout
    );
    lab.destroy_leaves_nothing();
}

#[test]
fn a_wrong_shared_key_leaves_the_tunnel_down_with_the_reason() {
    let Some(lab) = Lab::new("examples/vnet-to-vnet") else {
        return;
    };
    lab.run(&["apply", "-auto-approve"]).ok();
    assert!(lab.reaches("vm1", "vm2"));
    // The rules refuse two different keys in one configuration: one side is changed alone.
    lab.ws.write(
        "other.auto.tfvars",
        "shared_key = \"NotTheOtherSidesKey\"\n",
    );
    lab.run(&["apply", "-auto-approve", &format!("-target={BACK}")])
        .ok();
    let (status, reason) = lab.tunnel("VNet2-to-VNet1");
    assert_eq!(status, "NotConnected");
    assert!(reason.contains("authentication failed"), "{reason}");
    assert!(!lab.reaches("vm1", "vm2"));
    lab.check_is_clean();
    let status = serde_json::to_string(&lab.status()).unwrap();
    assert!(
        !status.contains("NotTheOtherSidesKey"),
        "keys are never shown"
    );
    lab.destroy_leaves_nothing();
}

#[test]
fn spokes_reach_each_other_through_the_hub_only_with_bgp() {
    let Some(lab) = Lab::new("testdata/lab/hub-and-spoke") else {
        return;
    };
    lab.run(&["apply", "-auto-approve"]).ok();
    assert!(lab.reaches("north-vm", "hub-vm"));
    assert!(
        !lab.reaches("north-vm", "south-vm"),
        "no transit without BGP"
    );
    lab.check_is_clean();

    lab.run(&["apply", "-auto-approve", "-var=bgp=true"]).ok();
    assert!(lab.reaches("north-vm", "south-vm"), "BGP carries transit");
    assert!(lab.reaches("south-vm", "north-vm"));
    lab.check_is_clean();
    lab.destroy_leaves_nothing();
}

#[test]
fn a_site_to_site_connection_reaches_the_on_premises_network() {
    let Some(lab) = Lab::new("testdata/lab/site-to-site") else {
        return;
    };
    lab.run(&["apply", "-auto-approve"]).ok();
    assert_eq!(lab.tunnel("azure-to-onprem").0, "Connected");
    assert!(
        lab.reaches("app", "192.168.50.1"),
        "the site's address space"
    );
    assert!(!lab.reaches("app", "192.168.51.1"), "nothing beyond it");
    let sites = lab.status()["sites"].clone();
    assert_eq!(sites[0]["addresses"][0], "192.168.50.0/24", "{sites}");
    lab.check_is_clean();
    lab.destroy_leaves_nothing();
}

#[test]
fn an_apply_killed_midway_is_finished_by_the_next() {
    let Some(lab) = Lab::new("examples/vnet-to-vnet") else {
        return;
    };
    // Gateways take 1.2 s at this latency, connections 45 ms after them: the kills land
    // while the gateways are being built, then around the connections.
    for kill_after in [700, 1230] {
        let mut child = lab
            .ws
            .command(&["apply", "-auto-approve"])
            .env("VNETFORM_SIM_LATENCY", "0.0005")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(kill_after));
        child.kill().unwrap();
        child.wait().unwrap();

        lab.run(&["apply", "-auto-approve"]).ok();
        assert!(lab.reaches("vm1", "vm2"), "killed after {kill_after} ms");
        let roles: Vec<String> = lab
            .namespaces()
            .iter()
            .map(|ns| ns.split('-').nth(1).unwrap().to_owned())
            .collect();
        assert_eq!(
            roles,
            ["gw", "gw", "internet", "net", "net", "vm", "vm"],
            "each object stands once on the host: {roles:?}"
        );
        let plan = lab.run(&["plan", "-detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{}", plan.stdout);
        lab.destroy_leaves_nothing();
    }
}

#[test]
fn a_peered_spoke_reaches_the_hub_and_through_gateway_transit_the_branch() {
    let Some(lab) = Lab::new("testdata/lab/peering") else {
        return;
    };
    lab.run(&["apply", "-auto-approve"]).ok();
    assert!(lab.reaches("spoke-vm", "hub-vm"), "the peering");
    assert!(lab.reaches("spoke-vm", "192.168.20.1"), "the hub's gateway");
    lab.check_is_clean();

    lab.run(&["apply", "-auto-approve", "-var=transit=false"])
        .ok();
    assert!(lab.reaches("spoke-vm", "hub-vm"));
    assert!(!lab.reaches("spoke-vm", "192.168.20.1"), "no transit");
    assert!(lab.reaches("hub-vm", "192.168.20.1"));
    lab.check_is_clean();
    lab.destroy_leaves_nothing();
}

/// A PATH whose `ip` fails to add any VM's namespace, and runs the real `ip` otherwise.
fn path_failing_vm_namespaces(bin: &Path) -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    let real = std::env::split_paths(&path)
        .map(|dir| dir.join("ip"))
        .find(|ip| ip.exists())
        .expect("ip on PATH");
    let script = format!(
        "#!/bin/sh\ncase \"$*\" in\n  *'netns add '*-vm-*) echo 'simulated host failure' >&2; exit 1;;\nesac\nexec {} \"$@\"\n",
        real.display()
    );
    let wrapper = bin.join("ip");
    std::fs::write(&wrapper, script).unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    format!("{}:{path}", bin.display())
}

#[test]
fn a_vm_the_host_cannot_build_is_tainted_and_replaced_by_the_next_apply() {
    let Some(lab) = Lab::new("examples/vnet-to-vnet") else {
        return;
    };
    let bin = tempfile::tempdir().unwrap();
    let path = path_failing_vm_namespaces(bin.path());
    let failed = lab
        .ws
        .run_env(&["apply", "-auto-approve", "-no-color"], &[("PATH", &path)]);
    assert_eq!(failed.code, 1, "{}", failed.stdout);
    assert!(
        failed.stderr.contains("simulated host failure"),
        "{}",
        failed.stderr
    );
    assert!(
        failed
            .stdout
            .contains("17 added, 0 changed, 0 destroyed; 2 failed"),
        "only the two VMs fail: {}",
        failed.stdout
    );

    let plan = lab.run(&["plan", "-no-color"]).ok().stdout;
    assert!(
        plan.contains("# azurerm_linux_virtual_machine.vm1 is tainted, so must be replaced"),
        "{plan}"
    );
    lab.run(&["apply", "-auto-approve"]).ok();
    assert!(lab.reaches("vm1", "vm2"));
    lab.destroy_leaves_nothing();
}
