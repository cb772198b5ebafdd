//! `vnetform console`: evaluates expressions typed one per line against the configuration and
//! the current state (not refreshed), printing each value as `output` does — handy for trying
//! a `cidrsubnet` before writing it. Nothing is planned or written.

use std::sync::Arc;

use super::{CommonOptions, Ui, Workdir, load};
use crate::config::Expr;
use crate::error::Result;
use crate::eval::value::Value;
use crate::render;

pub fn console(ui: &Ui, wd: &Workdir, common: &CommonOptions) -> Result<()> {
    let mut loaded = load(ui, wd, common)?;
    let backend = wd.backend()?;
    let state = wd
        .store(common.state_path.as_deref(), Some(&loaded.config))?
        .read()?;
    while let Some(line) = ui.ask(if ui.interactive { "> " } else { "" }) {
        let line = line.trim();
        if line == "exit" {
            break;
        }
        if line.is_empty() {
            continue;
        }
        let Some(expr) = parse(&mut loaded.config, line) else {
            ui.err(&format!("Error: \"{line}\" is not an expression\n"));
            continue;
        };
        match super::evaluate_expression(wd, &backend, &loaded, &state, &expr) {
            Ok(value) => ui.out(&format!("{}\n", shown(&value))),
            Err(error) => ui.diagnostic(&error),
        }
    }
    Ok(())
}

/// Parses one line as an expression, registered as a source of its own so that errors
/// point into it.
fn parse(config: &mut crate::config::Config, line: &str) -> Option<Expr> {
    let expr: hcl_edit::expr::Expression = line.parse().ok()?;
    let file = Arc::make_mut(&mut config.sources).add("<console>".into(), line.to_owned());
    Some(Expr { expr, file })
}

/// A value as `console` prints it: unknown and sensitive values by name, not content.
fn shown(value: &Value) -> String {
    if value.contains_sensitive() {
        return "(sensitive value)".into();
    }
    if !value.is_wholly_known() {
        return "(known after apply)".into();
    }
    render::apply::output_value(value, false).unwrap_or_default()
}
