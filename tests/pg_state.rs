//! The PostgreSQL state store against a real server: a throw-away cluster per test (initdb
//! into a temporary directory, run as an unprivileged user when the tests run as root, since
//! PostgreSQL refuses root; listening on a Unix socket only; stopped at the end), or the
//! server `VNETFORM_TEST_PG` names. Without PostgreSQL the tests skip, saying so, except under
//! `CI=true`, where a missing prerequisite fails them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use vnetform::addr::ResourceAddr;
use vnetform::state::{
    LockError, PgLocation, PgStore, ResourceState, State, StateChange, StateError, Unconfirmed,
};

/// A PostgreSQL server for one test.
struct Server {
    conn_str: String,
    /// The throw-away cluster, stopped and removed on drop; `None` for `VNETFORM_TEST_PG`.
    cluster: Option<Cluster>,
}

struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
}

impl Server {
    /// A server, or `None` (after saying why) when PostgreSQL is not installed.
    fn start() -> Option<Server> {
        if let Ok(conn_str) = std::env::var("VNETFORM_TEST_PG") {
            return Some(Server {
                conn_str,
                cluster: None,
            });
        }
        let Some(bin) = postgres_bin() else {
            let why = "PostgreSQL (initdb, pg_ctl) is not installed; install Debian's postgresql package or set VNETFORM_TEST_PG";
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
            eprintln!("skipped: {why}");
            return None;
        };
        let dir = tempfile::tempdir().expect("cluster directory");
        make_unprivileged_owner(dir.path());
        let data = dir.path().join("data");
        run_as_postgres(
            &bin.join("initdb"),
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-A".as_ref(),
                "trust".as_ref(),
                "-U".as_ref(),
                "vnetform".as_ref(),
            ],
        );
        let options = format!("-k {} -c listen_addresses=''", dir.path().display());
        run_as_postgres(
            &bin.join("pg_ctl"),
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-o".as_ref(),
                options.as_ref(),
                "-l".as_ref(),
                dir.path().join("log").as_os_str(),
                "-w".as_ref(),
                "start".as_ref(),
            ],
        );
        Some(Server {
            conn_str: format!(
                "host={} user=vnetform dbname=postgres",
                dir.path().display()
            ),
            cluster: Some(Cluster { dir, bin }),
        })
    }

    /// A store for `workspace` in a schema of this test's own.
    fn store(&self, schema: &str, workspace: &str) -> PgStore {
        PgStore::open(self.location(schema, workspace)).expect("open the store")
    }

    fn location(&self, schema: &str, workspace: &str) -> PgLocation {
        PgLocation {
            conn_str: self.conn_str.clone(),
            schema: schema.into(),
            workspace: workspace.into(),
            lease_timeout: Duration::from_secs(1),
        }
    }

    fn sql(&self, statement: &str) {
        let mut client = postgres::Client::connect(&self.conn_str, postgres::NoTls)
            .expect("connect to the test server");
        client.batch_execute(statement).expect("test SQL runs");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(cluster) = &self.cluster {
            let data = cluster.dir.path().join("data");
            run_as_postgres(
                &cluster.bin.join("pg_ctl"),
                &[
                    "-D".as_ref(),
                    data.as_os_str(),
                    "-m".as_ref(),
                    "immediate".as_ref(),
                    "stop".as_ref(),
                ],
            );
        }
    }
}

/// Where initdb and pg_ctl are: on PATH, or in Debian's versioned directory.
fn postgres_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").into_iter().flat_map(|p| {
        std::env::split_paths(&p)
            .filter(|d| d.join("initdb").is_file())
            .collect::<Vec<_>>()
    });
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|d| d.join("initdb").is_file());
    on_path.chain(debian).next()
}

/// Whether this process runs as root (`/proc/self` belongs to the process's user).
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn make_unprivileged_owner(dir: &Path) {
    if running_as_root() {
        let status = Command::new("chown")
            .arg("nobody")
            .arg(dir)
            .status()
            .expect("run chown");
        assert!(status.success(), "chown nobody {}", dir.display());
    }
}

/// Runs a PostgreSQL program, as `nobody` when the tests run as root.
fn run_as_postgres(program: &Path, args: &[&std::ffi::OsStr]) {
    let mut command = if running_as_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            .arg(program);
        c
    } else {
        Command::new(program)
    };
    let output = command
        .args(args)
        .output()
        .expect("run a PostgreSQL program");
    assert!(
        output.status.success(),
        "{} failed: {}",
        program.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn resource(name: &str) -> (ResourceAddr, ResourceState) {
    (
        ResourceAddr::managed("azurerm_resource_group", name),
        ResourceState {
            attributes: Arc::new(serde_json::json!({
                "id": format!("/subscriptions/s/resourceGroups/{name}"),
                "name": name,
            })),
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
