//! `vnetform apply` and `vnetform destroy`.

use std::cell::{Cell, OnceCell};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::signal::unix::{Signal, SignalKind, signal};

use super::plan::{PlanRequest, prepare};
use super::{
    CommonOptions, Loaded, Ui, Workdir, config_digest, display_outputs, evaluate, open_state,
    runtime, state_output, state_outputs,
};
use crate::addr::ResourceAddr;
use crate::apply::{Event, Executor};
use crate::backend::Backend;
use crate::config::{self, Config};
use crate::error::{Error, ResourceFailure, Result};
use crate::eval::value::Value;
use crate::plan::{Plan, SavedPlan};
use crate::render;
use crate::state::{State, StateChange, StateOutput, Store};

#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    pub common: CommonOptions,
    pub auto_approve: bool,
    pub plan_file: Option<PathBuf>,
    pub destroy: bool,
    pub refresh: bool,
    /// `-replace=ADDRESS`: instances to replace although nothing forces it.
    pub replace: Vec<ResourceAddr>,
    /// `-refresh-only`: record what changed outside vnetform, change nothing.
    pub refresh_only: bool,
    /// `-target=ADDRESS`: apply only these and what they need.
    pub targets: Vec<crate::addr::Target>,
}

pub fn apply(ui: &Ui, wd: &Workdir, opts: &ApplyOptions) -> Result<()> {
    match &opts.plan_file {
        Some(file) => apply_saved(ui, wd, opts, file),
        None => apply_fresh(ui, wd, opts),
    }
}

fn apply_saved(ui: &Ui, wd: &Workdir, opts: &ApplyOptions, file: &std::path::Path) -> Result<()> {
    if !opts.common.vars.is_empty() {
        return Err(Error::Usage(
            "Can't set variables when applying a saved plan: the plan already holds the values it was made with".into(),
        ));
    }
    let saved = SavedPlan::read(&wd.dir.join(file))?;
    let config = config::load_dir(&wd.dir)?;
    let backend = wd.backend()?;
    let (mut store, _guard) = open_state(wd, &config, &opts.common, "Apply")?;
    let mut state = store.read()?;
    super::reconcile(
        ui,
        &runtime(),
        &backend,
        &mut state,
        store.unconfirmed(),
        opts.common.parallelism,
    )?;
    let digest = config_digest(&config);
    saved.check_current(&state.lineage, state.serial, &digest)?;
    super::plan::apply_config_moves(&config, &saved.plan.moves, &mut state)?;
    if state.serial == 0 {
        state.lineage = saved.plan.lineage.clone();
    }
    let run = Run {
        ui,
        wd,
        config: PlannedConfig::new(&wd.dir, config, digest, saved.plan.reevaluates()),
        variables: &saved.variables,
        backend,
        parallelism: opts.common.parallelism,
    };
    let result = run.execute(&mut store, state, &saved.plan);
    drop(_guard);
    let released = run.config;
    super::free_in_background((released, saved, store));
    result
}

fn apply_fresh(ui: &Ui, wd: &Workdir, opts: &ApplyOptions) -> Result<()> {
    let operation = if opts.destroy { "Destroy" } else { "Apply" };
    let prepared = prepare(
        ui,
        wd,
        &opts.common,
        &PlanRequest {
            destroy: opts.destroy,
            refresh: opts.refresh,
            replace: &opts.replace,
            refresh_only: opts.refresh_only,
            targets: &opts.targets,
            evaluate_once: false,
        },
        operation,
        false,
    )?;
    let mut store = prepared.store;
    let plan = &prepared.plan;
    super::announce_workspace(ui, wd)?;
    ui.out(&render::plan::plan_text(plan, ui.painter));
    // A refresh-only apply records the refreshed state and calls no backend.
    if !plan.has_changes() || plan.refresh_only {
        if plan.has_changes() && !opts.auto_approve {
            confirm(ui, opts)?;
        }
        let mut state = prepared.state;
        store.write(&mut state)?;
        let what = if opts.destroy { "Destroy" } else { "Apply" };
        let counts = if opts.destroy {
            "0 destroyed"
        } else {
            "0 added, 0 changed, 0 destroyed"
        };
        ui.out(&format!(
            "\n{}\n",
            ui.painter.bold(
                &ui.painter
                    .green(&format!("{what} complete! Resources: {counts}."))
            )
        ));
        print_outputs(ui, &state, opts.destroy);
        return Ok(());
    }
    if !opts.auto_approve {
        confirm(ui, opts)?;
    }
    let Loaded { config, variables } = prepared.loaded;
    let digest = config_digest(&config);
    let run = Run {
        ui,
        wd,
        config: PlannedConfig::new(&wd.dir, config, digest, plan.reevaluates()),
        variables: &variables.values,
        backend: prepared.backend,
        parallelism: opts.common.parallelism,
    };
    drop(prepared.rt);
    let result = run.execute(&mut store, prepared.state, plan);
    drop(prepared._guard);
    let released = run.config;
    super::free_in_background((released, variables, prepared.plan, store));
    result
}

fn confirm(ui: &Ui, opts: &ApplyOptions) -> Result<()> {
    let what = if opts.destroy { "Destroy" } else { "Apply" };
    if !opts.common.input {
        return Err(Error::Usage(format!(
            "{what} requires approval: run again with -auto-approve, or without -input=false"
        )));
    }
    let question = if opts.refresh_only {
        "\nWould you like to update the vnetform state to reflect these detected changes?\n  vnetform will write these changes to the state without modifying any real infrastructure.\n  There is no undo. Only 'yes' will be accepted to confirm.\n\n  Enter a value: "
    } else if opts.destroy {
        "\nDo you really want to destroy all resources?\n  vnetform will destroy all your managed infrastructure, as shown above.\n  There is no undo. Only 'yes' will be accepted to confirm.\n\n  Enter a value: "
    } else {
        "\nDo you want to perform these actions?\n  vnetform will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    };
    match ui.ask(question).as_deref() {
        Some("yes") => {
            ui.out("\n");
            Ok(())
        }
        _ => Err(Error::Cancelled { what }),
    }
}

/// The configuration while an apply carries a plan out. Its syntax tree is the largest thing
/// planning leaves behind, so unless objects must be planned again as they are created
/// (their arguments were unknown), it is released and loaded again only for outputs the plan
/// could not work out; files changed since the plan are then not used. (A `plan` run
/// releases each resource body as it evaluates it instead.)
struct PlannedConfig {
    dir: PathBuf,
    /// Identifies the files planned from (`config_digest`).
    digest: String,
    /// The names of the root module's outputs.
    outputs: BTreeSet<String>,
    again: OnceCell<Option<Config>>,
}

impl PlannedConfig {
    /// `config`, whose digest is `digest`: kept when `keep`, released (on another thread)
    /// otherwise.
    fn new(dir: &Path, config: Config, digest: String, keep: bool) -> PlannedConfig {
        let planned = PlannedConfig {
            dir: dir.to_owned(),
            digest,
            outputs: config.root.outputs.keys().cloned().collect(),
            again: OnceCell::new(),
        };
        if keep {
            planned.again.get_or_init(|| Some(config));
        } else {
            super::free_in_background(config);
        }
        planned
    }

    /// The configuration as it was planned, loaded again if it was released; `None` if it
    /// has changed since or can no longer be read.
    fn get(&self) -> Option<&Config> {
        self.again
            .get_or_init(|| {
                config::load_dir(&self.dir)
                    .ok()
                    .filter(|config| config_digest(config) == self.digest)
            })
            .as_ref()
    }
}

/// What executing a plan needs.
struct Run<'a> {
    ui: &'a Ui,
    wd: &'a Workdir,
    config: PlannedConfig,
    variables: &'a std::collections::BTreeMap<String, Value>,
    backend: Arc<dyn Backend>,
    parallelism: usize,
}

impl Run<'_> {
    fn execute(&self, store: &mut Store, state: State, plan: &Plan) -> Result<()> {
        let ui = self.ui;
        let finalize = |addrs: &[&ResourceAddr], now: &State| self.plan_again(addrs, now);
        let live = LiveStatus::new(plan);
        let on_event = |e: &Event| {
            live.clear();
            ui.out(&format!("{}\n", render::apply::event_line(e, ui.painter)));
            live.count(e);
        };
        // The journal holds only what happens from here on: start it from the state as
        // refreshed and planned against, with the objects the plan imports.
        let mut state = state;
        record_imports(plan, &mut state);
        store.write(&mut state)?;
        let mut persist = |s: &mut State, changes: &[StateChange]| store.append(s, changes);
        let stop = Arc::new(AtomicBool::new(false));
        let mut executor = Executor {
            backend: Arc::clone(&self.backend),
            parallelism: self.parallelism,
            finalize: &finalize,
            persist: &mut persist,
            on_event: &on_event,
            stop: Arc::clone(&stop),
        };
        let rt = runtime();
        // Listening before the first operation starts, so no interrupt kills the process.
        let sigint = rt.block_on(async { signal(SignalKind::interrupt()) });
        let interrupts = sigint.map(|sigint| rt.spawn(watch_interrupts(sigint, stop)));
        let outcome = rt.block_on(executor.run(plan, state));
        live.clear();
        if let Ok(watcher) = interrupts {
            watcher.abort();
        }
        let mut outcome = outcome?;
        let mut state = std::mem::take(&mut outcome.state);
        let complete = outcome.failures.is_empty() && outcome.not_started.is_empty();
        self.record_outputs(plan, &mut state, complete);
        store.write(&mut state)?;
        ui.out(&render::apply::summary(
            &outcome,
            plan.imports(),
            plan.destroy,
            ui.painter,
        ));
        if outcome.failures.is_empty() && !outcome.not_started.is_empty() {
            return Err(Error::Interrupted {
                not_started: outcome.not_started.len(),
            });
        }
        if !outcome.failures.is_empty() {
            let failures: Vec<ResourceFailure> = outcome
                .failures
                .iter()
                .map(|(addr, error)| ResourceFailure {
                    addr: addr.to_string(),
                    error: error.clone(),
                })
                .collect();
            return Err(Error::ApplyFailed {
                count: failures.len(),
                failures,
            });
        }
        print_outputs(ui, &state, plan.destroy);
        Ok(())
    }

    /// The objects at `addrs` planned again against the state as it is `now`, in one
    /// evaluation; none if the configuration cannot be evaluated (they keep their plans).
    fn plan_again(
        &self,
        addrs: &[&ResourceAddr],
        now: &State,
    ) -> BTreeMap<ResourceAddr, Arc<Value>> {
        let desired = self
            .config
            .get()
            .and_then(|config| evaluate(self.wd, &self.backend, config, self.variables, now).ok());
        let Some(mut desired) = desired else {
            return BTreeMap::new();
        };
        addrs
            .iter()
            .filter_map(|&addr| {
                let planned = desired.resources.remove(addr)?.planned.value;
                Some((addr.clone(), planned))
            })
            .collect()
    }

    /// Records the outputs in `state` after the apply: as planned when the plan knew them
    /// all and the apply completed, else evaluated against `state` (they may read what the
    /// apply assigned), unless the configuration changed since the plan.
    fn record_outputs(&self, plan: &Plan, state: &mut State, complete: bool) {
        if plan.destroy || self.config.outputs.is_empty() {
            state.outputs.clear();
        } else if complete && let Some(planned) = planned_outputs(plan, &self.config.outputs) {
            state.outputs = planned;
        } else if let Some(config) = self.config.get() {
            if let Ok(desired) = evaluate(self.wd, &self.backend, config, self.variables, state) {
                state.outputs = state_outputs(&desired);
            }
        } else {
            self.ui.diagnostic(&OutputsNotUpdated);
        }
    }
}

/// Outputs read what the apply assigned, but the files they are written in changed (or
/// can no longer be read) since the plan was made.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error(
    "Outputs not updated: the configuration has changed, or can no longer be read, since the plan was made"
)]
#[diagnostic(
    code(apply::outputs_not_updated),
    severity(Warning),
    help("Run `vnetform apply` again to record the outputs of the configuration as it is now.")
)]
struct OutputsNotUpdated;

/// The outputs as the plan worked them out, when every output of the configuration was
/// planned and known: a complete apply gives the objects the values planned for them, so
/// they stand as planned.
fn planned_outputs(plan: &Plan, names: &BTreeSet<String>) -> Option<BTreeMap<String, StateOutput>> {
    let mut planned = BTreeMap::new();
    for (name, change) in &plan.outputs {
        let Some(value) = &change.after else {
            continue;
        };
        if !value.is_wholly_known() {
            return None;
        }
        planned.insert(name.clone(), state_output(value, change.sensitive));
    }
    planned.keys().eq(names).then_some(planned)
}

/// Records the objects `import` blocks adopt, as the plan read them (a saved plan is applied
/// to the state as it was written, without them).
fn record_imports(plan: &Plan, state: &mut State) {
    for change in plan.changes.iter().filter(|c| c.importing.is_some()) {
        if state.resources.contains_key(&change.addr) {
            continue;
        }
        let Some(attributes) = change.before.clone() else {
            continue;
        };
        let resource = crate::state::ResourceState {
            attributes,
            sensitive_attributes: change.before_sensitive.clone(),
            dependencies: change.dependencies.clone(),
            tainted: false,
            create_before_destroy: change.create_before_destroy,
        };
        state.resources.insert(change.addr.clone(), resource);
    }
}

/// The overall progress line kept at the bottom of a terminal while an apply runs (never
/// drawn when stderr is not a terminal, so logs and pipes get plain lines only).
struct LiveStatus {
    enabled: bool,
    total: usize,
    running: Cell<usize>,
    done: Cell<usize>,
    failed: Cell<usize>,
}

impl LiveStatus {
    fn new(plan: &Plan) -> LiveStatus {
        LiveStatus {
            enabled: std::io::stderr().is_terminal(),
            total: plan.operations.len(),
            running: Cell::new(0),
            done: Cell::new(0),
            failed: Cell::new(0),
        }
    }

    fn count(&self, event: &Event) {
        let bump = |c: &Cell<usize>, by: isize| c.set(c.get().saturating_add_signed(by));
        match event {
            Event::Started { .. } => bump(&self.running, 1),
            Event::Completed { .. } => {
                bump(&self.running, -1);
                bump(&self.done, 1);
            }
            Event::Failed { .. } => {
                bump(&self.running, -1);
                bump(&self.failed, 1);
            }
            Event::Still { .. } => {}
        }
        self.draw();
    }

    fn draw(&self) {
        if self.enabled {
            let line = render::apply::progress_line(
                self.done.get(),
                self.total,
                self.running.get(),
                self.failed.get(),
            );
            let _ = std::io::stdout().flush();
            eprint!("\r{line}");
        }
    }

    fn clear(&self) {
        if self.enabled {
            eprint!("\r\x1b[K");
        }
    }
}

/// First interrupt (Ctrl-C, SIGINT): start nothing new, let what runs finish and be recorded.
/// Second: exit at once; every completed operation is already in the journal.
async fn watch_interrupts(mut sigint: Signal, stop: Arc<AtomicBool>) {
    if sigint.recv().await.is_none() {
        return;
    }
    stop.store(true, Ordering::Relaxed);
    eprintln!(
        "\nInterrupt received.\nPlease wait for vnetform to exit or data loss may occur.\nGracefully shutting down...\n"
    );
    if sigint.recv().await.is_some() {
        eprintln!(
            "\nTwo interrupts received. Exiting immediately: the state and its journal hold every completed operation."
        );
        std::process::exit(1);
    }
}

fn print_outputs(ui: &Ui, state: &State, destroy: bool) {
    if destroy || state.outputs.is_empty() {
        return;
    }
    ui.out(&format!(
        "\n{}\n\n",
        ui.painter.bold(&ui.painter.green("Outputs:"))
    ));
    ui.out(&render::apply::outputs_listing(&display_outputs(state)));
}
