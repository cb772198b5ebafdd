//! A PostgreSQL server for one test: a throw-away cluster (initdb into a temporary
//! directory, run as an unprivileged user when the tests run as root, since PostgreSQL refuses
//! root; listening on a Unix socket only; stopped at the end), or the server
//! `VNETFORM_TEST_PG` names. Without PostgreSQL the tests skip, saying so, except under
//! `CI=true`, where a missing prerequisite fails them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use vnetform::state::{PgLocation, PgStore};

/// A PostgreSQL server for one test.
pub struct Server {
    /// How to reach it (libpq form).
    pub conn_str: String,
    /// The throw-away cluster, stopped and removed on drop; `None` for `VNETFORM_TEST_PG`.
    cluster: Option<Cluster>,
}

struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
}

impl Server {
    /// A server, or `None` (after saying why) when PostgreSQL is not installed.
    pub fn start() -> Option<Server> {
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
        let cluster = Cluster { dir, bin };
        cluster.pg_ctl(&["start"]);
        Some(Server {
            conn_str: format!(
                "host={} user=vnetform dbname=postgres",
                cluster.dir.path().display()
            ),
            cluster: Some(cluster),
        })
    }

    /// Restarts the throw-away server (fast shutdown: sessions are cut, as in a failover).
    pub fn restart(&self) {
        let cluster = self
            .cluster
            .as_ref()
            .expect("a throw-away server to restart");
        cluster.pg_ctl(&["-m", "fast", "restart"]);
    }

    /// A store for `workspace` in a schema of this test's own.
    pub fn store(&self, schema: &str, workspace: &str) -> PgStore {
        PgStore::open(self.location(schema, workspace)).expect("open the store")
    }

    pub fn location(&self, schema: &str, workspace: &str) -> PgLocation {
        PgLocation {
            conn_str: self.conn_str.clone(),
            schema: schema.into(),
            workspace: workspace.into(),
            lease_timeout: Duration::from_secs(1),
        }
    }

    pub fn sql(&self, statement: &str) {
        let mut client = postgres::Client::connect(&self.conn_str, postgres::NoTls)
            .expect("connect to the test server");
        client.batch_execute(statement).expect("test SQL runs");
    }
}

impl Cluster {
    /// Runs `pg_ctl ARGS` on this cluster, listening on a socket in its directory only.
    fn pg_ctl(&self, args: &[&str]) {
        let dir = self.dir.path();
        let options = format!("-k {} -c listen_addresses=''", dir.display());
        let mut all: Vec<std::ffi::OsString> = vec![
            "-D".into(),
            dir.join("data").into(),
            "-o".into(),
            options.into(),
            "-l".into(),
            dir.join("log").into(),
            "-w".into(),
        ];
        all.extend(args.iter().map(Into::into));
        run_as_postgres(&self.bin.join("pg_ctl"), &all);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(cluster) = &self.cluster {
            cluster.pg_ctl(&["-m", "immediate", "stop"]);
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
fn run_as_postgres(program: &Path, args: &[impl AsRef<std::ffi::OsStr>]) {
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
