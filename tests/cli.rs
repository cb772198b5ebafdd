//! End-to-end runs of the `vnetform` binary against the simulated cloud, each in its own
//! temporary working directory.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Workspace, root};

const SHARED_KEY: &str = "Vnet2VnetDemoKey2026";
const VM_PASSWORD: &str = "Demo-Passw0rd!2026";

fn example() -> Workspace {
    let ws = Workspace::new();
    ws.use_config(&root().join("examples/vnet-to-vnet"));
    ws
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[track_caller]
fn assert_no_secrets(what: &str, text: &str) {
    for secret in [SHARED_KEY, VM_PASSWORD] {
        assert!(!text.contains(secret), "{what} reveals a secret:\n{text}");
    }
}

#[test]
fn example_applies_replans_clean_and_destroys() {
    let ws = example();
    let init = ws.run(&["init", "-no-color"]).ok();
    assert!(init.stdout.contains("Backend: sim"), "{}", init.stdout);
    assert!(
        init.stdout
            .contains("State store: local file vnetform.tfstate"),
        "{}",
        init.stdout
    );

    let plan = ws.run(&["plan", "-no-color", "-detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.stderr);
    assert!(
        plan.stdout
            .contains("Plan: 19 to add, 0 to change, 0 to destroy.")
    );
    let gw = plan
        .stdout
        .find("# azurerm_virtual_network_gateway.gw1 will be created")
        .unwrap();
    let conn = plan
        .stdout
        .find("# azurerm_virtual_network_gateway_connection.vnet1_to_vnet2 will be created")
        .unwrap();
    assert!(gw < conn, "the plan lists the gateway before its tunnel");
    assert!(
        plan.stdout
            .contains("shared_key                         = (sensitive value)")
    );

    let apply = ws.run(&["apply", "-auto-approve", "-no-color"]).ok();
    assert!(
        apply
            .stdout
            .contains("Apply complete! Resources: 19 added, 0 changed, 0 destroyed.")
    );
    assert!(
        apply.stdout.contains("vm1_private_ip = \"10.0.1.4\""),
        "{}",
        apply.stdout
    );
    assert!(apply.stdout.contains("vm2_private_ip = \"10.1.4.4\""));
    assert!(apply.stdout.contains(
        "azurerm_virtual_network_gateway.gw1: Creation complete after 0s [id=/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/vnet-to-vnet-rg/providers/Microsoft.Network/virtualNetworkGateways/VNet1GW]"
    ));

    let again = ws.run(&["plan", "-no-color", "-detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert!(
        again
            .stdout
            .contains("No changes. Your infrastructure matches the configuration.")
    );

    assert_eq!(ws.run(&["state", "list"]).ok().stdout.lines().count(), 19);
    assert_eq!(
        ws.run(&["output", "vm1_private_ip"]).ok().stdout,
        "\"10.0.1.4\"\n"
    );
    assert_eq!(
        ws.run(&["output", "-raw", "vm2_private_ip"]).ok().stdout,
        "10.1.4.4"
    );
    let outputs: serde_json::Value =
        serde_json::from_str(&ws.run(&["output", "-json"]).ok().stdout).unwrap();
    assert_eq!(outputs["vm1_private_ip"]["value"], "10.0.1.4");
    let graph = ws.run(&["graph"]).ok().stdout;
    assert!(graph.contains(
        "\"azurerm_virtual_network_gateway_connection.vnet1_to_vnet2\" -> \"azurerm_virtual_network_gateway.gw2\";"
    ));

    for file in ["vnetform.tfstate", ".vnetform/sim.db"] {
        assert_eq!(mode(&ws.file(file)), 0o600, "{file}");
    }
    assert!(
        !ws.file("vnetform.tfstate.backup").exists(),
        "no backup of a state that did not exist"
    );
    let sim: serde_json::Value =
        serde_json::from_str(&ws.run(&["sim", "list", "-json"]).ok().stdout).unwrap();
    assert_eq!(sim.as_array().unwrap().len(), 19);
    let connection = sim
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "VNet1-to-VNet2")
        .unwrap();
    assert_eq!(connection["provisioning_state"], "Succeeded");
    assert!(
        connection["attributes"].get("shared_key").is_none(),
        "sim list hides secrets"
    );

    for args in [
        &["show", "-no-color"][..],
        &["show", "-json"],
        &[
            "state",
            "show",
            "azurerm_virtual_network_gateway_connection.vnet1_to_vnet2",
        ],
        &["sim", "list", "-json"],
        &["output"],
        &["plan", "-json"],
    ] {
        let run = ws.run(args).ok();
        assert_no_secrets(&args.join(" "), &format!("{}{}", run.stdout, run.stderr));
    }
    assert!(
        ws.run(&["output"])
            .ok()
            .stdout
            .contains("gateway1_id = \"/subscriptions/")
    );

    let destroy = ws.run(&["destroy", "-auto-approve", "-no-color"]).ok();
    assert!(
        destroy.stdout.contains(
            "Network reachability:\n  - azurerm_virtual_network.vnet1 <-> azurerm_virtual_network.vnet2\n"
        ),
        "destroying the link disconnects the VNets:\n{}",
        destroy.stdout
    );
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 19 destroyed."),
        "{}",
        destroy.stdout
    );
    let conn_gone = destroy
        .stdout
        .find("vnet1_to_vnet2: Destruction complete")
        .unwrap();
    let gw_gone = destroy
        .stdout
        .find("azurerm_virtual_network_gateway.gw1: Destroying...")
        .unwrap();
    assert!(
        conn_gone < gw_gone,
        "tunnels are destroyed before their gateways"
    );
    assert_eq!(ws.run(&["sim", "list", "-json"]).ok().stdout.trim(), "[]");
    assert_eq!(ws.run(&["state", "list"]).ok().stdout, "");
    let backup = std::fs::read_to_string(ws.file("vnetform.tfstate.backup")).unwrap();
    assert!(
        backup.contains("VNet1GW"),
        "the backup is the state as the destroy found it"
    );
    assert_eq!(mode(&ws.file("vnetform.tfstate.backup")), 0o600);
}

#[test]
fn saved_plans_apply_once_and_refuse_a_moved_state() {
    let ws = example();
    let plan = ws.run(&["plan", "-out=first.tfplan", "-no-color"]).ok();
    assert!(plan.stdout.contains("Saved the plan to: first.tfplan"));
    assert_eq!(mode(&ws.file("first.tfplan")), 0o600);
    let text = std::fs::read_to_string(ws.file("first.tfplan")).unwrap();
    assert!(text.contains("Vnet2Vnet"), "the plan file holds the plan");

    let doc: serde_json::Value =
        serde_json::from_str(&ws.run(&["show", "-json", "first.tfplan"]).ok().stdout).unwrap();
    assert_eq!(doc["format_version"], "1.2");
    let change = doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "azurerm_public_ip.gw1")
        .unwrap();
    assert_eq!(change["change"]["actions"], serde_json::json!(["create"]));
    assert_eq!(change["change"]["after_unknown"]["ip_address"], true);
    let conn = doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "vnet1_to_vnet2")
        .unwrap();
    assert_eq!(conn["change"]["after_sensitive"]["shared_key"], true);
    assert!(conn["change"]["after"].get("shared_key").is_none());
    assert_no_secrets("show -json PLANFILE", &doc.to_string());

    ws.run(&["plan", "-out=second.tfplan"]).ok();
    let applied = ws.run(&["apply", "-no-color", "first.tfplan"]).ok();
    assert!(
        applied
            .stdout
            .contains("Apply complete! Resources: 19 added")
    );
    let stale = ws.run(&["apply", "-no-color", "second.tfplan"]);
    assert_eq!(stale.code, 1);
    assert!(
        stale.stderr.contains("Saved plan is stale"),
        "{}",
        stale.stderr
    );

    let with_var = ws.run(&["apply", "-var", "location1=eastus", "first.tfplan"]);
    assert_eq!(with_var.code, 1);
    assert!(
        with_var
            .stderr
            .contains("Can't set variables when applying a saved plan")
    );
}

#[test]
fn a_changed_configuration_invalidates_a_saved_plan() {
    let ws = example();
    ws.run(&["plan", "-out=p.tfplan"]).ok();
    let main = std::fs::read_to_string(ws.file("main.tf")).unwrap();
    ws.write("main.tf", &main.replace("10.0.1.0/24", "10.0.9.0/24"));
    let run = ws.run(&["apply", "p.tfplan"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("The configuration changed after the plan was saved"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_failure_mid_apply_keeps_what_succeeded_and_the_next_apply_finishes() {
    let ws = example();
    let failed = ws.run_env(
        &["apply", "-auto-approve", "-no-color"],
        &[("VNETFORM_SIM_FAIL", "VNet2GW:create")],
    );
    assert_eq!(failed.code, 1);
    assert!(
        failed
            .stdout
            .contains("azurerm_virtual_network_gateway.gw2: Error creating: SimulatedFailure"),
        "{}",
        failed.stdout
    );
    assert!(
        failed.stdout.contains(
            "Apply failed. 16 added, 0 changed, 0 destroyed; 1 failed, 2 skipped because something they depend on failed, 0 not started."
        ),
        "{}",
        failed.stdout
    );
    assert!(
        failed
            .stderr
            .contains("azurerm_virtual_network_gateway.gw2: SimulatedFailure"),
        "{}",
        failed.stderr
    );
    let listed = ws.run(&["state", "list"]).ok().stdout;
    assert!(listed.contains("azurerm_virtual_network_gateway.gw1\n"));
    assert!(
        !listed.contains("connection"),
        "tunnels that need the failed gateway were not started"
    );
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path().join("vnetform.tfstate")).unwrap())
            .unwrap();
    let gw2 = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "azurerm_virtual_network_gateway" && r["name"] == "gw2")
        .expect("the gateway Azure kept after its failed create is recorded");
    assert_eq!(gw2["instances"][0]["status"], "tainted");

    let plan = ws.run(&["plan", "-no-color"]).ok();
    assert!(
        plan.stdout
            .contains("azurerm_virtual_network_gateway.gw2 is tainted, so must be replaced"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 3 to add, 0 to change, 1 to destroy."),
        "{}",
        plan.stdout
    );
    ws.run(&["apply", "-auto-approve"]).ok();
    assert_eq!(ws.run(&["plan", "-detailed-exitcode"]).code, 0);
}

#[test]
fn a_lock_held_by_another_process_is_reported_with_its_holder_then_waited_for() {
    let ws = example();
    let mut holder = ws
        .command(&["apply", "-no-color"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lock = ws.file(".vnetform.tfstate.lock.info");
    let started = Instant::now();
    while !std::fs::read_to_string(&lock).is_ok_and(|t| t.contains("OperationTypeApply")) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the first apply never took the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let blocked = ws.run(&["plan", "-no-color"]);
    assert_eq!(blocked.code, 1);
    assert!(
        blocked.stderr.contains("Error acquiring the state lock"),
        "{}",
        blocked.stderr
    );
    assert!(
        blocked.stderr.contains("Operation: OperationTypeApply"),
        "{}",
        blocked.stderr
    );
    assert!(
        blocked.stderr.contains(&format!("pid {}", holder.id())),
        "the holder is named: {}",
        blocked.stderr
    );

    let waiter = ws
        .command(&["plan", "-lock-timeout=60s", "-no-color"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    holder.stdin.take().unwrap().write_all(b"no\n").unwrap();
    let holder_out = holder.wait_with_output().unwrap();
    assert_eq!(
        holder_out.status.code(),
        Some(1),
        "answering no cancels the apply"
    );
    let waited = waiter.wait_with_output().unwrap();
    assert_eq!(
        waited.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    assert!(!lock.exists(), "the lock info is removed when released");
}

#[test]
fn apply_asks_for_approval_and_accepts_only_yes() {
    let ws = example();
    let mut child = ws
        .command(&["apply", "-no-color"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"yes\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Do you want to perform these actions?"));
    assert!(stdout.contains("Only 'yes' will be accepted to approve."));
    assert!(
        stdout.contains("Apply complete! Resources: 19 added"),
        "{stdout}"
    );

    let refused = ws.run(&["destroy", "-no-color", "-input=false"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("Destroy requires approval"),
        "{}",
        refused.stderr
    );
}

#[test]
fn variables_follow_terraforms_precedence() {
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        r#"
variable "name" {}
variable "location" { default = "westeurope" }
resource "azurerm_resource_group" "rg" {
  name     = var.name
  location = var.location
}
output "name" { value = azurerm_resource_group.rg.name }
"#,
    );
    let missing = ws.run(&["plan", "-input=false", "-no-color"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("No value for required variable"),
        "{}",
        missing.stderr
    );

    let from_env = ws
        .run_env(&["plan", "-no-color"], &[("TF_VAR_name", "from-env")])
        .ok();
    assert!(from_env.stdout.contains("\"from-env\""));
    ws.write("terraform.tfvars", "name = \"from-tfvars\"\n");
    ws.write("b.auto.tfvars", "name = \"from-auto\"\n");
    ws.write("custom.tfvars", "name = \"from-var-file\"\n");
    let from_auto = ws
        .run_env(&["plan", "-no-color"], &[("TF_VAR_name", "from-env")])
        .ok();
    assert!(
        from_auto.stdout.contains("\"from-auto\""),
        "{}",
        from_auto.stdout
    );
    let cli_order = ws
        .run(&[
            "plan",
            "-no-color",
            "-var",
            "name=from-var",
            "-var-file=custom.tfvars",
        ])
        .ok();
    assert!(
        cli_order.stdout.contains("\"from-var-file\""),
        "the later option wins"
    );
    let cli_order = ws
        .run(&[
            "plan",
            "-no-color",
            "--var-file",
            "custom.tfvars",
            "--var=name=from-var",
        ])
        .ok();
    assert!(
        cli_order.stdout.contains("\"from-var\""),
        "double-dash spelling works too"
    );
    ws.write("custom.tfvars.json", "{\n  \"name\": \"from-json\"\n}\n");
    let from_json = ws
        .run(&["plan", "-no-color", "-var-file=custom.tfvars.json"])
        .ok();
    assert!(
        from_json.stdout.contains("\"from-json\""),
        "{}",
        from_json.stdout
    );
    ws.write("broken.tfvars.json", "{\n  \"name\": \"x\",\n}\n");
    let broken = ws.run(&["plan", "-no-color", "-var-file=broken.tfvars.json"]);
    assert_eq!(broken.code, 1);
    assert!(
        broken.stderr.contains("Invalid variables file")
            && broken.stderr.contains("broken.tfvars.json:3:1"),
        "{}",
        broken.stderr
    );
    let undeclared = ws.run(&["plan", "-var", "nope=1"]);
    assert_eq!(undeclared.code, 1);
    assert!(
        undeclared
            .stderr
            .contains("Value for undeclared variable \"nope\"")
    );
}

#[test]
fn chdir_plan_json_and_validate_json() {
    let ws = example();
    let parent = ws.path().parent().unwrap().to_owned();
    let rel = ws
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let mut cmd = ws.command(&[&format!("-chdir={rel}"), "validate", "-json"]);
    cmd.current_dir(&parent);
    let out = cmd.output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["format_version"], "1.0");

    let stream = ws.run(&["plan", "-json"]).ok().stdout;
    let lines: Vec<serde_json::Value> = stream
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["type"], "version");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l["type"] == "planned_change")
            .count(),
        19
    );
    let summary = lines
        .iter()
        .find(|l| l["type"] == "change_summary")
        .unwrap();
    assert_eq!(summary["changes"]["add"], 19);
    assert_eq!(
        summary["@message"],
        "Plan: 19 to add, 0 to change, 0 to destroy."
    );
}

#[test]
fn init_records_the_backend_and_refuses_to_switch_while_resources_exist() {
    let ws = example();
    ws.run(&["init", "-cloud=sim"]).ok();
    let settings = std::fs::read_to_string(ws.file(".vnetform/settings.json")).unwrap();
    assert!(settings.contains("\"cloud\": \"sim\""));
    let unknown = ws.run(&["init", "-cloud=gcp"]);
    assert_eq!(unknown.code, 1);
    assert!(unknown.stderr.contains("Unknown backend \"gcp\""));
    ws.run(&["apply", "-auto-approve"]).ok();
    let switch = ws.run(&["init", "--cloud", "lab"]);
    assert_eq!(switch.code, 1);
    assert!(
        switch
            .stderr
            .contains("Refusing to switch this working directory from the sim backend to lab"),
        "{}",
        switch.stderr
    );
    let overridden = ws.run_env(&["plan"], &[("VNETFORM_CLOUD", "azure")]);
    assert_eq!(overridden.code, 1);
    assert!(
        overridden
            .stderr
            .contains("The azure backend is not available in this version")
    );

    let moved = ws.run(&["init", "-backend-config=path=other.tfstate"]).ok();
    assert!(
        moved
            .stdout
            .contains("State store: local file other.tfstate")
    );
}

#[test]
fn drift_from_a_deleted_resource_is_planned_back() {
    let ws = example();
    ws.run(&["apply", "-auto-approve"]).ok();
    let id = ws.id_of("azurerm_virtual_network_gateway_connection.vnet2_to_vnet1");
    ws.run(&["sim", "delete", &id]).ok();
    let plan = ws.run(&["plan", "-no-color"]).ok();
    assert!(
        plan.stdout.contains(
            "# azurerm_virtual_network_gateway_connection.vnet2_to_vnet1 has been deleted"
        ),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 1 to add, 0 to change, 0 to destroy.")
    );
    ws.run(&["apply", "-auto-approve"]).ok();
    assert_eq!(ws.run(&["plan", "-detailed-exitcode"]).code, 0);
}

#[test]
fn version_and_help() {
    let ws = Workspace::new();
    assert!(
        ws.run(&["version"])
            .ok()
            .stdout
            .starts_with(&format!("vnetform v{}", env!("CARGO_PKG_VERSION")))
    );
    assert!(ws.run(&["-help"]).ok().stdout.contains("Usage: vnetform"));
}

/// docs/resources.md is generated from the schemas; `UPDATE_DOCS=1 cargo test` rewrites it.
#[test]
fn resources_doc_matches_the_schemas() {
    use vnetform::model::{self, Block, Kind, Ty, schema::Default};

    fn kind(k: Kind) -> &'static str {
        match k {
            Kind::Required => "required",
            Kind::Optional => "optional",
            Kind::Computed => "computed",
            Kind::OptionalComputed => "optional, computed",
        }
    }
    fn ty(t: Ty) -> &'static str {
        match t {
            Ty::String => "string",
            Ty::Number => "number",
            Ty::Bool => "bool",
            Ty::List => "list",
            Ty::Set => "set",
            Ty::Map => "map",
            Ty::Location => "string (region)",
        }
    }
    fn table(out: &mut String, block: &Block, prefix: &str) {
        for a in block.attrs {
            let default = match a.default {
                Default::None => String::new(),
                Default::Str(s) => format!("`\"{s}\"`"),
                Default::Bool(b) => format!("`{b}`"),
                Default::Int(i) => format!("`{i}`"),
            };
            let mut notes = Vec::new();
            if a.force_new {
                notes.push("forces replacement");
            }
            if a.sensitive {
                notes.push("sensitive");
            }
            out.push_str(&format!(
                "| `{prefix}{}` | {} | {} | {default} | {} |\n",
                a.name,
                ty(a.ty),
                kind(a.kind),
                notes.join(", ")
            ));
        }
        for b in block.blocks {
            let count = match (b.min_items, b.max_items) {
                (0, 0) => "any number".to_owned(),
                (min, 0) => format!("at least {min}"),
                (min, max) if min == max => format!("exactly {min}"),
                (min, max) => format!("{min} to {max}"),
            };
            let mut notes = vec![count];
            if b.force_new {
                notes.push("forces replacement".into());
            }
            if b.optional_computed {
                notes.push("kept from state when not configured".into());
            }
            out.push_str(&format!(
                "| `{prefix}{} {{}}` | block | | | {} |\n",
                b.name,
                notes.join(", ")
            ));
            table(out, b, &format!("{prefix}{}.", b.name));
        }
    }

    let mut doc = String::from(
        "# Supported resources\n\n\
         Generated from the schemas in `src/model/azurerm.rs` (`UPDATE_DOCS=1 cargo test` rewrites it).\n\
         Argument names, defaults and replace-on-change rules follow the `azurerm` provider. Every\n\
         resource's `id` is its ARM id, derived from the subscription, resource group and name, so it is\n\
         known at plan time. `location` is compared in Azure's normalised form (`West Europe` =\n\
         `westeurope`); sets are compared without regard to order. `timeouts {}` is accepted and stored\n\
         but has no effect. Resource types not listed here are planned as opaque resources (see\n\
         language.md).\n",
    );
    for name in model::resource_types() {
        let s = model::schema(name).unwrap();
        doc.push_str(&format!(
            "\n## `{name}`\n\n| argument | type | kind | default | notes |\n|---|---|---|---|---|\n"
        ));
        table(&mut doc, &s.body, "");
    }
    doc.push_str(
        "\n# Data sources\n\n\
         A data source looks up an existing object by the arguments that form its ARM id, through the\n\
         backend's read, during plan; when those arguments are not known yet, or it depends on a\n\
         resource that does not exist yet, it is read during apply (`<= read` in the plan). Its\n\
         computed attributes are those of the object found.\n",
    );
    for name in model::data_types() {
        let d = model::data_schema(name).unwrap();
        doc.push_str(&format!("\n## data `{name}`\n\n| argument | type | kind | default | notes |\n|---|---|---|---|---|\n"));
        table(&mut doc, &d.schema.body, "");
    }
    let path = root().join("docs/resources.md");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &doc).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == doc,
        "docs/resources.md is out of date: run UPDATE_DOCS=1 cargo test"
    );
}

/// Copies the repository's modules and one example into a workspace, keeping their layout,
/// and returns the workspace with the example's directory.
fn example_with_modules(name: &str) -> (Workspace, std::path::PathBuf) {
    fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            let p = entry.path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with('.') || name.ends_with(".tfstate") || name.contains(".tfstate.") {
                continue;
            }
            if p.is_dir() {
                copy_dir(&p, &to.join(&name))
            } else {
                std::fs::copy(&p, to.join(&name)).map(|_| ()).unwrap()
            }
        }
    }
    let ws = Workspace::new();
    copy_dir(&root().join("modules"), &ws.path().join("modules"));
    let dir = ws.path().join("examples").join(name);
    copy_dir(&root().join("examples").join(name), &dir);
    (ws, dir)
}

#[test]
fn hub_and_spoke_example_applies_through_the_shipped_modules() {
    let (ws, dir) = example_with_modules("hub-and-spoke");
    let chdir = format!("-chdir={}", dir.display());
    let apply = ws
        .run(&[&chdir, "apply", "-auto-approve", "-no-color"])
        .ok();
    assert!(
        apply.stdout.contains("Apply complete! Resources: 20 added"),
        "{}",
        apply.stdout
    );
    assert!(apply.stdout.contains(
        "module.network.module.link[\"north\"].azurerm_virtual_network_gateway_connection.this[\"b-to-a\"]: Creation complete"
    ));
    assert!(
        !apply.stdout.contains("HubAndSpokeDemoKey2026"),
        "the shared key never shows"
    );
    assert_eq!(ws.run(&[&chdir, "plan", "-detailed-exitcode"]).code, 0);
    let listed = ws.run(&[&chdir, "state", "list"]).ok().stdout;
    assert!(
        listed.contains(
            "module.network.module.spoke_vnet[\"south\"].azurerm_subnet.workload[\"data\"]"
        )
    );
    ws.run(&[&chdir, "destroy", "-auto-approve"]).ok();
}

#[test]
fn every_shipped_module_validates_on_its_own() {
    let modules = root().join("modules");
    let mut names: Vec<String> = std::fs::read_dir(&modules)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["hub-and-spoke", "vnet", "vnet-to-vnet", "vpn-gateway"]
    );
    for name in names {
        let (ws, _) = example_with_modules("vnet-to-vnet");
        let chdir = format!("-chdir={}", ws.path().join("modules").join(&name).display());
        let run = ws.run(&[&chdir, "validate", "-no-color"]);
        assert_eq!(
            run.code, 0,
            "modules/{name} does not validate:\n{}",
            run.stderr
        );
        assert!(
            ws.path()
                .join("modules")
                .join(&name)
                .join("README.md")
                .is_file(),
            "modules/{name} has a README"
        );
    }
}

#[test]
fn fmt_lists_writes_diffs_and_checks_like_terraform() {
    let ws = Workspace::new();
    let messy = "resource \"azurerm_resource_group\" \"rg\" {\nname=\"rg\"\n    location   =   \"westeurope\"\n}\n";
    let tidy = "resource \"azurerm_resource_group\" \"rg\" {\n  name     = \"rg\"\n  location = \"westeurope\"\n}\n";
    ws.write("main.tf", messy);
    ws.write("terraform.tfvars", "name=\"x\"\n");
    std::fs::create_dir_all(ws.file("modules/net")).unwrap();
    std::fs::create_dir_all(ws.file(".vnetform")).unwrap();
    ws.write("modules/net/main.tf", "locals {\nx=1\n}\n");
    ws.write(".vnetform/skip.tf", "locals {\nx=1\n}\n");

    let check = ws.run(&["fmt", "-check", "-diff"]);
    assert_eq!(check.code, 3, "{}", check.stderr);
    assert!(
        check
            .stdout
            .starts_with("main.tf\n--- old/main.tf\n+++ new/main.tf\n")
    );
    assert!(check.stdout.contains("+  location = \"westeurope\""));
    assert!(check.stdout.contains("terraform.tfvars"));
    assert!(
        !check.stdout.contains("modules/net"),
        "not recursive by default"
    );
    assert_eq!(ws.run(&["fmt", "-check"]).code, 3, "-check writes nothing");

    let write = ws.run(&["fmt", "-recursive"]).ok();
    assert_eq!(
        write.stdout,
        "main.tf\nterraform.tfvars\nmodules/net/main.tf\n"
    );
    assert_eq!(std::fs::read_to_string(ws.file("main.tf")).unwrap(), tidy);
    assert_eq!(
        std::fs::read_to_string(ws.file(".vnetform/skip.tf")).unwrap(),
        "locals {\nx=1\n}\n",
        "hidden directories are left alone"
    );
    assert_eq!(ws.run(&["fmt", "-check", "-recursive"]).code, 0);

    let mut child = ws
        .command(&["fmt", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(messy.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), tidy);

    ws.write("broken.tf", "resource \"a\" \"b\" {\n  name = \n}\n");
    let broken = ws.run(&["fmt", "-no-color"]);
    assert_eq!(broken.code, 2);
    assert!(broken.stderr.contains("broken.tf:"), "{}", broken.stderr);
    let wrong_kind = ws.run(&["fmt", "notes.txt"]);
    assert_eq!(wrong_kind.code, 1);
    ws.write("notes.txt", "x");
    let wrong_kind = ws.run(&["fmt", "notes.txt"]);
    assert!(wrong_kind.stderr.contains("Only .tf and .tfvars files"));
}

/// Runs git in `dir` with a fixed identity, failing the test on error.
fn git(dir: &std::path::Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run git");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn init_fetches_git_modules_at_their_ref() {
    let repo = tempfile::tempdir().unwrap();
    let module = repo.path().join("modules/rg");
    std::fs::create_dir_all(&module).unwrap();
    let write_module = |location: &str| {
        std::fs::write(
            module.join("main.tf"),
            format!(
                "variable \"name\" {{}}\nresource \"azurerm_resource_group\" \"this\" {{\n  name     = var.name\n  location = \"{location}\"\n}}\noutput \"id\" {{ value = azurerm_resource_group.this.id }}\n"
            ),
        )
        .unwrap();
    };
    write_module("westeurope");
    git(repo.path(), &["init", "--quiet"]);
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "--quiet", "-m", "v1"]);
    git(repo.path(), &["tag", "v1"]);
    write_module("northeurope");
    git(repo.path(), &["commit", "--quiet", "-am", "v2"]);

    let ws = Workspace::new();
    let url = format!("file://{}", repo.path().display());
    ws.write(
        "main.tf",
        &format!("module \"rg\" {{\n  source = \"git::{url}//modules/rg?ref=v1\"\n  name   = \"from-git\"\n}}\n"),
    );
    let before = ws.run(&["plan", "-no-color"]);
    assert_eq!(before.code, 1);
    assert!(
        before.stderr.contains("Module not installed") && before.stderr.contains("vnetform init"),
        "{}",
        before.stderr
    );
    let init = ws.run(&["init", "-no-color"]).ok();
    assert!(
        init.stdout
            .contains("Initializing modules...\n- Downloading file://"),
        "{}",
        init.stdout
    );
    let plan = ws.run(&["plan", "-no-color"]).ok();
    assert!(
        plan.stdout
            .contains("module.rg.azurerm_resource_group.this will be created")
    );
    assert!(
        plan.stdout.contains("\"westeurope\""),
        "the v1 tag, not the newer commit"
    );
    let again = ws.run(&["init", "-no-color"]).ok();
    assert!(
        !again.stdout.contains("Downloading"),
        "an installed module is not fetched again"
    );

    ws.write(
        "main.tf",
        "module \"rg\" {\n  source = \"git::file:///nonexistent/repo?ref=v1\"\n  name   = \"x\"\n}\n",
    );
    let failed = ws.run(&["init", "-no-color"]);
    assert_eq!(failed.code, 1);
    assert!(
        failed
            .stderr
            .contains("Failed to download module file:///nonexistent/repo"),
        "{}",
        failed.stderr
    );
    let leftovers = std::fs::read_dir(ws.file(".vnetform/modules"))
        .unwrap()
        .count();
    assert_eq!(leftovers, 1, "a failed fetch leaves nothing behind");
}

#[test]
fn graph_is_valid_dot_with_instance_keys_and_module_depends_on() {
    let ws = Workspace::new();
    std::fs::create_dir_all(ws.file("modules/net")).unwrap();
    ws.write(
        "modules/net/main.tf",
        "resource \"azurerm_resource_group\" \"this\" {\n  name     = \"inner\"\n  location = \"westeurope\"\n}\n",
    );
    ws.write(
        "main.tf",
        r#"
resource "azurerm_resource_group" "rg" {
  for_each = toset(["a"])
  name     = each.key
  location = "westeurope"
}
module "net" {
  source     = "./modules/net"
  depends_on = [azurerm_resource_group.rg]
}
"#,
    );
    let dot = ws.run(&["graph"]).ok().stdout;
    assert!(
        dot.contains(
            r#""azurerm_resource_group.rg[\"a\"]" [label="azurerm_resource_group.rg[\"a\"]"];"#
        ),
        "{dot}"
    );
    assert!(
        dot.contains(
            r#""module.net.azurerm_resource_group.this" -> "azurerm_resource_group.rg[\"a\"]";"#
        ),
        "module depends_on reaches the module's resources:\n{dot}"
    );
}

#[test]
fn reach_lists_networks_joined_directly_or_through_bgp_transit() {
    let ws = Workspace::new();
    ws.use_config(&root().join("testdata/corpus/hub-spoke-local-modules"));
    let json = ws.run(&["reach", "-json"]).ok().stdout;
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let pairs: Vec<(String, String)> = doc["reachable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["from"].as_str().unwrap().to_owned(),
                p["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            (
                "module.hub.azurerm_virtual_network.this".to_owned(),
                "module.spoke[\"finance\"].azurerm_virtual_network.this".to_owned()
            ),
            (
                "module.hub.azurerm_virtual_network.this".to_owned(),
                "module.spoke[\"retail\"].azurerm_virtual_network.this".to_owned()
            ),
        ],
        "without BGP the spokes do not reach each other through the hub"
    );
    assert_eq!(doc["networks"].as_array().unwrap().len(), 3);
    assert_eq!(
        doc["reachable"][0]["via"],
        serde_json::json!([
            "azurerm_virtual_network_gateway_connection.hub_to_spoke[\"finance\"]",
            "azurerm_virtual_network_gateway_connection.spoke_to_hub[\"finance\"]"
        ])
    );
    let nothing_yet = ws.run(&["reach", "-json", "-state"]).ok().stdout;
    assert_eq!(nothing_yet.trim(), r#"{"networks":[],"reachable":[]}"#);
    ws.run(&["apply", "-auto-approve"]).ok();
    let applied = ws.run(&["reach", "-json", "-state"]).ok().stdout;
    assert_eq!(
        applied, json,
        "once applied, the state joins what the configuration said"
    );

    ws.use_config(&root().join("testdata/corpus/for-each-mesh"));
    let mesh: serde_json::Value =
        serde_json::from_str(&ws.run(&["reach", "-json"]).ok().stdout).unwrap();
    let networks = mesh["networks"].as_array().unwrap().len();
    let reachable = mesh["reachable"].as_array().unwrap();
    assert_eq!(
        reachable.len(),
        networks * (networks - 1) / 2,
        "a full mesh joins every pair"
    );
    assert!(
        reachable
            .iter()
            .all(|p| p["via"].as_array().unwrap().len() == 2),
        "each pair by its own link: {reachable:?}"
    );

    ws.use_config(&root().join("testdata/corpus/site-to-site-bgp"));
    let text = ws.run(&["reach", "-no-color"]).ok().stdout;
    assert!(
        text.contains("azurerm_local_network_gateway.branch[\"lyon\"] <-> azurerm_local_network_gateway.branch[\"paris\"]"),
        "with BGP on every hop the branches reach each other:\n{text}"
    );
}

#[test]
fn similar_rule_warnings_are_consolidated() {
    let ws = Workspace::new();
    ws.use_config(&root().join("testdata/corpus/for-each-mesh"));
    // Keep one direction of each pair only: every link then warns the same way.
    let main = std::fs::read_to_string(ws.file("main.tf")).unwrap();
    ws.write(
        "main.tf",
        &main.replace(
            "if pair[0] != pair[1]",
            "if index(keys(var.regions), pair[0]) < index(keys(var.regions), pair[1])",
        ),
    );
    let plan = ws.run(&["plan", "-no-color"]).ok();
    assert_eq!(
        plan.stderr
            .matches("VNet-to-VNet link in one direction only")
            .count(),
        1,
        "{}",
        plan.stderr
    );
    assert!(
        plan.stderr
            .contains("(and 2 more similar warnings elsewhere)"),
        "{}",
        plan.stderr
    );
}

#[test]
fn every_rule_is_documented_and_has_a_failing_case() {
    let docs = std::fs::read_to_string(root().join("docs/rules.md")).unwrap();
    let cases: String = std::fs::read_dir(root().join("testdata/invalid"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "tf"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    let plan_snapshots: String = std::fs::read_dir(root().join("testdata/plan"))
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("plan.snap")).ok())
        .collect();
    for rule in vnetform::rules::RULES {
        assert!(
            docs.contains(&format!("`{}`", rule.id)),
            "docs/rules.md lacks {}",
            rule.id
        );
        let severity = if rule.severity == miette::Severity::Error {
            "ERROR"
        } else {
            "WARNING"
        };
        // Rules about changing existing objects need state, so a plan case shows them.
        let symbol = if rule.severity == miette::Severity::Error {
            "×"
        } else {
            "⚠"
        };
        assert!(
            cases.contains(&format!("# {severity}: {}", rule.title))
                || plan_snapshots.contains(&format!("{symbol} {}", rule.title)),
            "no testdata/invalid case marks {} ({}), nor does a plan case show it",
            rule.id,
            rule.title
        );
    }
}

#[test]
fn validate_reports_evaluation_warnings_too() {
    let ws = Workspace::new();
    ws.use_config(&root().join("testdata/plan/check-blocks"));
    let validate = ws.run(&["validate", "-no-color"]).ok();
    assert!(
        validate.stderr.contains("Check block assertion failed")
            && validate.stdout.contains("The configuration is valid."),
        "{}{}",
        validate.stdout,
        validate.stderr
    );
}

#[test]
fn a_value_known_only_after_apply_is_still_refused_by_the_api() {
    let ws = Workspace::new();
    // The ASN is unknown until random_integer exists, so the plan cannot judge it.
    ws.write(
        "main.tf",
        r#"resource "azurerm_resource_group" "rg" {
  name     = "rg-unknown"
  location = "westeurope"
}

resource "random_integer" "asn" {
  min = 65517
  max = 65517
}

resource "azurerm_local_network_gateway" "branch" {
  name                = "branch"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  gateway_address     = "203.0.113.10"
  address_space       = ["192.168.0.0/16"]

  bgp_settings {
    asn                 = random_integer.asn.result
    bgp_peering_address = "192.168.0.1"
  }
}
"#,
    );
    let plan = ws.run(&["plan", "-no-color"]).ok();
    assert!(plan.stdout.contains("Plan: 3 to add"), "{}", plan.stdout);
    let apply = ws.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(apply.code, 1);
    assert!(
        apply.stdout.contains(
            "azurerm_local_network_gateway.branch: Error creating: BgpAsnReserved: ASN 65517"
        ),
        "{}",
        apply.stdout
    );
    let listed = ws.run(&["state", "list"]).ok().stdout;
    assert!(
        !listed.contains("azurerm_local_network_gateway"),
        "{listed}"
    );
}

#[test]
fn a_large_file_parsed_in_pieces_reports_problems_at_their_own_lines() {
    let ws = Workspace::new();
    // Large enough to be cut into pieces parsed on separate cores.
    let blocks: String = (0..2000)
        .map(|i| {
            format!(
                "resource \"azurerm_resource_group\" \"rg{i}\" {{\n  name     = \"rg{i}\"\n  location = \"westeurope\"\n}}\n"
            )
        })
        .collect();
    ws.write("main.tf", &blocks);
    let plan = ws.run(&["plan", "-no-color"]).ok();
    assert!(plan.stdout.contains("Plan: 2000 to add"), "{}", plan.stdout);

    // The second line of a block appended at the end: in the last piece.
    let at = format!("main.tf:{}:", blocks.lines().count() + 2);
    for late in [
        "  name     = azurerm_resource_group.missing.name",
        "  name     = = \"late\"",
    ] {
        ws.write(
            "main.tf",
            &format!(
                "{blocks}resource \"azurerm_resource_group\" \"late\" {{\n{late}\n  location = \"westeurope\"\n}}\n"
            ),
        );
        let validate = ws.run(&["validate", "-no-color"]);
        assert!(validate.stderr.contains(&at), "{at} in {}", validate.stderr);
    }
}

#[test]
fn lab_commands_need_the_lab_and_the_lab_needs_root() {
    let ws = example();
    let status = ws.run(&["lab", "status", "-no-color"]);
    assert_eq!(status.code, 1);
    assert!(
        status.stderr.contains("uses the sim backend, not the lab")
            && status.stderr.contains("init -cloud=lab"),
        "{}",
        status.stderr
    );

    // As an unprivileged user (when the tests can switch to one), init explains what is missing.
    if !vnetform::backend::lab::is_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_vnetform"))
        .args(["init", "-cloud=lab", "-no-color"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the lab backend needs root"), "{stderr}");
}
