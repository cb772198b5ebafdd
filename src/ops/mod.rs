//! Operations: one function per command, running the phases in order.
//!
//! This is the only module that calls more than one phase: it loads configuration, resolves
//! variables, reads and locks state, refreshes through the backend, evaluates, builds the
//! graph, plans, applies and persists, passing values between phases and printing what
//! `render` formats. It holds no phase logic of its own.

mod apply;
mod console;
mod fmt;
mod import;
mod init;
mod inspect;
mod lab;
mod locks;
mod modules;
mod plan;
mod sim;
mod surgery;
mod validate;
mod workdir;
mod workspace;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use miette::Diagnostic;

pub use apply::{ApplyOptions, apply};
pub use console::console;
pub use fmt::{FmtOptions, fmt};
pub use import::{ImportError, import};
pub use init::{InitOptions, MigrateError, init};
pub use inspect::{GraphType, graph, output, reach, show, state_list, state_show};
pub use lab::{LabError, lab_check, lab_exec, lab_ping, lab_status};
pub use locks::{UnlockError, force_unlock, state_locks};
pub use plan::{PlanOptions, plan};
pub use sim::{sim_delete, sim_list, sim_set};
pub use surgery::{
    SurgeryError, SurgeryOptions, state_import_terraform, state_mv, state_pull, state_push,
    state_rm, taint,
};
pub use validate::validate;
pub use workdir::{Workdir, WorkdirError};
pub use workspace::{
    WorkspaceError, workspace_delete, workspace_list, workspace_new, workspace_select,
    workspace_show,
};

use crate::addr::ResourceAddr;
use crate::backend::Backend;
use crate::backend::retry::retrying;
use crate::config::{self, Config};
use crate::error::Result;
use crate::eval::vars::{self, VarInput, VariableValues};
use crate::eval::{self, DesiredState, value::Value};
use crate::render::{self, Painter};
use crate::state::{State, Store, StoreLock};

/// Where a command reads and writes: standard streams in the binary, buffers in tests.
pub struct Ui {
    pub painter: Painter,
    /// Whether questions may be asked (stdin is a terminal, or input was piped on purpose).
    pub interactive: bool,
    out: RefCell<Box<dyn Write>>,
    err: RefCell<Box<dyn Write>>,
    input: RefCell<Box<dyn BufRead>>,
}

impl Ui {
    pub fn new(
        painter: Painter,
        interactive: bool,
        out: Box<dyn Write>,
        err: Box<dyn Write>,
        input: Box<dyn BufRead>,
    ) -> Ui {
        Ui {
            painter,
            interactive,
            out: RefCell::new(out),
            err: RefCell::new(err),
            input: RefCell::new(input),
        }
    }

    /// Prints to standard output. A closed pipe is not an error worth reporting.
    pub fn out(&self, text: &str) {
        let mut out = self.out.borrow_mut();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    pub fn err(&self, text: &str) {
        let mut err = self.err.borrow_mut();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    }

    /// Prints every problem of a diagnostic to standard error.
    pub fn diagnostic(&self, d: &dyn Diagnostic) {
        self.err(&render::diagnostics::human(d, self.painter.color));
    }

    /// A UI that shows nothing and asks nothing (for steps whose progress is not wanted).
    pub fn silent(painter: Painter) -> Ui {
        Ui::new(
            painter,
            false,
            Box::new(std::io::sink()),
            Box::new(std::io::sink()),
            Box::new(std::io::empty()),
        )
    }

    /// Reads standard input to its end (`fmt -`).
    pub fn read_all(&self) -> String {
        let mut text = String::new();
        let _ = self.input.borrow_mut().read_to_string(&mut text);
        text
    }

    /// Asks a question and reads one line of answer.
    pub fn ask(&self, question: &str) -> Option<String> {
        self.out(question);
        let mut line = String::new();
        match self.input.borrow_mut().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_owned()),
        }
    }
}

/// Options shared by commands that read the configuration and state.
#[derive(Debug, Clone, Default)]
pub struct CommonOptions {
    pub vars: Vec<VarInput>,
    pub input: bool,
    pub lock: bool,
    pub lock_timeout: Duration,
    pub state_path: Option<PathBuf>,
    /// The bound on concurrent backend calls (refresh and apply).
    pub parallelism: usize,
}

/// A configuration with its variables resolved.
struct Loaded {
    config: Config,
    variables: VariableValues,
}

fn load(ui: &Ui, wd: &Workdir, opts: &CommonOptions) -> Result<Loaded> {
    let config = config::load_dir(&wd.dir)?;
    for warning in &config.warnings {
        ui.diagnostic(warning);
    }
    let interactive = ui.interactive && opts.input;
    let mut ask = |var: &config::VariableBlock| {
        let description = var
            .description
            .as_deref()
            .map(|d| format!("  {d}\n\n"))
            .unwrap_or_default();
        ui.ask(&format!("var.{}\n{description}  Enter a value: ", var.name))
    };
    let prompt: Option<vars::Prompt<'_>> = if interactive { Some(&mut ask) } else { None };
    let variables = vars::resolve(&config, &wd.dir, &opts.vars, &wd.env, prompt)?;
    for w in &variables.warnings {
        ui.diagnostic(w);
    }
    Ok(Loaded { config, variables })
}

/// The state store for this working directory, locked unless `-lock=false`.
fn open_state(
    wd: &Workdir,
    config: &Config,
    opts: &CommonOptions,
    operation: &str,
) -> Result<(Store, Option<StoreLock>)> {
    let store = wd.store(opts.state_path.as_deref(), Some(config))?;
    let guard = if opts.lock {
        Some(store.lock(operation, opts.lock_timeout)?)
    } else {
        None
    };
    Ok((store, guard))
}

fn evaluate(
    wd: &Workdir,
    backend: &Arc<dyn Backend>,
    config: &Config,
    variables: &BTreeMap<String, Value>,
    prior: &State,
) -> Result<DesiredState> {
    Ok(with_eval_request(
        wd,
        backend,
        config,
        variables,
        prior,
        eval::evaluate,
    )??)
}

/// Evaluates `expr` in the root module of the configuration (`console`, `import` ids).
fn evaluate_expression(
    wd: &Workdir,
    backend: &Arc<dyn Backend>,
    loaded: &Loaded,
    prior: &State,
    expr: &config::Expr,
) -> Result<Value> {
    let evaluate = |req: &eval::EvalRequest<'_>| eval::evaluate_in_root(req, expr);
    let (config, variables) = (&loaded.config, &loaded.variables.values);
    Ok(with_eval_request(
        wd, backend, config, variables, prior, evaluate,
    )??)
}

/// Runs `f` with the evaluation request of a planning command: the selected workspace, data
/// sources read from `backend`, `prior` as the state.
fn with_eval_request<T>(
    wd: &Workdir,
    backend: &Arc<dyn Backend>,
    config: &Config,
    variables: &BTreeMap<String, Value>,
    prior: &State,
    f: impl FnOnce(&eval::EvalRequest<'_>) -> T,
) -> Result<T> {
    let workspace = wd.workspace()?;
    let req = eval::EvalRequest {
        config,
        variables,
        prior: &prior.resources,
        workspace: &workspace,
        working_dir: &wd.dir,
        env: &wd.env,
        data: Some(&|query| read_now(backend, query)),
        validating: false,
        evaluate_once: false,
    };
    Ok(f(&req))
}

/// Runs the domain rules: warnings are printed, errors refuse the plan (all reported
/// together).
fn check_rules(
    ui: &Ui,
    desired: &DesiredState,
    config: &Config,
    state: &State,
    replace: &[ResourceAddr],
    end_state: &crate::rules::reach::Reachability,
) -> Result<()> {
    let existing: crate::rules::Existing = state
        .resources
        .iter()
        .filter(|(addr, _)| !replace.contains(addr))
        .map(|(addr, r)| (addr, &*r.attributes))
        .collect();
    let (errors, warnings): (Vec<_>, Vec<_>) =
        crate::rules::check(desired, config, &existing, end_state)
            .into_iter()
            .partition(crate::rules::is_error);
    // As Terraform consolidates warnings: the first of each rule, then how many more.
    let mut by_rule: BTreeMap<&str, Vec<&crate::rules::Finding>> = BTreeMap::new();
    for warning in &warnings {
        by_rule.entry(warning.rule.id).or_default().push(warning);
    }
    for similar in by_rule.values() {
        ui.diagnostic(similar[0]);
        if similar.len() > 1 {
            ui.err(&format!(
                "  (and {} more similar warnings elsewhere)\n\n",
                similar.len() - 1
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(crate::rules::BrokenRules { findings: errors }.into())
    }
}

/// One backend read, from synchronous code that may itself run inside the async runtime
/// (evaluation is synchronous, and apply re-evaluates while its runtime is running): the
/// read runs on a short-lived thread of its own.
fn read_now(
    backend: &Arc<dyn Backend>,
    query: eval::DataQuery<'_>,
) -> std::result::Result<Option<serde_json::Value>, String> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                let response = rt.block_on(async {
                    match query {
                        eval::DataQuery::Id { reads, id } => {
                            let req = crate::backend::ReadRequest {
                                resource_type: reads.to_owned(),
                                id: id.to_owned(),
                            };
                            backend.read(req).await
                        }
                        eval::DataQuery::Matching {
                            resource_type,
                            arguments,
                        } => {
                            let req = crate::backend::FindRequest {
                                resource_type: resource_type.to_owned(),
                                arguments: arguments.clone(),
                            };
                            backend.find(req).await
                        }
                    }
                });
                response.map(|r| r.attributes).map_err(|e| e.to_string())
            })
            .join()
            .unwrap_or_else(|_| Err("the read panicked".into()))
    })
}

/// Reads every resource in state back from the backend, at most `parallelism` at a time;
/// deleted objects drop out.
fn refresh(
    ui: &Ui,
    rt: &tokio::runtime::Runtime,
    backend: &Arc<dyn Backend>,
    state: &State,
    parallelism: usize,
) -> Result<State> {
    let mut requests = Vec::new();
    for (addr, resource) in &state.resources {
        let id = crate::model::recorded_id(&resource.attributes)
            .unwrap_or_default()
            .to_owned();
        ui.out(&format!(
            "{}: Refreshing state... [id={id}]\n",
            ui.painter.bold(&addr.to_string())
        ));
        requests.push((
            addr.clone(),
            crate::backend::ReadRequest {
                resource_type: addr.resource_type.to_string(),
                id,
            },
        ));
    }
    // An object that has not changed keeps the recorded attributes: the state refreshed
    // shares them with the state recorded rather than holding a second copy.
    let unchanged_or_new =
        |addr: &ResourceAddr, object: serde_json::Value| match state.resources.get(addr) {
            Some(recorded) if recorded.attributes.same_as_json(&object) => {
                Arc::clone(&recorded.attributes)
            }
            _ => Arc::new(object.into()),
        };
    let mut read: BTreeMap<ResourceAddr, Option<Arc<Value>>> = rt
        .block_on(read_each(
            backend,
            requests,
            parallelism.max(1),
            unchanged_or_new,
        ))?
        .into_iter()
        .collect();
    let resources = state
        .resources
        .iter()
        .filter_map(|(addr, recorded)| {
            let attributes = read.remove(addr)?;
            let resource = crate::state::ResourceState {
                attributes: attributes?,
                sensitive_attributes: recorded.sensitive_attributes.clone(),
                dependencies: recorded.dependencies.clone(),
                tainted: recorded.tainted,
                create_before_destroy: recorded.create_before_destroy,
            };
            Some((addr.clone(), resource))
        })
        .collect();
    Ok(State {
        lineage: state.lineage.clone(),
        serial: state.serial,
        resources,
        outputs: state.outputs.clone(),
    })
}

/// Frees large structures (a plan, a configuration, a state of thousands of objects) on another
/// thread: freeing them takes a tenth of a run, and the process need not wait for it.
fn free_in_background<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}

/// Names the selected workspace above a plan, unless it is `default`.
fn announce_workspace(ui: &Ui, wd: &Workdir) -> Result<()> {
    let workspace = wd.workspace()?;
    if workspace != workdir::DEFAULT_WORKSPACE {
        ui.out(&format!("\nWorkspace: {}\n", ui.painter.bold(&workspace)));
    }
    Ok(())
}

/// An object found in the cloud (imported, or left by a killed run), as state records it:
/// the attributes its schema marks sensitive marked so.
fn adopted(
    addr: &ResourceAddr,
    attributes: serde_json::Value,
    dependencies: Vec<ResourceAddr>,
) -> crate::state::ResourceState {
    crate::state::ResourceState {
        sensitive_attributes: crate::apply::sensitive_attributes(addr, &attributes, None),
        attributes: Arc::new(attributes.into()),
        dependencies,
        tainted: false,
        create_before_destroy: false,
    }
}

/// Records in `state` the objects that creates announced by a killed run left in the cloud
/// (the run died before it heard back), so that nothing is created twice or left unknown.
fn reconcile(
    ui: &Ui,
    rt: &tokio::runtime::Runtime,
    backend: &Arc<dyn Backend>,
    state: &mut State,
    unconfirmed: &[crate::state::Unconfirmed],
    parallelism: usize,
) -> Result<()> {
    if unconfirmed.is_empty() {
        return Ok(());
    }
    let requests = unconfirmed
        .iter()
        .map(|u| {
            let read = crate::backend::ReadRequest {
                resource_type: u.addr.resource_type.to_string(),
                id: u.id.clone(),
            };
            (u.addr.clone(), read)
        })
        .collect();
    // Reads finish in any order: results are matched by address.
    let mut found: BTreeMap<ResourceAddr, Option<serde_json::Value>> = rt
        .block_on(read_all(backend, requests, parallelism.max(1)))?
        .into_iter()
        .collect();
    for unconfirmed in unconfirmed {
        let Some(attributes) = found.remove(&unconfirmed.addr).flatten() else {
            continue;
        };
        ui.out(&format!(
            "{}: Found in the cloud after an interrupted apply [id={}]\n",
            ui.painter.bold(&unconfirmed.addr.to_string()),
            unconfirmed.id
        ));
        let resource = adopted(
            &unconfirmed.addr,
            attributes,
            unconfirmed.dependencies.clone(),
        );
        state.resources.insert(unconfirmed.addr.clone(), resource);
    }
    Ok(())
}

/// Reads objects, at most `parallelism` at once, retrying transient faults; the results come
/// in the order the reads finish, each with its address.
async fn read_all(
    backend: &Arc<dyn Backend>,
    requests: Vec<(ResourceAddr, crate::backend::ReadRequest)>,
    parallelism: usize,
) -> Result<Vec<(ResourceAddr, Option<serde_json::Value>)>, crate::backend::BackendError> {
    read_each(backend, requests, parallelism, |_, object| object).await
}

/// [`read_all`], keeping of each object found what `keep` makes of it as soon as it arrives.
async fn read_each<T>(
    backend: &Arc<dyn Backend>,
    requests: Vec<(ResourceAddr, crate::backend::ReadRequest)>,
    parallelism: usize,
    keep: impl Fn(&ResourceAddr, serde_json::Value) -> T,
) -> Result<Vec<(ResourceAddr, Option<T>)>, crate::backend::BackendError> {
    let mut pending = requests.into_iter();
    let mut running = tokio::task::JoinSet::new();
    let mut out = Vec::new();
    loop {
        while running.len() < parallelism {
            let Some((addr, req)) = pending.next() else {
                break;
            };
            let backend = Arc::clone(backend);
            running.spawn(async move {
                let read = || backend.read(req.clone());
                (addr, retrying(backend.time_scale(), read).await.0)
            });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (addr, response) = joined.expect("backend reads do not panic");
        let kept = response?.attributes.map(|object| keep(&addr, object));
        out.push((addr, kept));
    }
    Ok(out)
}

/// Refuses resource types the chosen backend cannot create.
fn check_modelled(backend: &dyn Backend, desired: &DesiredState) -> Result<()> {
    let missing: std::collections::BTreeSet<&str> = desired
        .resources
        .keys()
        .filter(|a| a.mode == crate::addr::Mode::Managed)
        .map(|a| a.resource_type.as_str())
        .filter(|t| !backend.models(t))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let types = missing.into_iter().collect::<Vec<_>>().join(", ");
    Err(WorkdirError::Unmodelled {
        backend: backend.name().to_owned(),
        types,
    }
    .into())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the async runtime starts")
}

/// A digest of the configuration's files, recorded in saved plans (files assembled from
/// them add nothing): the name-based UUID of every file's name and text, each followed by a
/// NUL, hashed as they are rather than copied into one text.
fn config_digest(config: &Config) -> String {
    let mut sha1 = sha1_smol::Sha1::new();
    sha1.update(uuid::Uuid::NAMESPACE_OID.as_bytes());
    for f in config.sources.files().iter().filter(|f| !f.is_assembled()) {
        for part in [f.name.as_bytes(), b"\0", f.text.as_bytes(), b"\0"] {
            sha1.update(part);
        }
    }
    let hash: [u8; 16] = sha1.digest().bytes()[..16]
        .try_into()
        .expect("a SHA-1 digest is 20 bytes");
    uuid::Builder::from_sha1_bytes(hash).into_uuid().to_string()
}

/// The outputs as state records them: known values only, marks dropped.
fn state_outputs(desired: &DesiredState) -> BTreeMap<String, crate::state::StateOutput> {
    desired
        .outputs
        .iter()
        .filter(|(_, o)| o.value.is_wholly_known())
        .map(|(k, o)| (k.clone(), state_output(&o.value, o.sensitive)))
        .collect()
}

/// One output as state records it.
fn state_output(value: &Value, declared_sensitive: bool) -> crate::state::StateOutput {
    crate::state::StateOutput {
        value: value.to_json(),
        sensitive: declared_sensitive || value.contains_sensitive(),
    }
}

/// Outputs for display: (value, sensitive).
fn display_outputs(state: &State) -> BTreeMap<String, (Value, bool)> {
    state
        .outputs
        .iter()
        .map(|(k, o)| (k.clone(), (Value::from(o.value.clone()), o.sensitive)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_digest_is_the_name_based_uuid_of_the_files_names_and_texts() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            (
                "main.tf",
                "resource \"azurerm_resource_group\" \"rg\" {\n  name     = \"rg\"\n  location = \"westeurope\"\n}\n",
            ),
            ("variables.tf", "variable \"x\" {\n  default = 1\n}\n"),
        ];
        let mut named = String::new();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
            named.push_str(&format!("{name}\0{text}\0"));
        }
        let config = config::load_dir(dir.path()).unwrap();
        // Saved plans record it: a plan saved by an earlier version stays valid.
        let expected = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, named.as_bytes());
        assert_eq!(config_digest(&config), expected.to_string());
    }
}
