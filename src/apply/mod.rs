//! Apply: carrying out a plan through a backend.
//!
//! Owns the executor: it walks the plan's operations on tokio, starting each as soon as the
//! operations it waits for have succeeded (bounded by `parallelism`, narrowed while the
//! backend throttles), announces every create in the journal before sending it, retries
//! transient faults, records every result in the state and persists it before anything
//! depending on it starts, skips what depends on a failure while independent work goes on,
//! stops starting work when asked to, and reports progress as [`Event`]s (formatting them is
//! `render`'s job). It never reads configuration and never re-plans, except through the
//! `finalize` hook for objects whose arguments were unknown at plan time.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::addr::ResourceAddr;
use crate::backend::retry::retrying;
use crate::backend::{Backend, BackendError, CreateRequest, DeleteRequest, UpdateRequest};
use crate::eval::value::Value;
use crate::model;
use crate::plan::{Action, Plan, Step};
use crate::state::{ResourceState, State, StateChange, StateError, Unconfirmed};

/// The default bound on concurrent backend operations (Terraform's is 10, which builds fifty
/// gateways in five 45-minute waves). Backend operations are spent waiting on the cloud, so
/// the window is wide enough for every gateway of a large topology to build at once; the
/// executor narrows it while the backend throttles.
pub const DEFAULT_PARALLELISM: usize = 64;

/// How often a long operation reports that it is still running.
pub const STILL_RUNNING_EVERY: Duration = Duration::from_secs(10);

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
    /// A long operation is still running.
    Still {
        addr: ResourceAddr,
        verb: Verb,
        elapsed: Duration,
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
    /// Operations not started because the apply was interrupted.
    pub not_started: Vec<ResourceAddr>,
}

/// Makes a batch of completed operations durable (see [`Executor::persist`]).
pub type Persist<'a> = dyn FnMut(&mut State, &[StateChange]) -> Result<(), StateError> + 'a;

/// See [`Executor::finalize`].
pub type Finalize<'a> = dyn Fn(&[&ResourceAddr], &State) -> BTreeMap<ResourceAddr, Arc<Value>> + 'a;

/// What the executor needs from its caller.
pub struct Executor<'a> {
    pub backend: Arc<dyn Backend>,
    pub parallelism: usize,
    /// Re-plans the objects whose arguments were unknown at plan time, against the state as
    /// it is now, all of a batch at once (one evaluation of the configuration); an object
    /// missing from the answer keeps its planned value.
    pub finalize: &'a Finalize<'a>,
    /// Makes changes durable: the creates about to be sent, and the operations that finished
    /// together (already in `state`), before anything that depends on them starts.
    pub persist: &'a mut Persist<'a>,
    pub on_event: &'a dyn Fn(&Event),
    /// Set on interrupt: nothing new starts; what runs finishes and is recorded.
    pub stop: Arc<AtomicBool>,
}

/// What one finished backend call produced.
struct Finished {
    op: usize,
    elapsed: Duration,
    result: Result<Option<serde_json::Value>, BackendError>,
    /// The backend throttled at least one attempt.
    throttled: bool,
}

/// One operation, ready to send.
struct Request {
    op: usize,
    addr: ResourceAddr,
    verb: Verb,
    step: Step,
    before: Option<Arc<Value>>,
    body: serde_json::Value,
    prior_id: Option<String>,
    same_object: bool,
}

impl Request {
    /// The journal entry announcing a create of a new object, which the next run reconciles
    /// if this one dies before it hears back. (A create-before-destroy replacement by a new id
    /// is not announced: the address still holds the old object.)
    fn announcement(&self, plan: &Plan) -> Option<StateChange> {
        let change = &plan.changes[plan.operations[self.op].change];
        let creates = self.step == Step::Apply && self.verb == Verb::Create && !self.same_object;
        let id = model::id_of(&self.body)?;
        (creates && change.action != Action::CreateThenDelete).then(|| {
            StateChange::Started(Unconfirmed {
                addr: self.addr.clone(),
                id: id.to_owned(),
                dependencies: change.dependencies.clone(),
            })
        })
    }
}

/// The backend calls under way.
type Running = JoinSet<Finished>;

/// Where every operation stands: what it waits for, what is ready, what has failed or
/// finished, and how wide the window of concurrent operations is now.
struct Schedule {
    waiting: Vec<usize>,
    unblocks: Vec<Vec<usize>>,
    ready: BTreeSet<usize>,
    failed: BTreeSet<usize>,
    done: BTreeSet<usize>,
    started_at: Vec<Option<Instant>>,
    parallelism: usize,
    /// Halved when the backend throttles, widened by one per calm completion.
    window: usize,
}

impl Schedule {
    fn new(plan: &Plan, parallelism: usize) -> Schedule {
        let ops = &plan.operations;
        let mut unblocks: Vec<Vec<usize>> = vec![Vec::new(); ops.len()];
        for (i, op) in ops.iter().enumerate() {
            for &a in &op.after {
                unblocks[a].push(i);
            }
        }
        let waiting: Vec<usize> = ops.iter().map(|o| o.after.len()).collect();
        Schedule {
            ready: (0..ops.len()).filter(|i| waiting[*i] == 0).collect(),
            waiting,
            unblocks,
            failed: BTreeSet::new(),
            done: BTreeSet::new(),
            started_at: vec![None; ops.len()],
            parallelism: parallelism.max(1),
            window: parallelism.max(1),
        }
    }

    /// The ready operations that fit in the window next to `running` others.
    fn next_batch(&mut self, running: usize) -> Vec<usize> {
        let free = self.window.saturating_sub(running);
        std::iter::from_fn(|| self.ready.pop_first())
            .take(free)
            .collect()
    }

    fn finished(&mut self, op: usize, throttled: bool) {
        self.done.insert(op);
        self.window = if throttled {
            (self.window / 2).max(1)
        } else {
            (self.window + 1).min(self.parallelism)
        };
    }

    fn succeeded(&mut self, op: usize) {
        for &next in &self.unblocks[op] {
            self.waiting[next] -= 1;
            if self.waiting[next] == 0 && !self.failed.contains(&next) {
                self.ready.insert(next);
            }
        }
    }

    /// Marks everything downstream of a failed operation as not to be run.
    fn failed(&mut self, op: usize) {
        let mut stack = vec![op];
        while let Some(n) = stack.pop() {
            if self.failed.insert(n) {
                stack.extend(&self.unblocks[n]);
            }
        }
    }

    /// Sorts the operations that did not run into skipped (downstream of a failure) and not
    /// started (interrupted).
    fn account(&self, plan: &Plan, outcome: &mut ApplyOutcome) {
        for (i, op) in plan.operations.iter().enumerate() {
            let addr = &plan.changes[op.change].addr;
            let is_failure = || outcome.failures.iter().any(|(a, _)| a == addr);
            if self.failed.contains(&i) && !is_failure() {
                outcome.skipped.push(addr.clone());
            } else if !self.failed.contains(&i) && self.started_at[i].is_none() {
                outcome.not_started.push(addr.clone());
            }
        }
        outcome.skipped.dedup();
        outcome.not_started.dedup();
    }
}

impl Executor<'_> {
    /// Runs every operation of `plan` against `state`.
    pub async fn run(&mut self, plan: &Plan, mut state: State) -> Result<ApplyOutcome, StateError> {
        let mut schedule = Schedule::new(plan, self.parallelism);
        let mut outcome = ApplyOutcome {
            state: State::new(),
            added: 0,
            changed: 0,
            destroyed: 0,
            failures: Vec::new(),
            skipped: Vec::new(),
            not_started: Vec::new(),
        };
        let mut running = Running::new();
        let mut ticker = tokio::time::interval(STILL_RUNNING_EVERY);
        ticker.tick().await;
        loop {
            if !self.stop.load(Ordering::Relaxed) {
                self.start(plan, &mut schedule, &mut state, &mut running)?;
            }
            if running.is_empty() {
                break;
            }
            let joined = tokio::select! {
                joined = running.join_next() => joined,
                _ = ticker.tick() => {
                    self.report_still_running(plan, &schedule.started_at, &schedule.done);
                    continue;
                }
            };
            let Some(joined) = joined else { break };
            // Everything that finished meanwhile is recorded and made durable in one batch.
            let mut finished = vec![joined.expect("backend operations do not panic")];
            while let Some(more) = running.try_join_next() {
                finished.push(more.expect("backend operations do not panic"));
            }
            let mut changes = Vec::new();
            let mut succeeded = Vec::new();
            for f in finished {
                let op = f.op;
                schedule.finished(op, f.throttled);
                let (change, ok) = self.record(plan, f, &mut state, &mut outcome);
                changes.extend(change);
                if ok {
                    succeeded.push(op);
                } else {
                    schedule.failed(op);
                }
            }
            if !changes.is_empty() {
                (self.persist)(&mut state, &changes)?;
            }
            for op in succeeded {
                schedule.succeeded(op);
            }
        }
        schedule.account(plan, &mut outcome);
        outcome.state = state;
        Ok(outcome)
    }

    /// Starts the next batch of ready operations, the creates among them announced in the
    /// journal first (one sync for the batch).
    fn start(
        &mut self,
        plan: &Plan,
        schedule: &mut Schedule,
        state: &mut State,
        running: &mut Running,
    ) -> Result<(), StateError> {
        let batch = schedule.next_batch(running.len());
        let unknown: Vec<&ResourceAddr> = batch
            .iter()
            .map(|&i| &plan.changes[plan.operations[i].change])
            .filter(|change| change.config_unknown && change.after.is_some())
            .map(|change| &change.addr)
            .collect();
        let finalized = if unknown.is_empty() {
            BTreeMap::new()
        } else {
            (self.finalize)(&unknown, state)
        };
        let requests: Vec<Request> = batch
            .into_iter()
            .map(|i| self.request(plan, i, &finalized))
            .collect();
        let announced: Vec<StateChange> = requests
            .iter()
            .filter_map(|r| r.announcement(plan))
            .collect();
        if !announced.is_empty() {
            (self.persist)(state, &announced)?;
        }
        for request in requests {
            schedule.started_at[request.op] = Some(Instant::now());
            self.spawn(plan, request, running);
        }
        Ok(())
    }

    /// `Still creating... [10s elapsed]` for every operation running that long.
    fn report_still_running(
        &self,
        plan: &Plan,
        started_at: &[Option<Instant>],
        done: &BTreeSet<usize>,
    ) {
        for (i, started) in started_at.iter().enumerate() {
            let Some(started) = started else { continue };
            let elapsed = started.elapsed();
            if done.contains(&i) || elapsed < STILL_RUNNING_EVERY {
                continue;
            }
            let op = &plan.operations[i];
            let change = &plan.changes[op.change];
            if change.action == Action::Read {
                continue;
            }
            (self.on_event)(&Event::Still {
                addr: change.addr.clone(),
                verb: verb_of(change.action, op.step),
                elapsed,
            });
        }
    }

    /// What operation `i` sends, from the plan (or, for an object with arguments unknown at
    /// plan time, as `finalized` planned it again).
    fn request(
        &self,
        plan: &Plan,
        i: usize,
        finalized: &BTreeMap<ResourceAddr, Arc<Value>>,
    ) -> Request {
        let op = &plan.operations[i];
        let change = &plan.changes[op.change];
        let before = change.before.clone();
        let prior_id = before
            .as_deref()
            .and_then(model::recorded_id)
            .map(str::to_owned);
        let after = change
            .after
            .as_ref()
            .map(|after| finalized.get(&change.addr).unwrap_or(after));
        let body = after.map(|after| after.to_json()).unwrap_or_default();
        let new_id = model::id_of(&body).map(str::to_owned);
        Request {
            op: i,
            addr: change.addr.clone(),
            verb: verb_of(change.action, op.step),
            step: op.step,
            same_object: change.action == Action::CreateThenDelete
                && prior_id.is_some()
                && prior_id == new_id,
            before,
            body,
            prior_id,
        }
    }

    fn spawn(&self, plan: &Plan, request: Request, running: &mut Running) {
        let change = &plan.changes[plan.operations[request.op].change];
        let op = request.op;
        if change.action == Action::Read {
            // Data is read when the resources that use it are evaluated again before their
            // operation; this marker only orders them after what the data depends on.
            running.spawn(async move {
                Finished {
                    op,
                    elapsed: Duration::ZERO,
                    result: Ok(None),
                    throttled: false,
                }
            });
            return;
        }
        let shown_id = (request.verb != Verb::Create)
            .then(|| request.prior_id.clone())
            .flatten();
        (self.on_event)(&Event::Started {
            addr: request.addr.clone(),
            verb: request.verb,
            id: shown_id,
        });
        let backend = Arc::clone(&self.backend);
        running.spawn(async move {
            let started = Instant::now();
            let (result, attempts) =
                retrying(backend.time_scale(), || send(backend.as_ref(), &request)).await;
            Finished {
                op,
                elapsed: started.elapsed(),
                result,
                throttled: attempts.throttled,
            }
        });
    }

    /// Records a finished operation in the state, returning the change to persist and
    /// whether the operation succeeded.
    fn record(
        &self,
        plan: &Plan,
        finished: Finished,
        state: &mut State,
        outcome: &mut ApplyOutcome,
    ) -> (Option<StateChange>, bool) {
        let op = &plan.operations[finished.op];
        let change = &plan.changes[op.change];
        if change.action == Action::Read {
            return (None, true);
        }
        let verb = verb_of(change.action, op.step);
        let addr = change.addr.clone();
        match finished.result {
            Err(error) => {
                (self.on_event)(&Event::Failed {
                    addr: addr.clone(),
                    verb,
                    error: error.clone(),
                });
                outcome.failures.push((addr.clone(), error.clone()));
                // A create that failed part-way left an object: kept, tainted, so the next
                // plan replaces it.
                let recorded = match (&error.left_behind, verb) {
                    (Some(object), Verb::Create) => {
                        let resource = ResourceState {
                            attributes: Arc::new(object.clone().into()),
                            sensitive_attributes: sensitive_attributes(
                                &addr,
                                object,
                                change.after.as_deref(),
                            ),
                            dependencies: change.dependencies.clone(),
                            tainted: true,
                            create_before_destroy: change.create_before_destroy,
                        };
                        state.resources.insert(addr.clone(), resource.clone());
                        Some(StateChange::Put(addr, resource))
                    }
                    (None, Verb::Create) => Some(StateChange::Refused(addr)),
                    _ => None,
                };
                (recorded, false)
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
                    .as_deref()
                    .and_then(model::recorded_id)
                    .map(str::to_owned);
                (self.on_event)(&Event::Completed {
                    addr,
                    verb,
                    elapsed: finished.elapsed,
                    id,
                });
                (removed, true)
            }
            Ok(Some(attributes)) => {
                let sensitive = sensitive_attributes(&addr, &attributes, change.after.as_deref());
                let id = model::id_of(&attributes).map(str::to_owned);
                let resource = ResourceState {
                    attributes: Arc::new(attributes.into()),
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
                (self.on_event)(&Event::Completed {
                    addr: addr.clone(),
                    verb,
                    elapsed: finished.elapsed,
                    id,
                });
                (Some(StateChange::Put(addr, resource)), true)
            }
        }
    }
}

/// Sends one request to the backend (once; [`retrying`] repeats it).
async fn send(
    backend: &dyn Backend,
    request: &Request,
) -> Result<Option<serde_json::Value>, BackendError> {
    let resource_type = request.addr.resource_type.to_string();
    match (request.step, request.verb) {
        // A create-before-destroy replacement keeps its ARM id: the new object overwrites
        // the old one, and nothing is left to delete.
        (Step::Destroy, _) if request.same_object => Ok(None),
        (Step::Destroy, _) => backend
            .delete(DeleteRequest {
                resource_type,
                id: request.prior_id.clone().unwrap_or_default(),
            })
            .await
            .map(|()| None),
        (Step::Apply, verb) if verb == Verb::Modify || request.same_object => backend
            .update(UpdateRequest {
                resource_type,
                prior: request
                    .before
                    .as_deref()
                    .map_or(serde_json::Value::Null, Value::to_json),
                attributes: request.body.clone(),
            })
            .await
            .map(|r| Some(r.attributes)),
        (Step::Apply, _) => backend
            .create(CreateRequest {
                resource_type,
                attributes: request.body.clone(),
            })
            .await
            .map(|r| Some(r.attributes)),
    }
}

/// The top-level attributes of a new object that hold secrets: those the schema marks, and
/// those whose planned value came from something sensitive.
pub fn sensitive_attributes(
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
        .map(|(k, _)| k.to_string());
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
