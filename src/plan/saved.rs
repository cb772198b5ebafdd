//! Saved plan files (`plan -out=FILE`): the plan plus what is needed to apply it faithfully.
//!
//! The file holds variable values, secrets included, so it is written with mode 0600.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Plan;
use crate::eval::value::Value;

const FORMAT: &str = "vnetform-plan-2";

/// A plan saved for a later `apply PLANFILE`.
#[derive(Debug, Deserialize)]
pub struct SavedPlan {
    pub format: String,
    pub version: String,
    pub plan: Plan,
    /// The variable values the plan was made with.
    pub variables: BTreeMap<String, Value>,
    /// A digest of the configuration files, so a changed configuration is noticed.
    pub config_digest: String,
}

/// Why a saved plan cannot be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SavedPlanError {
    #[error("Failed to read plan file {path}: {source}")]
    #[diagnostic(code(plan::read))]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("Failed to write plan file {path}: {source}")]
    #[diagnostic(code(plan::write))]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a vnetform plan file: {reason}")]
    #[diagnostic(code(plan::format))]
    Format { path: String, reason: String },
    #[error("Saved plan is stale")]
    #[diagnostic(
        code(plan::stale),
        help(
            "the state was changed by another operation after the plan was created (plan: serial {plan_serial}, state: serial {state_serial}); create a new plan"
        )
    )]
    Stale { plan_serial: u64, state_serial: u64 },
    #[error("Saved plan does not match the given state")]
    #[diagnostic(
        code(plan::lineage),
        help("the plan was made for a different state (lineage {plan}, state has {state})")
    )]
    Lineage { plan: String, state: String },
    #[error("The configuration changed after the plan was saved")]
    #[diagnostic(
        code(plan::config_changed),
        help("create a new plan from the current configuration")
    )]
    ConfigChanged,
}

impl SavedPlan {
    /// Writes `plan`, made with `variables` from configuration files of `config_digest`, as
    /// a saved plan (serialised from borrowed parts: a plan can be tens of megabytes).
    pub fn write(
        path: &Path,
        plan: &Plan,
        variables: &BTreeMap<String, Value>,
        config_digest: &str,
    ) -> Result<(), SavedPlanError> {
        #[derive(Serialize)]
        struct Parts<'a> {
            format: &'a str,
            version: &'a str,
            plan: &'a Plan,
            variables: &'a BTreeMap<String, Value>,
            config_digest: &'a str,
        }
        let parts = Parts {
            format: FORMAT,
            version: env!("CARGO_PKG_VERSION"),
            plan,
            variables,
            config_digest,
        };
        crate::state::atomic_write_with(path, |file| {
            serde_json::to_writer(file, &parts).map_err(std::io::Error::from)
        })
        .map_err(|source| SavedPlanError::Write {
            path: path.display().to_string(),
            source,
        })
    }

    pub fn read(path: &Path) -> Result<SavedPlan, SavedPlanError> {
        let text = std::fs::read_to_string(path).map_err(|source| SavedPlanError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let saved: SavedPlan = serde_json::from_str(&text).map_err(|e| SavedPlanError::Format {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        if saved.format != FORMAT {
            return Err(SavedPlanError::Format {
                path: path.display().to_string(),
                reason: format!("format {}", saved.format),
            });
        }
        Ok(saved)
    }

    /// Refuses a plan made from another state, or from this state before it moved on.
    pub fn check_current(
        &self,
        lineage: &str,
        serial: u64,
        config_digest: &str,
    ) -> Result<(), SavedPlanError> {
        let was_empty = self.plan.serial == 0;
        if !was_empty && self.plan.lineage != lineage {
            return Err(SavedPlanError::Lineage {
                plan: self.plan.lineage.clone(),
                state: lineage.to_owned(),
            });
        }
        if self.plan.serial != serial {
            return Err(SavedPlanError::Stale {
                plan_serial: self.plan.serial,
                state_serial: serial,
            });
        }
        if self.config_digest != config_digest {
            return Err(SavedPlanError::ConfigChanged);
        }
        Ok(())
    }
}
