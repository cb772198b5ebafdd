//! Apply: carrying out a plan through a backend.
//!
//! Owns the executor: it walks the plan's operations on tokio, starting each as soon as the
//! operations it waits for have succeeded (bounded by `parallelism`), records every result
//! in the state and persists it (through the journal) before anything depending on it starts, skips what depends on a failure while
//! independent work goes on, and reports progress as [`Event`]s (formatting them is
//! `render`'s job). It never reads configuration and never re-plans, except through the
//! `finalize` hook for objects whose arguments were unknown at plan time.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::addr::ResourceAddr;
use crate::backend::{Backend, BackendError, CreateRequest, DeleteRequest, UpdateRequest};
use crate::eval::value::Value;
use crate::model;
use crate::plan::{Action, Plan, Step};
use crate::state::{ResourceState, State, StateChange, StateError};

/// The default bound on concurrent backend operations (Terraform's default is 10). Backend
/// operations are dominated by waiting on the cloud, so a wider window lets every gateway
/// of a large topology build at once.
pub const DEFAULT_PARALLELISM: usize = 10;

/// What an operation does, in Terraform's progress vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Create,
    Modify,
    Destroy,
}

/// Progress of an apply.
#[derive(Debug, Clone)]
pub enum Event {
    Started {
        addr: ResourceAddr,
        verb: Verb,
        id: Option<String>,
    },
    Completed {
        addr: ResourceAddr,
        verb: Verb,
        elapsed: Duration,
        id: Option<String>,
    },
    Failed {
        addr: ResourceAddr,
        verb: Verb,
        error: BackendError,
    },
}

/// The result of an apply.
#[derive(Debug)]
pub struct ApplyOutcome {
    pub state: State,
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
    pub failures: Vec<(ResourceAddr, BackendError)>,
    /// Operations not run because something they depend on failed.
    pub skipped: Vec<ResourceAddr>,
}

/// Makes a batch of completed operations durable (see [`Executor::persist`]).
pub type Persist<'a> = dyn FnMut(&mut State, &[StateChange]) -> Result<(), StateError> + 'a;

/// What the executor needs from its caller.
pub struct Executor<'a> {
    pub backend: Arc<dyn Backend>,
    pub parallelism: usize,
    /// Re-plans an object whose arguments were unknown at plan time, against the state as
    /// it is now; `None` keeps the planned object.
    pub finalize: &'a dyn Fn(&ResourceAddr, &State) -> Option<Value>,
    /// Makes the state durable; called after every completed operation.
    /// Makes completed operations durable; called once per batch of operations that finished
    /// together, before anything that depends on them starts. `state` already holds them.
    pub persist: &'a mut Persist<'a>,
    pub on_event: &'a dyn Fn(&Event),
}

/// What one finished backend call produced.
struct Finished {
    op: usize,
    elapsed: Duration,
    result: Result<Option<serde_json::Value>, BackendError>,
}

impl Executor<'_> {
    /// Runs every operation of `plan` against `state`.
    pub async fn run(&mut self, plan: &Plan, mut state: State) -> Result<ApplyOutcome, StateError> {
        let ops = &plan.operations;
        let mut waiting: Vec<usize> = ops.iter().map(|o| o.after.len()).collect();
        let mut unblocks: Vec<Vec<usize>> = vec![Vec::new(); ops.len()];
        for (i, op) in ops.iter().enumerate() {
            for &a in &op.after {
                unblocks[a].push(i);
            }
        }
        let mut ready: BTreeSet<usize> = (0..ops.len()).filter(|i| waiting[*i] == 0).collect();
        let mut failed: BTreeSet<usize> = BTreeSet::new();
        let mut outcome = ApplyOutcome {
            state: State::new(),
            added: 0,
            changed: 0,
            destroyed: 0,
            failures: Vec::new(),
            skipped: Vec::new(),
        };
        let mut running = JoinSet::new();
        let parallelism = self.parallelism.max(1);

        loop {
            while running.len() < parallelism {
                let Some(i) = ready.pop_first() else { break };
                self.start(plan, i, &state, &mut running);
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            // Everything that finished meanwhile is recorded and made durable in one batch.
            let mut finished = vec![joined.expect("backend operations do not panic")];
            while let Some(more) = running.try_join_next() {
                finished.push(more.expect("backend operations do not panic"));
            }
            let mut changes = Vec::new();
            let mut succeeded = Vec::new();
            for f in &finished {
                match self.record(plan, f, &mut state, &mut outcome) {
                    Ok(change) => {
                        changes.extend(change);
                        succeeded.push(f.op);
                    }
                    Err(()) => mark_failed(f.op, &unblocks, &mut failed),
                }
            }
            if !changes.is_empty() {
                (self.persist)(&mut state, &changes)?;
            }
            for i in succeeded {
                for &next in &unblocks[i] {
                    waiting[next] -= 1;
                    if waiting[next] == 0 && !failed.contains(&next) {
                        ready.insert(next);
                    }
                }
            }
        }
        for (i, op) in ops.iter().enumerate() {
            if failed.contains(&i)
                && !outcome
                    .failures
                    .iter()
                    .any(|(a, _)| *a == plan.changes[op.change].addr)
            {
                outcome.skipped.push(plan.changes[op.change].addr.clone());
            }
        }
        outcome.skipped.dedup();
        outcome.state = state;
        Ok(outcome)
    }

    fn start(&self, plan: &Plan, i: usize, state: &State, running: &mut JoinSet<Finished>) {
        let op = &plan.operations[i];
        let change = &plan.changes[op.change];
        if change.action == Action::Read {
            // Data is read when the resources that use it are evaluated again before their
            // operation; this marker only orders them after what the data depends on.
            running.spawn(async move {
                Finished {
                    op: i,
                    elapsed: Duration::ZERO,
                    result: Ok(None),
                }
            });
            return;
        }
        let addr = change.addr.clone();
        let resource_type = addr.resource_type.clone();
        let backend = Arc::clone(&self.backend);
        let before = change.before.clone().unwrap_or_default();
        let prior_id = model::id_of(&before).map(str::to_owned);
        let verb = verb_of(change.action, op.step);
        let after = change.after.clone().map(|after| {
            if change.config_unknown {
                (self.finalize)(&addr, state).unwrap_or(after)
            } else {
                after
            }
        });
        let body = after.as_ref().map(Value::to_json).unwrap_or_default();
        let new_id = model::id_of(&body).map(str::to_owned);
        let same_object =
            change.action == Action::CreateThenDelete && prior_id.is_some() && prior_id == new_id;
        let shown_id = if verb == Verb::Create {
            None
        } else {
            prior_id.clone()
        };
        (self.on_event)(&Event::Started {
            addr,
            verb,
            id: shown_id,
        });
        let step = op.step;
        running.spawn(async move {
            let started = Instant::now();
            let result = match (step, verb) {
                // A create-before-destroy replacement keeps its ARM id: the new object
                // overwrites the old one, and nothing is left to delete.
                (Step::Destroy, _) if same_object => Ok(None),
                (Step::Destroy, _) => backend
                    .delete(DeleteRequest {
                        resource_type,
                        id: prior_id.unwrap_or_default(),
                    })
                    .await
                    .map(|()| None),
                (Step::Apply, verb) if verb == Verb::Modify || same_object => backend
                    .update(UpdateRequest {
                        resource_type,
                        prior: before,
                        attributes: body,
                    })
                    .await
                    .map(|r| Some(r.attributes)),
                (Step::Apply, _) => backend
                    .create(CreateRequest {
                        resource_type,
                        attributes: body,
                    })
                    .await
                    .map(|r| Some(r.attributes)),
            };
            Finished {
                op: i,
                elapsed: started.elapsed(),
                result,
            }
        });
    }

    /// Records a finished operation in the state, returning the change to persist; `Err`
    /// when the operation failed.
    fn record(
        &self,
        plan: &Plan,
        finished: &Finished,
        state: &mut State,
        outcome: &mut ApplyOutcome,
    ) -> Result<Option<StateChange>, ()> {
        let op = &plan.operations[finished.op];
        let change = &plan.changes[op.change];
        if change.action == Action::Read {
            return Ok(None);
        }
        let verb = verb_of(change.action, op.step);
        let addr = change.addr.clone();
        match &finished.result {
            Err(error) => {
                (self.on_event)(&Event::Failed {
                    addr: addr.clone(),
                    verb,
                    error: error.clone(),
                });
                outcome.failures.push((addr, error.clone()));
                Err(())
            }
            Ok(None) => {
                // After create-before-destroy the address already holds the new object.
                let removed = (change.action != Action::CreateThenDelete).then(|| {
                    state.resources.remove(&addr);
                    StateChange::Remove(addr.clone())
                });
                outcome.destroyed += 1;
                let id = change
                    .before
                    .as_ref()
                    .and_then(model::id_of)
                    .map(str::to_owned);
                (self.on_event)(&Event::Completed {
                    addr,
                    verb,
                    elapsed: finished.elapsed,
                    id,
                });
                Ok(removed)
            }
            Ok(Some(attributes)) => {
                let sensitive = sensitive_attributes(&addr, attributes, change.after.as_ref());
                let resource = ResourceState {
                    attributes: attributes.clone(),
                    sensitive_attributes: sensitive,
                    dependencies: change.dependencies.clone(),
                    tainted: false,
                    create_before_destroy: change.create_before_destroy,
                };
                state.resources.insert(addr.clone(), resource.clone());
                if verb == Verb::Modify {
                    outcome.changed += 1
                } else {
                    outcome.added += 1
                }
                let id = model::id_of(attributes).map(str::to_owned);
                (self.on_event)(&Event::Completed {
                    addr: addr.clone(),
                    verb,
                    elapsed: finished.elapsed,
                    id,
                });
                Ok(Some(StateChange::Put(addr, resource)))
            }
        }
    }
}

/// The top-level attributes of a new object that hold secrets: those the schema marks, and
/// those whose planned value came from something sensitive.
fn sensitive_attributes(
    addr: &ResourceAddr,
    attributes: &serde_json::Value,
    after: Option<&Value>,
) -> Vec<String> {
    let set = |name: &str| attributes.get(name).is_some_and(|v| !v.is_null());
    let from_schema = model::schema(&addr.resource_type)
        .into_iter()
        .flat_map(model::sensitive_attribute_names)
        .filter(|n| set(n))
        .map(str::to_owned);
    let from_values = after
        .and_then(Value::as_map)
        .into_iter()
        .flatten()
        .filter(|(_, v)| v.contains_sensitive())
        .map(|(k, _)| k.clone());
    let mut names: Vec<String> = from_schema.chain(from_values).collect();
    names.sort();
    names.dedup();
    names
}

fn verb_of(action: Action, step: Step) -> Verb {
    match (action, step) {
        (_, Step::Destroy) => Verb::Destroy,
        (Action::Update, Step::Apply) => Verb::Modify,
        _ => Verb::Create,
    }
}

/// Marks everything downstream of a failed operation as not to be run.
fn mark_failed(i: usize, unblocks: &[Vec<usize>], failed: &mut BTreeSet<usize>) {
    let mut stack = vec![i];
    while let Some(n) = stack.pop() {
        if failed.insert(n) {
            stack.extend(&unblocks[n]);
        }
    }
}
