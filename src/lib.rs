//! vnetform: declarative provisioning of Azure VNet-to-VNet VPN topologies.
//!
//! The pipeline, one module per phase (see docs/architecture.md):
//!
//! ```text
//! *.tf ──config──▶ Config ──eval──▶ DesiredState ──graph──▶ ResourceGraph
//! state ──▶ State ──(backend read: refresh)──┴──plan──▶ Plan ──render──▶ text | JSON | DOT
//! Plan ──apply──▶ Backend operations, in dependency order, in parallel ──▶ State
//! ```
//!
//! Dependencies point one way: `cli → ops → phases`; only `ops` calls more than one phase,
//! `plan` never sees a backend, and `render` only formats.

pub mod addr;
pub mod apply;
pub mod backend;
pub mod cli;
pub mod config;
pub mod error;
pub mod eval;
pub mod format;
pub mod graph;
pub mod model;
pub mod ops;
pub mod plan;
pub mod render;
pub mod rules;
pub mod source;
pub mod state;

/// A hash map for lookups where a sorted map's string comparisons cost too much. Its seed
/// is fixed, so even its iteration order is the same from run to run.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// The set form of [`FastMap`].
pub type FastSet<T> = std::collections::HashSet<T, foldhash::fast::FixedState>;

/// Runs the command line; returns the process exit code.
pub fn run(args: Vec<std::ffi::OsString>) -> i32 {
    cli::run(args)
}

/// The items of two sorted sequences, in order, each item found in both once.
pub fn sorted_union<T: Ord>(
    a: impl Iterator<Item = T>,
    b: impl Iterator<Item = T>,
) -> impl Iterator<Item = T> {
    sorted_join(a.map(|x| (x, ())), b.map(|x| (x, ()))).map(|(key, ..)| key)
}

/// Joins two sequences of (key, value) sorted by key: each key once, in order, with the
/// value from each side that has it.
pub fn sorted_join<K: Ord, A, B>(
    a: impl Iterator<Item = (K, A)>,
    b: impl Iterator<Item = (K, B)>,
) -> impl Iterator<Item = (K, Option<A>, Option<B>)> {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || {
        let order = match (a.peek(), b.peek()) {
            (Some((x, _)), Some((y, _))) => x.cmp(y),
            (Some(_), None) => Less,
            (None, Some(_)) => Greater,
            (None, None) => return None,
        };
        match order {
            Less => a.next().map(|(k, x)| (k, Some(x), None)),
            Greater => b.next().map(|(k, y)| (k, None, Some(y))),
            Equal => {
                let (k, x) = a.next()?;
                b.next().map(|(_, y)| (k, Some(x), Some(y)))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn sorted_union_keeps_order_and_drops_repeats() {
        let union: Vec<i32> =
            super::sorted_union([1, 3, 5, 6].into_iter(), [2, 3, 6, 7].into_iter()).collect();
        assert_eq!(union, [1, 2, 3, 5, 6, 7]);
    }

    #[test]
    fn sorted_join_pairs_the_values_of_each_key() {
        let joined: Vec<_> = super::sorted_join(
            [(1, 'a'), (3, 'b')].into_iter(),
            [(2, 20), (3, 30)].into_iter(),
        )
        .collect();
        assert_eq!(
            joined,
            [
                (1, Some('a'), None),
                (2, None, Some(20)),
                (3, Some('b'), Some(30))
            ]
        );
    }
}
