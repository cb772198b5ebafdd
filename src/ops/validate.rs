//! `vnetform validate [-json]`: checks the configuration without touching state or backend.

use std::collections::BTreeMap;

use super::{Ui, Workdir};
use crate::config;
use crate::error::{Error, Result};
use crate::eval::{self, vars};
use crate::render;
use crate::state::State;

/// Returns the exit code: 0 when valid, 1 otherwise.
pub fn validate(ui: &Ui, wd: &Workdir, json: bool) -> Result<i32> {
    let outcome = check(wd);
    let problems: Vec<&dyn miette::Diagnostic> = match &outcome {
        Ok(warnings) => warnings
            .iter()
            .map(|w| w as &dyn miette::Diagnostic)
            .collect(),
        Err(e) => render::diagnostics::flatten(e),
    };
    let valid = outcome.is_ok();
    if json {
        ui.out(&format!("{}\n", render::json::validate(&problems)));
    } else {
        for p in &problems {
            ui.diagnostic(*p);
        }
        if valid {
            ui.out(&format!(
                "{} The configuration is valid.\n",
                ui.painter.bold(&ui.painter.green("Success!"))
            ));
        }
    }
    Ok(if valid { 0 } else { 1 })
}

/// Loads and evaluates with every unset variable unknown; returns the warnings.
fn check(wd: &Workdir) -> Result<Vec<eval::EvalWarning>> {
    let config = config::load_dir(&wd.dir)?;
    let (variables, mut errors) = vars::resolve_for_validation(&config, &wd.dir, &wd.env)?;
    let empty = State::new();
    let prior: BTreeMap<_, _> = empty.attributes();
    let req = eval::EvalRequest {
        config: &config,
        variables: &variables.values,
        prior: &prior,
        working_dir: &wd.dir,
        env_subscription: wd.env.get("ARM_SUBSCRIPTION_ID").cloned(),
    };
    if let Err(e) = eval::evaluate(&req) {
        errors.extend(e.errors);
    }
    if errors.is_empty() {
        Ok(variables.warnings)
    } else {
        Err(Error::from(eval::EvalErrors { errors }))
    }
}
