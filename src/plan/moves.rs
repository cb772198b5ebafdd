//! `moved` blocks: renaming objects in state before planning, so nothing is replaced.

use std::collections::BTreeMap;

use crate::addr::{ModuleStep, ResourceAddr};
use crate::config::{Move, MoveTarget};
use crate::state::State;

/// A `moved` block that cannot be carried out, as a diagnostic.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("Moved object still exists")]
#[diagnostic(
    code(plan::moved),
    help("{reason}; remove the moved block, or remove the object at its destination first")
)]
pub struct InvalidMove {
    pub reason: String,
    #[source_code]
    pub src: miette::NamedSource<std::sync::Arc<str>>,
    #[label("this move")]
    pub span: miette::SourceSpan,
}

/// A `moved` block that cannot be carried out: its index and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveConflict {
    pub index: usize,
    pub reason: String,
}

/// Applies the moves, in order (so chains work), to the state; returns each object's new
/// address with its old one. A move whose source is not in state has nothing to do.
pub fn apply_moves(
    moves: &[Move],
    state: &mut State,
) -> Result<BTreeMap<ResourceAddr, ResourceAddr>, MoveConflict> {
    let mut moved: BTreeMap<ResourceAddr, ResourceAddr> = BTreeMap::new();
    for (index, m) in moves.iter().enumerate() {
        let renames: Vec<(ResourceAddr, ResourceAddr)> = state
            .resources
            .keys()
            .filter_map(|addr| destination(addr, &m.from, &m.to).map(|to| (addr.clone(), to)))
            .collect();
        for (_, to) in &renames {
            if state.resources.contains_key(to) && !renames.iter().any(|(from, _)| from == to) {
                return Err(MoveConflict {
                    index,
                    reason: format!("{to} is already in state, so nothing can move there"),
                });
            }
        }
        let taken: Vec<_> = renames
            .iter()
            .map(|(from, to)| (to.clone(), state.resources.remove(from)))
            .collect();
        for (to, resource) in taken {
            if let Some(resource) = resource {
                state.resources.insert(to, resource);
            }
        }
        for (from, to) in renames {
            let original = moved.remove(&from).unwrap_or(from);
            moved.insert(to, original);
        }
    }
    Ok(moved)
}

/// Where `addr` goes under one move, if the move concerns it.
fn destination(addr: &ResourceAddr, from: &MoveTarget, to: &MoveTarget) -> Option<ResourceAddr> {
    match (from, to) {
        (MoveTarget::Resource(from), MoveTarget::Resource(to)) => {
            let same_block = addr.module == from.module
                && addr.mode == from.mode
                && addr.resource_type == from.resource_type
                && addr.name == from.name;
            match (&from.key, same_block) {
                (_, false) => None,
                // A whole resource moves with its instance keys.
                (None, true) if to.key.is_none() => Some(ResourceAddr {
                    key: addr.key.clone(),
                    ..to.clone()
                }),
                (None, true) => (addr.key.is_none()).then(|| to.clone()),
                (Some(key), true) => (addr.key.as_ref() == Some(key)).then(|| to.clone()),
            }
        }
        (MoveTarget::Module(from), MoveTarget::Module(to)) => {
            let rest: &[ModuleStep] = addr.module.strip_prefix(from.as_slice())?;
            let mut module = to.clone();
            module.extend(rest.iter().cloned());
            Some(ResourceAddr {
                module,
                ..addr.clone()
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;
    use crate::state::ResourceState;

    fn mv(from: &str, to: &str) -> Move {
        let target = |t: &str| match t.parse::<ResourceAddr>() {
            Ok(a) => MoveTarget::Resource(a),
            Err(_) => MoveTarget::Module(crate::addr::parse_module_path(t).unwrap()),
        };
        Move {
            from: target(from),
            to: target(to),
            span: Span {
                file: 0,
                start: 0,
                end: 0,
            },
        }
    }

    fn state(addrs: &[&str]) -> State {
        let mut s = State::new();
        for a in addrs {
            let r = ResourceState {
                attributes: std::sync::Arc::new(serde_json::json!({"id": a}).into()),
                sensitive_attributes: vec![],
                dependencies: vec![],
                tainted: false,
                create_before_destroy: false,
            };
            s.resources.insert(a.parse().unwrap(), r);
        }
        s
    }

    fn names(s: &State) -> Vec<String> {
        s.resources.keys().map(ToString::to_string).collect()
    }

    #[test]
    fn renames_resources_instances_and_modules_in_order() {
        let mut s = state(&[
            "azurerm_subnet.a",
            r#"azurerm_subnet.s["x"]"#,
            "module.old.azurerm_subnet.gw",
        ]);
        let moved = apply_moves(
            &[
                mv("azurerm_subnet.a", "azurerm_subnet.b"),
                mv("azurerm_subnet.b", r#"azurerm_subnet.c["web"]"#),
                mv("azurerm_subnet.s", "azurerm_subnet.t"),
                mv("module.old", r#"module.new["x"]"#),
            ],
            &mut s,
        )
        .unwrap();
        assert_eq!(
            names(&s),
            [
                r#"azurerm_subnet.c["web"]"#,
                r#"azurerm_subnet.t["x"]"#,
                r#"module.new["x"].azurerm_subnet.gw"#
            ]
        );
        let chained: ResourceAddr = r#"azurerm_subnet.c["web"]"#.parse().unwrap();
        assert_eq!(
            moved[&chained].to_string(),
            "azurerm_subnet.a",
            "a chain remembers the first address"
        );
    }

    #[test]
    fn refuses_to_move_onto_an_existing_object() {
        let mut s = state(&["azurerm_subnet.a", "azurerm_subnet.b"]);
        let err = apply_moves(&[mv("azurerm_subnet.a", "azurerm_subnet.b")], &mut s).unwrap_err();
        assert_eq!(err.index, 0);
        let mut untouched = state(&["azurerm_subnet.x"]);
        assert!(
            apply_moves(
                &[mv("azurerm_subnet.a", "azurerm_subnet.b")],
                &mut untouched
            )
            .unwrap()
            .is_empty()
        );
    }
}
