//! `vnetform validate [-json]`: checks the configuration without touching state or backend.

use miette::Diagnostic;

use super::{Ui, Workdir};
use crate::config;
use crate::error::Result;
use crate::eval::{self, vars};
use crate::render;
use crate::render::diagnostics::is_error;
use crate::state::State;

type Problem = Box<dyn Diagnostic + Send + Sync>;

/// Returns the exit code: 0 when valid, 1 otherwise.
pub fn validate(ui: &Ui, wd: &Workdir, json: bool) -> Result<i32> {
    let problems: Vec<Problem> = check(wd).unwrap_or_else(|fatal| vec![Box::new(fatal)]);
    let flat: Vec<&dyn Diagnostic> = problems
        .iter()
        .flat_map(|p| render::diagnostics::flatten(p.as_ref()))
        .collect();
    let valid = !flat.iter().any(|d| is_error(*d));
    if json {
        ui.out(&format!("{}\n", render::json::validate(&flat)));
    } else {
        for p in &flat {
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

/// Loads and evaluates with every unset variable unknown; returns every problem found,
/// warnings included. `Err` is a problem that stops the check early (a file that does not
/// parse, a directory without configuration).
fn check(wd: &Workdir) -> Result<Vec<Problem>> {
    let (mut config, config_errors) = config::load_dir_partially(&wd.dir)?;
    let config_warnings = std::mem::take(&mut config.warnings);
    let (variables, var_errors) = vars::resolve_for_validation(&config, &wd.dir, &wd.env)?;
    let empty = State::new();
    let req = eval::EvalRequest {
        config: &config,
        variables: &variables.values,
        prior: &empty.resources,
        workspace: &wd.workspace()?,
        working_dir: &wd.dir,
        env: &wd.env,
        data: None,
        validating: true,
        evaluate_once: false,
    };
    let (eval_errors, eval_warnings, findings) = match eval::evaluate(&req) {
        Ok(mut desired) => {
            let end_state = crate::rules::reach::of_desired(&desired);
            let findings = crate::rules::check(&desired, &config, &Default::default(), &end_state);
            (Vec::new(), desired.take_warnings(), findings)
        }
        Err(e) => (e.errors, Vec::new(), Vec::new()),
    };
    let mut problems: Vec<Problem> = Vec::new();
    problems.extend(config_errors.into_iter().map(|e| Box::new(e) as Problem));
    problems.extend(config_warnings.into_iter().map(|w| Box::new(w) as Problem));
    problems.extend(var_errors.into_iter().map(|e| Box::new(e) as Problem));
    problems.extend(eval_errors.into_iter().map(|e| Box::new(e) as Problem));
    problems.extend(eval_warnings.into_iter().map(|w| Box::new(w) as Problem));
    problems.extend(findings.into_iter().map(|f| Box::new(f) as Problem));
    problems.extend(
        variables
            .warnings
            .into_iter()
            .map(|w| Box::new(w) as Problem),
    );
    Ok(problems)
}
