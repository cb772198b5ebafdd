//! The PostgreSQL state store against a real server (see `common::pg`): the store itself,
//! then the commands with `backend "pg"` end to end.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::pg::Server;

use vnetform::addr::ResourceAddr;
use vnetform::state::{
    LockError, PgLocation, PgStore, ResourceState, State, StateChange, StateError, Unconfirmed,
};

fn resource(name: &str) -> (ResourceAddr, ResourceState) {
    (
        ResourceAddr::managed("azurerm_resource_group", name),
        ResourceState {
            attributes: Arc::new(
                serde_json::json!({
                    "id": format!("/subscriptions/s/resourceGroups/{name}"),
                    "name": name,
                })
                .into(),
            ),
            sensitive_attributes: Vec::new(),
            dependencies: Vec::new(),
            tainted: false,
            create_before_destroy: false,
        },
    )
}

fn with_resources(names: &[&str]) -> State {
    let mut state = State::new();
    state.resources.extend(names.iter().map(|n| resource(n)));
    state
}

#[test]
fn a_written_state_reads_back_and_an_unchanged_write_keeps_the_serial() {
    let Some(server) = Server::start() else {
        return;
    };
    let mut store = server.store("team_a", "default");
    assert_eq!(store.read().unwrap().resources.len(), 0);
    let mut state = with_resources(&["rg1", "rg2"]);
    store.write(&mut state).unwrap();
    assert_eq!(state.serial, 1);
    store.write(&mut state).unwrap();
    assert_eq!(state.serial, 1, "nothing changed, nothing written");

    let read = server.store("team_a", "default").read().unwrap();
    assert_eq!(read, state);
    let other = server.store("team_a", "staging").read().unwrap();
    assert!(other.resources.is_empty(), "workspaces are independent");
}

#[test]
fn a_stale_writer_is_refused_even_without_the_lock() {
    let Some(server) = Server::start() else {
        return;
    };
    let mut first = server.store("team_b", "default");
    let mut state = with_resources(&["rg1"]);
    first.write(&mut state).unwrap();

    let mut a = server.store("team_b", "default");
    let mut b = server.store("team_b", "default");
    let mut seen_by_a = a.read().unwrap();
    let mut seen_by_b = b.read().unwrap();
    seen_by_a.resources.extend([resource("rg2")]);
    a.write(&mut seen_by_a).unwrap();
    seen_by_b.resources.extend([resource("rg3")]);
    let refused = b.write(&mut seen_by_b).unwrap_err();
    assert!(
        matches!(
            refused,
            StateError::Stale {
                found: 2,
                expected: 1,
                ..
            }
        ),
        "{refused:?}"
    );
    let stored = server.store("team_b", "default").read().unwrap();
    assert!(stored.resources.keys().any(|a| a.name == "rg2"));
    assert!(!stored.resources.keys().any(|a| a.name == "rg3"));
}

#[test]
fn a_held_lease_names_its_holder_and_is_free_once_released() {
    let Some(server) = Server::start() else {
        return;
    };
    let store = server.store("team_c", "default");
    let lease = store.lock("Apply", Duration::ZERO).unwrap();
    let refused = server
        .store("team_c", "default")
        .lock("Plan", Duration::ZERO)
        .unwrap_err();
    let StateError::Lock(LockError::Held(holder)) = &refused else {
        panic!("{refused:?}")
    };
    assert_eq!(holder.id, lease.id());
    assert_eq!(holder.operation, "OperationTypeApply");
    assert!(holder.info.contains(&std::process::id().to_string()));
    assert!(refused.to_string().contains("schema \"team_c\""));
    assert!(
        !refused.to_string().contains("host="),
        "no connection string"
    );

    let other_workspace = server
        .store("team_c", "staging")
        .lock("Apply", Duration::ZERO);
    assert!(other_workspace.is_ok(), "another workspace is not blocked");
    drop(lease);
    assert!(
        server
            .store("team_c", "default")
            .lock("Plan", Duration::ZERO)
            .is_ok()
    );
}

#[test]
fn the_heartbeat_keeps_a_lease_past_its_timeout_and_a_dead_holders_lease_expires() {
    let Some(server) = Server::start() else {
        return;
    };
    let store = server.store("team_d", "default");
    let lease = store.lock("Apply", Duration::ZERO).unwrap();
    // Past twice the lease timeout: only the heartbeat keeps it.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(store.lock("Plan", Duration::ZERO).is_err(), "still held");
    drop(lease);

    // A holder killed without releasing: its lease stops being renewed.
    server.sql(
        "INSERT INTO team_d.leases (workspace, id, holder, expires) \
         VALUES ('default', 'dead', '{}', now() + interval '1 second')",
    );
    assert!(store.lock("Plan", Duration::ZERO).is_err());
    assert!(
        store.lock("Plan", Duration::from_secs(4)).is_ok(),
        "taken once the dead holder's lease expired"
    );
}

#[test]
fn journalled_operations_survive_a_crash_and_fold_into_the_document() {
    let Some(server) = Server::start() else {
        return;
    };
    let mut store = server.store("team_e", "default");
    let mut state = with_resources(&["rg1"]);
    store.write(&mut state).unwrap();
    let (addr, object) = resource("rg2");
    let started = StateChange::Started(Unconfirmed {
        addr: ResourceAddr::managed("azurerm_resource_group", "rg3"),
        id: "/subscriptions/s/resourceGroups/rg3".into(),
        dependencies: Vec::new(),
    });
    state.resources.insert(addr.clone(), object.clone());
    store
        .append(&mut state, &[StateChange::Put(addr, object), started])
        .unwrap();
    // The process dies here: a new run reads the document and the journal.
    let mut next = server.store("team_e", "default");
    let mut recovered = next.read().unwrap();
    assert_eq!(recovered.resources.len(), 2);
    assert_eq!(recovered.serial, 1);
    assert_eq!(next.unconfirmed().len(), 1, "the create it never confirmed");

    next.write(&mut recovered).unwrap();
    assert_eq!(recovered.serial, 2);
    let mut after_fold = server.store("team_e", "default");
    assert_eq!(after_fold.read().unwrap(), recovered);
    assert!(after_fold.unconfirmed().is_empty());
}

#[test]
fn stores_creating_one_schema_at_once_all_succeed() {
    let Some(server) = Server::start() else {
        return;
    };
    let opened: Vec<bool> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| PgStore::open(server.location("fresh", "default")).is_ok()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(opened, vec![true; 4]);
}

#[test]
fn connection_problems_are_clear_and_keep_the_password_out() {
    let location = PgLocation {
        conn_str: "host=/nonexistent user=team password=hunter2 dbname=state connect_timeout=2"
            .into(),
        schema: "team".into(),
        workspace: "default".into(),
        lease_timeout: Duration::from_secs(2),
    };
    let error = PgStore::open(location).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("PostgreSQL schema \"team\""), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

// ---- The commands, with `backend "pg"` ----

use common::Workspace;

/// The example with its state in PostgreSQL schema `schema`.
fn example_in(schema: &str) -> Workspace {
    let ws = Workspace::new();
    ws.use_config(&common::root().join("examples/vnet-to-vnet"));
    ws.write(
        "backend.tf",
        &format!("terraform {{\n  backend \"pg\" {{\n    schema_name = \"{schema}\"\n  }}\n}}\n"),
    );
    ws
}

/// The connection (from the environment, as a user keeps the password out of the
/// configuration) and a short lease so a killed holder's lease expires quickly.
fn env(server: &Server) -> [(&'static str, &str); 2] {
    [
        ("PG_CONN_STR", server.conn_str.as_str()),
        ("VNETFORM_PG_LEASE_TIMEOUT", "1s"),
    ]
}

/// The ids of the managed objects recorded in `schema`'s default workspace.
fn recorded_ids(server: &Server, schema: &str) -> std::collections::BTreeSet<String> {
    let state = server.store(schema, "default").read().unwrap();
    state
        .resources
        .iter()
        .filter(|(addr, _)| addr.mode == vnetform::addr::Mode::Managed)
        .filter_map(|(_, r)| Some(r.attributes.get("id").as_str()?.to_lowercase()))
        .collect()
}

/// The next plan shows no changes, and the cloud holds exactly what `net` records.
#[track_caller]
fn assert_converged(ws: &Workspace, server: &Server, env: &[(&str, &str)]) {
    let plan = ws.run_env(&["plan", "-detailed-exitcode", "-no-color"], env);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    assert_eq!(recorded_ids(server, "net"), cloud_ids(ws));
}

/// The local state file's document.
fn local_state(ws: &Workspace) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(ws.file("vnetform.tfstate")).unwrap()).unwrap()
}

fn cloud_ids(ws: &Workspace) -> std::collections::BTreeSet<String> {
    let listed: serde_json::Value =
        serde_json::from_str(&ws.run(&["sim", "list", "-json"]).ok().stdout).unwrap();
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_lowercase())
        .collect()
}

/// An apply on a simulated cloud slow enough (gateways take 2.4 s) to be caught running.
fn spawn_slow_apply(ws: &Workspace, env: &[(&str, &str)]) -> std::process::Child {
    ws.command(&["apply", "-auto-approve", "-no-color"])
        .envs(env.iter().copied())
        .env("VNETFORM_SIM_LATENCY", "0.001")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start vnetform apply")
}

#[test]
fn apply_records_in_postgres_and_the_next_plan_is_empty() {
    let Some(server) = Server::start() else {
        return;
    };
    let ws = example_in("net");
    let env = env(&server);
    ws.run_env(&["init", "-no-color"], &env).ok();
    ws.run_env(&["apply", "-auto-approve", "-no-color"], &env)
        .ok();
    assert!(!ws.file("vnetform.tfstate").exists(), "no local state file");
    assert_converged(&ws, &server, &env);
    let listed = ws.run_env(&["state", "list"], &env).ok().stdout;
    assert!(
        listed.contains("azurerm_virtual_network_gateway.gw1"),
        "{listed}"
    );
}

#[test]
fn a_second_apply_fails_naming_the_holder_and_never_writes() {
    let Some(server) = Server::start() else {
        return;
    };
    let ws = example_in("net");
    let env = env(&server);
    let mut first = spawn_slow_apply(&ws, &env);
    // Wait until the first run holds the lease (looking, not locking, so as not to get in
    // its way).
    let waited = std::time::Instant::now();
    while server.store("net", "default").leases().unwrap().is_empty() {
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "the first apply never took the lease"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let second = ws.run_env(&["apply", "-auto-approve", "-no-color"], &env);
    assert_eq!(second.code, 1);
    assert!(
        second.stderr.contains("OperationTypeApply") && second.stderr.contains("Lock Info"),
        "{}",
        second.stderr
    );
    assert!(
        second.stderr.contains(&format!("pid {}", first.id())),
        "the holder is named, not the waiting run: {}",
        second.stderr
    );
    assert!(first.wait().unwrap().success());
    assert_eq!(recorded_ids(&server, "net"), cloud_ids(&ws), "one writer");
}

#[test]
fn a_killed_holders_lease_expires_and_the_next_apply_recovers_its_journal() {
    let Some(server) = Server::start() else {
        return;
    };
    let ws = example_in("net");
    let env = env(&server);
    let mut first = spawn_slow_apply(&ws, &env);
    let stdout = std::io::BufReader::new(first.stdout.take().unwrap());
    for line in std::io::BufRead::lines(stdout) {
        if line.unwrap().contains("gw1: Creating...") {
            break;
        }
    }
    first.kill().expect("SIGKILL");
    first.wait().unwrap();
    let journalled = server.store("net", "default").read().unwrap();
    assert!(
        !journalled.resources.is_empty(),
        "completed work was durable"
    );

    let rerun = ws.run_env(
        &["apply", "-auto-approve", "-no-color", "-lock-timeout=10s"],
        &env,
    );
    assert_eq!(rerun.code, 0, "{}{}", rerun.stdout, rerun.stderr);
    assert!(!rerun.stdout.contains("ResourceAlreadyExists"));
    assert_converged(&ws, &server, &env);
}

#[test]
fn init_migrate_state_moves_the_state_to_postgres_and_back() {
    let Some(server) = Server::start() else {
        return;
    };
    let ws = Workspace::new();
    ws.use_config(&common::root().join("examples/vnet-to-vnet"));
    let env = env(&server);
    ws.run_env(&["apply", "-auto-approve", "-no-color"], &env)
        .ok();
    let local = local_state(&ws);

    ws.write(
        "backend.tf",
        "terraform {\n  backend \"pg\" {\n    schema_name = \"moved\"\n  }\n}\n",
    );
    let refused = ws.run_env(&["init", "-no-color"], &env);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("-migrate-state"),
        "{}",
        refused.stderr
    );
    ws.run_env(&["init", "-migrate-state", "-no-color"], &env)
        .ok();
    let moved = server.store("moved", "default").read().unwrap();
    assert_eq!(moved.lineage, local["lineage"].as_str().unwrap());
    assert_eq!(moved.serial, local["serial"].as_u64().unwrap());
    let plan = ws.run_env(&["plan", "-detailed-exitcode", "-no-color"], &env);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);

    // A change recorded in PostgreSQL, then the state moved back to the local file.
    ws.run_env(&["state", "rm", "azurerm_linux_virtual_machine.vm2"], &env)
        .ok();
    std::fs::remove_file(ws.file("backend.tf")).unwrap();
    ws.run_env(&["init", "-migrate-state", "-no-color"], &env)
        .ok();
    let back = local_state(&ws);
    assert_eq!(back["lineage"], local["lineage"]);
    assert!(back["serial"].as_u64() > local["serial"].as_u64());
    let listed = ws.run_env(&["state", "list"], &env).ok().stdout;
    assert!(
        !listed.contains("azurerm_linux_virtual_machine.vm2"),
        "{listed}"
    );
}

#[test]
fn workspaces_are_independent_rows_in_one_schema() {
    let Some(server) = Server::start() else {
        return;
    };
    let ws = example_in("net");
    let env = env(&server);
    ws.run_env(&["apply", "-auto-approve", "-no-color"], &env)
        .ok();
    ws.run_env(&["workspace", "new", "staging"], &env).ok();
    let listed = ws.run_env(&["workspace", "list"], &env).ok().stdout;
    assert_eq!(listed, "  default\n* staging\n");
    let plan = ws.run_env(&["plan", "-no-color"], &env).ok().stdout;
    assert!(plan.contains("19 to add"), "staging starts empty: {plan}");
    ws.run_env(&["workspace", "select", "default"], &env).ok();
    let plan = ws.run_env(&["plan", "-detailed-exitcode", "-no-color"], &env);
    assert_eq!(plan.code, 0, "default still holds its state");
    ws.run_env(&["workspace", "delete", "staging"], &env).ok();
    assert_eq!(
        server.store("net", "default").workspaces().unwrap(),
        vec!["default".to_owned()]
    );
}

#[test]
fn force_unlock_releases_exactly_the_named_lease_and_state_locks_lists_it() {
    let Some(server) = Server::start() else {
        return;
    };
    let ws = example_in("net");
    // The connection kept in the directory's settings, as `init -backend-config` keeps it.
    let conn = format!("-backend-config=conn_str={}", server.conn_str);
    ws.run(&["init", &conn, "-no-color"]).ok();
    let held = server
        .store("net", "default")
        .lock("Apply", Duration::ZERO)
        .unwrap();
    let listed = ws.run(&["state", "locks"]).ok().stdout;
    assert!(
        listed.contains(held.id()) && listed.contains("OperationTypeApply"),
        "{listed}"
    );

    let wrong = ws.run(&["force-unlock", "-force", "not-the-id"]);
    assert_eq!(wrong.code, 1);
    assert!(
        wrong.stderr.contains("no lock with ID \"not-the-id\""),
        "{}",
        wrong.stderr
    );
    assert_eq!(ws.run(&["plan", "-no-color"]).code, 1, "still locked");

    let declined = ws.run_input(&["force-unlock", held.id()], "no\n");
    assert!(
        declined.stderr.contains("Force-unlock cancelled"),
        "{}",
        declined.stderr
    );
    assert_eq!(ws.run(&["plan", "-no-color"]).code, 1, "still locked");
    let released = ws.run_input(&["force-unlock", held.id()], "yes\n").ok();
    assert!(released.stdout.contains("successfully unlocked"));
    ws.run(&["plan", "-no-color"]).ok();
    assert_eq!(
        ws.run(&["state", "locks"]).ok().stdout,
        "No locks are held.\n"
    );
}

#[test]
fn a_local_state_cannot_be_force_unlocked() {
    let ws = Workspace::new();
    ws.use_config(&common::root().join("examples/vnet-to-vnet"));
    let run = ws.run(&["force-unlock", "-force", "some-id"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("Local state cannot be unlocked"),
        "{}",
        run.stderr
    );
    assert_eq!(
        ws.run(&["state", "locks"]).ok().stdout,
        "No locks are held.\n"
    );
}

#[test]
fn a_server_restart_during_an_apply_loses_nothing() {
    let Some(server) = Server::start() else {
        return;
    };
    if std::env::var("VNETFORM_TEST_PG").is_ok() {
        return; // Only a throw-away server may be restarted.
    }
    let ws = example_in("net");
    let env = env(&server);
    let mut apply = spawn_slow_apply(&ws, &env);
    let stdout = std::io::BufReader::new(apply.stdout.take().unwrap());
    let mut lines = std::io::BufRead::lines(stdout);
    for line in lines.by_ref() {
        if line.unwrap().contains("gw1: Creating...") {
            break;
        }
    }
    server.restart();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = apply.wait().unwrap();
    assert!(
        status.success(),
        "the apply reconnects and finishes: {rest:?}"
    );
    assert_converged(&ws, &server, &env);
}

#[test]
fn a_user_who_may_not_create_the_tables_is_told_so() {
    let Some(server) = Server::start() else {
        return;
    };
    server.sql(
        "CREATE ROLE reader LOGIN; REVOKE CREATE ON DATABASE postgres FROM PUBLIC; \
         REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
    );
    let location = PgLocation {
        conn_str: format!("{} user=reader", server.conn_str),
        ..server.location("locked_out", "default")
    };
    let error = PgStore::open(location).unwrap_err();
    let text = format!("{error:?} {error}");
    assert!(text.contains("permission denied"), "{text}");
    assert!(
        miette::Diagnostic::help(&error).is_some_and(|h| h.to_string().contains("create tables")),
        "{text}"
    );

    // Tables an administrator created and granted are all such a user needs.
    server.store("locked_out", "default");
    server.sql(
        "GRANT USAGE ON SCHEMA locked_out TO reader; \
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA locked_out TO reader; \
         GRANT USAGE ON ALL SEQUENCES IN SCHEMA locked_out TO reader;",
    );
    let mut store = PgStore::open(PgLocation {
        conn_str: format!("{} user=reader", server.conn_str),
        ..server.location("locked_out", "default")
    })
    .expect("the granted tables are enough");
    let mut state = with_resources(&["rg1"]);
    store.write(&mut state).unwrap();
    let _lease = store.lock("Apply", Duration::ZERO).unwrap();
}

#[test]
fn two_workspaces_apply_at_once() {
    let Some(server) = Server::start() else {
        return;
    };
    let ws = example_in("net");
    let env = env(&server);
    ws.run_env(&["workspace", "new", "staging"], &env).ok();
    ws.run_env(&["workspace", "select", "default"], &env).ok();
    let staging: Vec<(&str, &str)> = env
        .iter()
        .copied()
        .chain([
            ("TF_WORKSPACE", "staging"),
            ("VNETFORM_SIM_DB", "staging.db"),
        ])
        .collect();
    let mut default = spawn_slow_apply(&ws, &env);
    let mut other = spawn_slow_apply(&ws, &staging);
    assert!(default.wait().unwrap().success());
    assert!(
        other.wait().unwrap().success(),
        "neither waits for the other"
    );
    for name in ["default", "staging"] {
        let state = server.store("net", name).read().unwrap();
        assert_eq!(state.resources.len(), 19, "{name}");
    }
}

#[test]
fn an_unknown_user_is_named_in_the_error() {
    let Some(server) = Server::start() else {
        return;
    };
    let location = PgLocation {
        conn_str: format!("{} user=ghost", server.conn_str),
        ..server.location("team", "default")
    };
    let text = PgStore::open(location).unwrap_err().to_string();
    assert!(text.contains("\"ghost\" does not exist"), "{text}");
}

#[test]
fn state_push_of_an_older_state_is_refused_unless_forced() {
    let Some(server) = Server::start() else {
        return;
    };
    let ws = example_in("net");
    let env = env(&server);
    ws.run_env(&["apply", "-auto-approve", "-no-color"], &env)
        .ok();
    let old = ws.run_env(&["state", "pull"], &env).ok().stdout;
    ws.write("old.tfstate", &old);
    ws.run_env(&["state", "rm", "azurerm_linux_virtual_machine.vm2"], &env)
        .ok();
    let refused = ws.run_env(&["state", "push", "old.tfstate"], &env);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("older"), "{}", refused.stderr);
    ws.run_env(&["state", "push", "-force", "old.tfstate"], &env)
        .ok();
    let listed = ws.run_env(&["state", "list"], &env).ok().stdout;
    assert!(
        listed.contains("azurerm_linux_virtual_machine.vm2"),
        "{listed}"
    );
}
