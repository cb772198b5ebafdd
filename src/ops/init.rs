//! `vnetform init`: prepares the working directory and records the chosen backend.

use super::workdir::{WorkdirError, check_cloud};
use super::{Ui, Workdir};
use crate::config;
use crate::error::Result;
use crate::state::LocalStore;

#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    pub cloud: Option<String>,
    /// `-backend=false`: leave the state store as it is.
    pub backend: bool,
    pub backend_config: Vec<String>,
}

pub fn init(ui: &Ui, wd: &Workdir, opts: &InitOptions) -> Result<()> {
    super::modules::install_git_modules(ui, wd)?;
    let config = config::load_dir(&wd.dir).ok();
    let mut settings = wd.settings()?;
    let current = settings.cloud.clone().unwrap_or_else(|| "sim".into());
    let chosen = opts.cloud.clone().unwrap_or_else(|| current.clone());
    check_cloud(&chosen)?;
    if opts.backend {
        for kv in &opts.backend_config {
            match kv.split_once('=') {
                Some(("path", path)) if !path.is_empty() => {
                    settings.state_path = Some(path.to_owned())
                }
                _ => return Err(WorkdirError::BackendConfig(kv.clone()).into()),
            }
        }
    }
    let state_path = match &settings.state_path {
        Some(path) => wd.dir.join(path),
        None => wd.state_path(None, config.as_ref())?,
    };
    if chosen != current {
        let count = LocalStore::new(state_path.clone()).read()?.resources.len();
        if count > 0 {
            return Err(WorkdirError::SwitchRefused {
                from: current,
                to: chosen,
                count,
            }
            .into());
        }
    }
    if chosen != "sim" {
        return Err(WorkdirError::Unavailable(chosen).into());
    }
    settings.cloud = Some(chosen.clone());
    wd.save_settings(&settings)?;
    let p = ui.painter;
    ui.out(&format!("\n{}\n", p.bold("Initializing the backend...")));
    ui.out(&format!(
        "Backend: {chosen} (simulated Azure, database {})\n",
        relative(wd, &wd.sim_db())
    ));
    let store = if opts.backend {
        "local file"
    } else {
        "local file (unchanged, -backend=false)"
    };
    ui.out(&format!(
        "State store: {store} {}\n",
        relative(wd, &state_path)
    ));
    if wd.env.contains_key("VNETFORM_CLOUD") {
        ui.out("Note: VNETFORM_CLOUD is set and overrides this choice for each run.\n");
    }
    ui.out(&format!(
        "\n{}\n",
        p.bold(&p.green("vnetform has been successfully initialized!"))
    ));
    ui.out("\nYou may now begin working with vnetform. Try running \"vnetform plan\" to see\nany changes that are required for your infrastructure.\n");
    Ok(())
}

fn relative(wd: &Workdir, path: &std::path::Path) -> String {
    path.strip_prefix(&wd.dir)
        .unwrap_or(path)
        .display()
        .to_string()
}
