//! The apply engine under stress, end to end: killed at many points, interrupted, faced with
//! transient faults, and run twice at once. The simulated cloud runs with a small latency
//! factor so that an apply lasts long enough to be cut short; nothing asserts on time.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

use common::Workspace;

/// Gateways take 2.4 s, connections 90 ms, everything else a few milliseconds.
const LATENCY: (&str, &str) = ("VNETFORM_SIM_LATENCY", "0.001");

fn example() -> Workspace {
    let ws = Workspace::new();
    ws.use_config(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/vnet-to-vnet"));
    ws
}

fn spawn_apply(ws: &Workspace, env: &[(&str, &str)]) -> Child {
    let mut cmd = ws.command(&["apply", "-auto-approve", "-no-color"]);
    cmd.envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().expect("start vnetform apply")
}

/// Applies with latency, calling `act` when the apply prints the line `marker`; its exit
/// status, output and error output.
fn apply_acting_at(
    ws: &Workspace,
    marker: &str,
    act: impl Fn(&Child),
) -> (std::process::ExitStatus, String, String) {
    let mut child = spawn_apply(ws, &[LATENCY]);
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(marker) {
            act(&child);
        }
    }
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    (status, seen, stderr)
}

/// The ids of the managed objects the state records.
fn recorded_ids(ws: &Workspace) -> BTreeSet<String> {
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.file("vnetform.tfstate")).unwrap())
            .unwrap();
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["mode"] == "managed")
        .flat_map(|r| r["instances"].as_array().unwrap().clone())
        .map(|i| i["attributes"]["id"].as_str().unwrap().to_lowercase())
        .collect()
}

/// The ids the state records and the ids the simulated cloud holds.
fn state_and_cloud_ids(ws: &Workspace) -> (BTreeSet<String>, BTreeSet<String>) {
    let recorded = recorded_ids(ws);
    let listed: serde_json::Value =
        serde_json::from_str(&ws.run(&["sim", "list", "-json"]).ok().stdout).unwrap();
    let held = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_lowercase())
        .collect();
    (recorded, held)
}

/// The topology is complete, the state says so, and the cloud holds nothing else.
#[track_caller]
fn assert_converged(ws: &Workspace, what: &str) {
    assert_eq!(
        ws.run(&["plan", "-detailed-exitcode", "-no-color"]).code,
        0,
        "{what}: a plan after the re-apply shows no changes"
    );
    let (recorded, held) = state_and_cloud_ids(ws);
    assert_eq!(
        recorded, held,
        "{what}: the cloud holds exactly what state records"
    );
}

#[test]
fn an_apply_killed_at_any_point_loses_nothing_and_creates_nothing_twice() {
    for delay_ms in [40, 150, 400, 900, 1600, 2500] {
        let ws = example();
        let mut child = spawn_apply(&ws, &[LATENCY]);
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        let rerun = ws.run(&["apply", "-auto-approve", "-no-color"]);
        assert_eq!(
            rerun.code, 0,
            "killed after {delay_ms} ms, the re-apply finishes:\n{}\n{}",
            rerun.stdout, rerun.stderr
        );
        assert!(
            !rerun.stdout.contains("ResourceAlreadyExists"),
            "killed after {delay_ms} ms: {}",
            rerun.stdout
        );
        assert_converged(&ws, &format!("killed after {delay_ms} ms"));
    }
}

#[test]
fn an_interrupt_finishes_what_runs_starts_nothing_new_and_reports_it() {
    let ws = example();
    let (status, seen, stderr) = apply_acting_at(
        &ws,
        "azurerm_virtual_network_gateway.gw1: Creating...",
        |child| {
            let pid = child.id().to_string();
            std::process::Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap();
        },
    );
    assert_eq!(status.code(), Some(1), "{seen}\n{stderr}");
    assert!(stderr.contains("Interrupt received."), "{stderr}");
    assert!(
        seen.contains("azurerm_virtual_network_gateway.gw1: Creation complete"),
        "the gateway under way is waited for:\n{seen}"
    );
    assert!(seen.contains("Apply interrupted."), "{seen}");
    assert!(
        seen.contains("  not started: azurerm_virtual_network_gateway_connection.vnet1_to_vnet2"),
        "{seen}"
    );
    assert!(
        !seen.contains("azurerm_virtual_network_gateway_connection.vnet1_to_vnet2: Creating"),
        "{seen}"
    );
    ws.run(&["apply", "-auto-approve"]).ok();
    assert_converged(&ws, "after an interrupt");
}

#[test]
fn an_apply_converges_through_thirty_percent_transient_faults() {
    let ws = example();
    let faults = [
        ("VNETFORM_SIM_FAULT_RATE", "0.3"),
        ("VNETFORM_SIM_SEED", "42"),
    ];
    let applied = ws.run_env(&["apply", "-auto-approve", "-no-color"], &faults);
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);
    let plan = ws.run_env(&["plan", "-detailed-exitcode", "-no-color"], &faults);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    let (recorded, held) = state_and_cloud_ids(&ws);
    assert_eq!(recorded, held);
}

#[test]
fn two_applies_at_once_never_both_write() {
    let ws = example();
    let first = spawn_apply(&ws, &[LATENCY]);
    let second = spawn_apply(&ws, &[LATENCY]);
    let outputs = [
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    ];
    let succeeded = outputs.iter().filter(|o| o.status.success()).count();
    assert_eq!(succeeded, 1, "exactly one apply holds the lock");
    let refused = outputs.iter().find(|o| !o.status.success()).unwrap();
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("Error acquiring the state lock"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_converged(&ws, "after two concurrent applies");
}

#[test]
fn two_configurations_apply_into_one_simulated_cloud_at_once() {
    let shared = tempfile::tempdir().unwrap();
    let db = shared.path().join("sim.db");
    let db = db.to_str().unwrap();
    let (first, second) = (example(), example());
    let mut runs = Vec::new();
    for (ws, group) in [(&first, "first-rg"), (&second, "second-rg")] {
        let var = format!("-var=resource_group_name={group}");
        let mut cmd = ws.command(&["apply", "-auto-approve", "-no-color", &var]);
        cmd.envs([LATENCY, ("VNETFORM_SIM_DB", db)])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        runs.push(cmd.spawn().unwrap());
    }
    for run in runs {
        let output = run.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let env = [("VNETFORM_SIM_DB", db)];
    let listed: serde_json::Value =
        serde_json::from_str(&first.run_env(&["sim", "list", "-json"], &env).ok().stdout).unwrap();
    let held: BTreeSet<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_lowercase())
        .collect();
    let recorded: BTreeSet<String> = [&first, &second]
        .iter()
        .flat_map(|ws| recorded_ids(ws))
        .collect();
    assert_eq!(
        recorded, held,
        "each object once, in the state that made it"
    );
}

#[test]
fn a_destroy_killed_at_any_point_finishes_on_the_next_run() {
    for delay_ms in [300, 1200] {
        let ws = example();
        ws.run(&["apply", "-auto-approve"]).ok();
        let mut cmd = ws.command(&["destroy", "-auto-approve", "-no-color"]);
        cmd.envs([LATENCY])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        // The deletes it started finish in the cloud while nobody waits (as in Azure).
        let rerun = ws.run_env(&["destroy", "-auto-approve", "-no-color"], &[LATENCY]);
        assert_eq!(
            rerun.code, 0,
            "killed after {delay_ms} ms:\n{}\n{}",
            rerun.stdout, rerun.stderr
        );
        let (recorded, held) = state_and_cloud_ids(&ws);
        assert!(
            recorded.is_empty() && held.is_empty(),
            "killed after {delay_ms} ms: {held:?}"
        );
    }
}

#[test]
fn a_second_interrupt_exits_at_once_and_the_next_apply_finishes() {
    let ws = example();
    let mut child = spawn_apply(&ws, &[LATENCY]);
    let stdout = BufReader::new(child.stdout.take().unwrap());
    for line in stdout.lines() {
        if line
            .unwrap()
            .contains("azurerm_virtual_network_gateway.gw1: Creating...")
        {
            let pid = child.id().to_string();
            for _ in 0..2 {
                std::process::Command::new("kill")
                    .args(["-INT", &pid])
                    .status()
                    .unwrap();
                std::thread::sleep(Duration::from_millis(100));
            }
            break;
        }
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Two interrupts received. Exiting immediately"),
        "{stderr}"
    );
    let rerun = ws.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(rerun.code, 0, "{}\n{}", rerun.stdout, rerun.stderr);
    assert_converged(&ws, "after two interrupts");
}

#[test]
fn outputs_are_not_worked_out_from_files_changed_during_the_apply() {
    let ws = example();
    // The outputs read private IPs the apply assigns: they are evaluated at its end, from
    // the configuration as planned, which this edit is not.
    let (status, seen, stderr) = apply_acting_at(
        &ws,
        "azurerm_virtual_network_gateway.gw1: Creating...",
        |_| {
            let main = ws.file("main.tf");
            let text = std::fs::read_to_string(&main).unwrap();
            std::fs::write(&main, text + "\n# edited during the apply\n").unwrap();
        },
    );
    assert_eq!(status.code(), Some(0), "{seen}\n{stderr}");
    assert!(
        seen.contains("Apply complete! Resources: 19 added"),
        "{seen}"
    );
    assert!(
        stderr.contains("Outputs not updated: the configuration has changed, or can no longer"),
        "{stderr}"
    );
    assert_eq!(ws.run(&["output", "-json"]).ok().stdout.trim(), "{}");

    let again = ws.run(&["apply", "-auto-approve", "-no-color"]).ok();
    assert!(
        again.stdout.contains("vm1_private_ip = \"10.0.1.4\""),
        "the next apply records them: {}",
        again.stdout
    );
}
