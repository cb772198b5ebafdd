//! Read-only commands: `show`, `output`, `state list`, `state show`, `graph`.

use std::path::Path;

use super::{CommonOptions, Loaded, Ui, Workdir, display_outputs, evaluate, load};
use crate::addr::ResourceAddr;
use crate::config;
use crate::error::{Error, Result};
use crate::eval::DesiredState;
use crate::graph::ResourceGraph;
use crate::plan::SavedPlan;
use crate::render;
use crate::state::State;

pub(super) fn read_state(wd: &Workdir, state_flag: Option<&Path>) -> Result<State> {
    let config = config::load_dir(&wd.dir).ok();
    Ok(wd.store(state_flag, config.as_ref())?.read()?)
}

/// `show [-json] [PLANFILE]`.
pub fn show(
    ui: &Ui,
    wd: &Workdir,
    json: bool,
    plan_file: Option<&Path>,
    state_flag: Option<&Path>,
) -> Result<()> {
    if let Some(file) = plan_file {
        let saved = SavedPlan::read(&wd.dir.join(file))?;
        if json {
            ui.out(&format!("{}\n", render::json::plan_document(&saved.plan)));
        } else {
            ui.out(&render::plan::plan_text(&saved.plan, ui.painter));
        }
        return Ok(());
    }
    let state = read_state(wd, state_flag)?;
    if json {
        ui.out(&format!("{}\n", render::json::state_document(&state)));
        return Ok(());
    }
    if state.resources.is_empty() && state.outputs.is_empty() {
        ui.out("The state file is empty. No resources are represented.\n");
        return Ok(());
    }
    for (addr, r) in &state.resources {
        ui.out(&render::plan::resource_text(
            addr,
            &r.attributes,
            &r.sensitive_attributes,
            ui.painter,
        ));
        ui.out("\n");
    }
    if !state.outputs.is_empty() {
        ui.out("\nOutputs:\n\n");
        ui.out(&render::apply::outputs_listing(&display_outputs(&state)));
    }
    Ok(())
}

/// `output [-json] [-raw] [NAME]`.
pub fn output(
    ui: &Ui,
    wd: &Workdir,
    name: Option<&str>,
    json: bool,
    raw: bool,
    state_flag: Option<&Path>,
) -> Result<()> {
    let state = read_state(wd, state_flag)?;
    let outputs = display_outputs(&state);
    match name {
        Some(name) => {
            let Some((value, _)) = outputs.get(name) else {
                return Err(Error::Usage(format!(
                    "Output \"{name}\" not found: the state has no output of that name; apply the configuration first, or check the name"
                )));
            };
            if json {
                ui.out(&format!("{}\n", value.to_json()));
            } else {
                let text = render::apply::output_value(value, raw)
                    .ok_or_else(|| Error::Usage(format!("Output \"{name}\" is not a string, number or bool, so -raw cannot print it; use -json")))?;
                ui.out(&if raw { text } else { format!("{text}\n") });
            }
        }
        None if json => {
            let doc: serde_json::Map<String, serde_json::Value> = state
                .outputs
                .iter()
                .map(|(k, o)| {
                    (
                        k.clone(),
                        serde_json::json!({"sensitive": o.sensitive, "value": o.value}),
                    )
                })
                .collect();
            ui.out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).expect("outputs serialise")
            ));
        }
        None => {
            if outputs.is_empty() {
                ui.err("Warning: No outputs found\n\nThe state has no outputs. Apply a configuration with output blocks first.\n");
            }
            ui.out(&render::apply::outputs_listing(&outputs));
        }
    }
    Ok(())
}

/// `state list`.
pub fn state_list(ui: &Ui, wd: &Workdir, state_flag: Option<&Path>) -> Result<()> {
    let state = read_state(wd, state_flag)?;
    for addr in state.resources.keys() {
        ui.out(&format!("{addr}\n"));
    }
    Ok(())
}

/// `state show ADDR`.
pub fn state_show(ui: &Ui, wd: &Workdir, addr: &str, state_flag: Option<&Path>) -> Result<()> {
    let parsed: ResourceAddr = addr
        .parse()
        .map_err(|e: crate::addr::AddrParseError| Error::Usage(e.to_string()))?;
    let state = read_state(wd, state_flag)?;
    let r = state
        .resources
        .get(&parsed)
        .ok_or_else(|| Error::Usage(format!("No instance found for the given address: {addr} is not in the state (see vnetform state list)")))?;
    ui.out(&render::plan::resource_text(
        &parsed,
        &r.attributes,
        &r.sensitive_attributes,
        ui.painter,
    ));
    Ok(())
}

/// `reach [-json] [-state[=PATH]]`: the networks the configuration's end state (or, with
/// `from_state`, the current state) joins.
pub fn reach(
    ui: &Ui,
    wd: &Workdir,
    common: &CommonOptions,
    json: bool,
    from_state: bool,
) -> Result<()> {
    let (loaded, state) = load_with_state(ui, wd, common)?;
    let reachability = if from_state {
        crate::rules::reach::of_state(&state)
    } else {
        crate::rules::reach::of_desired(&evaluate_recorded(wd, &loaded, &state)?)
    };
    if json {
        ui.out(&format!("{}\n", render::reach::json(&reachability)));
    } else {
        ui.out(&render::reach::text(&reachability));
    }
    Ok(())
}

/// What `graph` draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphType {
    /// The dependencies between resources (the default).
    Resources,
    /// The operations of a plan made now, or (`Apply` with a plan file) of a saved plan.
    Plan,
    Apply,
    /// The network: VNets, gateways, sites and the links between them.
    Topology,
}

/// `graph [-type=plan|apply|topology] [-format=dot|svg] [-plan=FILE]`.
pub fn graph(
    ui: &Ui,
    wd: &Workdir,
    common: &CommonOptions,
    kind: GraphType,
    svg: bool,
    plan_file: Option<&Path>,
) -> Result<()> {
    if svg && kind != GraphType::Topology {
        return Err(Error::Usage(
            "-format=svg draws the topology: use it with -type=topology".into(),
        ));
    }
    match (kind, plan_file) {
        (GraphType::Apply, Some(file)) | (GraphType::Plan, Some(file)) => {
            let saved = SavedPlan::read(&wd.dir.join(file))?;
            ui.out(&render::plan::operations_dot(&saved.plan));
        }
        (GraphType::Plan | GraphType::Apply, None) => {
            let request = super::plan::PlanRequest::default();
            let prepared = super::plan::prepare(ui, wd, common, &request, "Graph", true)?;
            ui.out(&render::plan::operations_dot(&prepared.plan));
        }
        (GraphType::Topology, _) => {
            let (loaded, state) = load_with_state(ui, wd, common)?;
            let desired = evaluate_recorded(wd, &loaded, &state)?;
            let objects = desired
                .resources
                .iter()
                .map(|(a, r)| (a, &*r.planned.value));
            let picture = crate::rules::picture::picture(objects);
            ui.out(&if svg {
                render::topology::svg(&picture)
            } else {
                render::topology::dot(&picture)
            });
        }
        (GraphType::Resources, _) => {
            let (loaded, state) = load_with_state(ui, wd, common)?;
            let desired = evaluate_recorded(wd, &loaded, &state)?;
            let graph = ResourceGraph::build(&desired, &state)?;
            ui.out(&graph.to_dot());
        }
    }
    Ok(())
}

/// The configuration loaded and the state read (without a lock), for read-only commands.
fn load_with_state(ui: &Ui, wd: &Workdir, common: &CommonOptions) -> Result<(Loaded, State)> {
    let loaded = load(ui, wd, common)?;
    let state = wd
        .store(common.state_path.as_deref(), Some(&loaded.config))?
        .read()?;
    Ok((loaded, state))
}

/// The configuration evaluated against the state as recorded (no refresh).
fn evaluate_recorded(wd: &Workdir, loaded: &Loaded, state: &State) -> Result<DesiredState> {
    let backend = wd.backend()?;
    evaluate(
        wd,
        &backend,
        &loaded.config,
        &loaded.variables.values,
        state,
    )
}
