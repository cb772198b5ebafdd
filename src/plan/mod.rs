//! Planning: the pure diff of the desired state against the (refreshed) prior state.
//!
//! Owns [`Plan`] — per-resource actions with before/after values and reasons, the
//! operations in execution order with the operations each must wait for, output changes,
//! and the lineage and serial of the state it was made from — and its saved-file form. It
//! never talks to a backend, never reads configuration files, and never formats output.

mod moves;
mod saved;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::addr::{InstanceKey, Mode, ResourceAddr, Target};
use crate::eval::value::Value;
use crate::eval::{DeferredRead, DesiredResource, DesiredState, OutputValue};
use crate::graph::ResourceGraph;
use crate::model::{self, Path};
use crate::state::{ResourceState, State};
pub use moves::{InvalidMove, MoveConflict, apply_moves};
pub use saved::{SavedPlan, SavedPlanError};

/// What happens to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    NoOp,
    Create,
    Update,
    DeleteThenCreate,
    CreateThenDelete,
    Delete,
    /// A data source read during apply, since its arguments are not known yet.
    Read,
}

impl Action {
    /// Terraform's plan symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::DeleteThenCreate => "-/+",
            Action::CreateThenDelete => "+/-",
            Action::Delete => "-",
            Action::Read => "<=",
        }
    }

    /// Terraform's JSON `actions` array.
    pub fn json_actions(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Create => &["create"],
            Action::Update => &["update"],
            Action::DeleteThenCreate => &["delete", "create"],
            Action::CreateThenDelete => &["create", "delete"],
            Action::Delete => &["delete"],
            Action::Read => &["read"],
        }
    }

    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }

    fn destroys(self) -> bool {
        self.is_replace() || self == Action::Delete
    }

    /// True for the actions that run in the apply step (a deferred read runs there too,
    /// as a marker dependents wait for; the read itself happens when they are evaluated).
    fn applies(self) -> bool {
        matches!(self, Action::Create | Action::Update | Action::Read) || self.is_replace()
    }
}

/// Why an action was chosen, when it is not simply "the configuration says so".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reason {
    /// Replaced because an argument that cannot be updated in place changed.
    CannotUpdate,
    Tainted,
    /// Replaced because an object its arguments name is replaced: Azure will not delete an
    /// object in use, so what uses it goes first and comes back after.
    DependencyReplaced,
    /// Replaced because `-replace=ADDRESS` asked for it.
    Requested,
    /// Deleted because its block left the configuration.
    NoResourceConfig,
    /// Deleted because the plan destroys everything.
    DestroyMode,
    /// Deleted because the module instance holding it left the configuration.
    NoModule,
    /// Deleted because its index is no longer below `count`.
    CountIndex,
    /// Deleted because its key is no longer in the `for_each` collection.
    EachKey,
    /// Deleted because the block switched between single and repeated instances.
    WrongRepetition,
    /// Read during apply because its arguments refer to values not yet known.
    ReadConfigUnknown,
    /// Read during apply because it depends on a resource with changes pending.
    ReadDependencyPending,
}

impl Reason {
    pub fn json(self) -> Option<&'static str> {
        match self {
            Reason::CannotUpdate | Reason::DependencyReplaced => {
                Some("replace_because_cannot_update")
            }
            Reason::Tainted => Some("replace_because_tainted"),
            Reason::Requested => Some("replace_by_request"),
            Reason::NoResourceConfig => Some("delete_because_no_resource_config"),
            Reason::NoModule => Some("delete_because_no_module"),
            Reason::CountIndex => Some("delete_because_count_index"),
            Reason::EachKey => Some("delete_because_each_key"),
            Reason::WrongRepetition => Some("delete_because_wrong_repetition"),
            Reason::ReadConfigUnknown => Some("read_because_config_unknown"),
            Reason::ReadDependencyPending => Some("read_because_dependency_pending"),
            Reason::DestroyMode => None,
        }
    }
}

/// The planned change of one resource.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResourceChange {
    pub addr: ResourceAddr,
    pub action: Action,
    pub reason: Option<Reason>,
    /// The prior object (refreshed), absent for a create.
    #[serde(with = "crate::eval::value::plain::option")]
    pub before: Option<Arc<Value>>,
    /// The planned object, absent for a delete.
    pub after: Option<Arc<Value>>,
    pub replace_paths: Vec<Path>,
    /// Top-level attributes of `before` that hold secrets.
    pub before_sensitive: Vec<String>,
    /// Everything this resource depends on, transitively (recorded in state after apply).
    pub dependencies: Vec<ResourceAddr>,
    /// The address the object had before a `moved` block renamed it.
    #[serde(default)]
    pub moved_from: Option<ResourceAddr>,
    /// The cloud id of an object an `import` block adopts (it is recorded as `before`).
    #[serde(default)]
    pub importing: Option<String>,
    pub create_before_destroy: bool,
    /// Its configuration holds values known only after apply: apply evaluates it again
    /// before creating or updating the object.
    #[serde(default)]
    pub config_unknown: bool,
}

/// Which half of a change an operation performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Step {
    /// Delete the prior object (a delete, or the first half of a replace).
    Destroy,
    /// Create or update the new object.
    Apply,
}

/// One backend operation in execution order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Operation {
    /// Index into [`Plan::changes`].
    pub change: usize,
    pub step: Step,
    /// Indexes of the operations that must succeed first.
    pub after: Vec<usize>,
}

/// An object that changed outside vnetform: recorded state versus what the backend holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Drift {
    pub addr: ResourceAddr,
    #[serde(with = "crate::eval::value::plain")]
    pub before: Arc<Value>,
    /// `None` when the object no longer exists.
    #[serde(with = "crate::eval::value::plain::option")]
    pub after: Option<Arc<Value>>,
    pub sensitive: Vec<String>,
}

/// Compares the state as recorded with the state as refreshed.
pub fn detect_drift(recorded: &State, refreshed: &State) -> Vec<Drift> {
    recorded
        .resources
        .iter()
        .filter_map(|(addr, r)| {
            let now = refreshed.resources.get(addr).map(|n| &n.attributes);
            let changed = match (now, model::schema(&addr.resource_type)) {
                (None, _) => true,
                // Refresh keeps the recorded object when it found it unchanged.
                (Some(now), _) if Arc::ptr_eq(now, &r.attributes) => false,
                (Some(now), Some(schema)) => model::arguments_differ(schema, now, &r.attributes),
                (Some(now), None) => *now != r.attributes,
            };
            changed.then(|| Drift {
                addr: addr.clone(),
                before: r.attributes.clone(),
                after: now.cloned(),
                sensitive: r.sensitive_attributes.clone(),
            })
        })
        .collect()
}

/// A root output's change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutputChange {
    pub before: Option<serde_json::Value>,
    pub after: Option<Value>,
    pub sensitive: bool,
}

impl OutputChange {
    pub fn is_change(&self) -> bool {
        match (&self.before, &self.after) {
            (None, None) => false,
            (Some(b), Some(a)) => model::differs(a, b),
            _ => true,
        }
    }
}

/// A complete plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    /// Every resource in configuration or state, in execution order (no-ops included).
    pub changes: Vec<ResourceChange>,
    pub operations: Vec<Operation>,
    pub outputs: BTreeMap<String, OutputChange>,
    pub destroy: bool,
    /// Objects that changed outside vnetform since the state was written.
    pub drift: Vec<Drift>,
    /// The `moved` blocks this plan carries out (the state is renamed before applying).
    #[serde(default)]
    pub moves: Vec<crate::config::Move>,
    /// Pairs of networks this plan connects or disconnects.
    #[serde(default)]
    pub reachability: crate::rules::reach::ReachabilityChange,
    /// The state this plan was made from; applying it to any other state is refused.
    pub lineage: String,
    pub serial: u64,
    /// Only records what changed outside vnetform (`-refresh-only`); changes nothing.
    #[serde(default)]
    pub refresh_only: bool,
}

impl Plan {
    /// A plan that records `drift` into the state and changes nothing (`-refresh-only`).
    pub fn refresh_only(drift: Vec<Drift>, state: &State) -> Plan {
        Plan {
            changes: Vec::new(),
            operations: Vec::new(),
            outputs: BTreeMap::new(),
            destroy: false,
            drift,
            moves: Vec::new(),
            reachability: Default::default(),
            lineage: state.lineage.clone(),
            serial: state.serial,
            refresh_only: true,
        }
    }

    /// The changes that do something (a move alone counts: the state is renamed).
    pub fn actions(&self) -> impl Iterator<Item = &ResourceChange> {
        self.changes
            .iter()
            .filter(|c| c.action != Action::NoOp || c.moved_from.is_some() || c.importing.is_some())
    }

    /// How many objects the plan imports.
    pub fn imports(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.importing.is_some())
            .count()
    }

    /// (to add, to change, to destroy), counting a replace as one add and one destroy.
    pub fn summary(&self) -> (usize, usize, usize) {
        self.actions()
            .fold((0, 0, 0), |(a, c, d), ch| match ch.action {
                Action::Create => (a + 1, c, d),
                Action::Update => (a, c + 1, d),
                Action::Delete => (a, c, d + 1),
                Action::DeleteThenCreate | Action::CreateThenDelete => (a + 1, c, d + 1),
                Action::NoOp | Action::Read => (a, c, d),
            })
    }

    /// Whether applying plans objects again as they are created: arguments of theirs were
    /// unknown until what they read is created.
    pub fn reevaluates(&self) -> bool {
        self.changes.iter().any(|change| change.config_unknown)
    }

    /// True when applying would change resources or outputs (reading data is no change).
    pub fn has_changes(&self) -> bool {
        if self.refresh_only {
            return !self.drift.is_empty();
        }
        self.actions().any(|c| c.action != Action::Read)
            || self.outputs.values().any(OutputChange::is_change)
    }
}

/// A planned change that the configuration forbids.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("Instance cannot be destroyed")]
#[diagnostic(
    code(plan::prevent_destroy),
    help(
        "{addr} has lifecycle.prevent_destroy set, but the plan calls for it to be destroyed; remove the setting, or change the plan so the object survives"
    )
)]
pub struct PreventDestroyError {
    pub addr: ResourceAddr,
    #[source_code]
    pub src: miette::NamedSource<std::sync::Arc<str>>,
    #[label("this resource sets lifecycle.prevent_destroy")]
    pub span: miette::SourceSpan,
}

/// The resources the plan would destroy although their configuration sets
/// `lifecycle { prevent_destroy = true }` (a block that left the configuration protects
/// nothing, as in Terraform).
pub fn protected_destroys<'p>(plan: &'p Plan, desired: &DesiredState) -> Vec<&'p ResourceChange> {
    plan.actions()
        .filter(|c| c.action.destroys())
        .filter(|c| {
            desired
                .resources
                .get(&c.addr)
                .is_some_and(|d| d.lifecycle.prevent_destroy)
        })
        .collect()
}

/// Diffs `desired` against `state` (already refreshed). With `destroy`, every resource in
/// state is deleted and outputs are removed. The plan shares each planned object with
/// `desired` rather than copying it (a plan of thousands of objects would hold them twice).
pub fn diff(
    desired: &DesiredState,
    state: &State,
    graph: &ResourceGraph,
    destroy: bool,
    replace: &[ResourceAddr],
    targets: &[Target],
) -> Plan {
    let targeted = targeted(graph, targets, destroy);
    let mut changes: Vec<ResourceChange> = Vec::new();
    // The ids of objects deleted and created again, as the graph order reaches them.
    let mut replaced_ids: BTreeSet<String> = BTreeSet::new();
    for addr in graph.order() {
        if targeted.as_ref().is_some_and(|keep| !keep.contains(addr)) {
            continue;
        }
        let prior = state.resources.get(addr);
        let desired_resource = desired.resources.get(addr).filter(|_| !destroy);
        if addr.mode == Mode::Data {
            // Data sources read during plan need nothing at apply; the others are shown.
            if let Some(deferred) =
                desired_resource.and_then(|d| d.read_during_apply.map(|r| (d, r)))
            {
                changes.push(read_change(deferred.0, deferred.1, graph));
            }
            continue;
        }
        let (action, reason, planned, replace_paths) = match (desired_resource, prior) {
            (None, None) => continue,
            (None, Some(_)) => (
                Action::Delete,
                Some(delete_reason(addr, desired, destroy)),
                false,
                vec![],
            ),
            (Some(_), None) => (Action::Create, None, true, vec![]),
            (Some(d), Some(p)) => {
                let (action, reason) = existing_action(addr, d, p, replace, &replaced_ids);
                (action, reason, true, d.planned.replace_paths.clone())
            }
        };
        let create_before_destroy =
            desired_resource.is_some_and(|d| d.lifecycle.create_before_destroy);
        let config_unknown = desired_resource.is_some_and(|d| d.config_unknown);
        let after = planned
            .then(|| desired.resources.get(addr))
            .flatten()
            .map(|d| Arc::clone(&d.planned.value));
        if action == Action::DeleteThenCreate
            && let Some(id) = prior.and_then(|p| model::recorded_id(&p.attributes))
        {
            replaced_ids.insert(id.to_lowercase());
        }
        changes.push(ResourceChange {
            addr: addr.clone(),
            action,
            reason,
            before: prior.map(|p| p.attributes.clone()),
            after,
            replace_paths,
            before_sensitive: prior
                .map(|p| p.sensitive_attributes.clone())
                .unwrap_or_default(),
            dependencies: graph.transitive_dependencies(addr),
            create_before_destroy,
            moved_from: None,
            importing: None,
            config_unknown,
        });
    }
    // Every address is in the graph: its rank is its place in address order.
    changes.sort_by_cached_key(|c| graph.rank(&c.addr));
    let (changes, operations) = schedule(changes, graph, state);
    Plan {
        changes,
        operations,
        // Outputs may read what targeting leaves out: a partial plan does not change them.
        outputs: if targeted.is_some() {
            BTreeMap::new()
        } else {
            output_changes(&desired.outputs, state, destroy)
        },
        destroy,
        drift: Vec::new(),
        moves: Vec::new(),
        reachability: Default::default(),
        lineage: state.lineage.clone(),
        serial: state.serial,
        refresh_only: false,
    }
}

/// What becomes of an object that exists and stays in the configuration; `replaced_ids` are
/// the objects replaced so far, which replace whatever names them too.
fn existing_action(
    addr: &ResourceAddr,
    desired: &DesiredResource,
    prior: &ResourceState,
    replace: &[ResourceAddr],
    replaced_ids: &BTreeSet<String>,
) -> (Action, Option<Reason>) {
    let planned = &desired.planned;
    let replace_action = if desired.lifecycle.create_before_destroy {
        Action::CreateThenDelete
    } else {
        Action::DeleteThenCreate
    };
    let reason = if prior.tainted {
        Reason::Tainted
    } else if replace.contains(addr) {
        Reason::Requested
    } else if !planned.replace_paths.is_empty() {
        Reason::CannotUpdate
    } else if uses_any(addr, &planned.value, replaced_ids) {
        Reason::DependencyReplaced
    } else if model::differs_from_prior(&planned.value, &prior.attributes) {
        return (Action::Update, None);
    } else {
        return (Action::NoOp, None);
    };
    (replace_action, Some(reason))
}

/// What `-target` keeps: the instances the targets name and everything they depend on, or,
/// when destroying, everything that depends on them (it must go first). `None` without
/// targets: everything.
fn targeted(
    graph: &ResourceGraph,
    targets: &[Target],
    destroy: bool,
) -> Option<BTreeSet<ResourceAddr>> {
    if targets.is_empty() {
        return None;
    }
    let mut keep = BTreeSet::new();
    let mut stack: Vec<ResourceAddr> = graph
        .order()
        .iter()
        .filter(|addr| targets.iter().any(|t| t.contains(addr)))
        .cloned()
        .collect();
    while let Some(addr) = stack.pop() {
        let next = if destroy {
            graph.dependents(&addr)
        } else {
            graph.dependencies(&addr)
        };
        if keep.insert(addr) {
            stack.extend(next);
        }
    }
    Some(keep)
}

/// Whether an argument of `value` names one of `ids` or something under it (a subnet of a
/// replaced VNet).
fn uses_any(addr: &ResourceAddr, value: &Value, ids: &BTreeSet<String>) -> bool {
    let Some(schema) = model::schema(&addr.resource_type).filter(|_| !ids.is_empty()) else {
        return false;
    };
    model::argument_strings(schema, value, &|_| true)
        .iter()
        .any(|s| {
            let s = s.to_lowercase();
            ids.iter().any(|id| {
                s.strip_prefix(id.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
        })
}

fn read_change(
    d: &crate::eval::DesiredResource,
    why: DeferredRead,
    graph: &ResourceGraph,
) -> ResourceChange {
    ResourceChange {
        addr: d.addr.clone(),
        action: Action::Read,
        reason: Some(match why {
            DeferredRead::ConfigUnknown => Reason::ReadConfigUnknown,
            DeferredRead::DependencyPending => Reason::ReadDependencyPending,
        }),
        before: None,
        after: Some(d.planned.value.clone()),
        replace_paths: Vec::new(),
        before_sensitive: Vec::new(),
        dependencies: graph.transitive_dependencies(&d.addr),
        create_before_destroy: false,
        moved_from: None,
        importing: None,
        config_unknown: false,
    }
}

/// Why an instance in state but not in the desired state is deleted.
fn delete_reason(addr: &ResourceAddr, desired: &DesiredState, destroy: bool) -> Reason {
    if destroy {
        return Reason::DestroyMode;
    }
    if !addr.module.is_empty() && !desired.declared.iter().any(|d| d.module == addr.module) {
        return Reason::NoModule;
    }
    if !desired.declared.contains(&addr.config()) {
        return Reason::NoResourceConfig;
    }
    let siblings: Vec<&InstanceKey> = desired
        .resources
        .keys()
        .filter(|a| a.config() == addr.config())
        .filter_map(|a| a.key.as_ref())
        .collect();
    let single = desired.resources.contains_key(&addr.config());
    match &addr.key {
        Some(InstanceKey::Index(_))
            if !single && siblings.iter().all(|k| matches!(k, InstanceKey::Index(_))) =>
        {
            Reason::CountIndex
        }
        Some(InstanceKey::Key(_))
            if !single && siblings.iter().all(|k| matches!(k, InstanceKey::Key(_))) =>
        {
            Reason::EachKey
        }
        _ => Reason::WrongRepetition,
    }
}

/// An operation while scheduling: a change, by its index in address order, and which half
/// of it. Ordering by index orders by address, the tie-break everywhere.
type OpKey = (usize, Step);

/// Orders the operations (dependencies first, destroys in reverse, ties broken by address)
/// and the changes by their first operation.
fn schedule(
    changes: Vec<ResourceChange>,
    graph: &ResourceGraph,
    state: &State,
) -> (Vec<ResourceChange>, Vec<Operation>) {
    let ops = operations_after(&changes, graph, state);
    let order = topological(&ops);
    let position: BTreeMap<OpKey, usize> = order.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    // Each change's place: by its first operation, then those without one in address order.
    let mut rank: Vec<Option<usize>> = vec![None; changes.len()];
    let mut ranked = 0;
    let first_operations = order.iter().map(|(change, _)| *change);
    for change in first_operations.chain(0..changes.len()) {
        if rank[change].is_none() {
            rank[change] = Some(ranked);
            ranked += 1;
        }
    }
    let rank: Vec<usize> = rank.into_iter().flatten().collect();
    let operations = order
        .iter()
        .map(|key| Operation {
            change: rank[key.0],
            step: key.1,
            after: ops[key].iter().map(|k| position[k]).collect(),
        })
        .collect();
    let mut placed: Vec<Option<ResourceChange>> = (0..changes.len()).map(|_| None).collect();
    for (change, place) in changes.into_iter().zip(&rank) {
        placed[*place] = Some(change);
    }
    let changes = placed
        .into_iter()
        .map(|c| c.expect("every change has a place"))
        .collect();
    (changes, operations)
}

/// Each operation the changes (sorted by address) need, with the operations that must finish
/// before it.
fn operations_after(
    changes: &[ResourceChange],
    graph: &ResourceGraph,
    state: &State,
) -> BTreeMap<OpKey, BTreeSet<OpKey>> {
    let mut ops: BTreeMap<OpKey, BTreeSet<OpKey>> = BTreeMap::new();
    // The changes' places in the graph's address order, to find one by rank.
    let ranks: Vec<Option<usize>> = changes.iter().map(|c| graph.rank(&c.addr)).collect();
    // The change of `addr` when it has an operation `step`.
    let has = |addr: &ResourceAddr, step: Step| {
        let i = ranks.binary_search(&Some(graph.rank(addr)?)).ok()?;
        let action = changes[i].action;
        let has_step = if step == Step::Destroy {
            action.destroys()
        } else {
            action.applies()
        };
        has_step.then_some(i)
    };
    // Who depended on each resource block when the state was written: an object that stays
    // must stop using what is destroyed before it goes.
    let mut recorded: BTreeMap<ResourceAddr, Vec<&ResourceAddr>> = BTreeMap::new();
    for (addr, r) in &state.resources {
        for dep in &r.dependencies {
            recorded.entry(dep.config()).or_default().push(addr);
        }
    }
    for (i, change) in changes.iter().enumerate() {
        let addr = &change.addr;
        if change.action.applies() {
            let mut after: BTreeSet<OpKey> = applied_dependencies(addr, graph, &has)
                .into_iter()
                .map(|d| (d, Step::Apply))
                .collect();
            if change.action == Action::DeleteThenCreate {
                after.insert((i, Step::Destroy));
            }
            ops.insert((i, Step::Apply), after);
        }
        if change.action.destroys() {
            let mut after: BTreeSet<OpKey> = BTreeSet::new();
            let recorded_dependents = recorded.get(&addr.config()).into_iter().flatten();
            let dependents = graph.dependents(addr);
            for dependent in dependents.iter().chain(recorded_dependents.copied()) {
                if let Some(d) = has(dependent, Step::Destroy) {
                    after.insert((d, Step::Destroy));
                } else if let Some(d) = has(dependent, Step::Apply)
                    && state.resources.contains_key(dependent)
                {
                    // A dependent that stays must first stop using this object (one still
                    // to be created uses only the replacement).
                    after.insert((d, Step::Apply));
                }
            }
            if change.action == Action::CreateThenDelete {
                after.insert((i, Step::Apply));
            }
            ops.insert((i, Step::Destroy), after);
        }
    }
    ops
}

/// The changes that create or update dependencies of `addr`, looking through data sources
/// (which have no operation of their own) to what they depend on.
fn applied_dependencies(
    addr: &ResourceAddr,
    graph: &ResourceGraph,
    has: &dyn Fn(&ResourceAddr, Step) -> Option<usize>,
) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut stack: Vec<ResourceAddr> = graph.dependencies(addr).into_iter().collect();
    while let Some(dep) = stack.pop() {
        if !seen.insert(dep.clone()) {
            continue;
        }
        if let Some(change) = has(&dep, Step::Apply) {
            out.insert(change);
        } else if dep.mode == Mode::Data {
            stack.extend(graph.dependencies(&dep));
        }
    }
    out
}

/// Kahn's algorithm over operations, ties broken by (address, step).
fn topological(ops: &BTreeMap<OpKey, BTreeSet<OpKey>>) -> Vec<OpKey> {
    let mut waiting: BTreeMap<OpKey, usize> =
        ops.iter().map(|(k, after)| (*k, after.len())).collect();
    let mut unblocks: BTreeMap<OpKey, Vec<OpKey>> = BTreeMap::new();
    for (k, after) in ops {
        for a in after {
            unblocks.entry(*a).or_default().push(*k);
        }
    }
    let mut ready: BTreeSet<OpKey> = waiting
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(k, _)| *k)
        .collect();
    let mut out = Vec::with_capacity(ops.len());
    while let Some(k) = ready.pop_first() {
        out.push(k);
        for next in unblocks.get(&k).into_iter().flatten() {
            let n = waiting.get_mut(next).expect("known operation");
            *n -= 1;
            if *n == 0 {
                ready.insert(*next);
            }
        }
    }
    assert_eq!(
        out.len(),
        ops.len(),
        "operations form a cycle: every operation must be scheduled"
    );
    out
}

fn output_changes(
    desired: &BTreeMap<String, OutputValue>,
    state: &State,
    destroy: bool,
) -> BTreeMap<String, OutputChange> {
    let names: BTreeSet<&String> = desired.keys().chain(state.outputs.keys()).collect();
    names
        .into_iter()
        .map(|name| {
            let before = state.outputs.get(name);
            let after = desired.get(name).filter(|_| !destroy);
            let change = OutputChange {
                before: before.map(|o| o.value.clone()),
                after: after.map(|o| o.value.clone()),
                sensitive: after
                    .map_or_else(|| before.is_some_and(|b| b.sensitive), |o| o.sensitive),
            };
            (name.clone(), change)
        })
        .collect()
}
