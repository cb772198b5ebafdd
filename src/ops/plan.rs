//! `vnetform plan`, and the preparation plan, apply and destroy share.

use std::path::PathBuf;
use std::sync::Arc;

use super::{
    CommonOptions, Loaded, Ui, Workdir, config_digest, load, open_state, refresh, runtime,
};
use crate::addr::{ResourceAddr, Target};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::eval::{self, EvalRequest};
use crate::graph::ResourceGraph;
use crate::plan::{self, Plan, SavedPlan};
use crate::render;
use crate::rules::reach;
use crate::state::{State, Store, StoreLock};

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub common: CommonOptions,
    pub out: Option<PathBuf>,
    pub destroy: bool,
    pub detailed_exitcode: bool,
    pub json: bool,
    pub refresh: bool,
    /// `-replace=ADDRESS`: instances to replace although nothing forces it.
    pub replace: Vec<ResourceAddr>,
    /// `-refresh-only`: show what changed outside vnetform, and nothing else.
    pub refresh_only: bool,
    /// `-target=ADDRESS`: plan only these and what they need.
    pub targets: Vec<Target>,
    /// `-generate-config-out=FILE`: write resource blocks for import blocks that lack one.
    pub generate_config_out: Option<PathBuf>,
}

/// Everything a plan was made from, kept for apply.
pub(super) struct Prepared {
    pub loaded: Loaded,
    pub store: Store,
    pub _guard: Option<StoreLock>,
    /// The refreshed prior state.
    pub state: State,
    pub plan: Plan,
    pub backend: Arc<dyn Backend>,
    pub rt: tokio::runtime::Runtime,
}

/// What a plan is asked for, beyond the options every command shares (the default: a plan
/// of the configuration against the recorded state, without refresh, destroy, replacements
/// or targets).
#[derive(Default)]
pub(super) struct PlanRequest<'r> {
    pub destroy: bool,
    /// Read every resource back from the backend first.
    pub refresh: bool,
    /// Instances to replace although nothing forces it.
    pub replace: &'r [ResourceAddr],
    /// Only record what changed outside vnetform.
    pub refresh_only: bool,
    /// `-target`: plan only these and what they need.
    pub targets: &'r [Target],
    /// Nothing evaluates the configuration after this plan (the `plan` command; an apply
    /// may plan objects again as it creates them).
    pub evaluate_once: bool,
}

/// Loads, locks, refreshes, evaluates and diffs.
pub(super) fn prepare(
    ui: &Ui,
    wd: &Workdir,
    common: &CommonOptions,
    request: &PlanRequest<'_>,
    operation: &str,
    quiet: bool,
) -> Result<Prepared> {
    let PlanRequest {
        destroy,
        refresh: refresh_state,
        replace,
        refresh_only,
        targets,
        evaluate_once,
    } = *request;
    check_refresh_only(refresh_only, destroy, refresh_state, replace)?;
    if !targets.is_empty() {
        ui.diagnostic(&TargetingWarning);
    }
    let loaded = load(ui, wd, common)?;
    let backend = wd.backend()?;
    let (mut store, guard) = open_state(wd, &loaded.config, common, operation)?;
    let mut recorded = store.read()?;
    let rt = runtime();
    super::reconcile(
        ui,
        &rt,
        &backend,
        &mut recorded,
        store.unconfirmed(),
        common.parallelism,
    )?;
    let moves = loaded.config.root.moves.clone();
    let moved = apply_config_moves(&loaded.config, &moves, &mut recorded)?;
    let (mut state, drift) = if refresh_state {
        let quiet_ui = quiet.then(|| Ui::silent(ui.painter));
        let refresh_ui = quiet_ui.as_ref().unwrap_or(ui);
        refreshed(refresh_ui, &rt, &backend, recorded, common.parallelism)?
    } else {
        (recorded, Vec::new())
    };
    if refresh_only {
        return Ok(Prepared {
            plan: plan::Plan::refresh_only(drift, &state),
            loaded,
            store,
            _guard: guard,
            state,
            backend,
            rt,
        });
    }
    let imports = super::import::read_import_blocks(
        ui,
        wd,
        &rt,
        &backend,
        &loaded,
        &mut state,
        common.parallelism,
    )?;
    let mut desired = super::with_eval_request(
        wd,
        &backend,
        &loaded.config,
        &loaded.variables.values,
        &without_replaced(&state, replace),
        |req| {
            eval::evaluate(&EvalRequest {
                evaluate_once,
                ..*req
            })
        },
    )??;
    super::check_modelled(backend.as_ref(), &desired)?;
    for warning in desired.take_warnings() {
        ui.diagnostic(&warning);
    }
    // The dependency graph is built on the second core while the end state and the rules
    // are worked out.
    let (graph, rules, end_state) = std::thread::scope(|scope| {
        let graph = scope.spawn(|| ResourceGraph::build(&desired, &state));
        // What the network will join once the plan is applied: nothing after a destroy.
        let end_state = if destroy {
            reach::Reachability::default()
        } else {
            reach::of_desired(&desired)
        };
        let rules = if destroy {
            Ok(())
        } else {
            super::check_rules(ui, &desired, &loaded.config, &state, replace, &end_state)
        };
        (
            graph.join().expect("building the graph does not panic"),
            rules,
            end_state,
        )
    });
    rules?;
    let graph = graph?;
    let mut plan = plan::diff(&desired, &state, &graph, destroy, replace, targets);
    plan.drift = drift;
    mark_imports(&mut plan, imports, &desired)?;
    for change in &mut plan.changes {
        change.moved_from = moved.get(&change.addr).cloned();
    }
    plan.moves = moves;
    // What the network joins after a partial apply is not the configuration's end state.
    if targets.is_empty() {
        plan.reachability = reach::change(&reach::of_state(&state), &end_state);
    }
    refuse_protected_destroys(&plan, &desired, &loaded.config)?;
    Ok(Prepared {
        loaded,
        store,
        _guard: guard,
        state,
        plan,
        backend,
        rt,
    })
}

/// The state as the backend holds it now, and what changed outside vnetform, taken as soon as
/// the state is refreshed so that the recorded state need not be kept.
fn refreshed(
    ui: &Ui,
    rt: &tokio::runtime::Runtime,
    backend: &Arc<dyn Backend>,
    recorded: State,
    parallelism: usize,
) -> Result<(State, Vec<plan::Drift>)> {
    let refreshed = refresh(ui, rt, backend, &recorded, parallelism)?;
    let drift = plan::detect_drift(&recorded, &refreshed);
    Ok((refreshed, drift))
}

/// Marks the changes of the objects `import` blocks adopt; each must have a resource block.
fn mark_imports(
    plan: &mut Plan,
    imports: std::collections::BTreeMap<ResourceAddr, String>,
    desired: &crate::eval::DesiredState,
) -> Result<()> {
    for (addr, id) in imports {
        let change = plan.changes.iter_mut().find(|c| c.addr == addr);
        match change.filter(|_| desired.resources.contains_key(&addr)) {
            Some(change) => change.importing = Some(id),
            None => return Err(super::ImportError::NoConfiguration(addr.to_string()).into()),
        }
    }
    Ok(())
}

/// Refuses a plan that destroys what `lifecycle { prevent_destroy = true }` protects, pointing
/// at each such resource block.
fn refuse_protected_destroys(
    plan: &Plan,
    desired: &crate::eval::DesiredState,
    config: &crate::config::Config,
) -> Result<()> {
    let protected: Vec<plan::PreventDestroyError> = plan::protected_destroys(plan, desired)
        .into_iter()
        .map(|change| {
            let at = config.sources.locate(desired.resources[&change.addr].span);
            plan::PreventDestroyError {
                addr: change.addr.clone(),
                src: at.src,
                span: at.span,
            }
        })
        .collect();
    if protected.is_empty() {
        return Ok(());
    }
    Err(Error::PreventDestroy {
        count: protected.len(),
        problems: protected,
    })
}

/// Renames objects in state per the `moved` blocks, pointing at the block that cannot be
/// carried out; returns each moved object's new address with its old one.
pub(super) fn apply_config_moves(
    config: &crate::config::Config,
    moves: &[crate::config::Move],
    state: &mut State,
) -> Result<std::collections::BTreeMap<crate::addr::ResourceAddr, crate::addr::ResourceAddr>> {
    plan::apply_moves(moves, state).map_err(|conflict| {
        let at = config.sources.locate(moves[conflict.index].span);
        plan::InvalidMove {
            reason: conflict.reason,
            src: at.src,
            span: at.span,
        }
        .into()
    })
}

/// Runs `plan`; returns the exit code (2 with `-detailed-exitcode` when there are changes).
pub fn plan(ui: &Ui, wd: &Workdir, opts: &PlanOptions) -> Result<i32> {
    if opts.refresh_only && opts.out.is_some() {
        return Err(Error::Usage(
            "A refresh-only plan cannot be saved: run \"vnetform apply -refresh-only\" to review and record the changes".into(),
        ));
    }
    if let Some(out) = &opts.generate_config_out {
        super::import::generate_config(ui, wd, &opts.common, out)?;
    }
    let prepared = match prepare(
        ui,
        wd,
        &opts.common,
        &PlanRequest {
            destroy: opts.destroy,
            refresh: opts.refresh,
            replace: &opts.replace,
            refresh_only: opts.refresh_only,
            targets: &opts.targets,
            evaluate_once: true,
        },
        "Plan",
        opts.json,
    ) {
        Ok(p) => p,
        Err(e) if opts.json => {
            ui.out(&render::json::plan_stream(
                None,
                &render::diagnostics::flatten(&e),
            ));
            return Ok(1);
        }
        Err(e) => return Err(e),
    };
    let plan = &prepared.plan;
    // The plan file is written on the second core while the plan is rendered.
    let save = |out: &PathBuf| {
        SavedPlan::write(
            &wd.dir.join(out),
            plan,
            &prepared.loaded.variables.values,
            &config_digest(&prepared.loaded.config),
        )
    };
    let (text, saved) = std::thread::scope(|scope| {
        let saved = opts.out.as_ref().map(|out| scope.spawn(|| save(out)));
        let text = if opts.json {
            render::json::plan_stream(Some(plan), &[])
        } else {
            render::plan::plan_text(plan, ui.painter)
        };
        let saved = saved.map(|s| s.join().expect("writing the plan does not panic"));
        (text, saved)
    });
    if !opts.json {
        super::announce_workspace(ui, wd)?;
    }
    ui.out(&text);
    if let (Some(out), Some(saved)) = (&opts.out, saved) {
        saved?;
        if !opts.json {
            let name = out.display();
            ui.out(&format!(
                "\n─────────────────────────────────────────────────────────────────────────────\n\nSaved the plan to: {name}\n\nTo perform exactly these actions, run the following command to apply:\n    vnetform apply \"{name}\"\n"
            ));
        }
    } else if !opts.json && plan.has_changes() {
        ui.out("\n─────────────────────────────────────────────────────────────────────────────\n\nNote: You didn't use the -out option to save this plan, so vnetform can't\nguarantee to take exactly these actions if you run \"vnetform apply\" now.\n");
    }
    let code = if opts.detailed_exitcode && plan.has_changes() {
        2
    } else {
        0
    };
    let Prepared {
        loaded,
        store,
        _guard,
        state,
        plan,
        backend,
        rt,
    } = prepared;
    drop(_guard);
    super::free_in_background((loaded, store, state, plan, backend, rt));
    Ok(code)
}

/// Terraform's warning that a targeted plan is partial.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("Resource targeting is in effect")]
#[diagnostic(
    code(plan::targeting),
    severity(Warning),
    help(
        "You are creating a plan with the -target option, which means that the result of this plan may not represent all of the changes requested by the current configuration. The -target option is not for routine use, and is provided only for exceptional situations such as recovering from errors or mistakes."
    )
)]
struct TargetingWarning;

/// Refuses `-refresh-only` with the flags that ask for changes (or for no refresh).
fn check_refresh_only(
    refresh_only: bool,
    destroy: bool,
    refresh: bool,
    replace: &[ResourceAddr],
) -> Result<()> {
    let clash = if !refresh_only {
        None
    } else if destroy {
        Some("-destroy")
    } else if !refresh {
        Some("-refresh=false")
    } else if !replace.is_empty() {
        Some("-replace")
    } else {
        None
    };
    match clash {
        Some(flag) => Err(Error::Usage(format!(
            "-refresh-only cannot be used with {flag}"
        ))),
        None => Ok(()),
    }
}

/// The state as evaluation should see it: an instance to be replaced on request is planned
/// as a new object (its computed attributes unknown again), as Terraform plans it.
fn without_replaced<'s>(state: &'s State, replace: &[ResourceAddr]) -> std::borrow::Cow<'s, State> {
    if replace.is_empty() {
        return std::borrow::Cow::Borrowed(state);
    }
    let mut fresh = state.clone();
    for addr in replace {
        fresh.resources.remove(addr);
    }
    std::borrow::Cow::Owned(fresh)
}
