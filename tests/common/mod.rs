//! A scratch working directory and a way to run the vnetform binary in it.

#![allow(dead_code)]

pub mod pg;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary working directory with its own simulated cloud.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

/// What one run of the binary produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Asserts a zero exit, showing the output otherwise.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "command failed\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Stdout without refresh progress lines (their order is not the subject of plan tests).
    pub fn plan_text(&self) -> String {
        self.stdout
            .lines()
            .filter(|l| !l.contains(": Refreshing state..."))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).expect("write file");
    }

    /// Copies the configuration of `from` (its files and module directories) into the
    /// workspace, replacing the configuration that was there.
    pub fn use_config(&self, from: &Path) {
        for entry in std::fs::read_dir(self.path()).unwrap().flatten() {
            let p = entry.path();
            if is_config(&p) {
                std::fs::remove_file(p).unwrap();
            } else if is_module_dir(&p) {
                std::fs::remove_dir_all(p).unwrap();
            }
        }
        copy_config(from, self.path());
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vnetform"));
        cmd.current_dir(self.path()).args(args).stdin(Stdio::null());
        for (key, _) in std::env::vars() {
            if key.starts_with("TF_VAR_")
                || key.starts_with("VNETFORM_")
                || key.starts_with("ARM_")
                || key.starts_with("PG_")
                || key == "NO_COLOR"
            {
                cmd.env_remove(key);
            }
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().expect("run vnetform"))
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        cmd.envs(env.iter().copied());
        Run::from(cmd.output().expect("run vnetform"))
    }

    /// Runs with `input` on standard input.
    pub fn run_input(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run vnetform");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        Run::from(child.wait_with_output().expect("run vnetform"))
    }

    /// The ARM id recorded in state for a resource address.
    pub fn id_of(&self, addr: &str) -> String {
        let state: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(self.path().join("vnetform.tfstate")).unwrap(),
        )
        .unwrap();
        let (ty, name) = addr.split_once('.').unwrap();
        state["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == ty && r["name"] == name)
            .map(|r| {
                r["instances"][0]["attributes"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .unwrap_or_else(|| panic!("{addr} is not in state"))
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }
}

fn copy_config(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let p = entry.path();
        let target = to.join(p.file_name().unwrap());
        if is_config(&p) {
            std::fs::copy(&p, &target).unwrap();
        } else if is_module_dir(&p) {
            std::fs::create_dir_all(&target).unwrap();
            copy_config(&p, &target);
        }
    }
}

/// Directories of a case that hold modules (not the configurations applied before it).
fn is_module_dir(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    p.is_dir() && !matches!(name, "before" | "other") && !name.starts_with('.')
}

/// Files of a case that belong to its configuration (templates and variable files included),
/// as opposed to the case's own expectations and scripts.
fn is_config(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let harness = name.ends_with(".snap") || name == "sim.txt" || name == "args";
    let workspace =
        name.ends_with(".tfstate") || name.ends_with(".backup") || name.ends_with(".journal");
    p.is_file() && !harness && !workspace && !name.starts_with('.')
}

/// The crate root, where `testdata/` and `examples/` live.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
