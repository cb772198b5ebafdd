//! Fetching git modules for `init`: each repository (at its ref) is cloned with the system
//! git into a temporary directory beside its final place, then renamed into
//! `.vnetform/modules/`, so an interrupted fetch never leaves a half-written module behind.

use std::path::Path;
use std::process::Command;

use super::workdir::WorkdirError;
use super::{Ui, Workdir};
use crate::config::{self, GitSource, MODULES_DIR};
use crate::error::Result;

/// A module fetched in one round may call further git modules; this bounds the rounds.
const MAX_NESTING: usize = 16;

/// Fetches every git module the configuration calls that is not checked out yet.
pub fn install_git_modules(ui: &Ui, wd: &Workdir) -> Result<()> {
    let mut announced = false;
    for _ in 0..MAX_NESTING {
        let missing = config::git_modules_to_install(&wd.dir);
        if missing.is_empty() {
            return Ok(());
        }
        if !announced {
            ui.out(&format!(
                "\n{}\n",
                ui.painter.bold("Initializing modules...")
            ));
            announced = true;
        }
        for git in missing {
            let reference = git
                .reference
                .as_deref()
                .map_or(String::new(), |r| format!(" at {r}"));
            ui.out(&format!("- Downloading {}{reference}\n", git.shown_url()));
            fetch(&git, &wd.dir.join(MODULES_DIR))?;
        }
    }
    Ok(())
}

fn fetch(git: &GitSource, modules: &Path) -> Result<()> {
    let fail = |reason: String| WorkdirError::ModuleFetch {
        url: git.shown_url(),
        reason,
    };
    if git.url.starts_with('-') || git.reference.as_deref().is_some_and(|r| r.starts_with('-')) {
        return Err(fail("a URL or ref cannot start with \"-\"".into()).into());
    }
    std::fs::create_dir_all(modules).map_err(|e| fail(e.to_string()))?;
    let staging = tempfile::tempdir_in(modules).map_err(|e| fail(e.to_string()))?;
    let checkout = staging.path().join("checkout");
    run_git(
        Command::new("git")
            .args(["clone", "--quiet", "--", &git.url])
            .arg(&checkout),
    )
    .map_err(|reason| fail(reason.replace(&git.url, &git.shown_url())))?;
    if let Some(reference) = &git.reference {
        run_git(
            Command::new("git")
                .arg("-C")
                .arg(&checkout)
                .args(["checkout", "--quiet", reference]),
        )
        .map_err(fail)?;
    }
    std::fs::rename(&checkout, modules.join(git.checkout_name()))
        .map_err(|e| fail(e.to_string()))?;
    Ok(())
}

/// Runs git without ever prompting for credentials; the error is git's own message.
fn run_git(command: &mut Command) -> std::result::Result<(), String> {
    let output = command
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| format!("could not run git: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}
