//! The top-level error: one variant per phase, each phase's own error carried through with
//! its diagnostics intact. Every error exits with status 1.

use miette::Diagnostic;

use crate::backend::BackendError;
use crate::config::ConfigErrors;
use crate::eval::EvalErrors;
use crate::eval::vars::VarsError;
use crate::graph::CycleError;
use crate::plan::SavedPlanError;
use crate::state::StateError;

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] ConfigErrors),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Vars(#[from] VarsError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Eval(#[from] EvalErrors),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Graph(#[from] CycleError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    SavedPlan(#[from] SavedPlanError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Backend(#[from] BackendError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Workdir(#[from] crate::ops::WorkdirError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Surgery(#[from] crate::ops::SurgeryError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Import(#[from] crate::ops::ImportError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Workspace(#[from] crate::ops::WorkspaceError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Migrate(#[from] crate::ops::MigrateError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Unlock(#[from] crate::ops::UnlockError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Lab(#[from] crate::ops::LabError),
    #[error("{count} operation(s) failed")]
    #[diagnostic(code(apply::failed))]
    ApplyFailed {
        count: usize,
        #[related]
        failures: Vec<ResourceFailure>,
    },
    #[error("Apply interrupted: {not_started} operation(s) not started")]
    #[diagnostic(
        code(apply::interrupted),
        help("everything that completed is in the state; run apply again to finish")
    )]
    Interrupted { not_started: usize },
    #[error("{count} resource(s) cannot be destroyed")]
    #[diagnostic(code(plan::prevent_destroy))]
    PreventDestroy {
        count: usize,
        #[related]
        problems: Vec<crate::plan::PreventDestroyError>,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Move(#[from] crate::plan::InvalidMove),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Rules(#[from] crate::rules::BrokenRules),
    #[error("{0}")]
    #[diagnostic(code(cli::usage))]
    Usage(String),
    #[error("{what} cancelled.")]
    #[diagnostic(code(cli::cancelled))]
    Cancelled { what: &'static str },
}

/// One resource whose backend operation failed.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{addr}: {error}")]
#[diagnostic(code(apply::resource_failed))]
pub struct ResourceFailure {
    pub addr: String,
    pub error: BackendError,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
