//! Day-2 operations end to end: `taint`/`untaint`, `state rm|mv|pull|push`, `import`,
//! `-refresh-only` and `-target`, each followed by the plan a user would run next.

mod common;

use common::Workspace;

fn applied_example() -> Workspace {
    let ws = Workspace::new();
    ws.use_config(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/vnet-to-vnet"));
    ws.run(&["apply", "-auto-approve"]).ok();
    ws
}

#[test]
fn taint_replaces_the_instance_and_what_uses_it_and_untaint_clears_it() {
    let ws = applied_example();
    let out = ws
        .run(&["taint", "azurerm_virtual_network_gateway.gw1"])
        .ok();
    assert_eq!(
        out.stdout,
        "Resource instance azurerm_virtual_network_gateway.gw1 has been marked as tainted.\n"
    );
    let plan = ws.run(&["plan", "-no-color"]).ok().stdout;
    assert!(
        plan.contains("# azurerm_virtual_network_gateway.gw1 is tainted, so must be replaced"),
        "{plan}"
    );
    assert!(
        plan.contains("# azurerm_virtual_network_gateway_connection.vnet1_to_vnet2 must be replaced, as an object it uses is replaced"),
        "{plan}"
    );
    ws.run(&["untaint", "azurerm_virtual_network_gateway.gw1"])
        .ok();
    assert_eq!(ws.run(&["plan", "-detailed-exitcode"]).code, 0);

    ws.run(&["taint", "azurerm_virtual_network_gateway.gw1"])
        .ok();
    ws.run(&["apply", "-auto-approve"]).ok();
    assert_eq!(ws.run(&["plan", "-detailed-exitcode"]).code, 0);

    let missing = ws.run(&["taint", "azurerm_virtual_network_gateway.nope"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("No such resource instance"),
        "{}",
        missing.stderr
    );
}

#[test]
fn state_rm_forgets_without_destroying() {
    let ws = applied_example();
    let out = ws
        .run(&["state", "rm", "azurerm_linux_virtual_machine.vm2"])
        .ok();
    assert!(out.stdout.contains(
        "Removed azurerm_linux_virtual_machine.vm2\nSuccessfully removed 1 resource instance(s).\n"
    ));
    let listed = ws.run(&["state", "list"]).ok().stdout;
    assert!(!listed.contains("azurerm_linux_virtual_machine.vm2"));
    let cloud = ws.run(&["sim", "list"]).ok().stdout;
    assert!(
        cloud.contains("virtualMachines/vm2"),
        "the VM itself stays: {cloud}"
    );
    assert!(ws.file("vnetform.tfstate.backup").exists());

    let nothing = ws.run(&["state", "rm", "module.nowhere"]);
    assert_eq!(nothing.code, 1);
    assert!(
        nothing
            .stderr
            .contains("No objects in state match module.nowhere")
    );
}

#[test]
fn state_mv_into_a_module_then_plans_no_changes() {
    let ws = Workspace::new();
    let vnet = r#"resource "azurerm_virtual_network" "net" {
  name                = "vnet-moved"
  location            = "westeurope"
  resource_group_name = "rg-moved"
  address_space       = ["10.7.0.0/16"]
}
"#;
    let group = "resource \"azurerm_resource_group\" \"rg\" {\n  name     = \"rg-moved\"\n  location = \"westeurope\"\n}\n";
    ws.write("main.tf", &format!("{group}\n{vnet}"));
    ws.run(&["apply", "-auto-approve"]).ok();

    std::fs::create_dir_all(ws.file("network")).unwrap();
    ws.write("network/main.tf", vnet);
    ws.write(
        "main.tf",
        &format!("{group}\nmodule \"network\" {{\n  source     = \"./network\"\n  depends_on = [azurerm_resource_group.rg]\n}}\n"),
    );
    let dry = ws
        .run(&[
            "state",
            "mv",
            "-dry-run",
            "azurerm_virtual_network.net",
            "module.network.azurerm_virtual_network.net",
        ])
        .ok();
    assert!(dry.stdout.starts_with("Would move"), "{}", dry.stdout);
    let moved = ws
        .run(&[
            "state",
            "mv",
            "azurerm_virtual_network.net",
            "module.network.azurerm_virtual_network.net",
        ])
        .ok();
    assert_eq!(
        moved.stdout,
        "Move \"azurerm_virtual_network.net\" to \"module.network.azurerm_virtual_network.net\"\nSuccessfully moved 1 object(s).\n"
    );
    let plan = ws.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 0, "{}", plan.stdout);
}

#[test]
fn state_push_refuses_a_stale_serial_unless_forced() {
    let ws = applied_example();
    let pulled = ws.run(&["state", "pull"]).ok().stdout;
    ws.write("old.tfstate", &pulled);
    ws.run(&["taint", "azurerm_public_ip.gw1"]).ok();
    let refused = ws.run(&["state", "push", "old.tfstate"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("its serial 2 is older than the current"),
        "{}",
        refused.stderr
    );

    let mut other: serde_json::Value = serde_json::from_str(&pulled).unwrap();
    other["lineage"] = "another-lineage".into();
    other["serial"] = 99.into();
    ws.write("other.tfstate", &other.to_string());
    let foreign = ws.run(&["state", "push", "other.tfstate"]);
    assert!(
        foreign.stderr.contains("its lineage another-lineage"),
        "{}",
        foreign.stderr
    );

    ws.run(&["state", "push", "-force", "old.tfstate"]).ok();
    assert_eq!(
        ws.run(&["state", "pull"]).ok().stdout,
        pulled,
        "pushed as it was"
    );
    assert_eq!(ws.run(&["plan", "-detailed-exitcode"]).code, 0);
}

#[test]
fn refresh_only_shows_drift_records_it_and_then_reports_no_changes() {
    let ws = applied_example();
    let vnet = ws.id_of("azurerm_virtual_network.vnet1");
    ws.run(&["sim", "set", &vnet, r#"tags={"owner":"portal"}"#])
        .ok();

    let plan = ws.run(&["plan", "-refresh-only", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 2, "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains("# azurerm_virtual_network.vnet1 has changed")
    );
    assert!(plan.stdout.contains("This is a refresh-only plan"));
    assert!(
        !plan.stdout.contains("Plan:"),
        "nothing is planned: {}",
        plan.stdout
    );

    let applied = ws
        .run(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .ok();
    assert!(
        applied
            .stdout
            .contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed.")
    );
    let state = std::fs::read_to_string(ws.file("vnetform.tfstate")).unwrap();
    assert!(state.contains("\"owner\": \"portal\""), "recorded in state");

    let again = ws.run(&["plan", "-refresh-only", "-detailed-exitcode", "-no-color"]);
    assert_eq!(
        again.code, 0,
        "no drift shown, so no exit 2: {}",
        again.stdout
    );
    assert!(
        again
            .stdout
            .contains("No changes. Your infrastructure still matches the configuration.")
    );
    let undo = ws.run(&["plan", "-no-color"]).ok();
    assert!(
        undo.stdout
            .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        undo.stdout
    );

    let clash = ws.run(&["plan", "-refresh-only", "-destroy"]);
    assert!(
        clash
            .stderr
            .contains("-refresh-only cannot be used with -destroy")
    );
}

#[test]
fn import_adopts_an_object_and_the_next_plan_is_empty() {
    let ws = applied_example();
    let vm = ws.id_of("azurerm_linux_virtual_machine.vm2");
    ws.run(&["state", "rm", "azurerm_linux_virtual_machine.vm2"])
        .ok();
    let create = ws.run(&["plan", "-no-color"]).ok();
    assert!(
        create.stdout.contains("Plan: 1 to add"),
        "forgotten, so planned anew: {}",
        create.stdout
    );

    let wrong = ws.run(&[
        "import",
        "azurerm_linux_virtual_machine.vm2",
        &ws.id_of("azurerm_subnet.backend"),
    ]);
    assert_eq!(wrong.code, 1);
    assert!(
        wrong
            .stderr
            .contains("is not the id of a azurerm_linux_virtual_machine"),
        "{}",
        wrong.stderr
    );

    let imported = ws
        .run(&[
            "import",
            "-no-color",
            "azurerm_linux_virtual_machine.vm2",
            &vm,
        ])
        .ok();
    assert!(
        imported.stdout.contains("Import successful!"),
        "{}",
        imported.stdout
    );
    let plan = ws.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 0, "{}", plan.stdout);

    let twice = ws.run(&["import", "azurerm_linux_virtual_machine.vm2", &vm]);
    assert!(
        twice
            .stderr
            .contains("Resource already managed by vnetform")
    );
    let unconfigured = ws.run(&["import", "azurerm_linux_virtual_machine.vm3", &vm]);
    assert!(
        unconfigured
            .stderr
            .contains("Configuration for import target does not exist")
    );
}

#[test]
fn target_plans_and_applies_only_the_target_and_what_it_needs() {
    let ws = Workspace::new();
    ws.use_config(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/vnet-to-vnet"));
    let target = "-target=azurerm_virtual_network_gateway.gw1";
    let plan = ws.run(&["plan", "-no-color", target]).ok();
    assert!(
        plan.stderr.contains("Resource targeting is in effect"),
        "{}",
        plan.stderr
    );
    assert!(
        plan.stdout
            .contains("Plan: 5 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("gw2"), "{}", plan.stdout);

    ws.run(&["apply", "-auto-approve", target]).ok();
    let listed = ws.run(&["state", "list"]).ok().stdout;
    assert_eq!(listed.lines().count(), 5, "{listed}");
    let rest = ws.run(&["plan", "-no-color"]).ok();
    assert!(
        rest.stdout
            .contains("Plan: 14 to add, 0 to change, 0 to destroy."),
        "{}",
        rest.stdout
    );

    ws.run(&["apply", "-auto-approve"]).ok();
    let destroy = ws
        .run(&[
            "destroy",
            "-auto-approve",
            "-no-color",
            "-target=azurerm_virtual_network_gateway.gw2",
        ])
        .ok();
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 3 destroyed."),
        "the gateway and the two connections that use it: {}",
        destroy.stdout
    );
    let rest = ws.run(&["plan", "-no-color"]).ok();
    assert!(
        rest.stdout
            .contains("Plan: 3 to add, 0 to change, 0 to destroy."),
        "{}",
        rest.stdout
    );
}

#[test]
fn two_workspaces_hold_independent_topologies_in_one_directory() {
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        "resource \"azurerm_resource_group\" \"rg\" {\n  name     = \"rg-${terraform.workspace}\"\n  location = \"westeurope\"\n}\n",
    );
    ws.run(&["apply", "-auto-approve"]).ok();
    ws.run(&["workspace", "new", "staging"]).ok();
    assert_eq!(ws.run(&["workspace", "show"]).ok().stdout, "staging\n");
    let staging = ws.run(&["apply", "-auto-approve", "-no-color"]).ok();
    assert!(
        staging.stdout.contains("Workspace: staging"),
        "{}",
        staging.stdout
    );
    assert!(
        staging.stdout.contains("resourceGroups/rg-staging"),
        "{}",
        staging.stdout
    );
    assert!(
        ws.file("vnetform.tfstate.d/staging/vnetform.tfstate")
            .exists()
    );
    assert_eq!(
        ws.run(&["workspace", "list"]).ok().stdout,
        "  default\n* staging\n"
    );

    ws.run(&["workspace", "select", "default"]).ok();
    assert_eq!(
        ws.run(&["plan", "-detailed-exitcode"]).code,
        0,
        "default still matches"
    );
    let default_state = std::fs::read_to_string(ws.file("vnetform.tfstate")).unwrap();
    assert!(default_state.contains("rg-default") && !default_state.contains("rg-staging"));

    let busy = ws.run(&["workspace", "delete", "staging"]);
    assert!(
        busy.stderr.contains("still manages 1 resource instance(s)"),
        "{}",
        busy.stderr
    );
    ws.run(&["workspace", "select", "staging"]).ok();
    ws.run(&["destroy", "-auto-approve"]).ok();
    let active = ws.run(&["workspace", "delete", "staging"]);
    assert!(
        active.stderr.contains("is your active workspace"),
        "{}",
        active.stderr
    );
    ws.run(&["workspace", "select", "default"]).ok();
    ws.run(&["workspace", "delete", "staging"]).ok();
    assert_eq!(ws.run(&["workspace", "list"]).ok().stdout, "* default\n");
    let missing = ws.run(&["workspace", "select", "staging"]);
    assert!(
        missing
            .stderr
            .contains("Workspace \"staging\" doesn't exist")
    );
}

#[test]
fn console_evaluates_expressions_against_configuration_and_state() {
    let ws = applied_example();
    let out = ws.run_input(
        &["console", "-no-color"],
        "cidrsubnet(\"10.0.0.0/16\", 8, 3)\nazurerm_virtual_network.vnet1.address_space\nvar.shared_key\nterraform.workspace\nvar.missing\nexit\n",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "\"10.0.3.0/24\"\n[\n  \"10.0.0.0/16\",\n]\n(sensitive value)\n\"default\"\n"
    );
    assert!(
        out.stderr
            .contains("Reference to undeclared input variable"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_terraform_state_of_the_same_resources_is_adopted_without_touching_the_cloud() {
    let built = applied_example();
    let mut terraform: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(built.file("vnetform.tfstate")).unwrap())
            .unwrap();
    // As Terraform writes it: its version, provider-private data, attributes vnetform does
    // not model.
    terraform["terraform_version"] = "1.11.4".into();
    for resource in terraform["resources"].as_array_mut().unwrap() {
        for instance in resource["instances"].as_array_mut().unwrap() {
            instance["private"] = "eyJzY2hlbWFfdmVyc2lvbiI6IjAifQ==".into();
            instance["attributes"]["timeouts"] = serde_json::Value::Null;
        }
    }
    let adopting = Workspace::new();
    adopting.use_config(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/vnet-to-vnet"),
    );
    adopting.write("terraform.tfstate", &terraform.to_string());
    let cloud = built.file(".vnetform/sim.db");
    let env = [("VNETFORM_SIM_DB", cloud.to_str().unwrap())];
    let adopted = adopting.run_env(&["state", "import-terraform", "terraform.tfstate"], &env);
    assert_eq!(adopted.code, 0, "{}", adopted.stderr);
    assert!(
        adopted
            .stdout
            .starts_with("Adopted 19 resource instance(s)"),
        "{}",
        adopted.stdout
    );
    let plan = adopting.run_env(&["plan", "-detailed-exitcode", "-no-color"], &env);
    assert_eq!(plan.code, 0, "{}", plan.stdout);

    let again = adopting.run_env(&["state", "import-terraform", "terraform.tfstate"], &env);
    assert!(
        again.stderr.contains("Refusing to adopt terraform.tfstate"),
        "{}",
        again.stderr
    );
}

#[test]
fn graph_draws_the_plan_and_the_network_topology() {
    let ws = Workspace::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    ws.use_config(&root.join("testdata/corpus/hub-spoke-local-modules"));
    let dot = ws.run(&["graph", "-type=topology"]).ok().stdout;
    assert!(dot.starts_with("graph topology {"), "{dot}");
    assert!(
        dot.contains("\"module.hub.azurerm_virtual_network.this\" [label = \"vnet-hub\\n10.100.0.0/16\\nswedencentral\\ngateway vnet-hub-vgw (VpnGw1AZ)\"];"),
        "{dot}"
    );
    assert_eq!(dot.matches("[label = \"VPN tunnel\"]").count(), 2, "{dot}");

    let svg = ws
        .run(&["graph", "-type=topology", "-format=svg"])
        .ok()
        .stdout;
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.ends_with("</svg>\n")
    );
    assert_eq!(svg.matches("<line ").count(), 2);
    assert_eq!(svg.matches("rx=\"8\"").count(), 3, "one box per VNet");

    let plan = ws.run(&["graph", "-type=plan"]).ok().stdout;
    assert!(
        plan.contains("\"module.hub.azurerm_virtual_network.this (create)\" -> \"azurerm_resource_group.hub (create)\";"),
        "{plan}"
    );
    ws.run(&["plan", "-out=saved.plan"]).ok();
    let saved = ws.run(&["graph", "-plan=saved.plan"]).ok().stdout;
    assert_eq!(saved, plan, "the saved plan's operations are the same");

    ws.use_config(&root.join("testdata/plan/peering-gateway-transit"));
    let dot = ws.run(&["graph", "-type=topology"]).ok().stdout;
    assert!(dot.contains("\"azurerm_local_network_gateway.branch\" -- \"azurerm_virtual_network.hub\" [label = \"VPN tunnel\"];"), "{dot}");
    assert!(
        dot.contains("[label = \"peering\", style = dotted];"),
        "{dot}"
    );
    assert!(dot.contains("on-premises site\", shape = house];"), "{dot}");

    let refused = ws.run(&["graph", "-format=svg"]);
    assert!(refused.stderr.contains("use it with -type=topology"));
}

#[test]
fn import_blocks_refuse_a_missing_object_or_a_missing_resource_block() {
    let ws = Workspace::new();
    let group = "resource \"azurerm_resource_group\" \"rg\" {\n  name     = \"rg-gone\"\n  location = \"westeurope\"\n}\n";
    let import = |to: &str| {
        format!(
            "import {{\n  to = {to}\n  id = \"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-gone\"\n}}\n"
        )
    };
    ws.write(
        "main.tf",
        &format!("{group}\n{}", import("azurerm_resource_group.rg")),
    );
    let missing = ws.run(&["plan", "-no-color"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("Cannot import non-existent remote object"),
        "{}",
        missing.stderr
    );

    ws.write("main.tf", group);
    ws.run(&["apply", "-auto-approve"]).ok();
    ws.run(&["state", "rm", "azurerm_resource_group.rg"]).ok();
    ws.write("main.tf", &import("azurerm_resource_group.other"));
    let unconfigured = ws.run(&["plan", "-no-color"]);
    assert!(
        unconfigured
            .stderr
            .contains("Configuration for import target does not exist"),
        "{}",
        unconfigured.stderr
    );
}

#[test]
fn generate_config_out_writes_the_blocks_import_blocks_lack() {
    let ws = Workspace::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    ws.use_config(&root.join("testdata/plan/import-blocks/other"));
    ws.run(&["apply", "-auto-approve", "-state=other.tfstate"])
        .ok();
    let group = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-manual";
    ws.write(
        "main.tf",
        &format!(
            "import {{\n  to = azurerm_resource_group.rg\n  id = \"{group}\"\n}}\n\nimport {{\n  to = azurerm_public_ip.gw\n  id = \"{group}/providers/Microsoft.Network/publicIPAddresses/pip-manual\"\n}}\n"
        ),
    );
    let plan = ws
        .run(&["plan", "-no-color", "-generate-config-out=generated.tf"])
        .ok();
    assert!(
        plan.stdout
            .contains("Plan: 2 to import, 0 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    let generated = std::fs::read_to_string(ws.file("generated.tf")).unwrap();
    assert!(
        generated.contains(
            "resource \"azurerm_public_ip\" \"gw\" {\n  name                    = \"pip-manual\"\n"
        ),
        "{generated}"
    );
    assert!(
        !generated.contains("ip_address "),
        "computed attributes are left out: {generated}"
    );
    ws.run(&["apply", "-auto-approve"]).ok();
    assert_eq!(ws.run(&["plan", "-detailed-exitcode"]).code, 0);

    let again = ws.run(&["plan", "-generate-config-out=generated.tf"]);
    assert!(
        again
            .stderr
            .contains("Target generated file already exists")
    );
}

#[test]
fn a_connection_reports_connected_once_its_peer_connects_back_with_the_same_key() {
    let ws = Workspace::new();
    ws.use_config(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/vnet-to-vnet"));
    let one_way = "azurerm_virtual_network_gateway_connection.vnet1_to_vnet2";
    let back = "azurerm_virtual_network_gateway_connection.vnet2_to_vnet1";
    let status = |addr: &str| {
        let shown = ws.run(&["state", "show", "-no-color", addr]).ok().stdout;
        let line = shown
            .lines()
            .find(|l| l.contains("connection_status"))
            .unwrap_or_else(|| panic!("no connection_status in {shown}"))
            .to_owned();
        line.split('"').nth(1).unwrap_or_default().to_owned()
    };
    ws.run(&["apply", "-auto-approve", &format!("-target={one_way}")])
        .ok();
    assert_eq!(status(one_way), "NotConnected", "no connection back yet");

    ws.run(&["apply", "-auto-approve"]).ok();
    ws.run(&["apply", "-refresh-only", "-auto-approve"]).ok();
    assert_eq!(status(one_way), "Connected");
    assert_eq!(status(back), "Connected");

    ws.run(&["destroy", "-auto-approve", &format!("-target={back}")])
        .ok();
    ws.run(&["apply", "-refresh-only", "-auto-approve"]).ok();
    assert_eq!(
        status(one_way),
        "NotConnected",
        "the connection back is gone"
    );
    ws.run(&["apply", "-auto-approve"]).ok();
    assert_eq!(
        status(back),
        "Connected",
        "created against one that waits for it"
    );

    ws.write(
        "other-key.auto.tfvars",
        "shared_key = \"a-different-key-on-one-side\"\n",
    );
    ws.run(&["apply", "-auto-approve", &format!("-target={back}")])
        .ok();
    ws.run(&["apply", "-refresh-only", "-auto-approve"]).ok();
    assert_eq!(status(one_way), "NotConnected", "the keys differ");
    let plan = ws.run(&["plan", "-no-color"]).ok().stdout;
    assert!(
        plan.contains("+ azurerm_virtual_network.vnet1 <-> azurerm_virtual_network.vnet2"),
        "the link with different keys joins nothing until the keys agree: {plan}"
    );
}
