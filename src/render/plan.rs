//! The human plan, in Terraform's words and symbols, listed in execution order.

use std::collections::{BTreeMap, BTreeSet};

use super::Painter;
use super::values::{BodyWriter, marked_prior};
use crate::addr::ResourceAddr;
use crate::eval::value::Value;
use crate::model;
use crate::plan::{Action, Drift, Plan, Reason};

/// The whole plan text as `vnetform plan` prints it.
pub fn plan_text(plan: &Plan, painter: Painter) -> String {
    let mut out = String::new();
    if plan.refresh_only {
        refresh_only_text(plan, painter, &mut out);
        return out;
    }
    if !plan.drift.is_empty() && plan.has_changes() {
        drift_text(&plan.drift, painter, &mut out);
        out.push_str("\nUnless you have made equivalent changes to your configuration, or ignored the\nrelevant attributes using ignore_changes, the following plan may include\nactions to undo or respond to these changes.\n\n─────────────────────────────────────────────────────────────────────────────\n");
    }
    if !plan.has_changes() {
        out.push_str(&format!(
            "\n{}\n\nvnetform has compared your real infrastructure against your configuration\nand found no differences, so no changes are needed.\n",
            painter.bold(&painter.green("No changes. Your infrastructure matches the configuration."))
        ));
        return out;
    }
    if plan.actions().next().is_some() {
        legend(plan, painter, &mut out);
        out.push_str("\nvnetform will perform the following actions:\n");
        for change in plan.actions() {
            out.push('\n');
            change_text(change, painter, &mut out);
        }
        let (add, change, destroy) = plan.summary();
        let imports = match plan.imports() {
            0 => String::new(),
            n => format!("{n} to import, "),
        };
        out.push_str(&format!(
            "\n{} {imports}{add} to add, {change} to change, {destroy} to destroy.\n",
            painter.bold("Plan:")
        ));
    }
    outputs_text(plan, painter, &mut out);
    reachability_text(plan, painter, &mut out);
    out
}

/// `graph -type=plan|apply`: the plan's operations as DOT, each pointing at the operations it
/// waits for.
pub fn operations_dot(plan: &Plan) -> String {
    let label = |i: usize| {
        let op = &plan.operations[i];
        let change = &plan.changes[op.change];
        let what = match (change.action, op.step) {
            (_, crate::plan::Step::Destroy) => "destroy",
            (Action::Create | Action::DeleteThenCreate | Action::CreateThenDelete, _) => "create",
            (Action::Update, _) => "update",
            (Action::Read, _) => "read",
            _ => "no-op",
        };
        super::dot_escaped(&format!("{} ({what})", change.addr))
    };
    let mut out = String::from(
        "digraph G {\n  rankdir = \"RL\";\n  node [shape = rect, fontname = \"sans-serif\"];\n",
    );
    for i in 0..plan.operations.len() {
        out.push_str(&format!("  \"{}\";\n", label(i)));
    }
    for (i, op) in plan.operations.iter().enumerate() {
        for &after in &op.after {
            out.push_str(&format!("  \"{}\" -> \"{}\";\n", label(i), label(after)));
        }
    }
    out.push_str("}\n");
    out
}

/// "Network reachability:": the pairs of networks the plan connects (+) and disconnects (-);
/// beyond [`PAIRS_LISTED`] pairs, the groups of networks they form instead.
fn reachability_text(plan: &Plan, painter: Painter, out: &mut String) {
    let change = &plan.reachability;
    if change.is_empty() {
        return;
    }
    out.push_str("\nNetwork reachability:\n");
    for (pairs, symbol) in [
        (&change.gained, painter.green("+")),
        (&change.lost, painter.red("-")),
    ] {
        if pairs.len() <= PAIRS_LISTED {
            for pair in pairs {
                out.push_str(&format!("  {symbol} {} <-> {}\n", pair.from, pair.to));
            }
            continue;
        }
        for (members, count) in pair_groups(pairs) {
            let names: Vec<String> = members.iter().map(ToString::to_string).collect();
            out.push_str(&format!(
                "  {symbol} {count} pairs among {} networks: {}\n",
                names.len(),
                names.join(", ")
            ));
        }
    }
}

/// How many pairs are listed one by one before they are summarised by group.
const PAIRS_LISTED: usize = 20;

/// The connected groups the pairs form (members sorted), each with its number of pairs.
fn pair_groups(pairs: &[crate::rules::reach::Pair]) -> Vec<(Vec<&ResourceAddr>, usize)> {
    let mut group_of: BTreeMap<&ResourceAddr, usize> = BTreeMap::new();
    let mut groups: Vec<(BTreeSet<&ResourceAddr>, usize)> = Vec::new();
    for pair in pairs {
        let found = (
            group_of.get(&pair.from).copied(),
            group_of.get(&pair.to).copied(),
        );
        let group = match found {
            (Some(a), Some(b)) if a != b => {
                let (keep, merge) = (a.min(b), a.max(b));
                let moved = std::mem::take(&mut groups[merge]);
                for member in &moved.0 {
                    group_of.insert(member, keep);
                }
                groups[keep].0.extend(moved.0);
                groups[keep].1 += moved.1;
                keep
            }
            (Some(a), _) | (_, Some(a)) => a,
            (None, None) => {
                groups.push((BTreeSet::new(), 0));
                groups.len() - 1
            }
        };
        for end in [&pair.from, &pair.to] {
            groups[group].0.insert(end);
            group_of.insert(end, group);
        }
        groups[group].1 += 1;
    }
    groups
        .into_iter()
        .filter(|(members, _)| !members.is_empty())
        .map(|(members, count)| (members.into_iter().collect(), count))
        .collect()
}

/// The symbols the plan uses, explained (nothing when it only moves objects).
fn legend(plan: &Plan, painter: Painter, out: &mut String) {
    let symbols = [
        (Action::Create, painter.green("+"), "create"),
        (Action::Update, painter.yellow("~"), "update in-place"),
        (Action::Delete, painter.red("-"), "destroy"),
        (
            Action::DeleteThenCreate,
            format!("{}/{}", painter.red("-"), painter.green("+")),
            "destroy and then create replacement",
        ),
        (
            Action::CreateThenDelete,
            format!("{}/{}", painter.green("+"), painter.red("-")),
            "create replacement and then destroy",
        ),
        (
            Action::Read,
            painter.paint("<=", anstyle::AnsiColor::Cyan.on_default()),
            "read (data resources)",
        ),
    ];
    let mut lines = String::new();
    for (action, symbol, text) in symbols {
        if plan.actions().any(|c| c.action == action) {
            let pad = match action {
                Action::Read => " ",
                a if a.is_replace() => "",
                _ => "  ",
            };
            lines.push_str(&format!("{pad}{symbol} {text}\n"));
        }
    }
    if !lines.is_empty() {
        out.push_str("\nvnetform used the selected backend to generate the following execution\nplan. Resource actions are indicated with the following symbols:\n");
        out.push_str(&lines);
    }
}

fn header(change: &crate::plan::ResourceChange) -> String {
    let addr = &change.addr;
    match (&change.moved_from, &change.importing, change.action) {
        (Some(from), _, Action::NoOp) => format!("# {from} has moved to {addr}"),
        (Some(from), _, _) => format!("{}\n  # (moved from {from})", action_header(change)),
        (None, Some(_), Action::NoOp) => format!("# {addr} will be imported"),
        (None, Some(id), _) => format!("{}\n  # (imported from \"{id}\")", action_header(change)),
        (None, None, _) => action_header(change),
    }
}

fn action_header(change: &crate::plan::ResourceChange) -> String {
    let addr = &change.addr;
    let because = |why: String| format!("# {addr} will be destroyed\n  # (because {why})");
    match (change.action, change.reason) {
        (Action::Create, _) => format!("# {addr} will be created"),
        (Action::Update, _) => format!("# {addr} will be updated in-place"),
        (Action::Delete, Some(Reason::NoResourceConfig)) => {
            because(format!("{addr} is not in configuration"))
        }
        (Action::Delete, Some(Reason::NoModule)) => because(format!(
            "{} is not in configuration",
            crate::addr::module_path_string(&addr.module)
        )),
        (Action::Delete, Some(Reason::CountIndex)) => because(format!(
            "index {} is out of range for count",
            addr.key
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        )),
        (Action::Delete, Some(Reason::EachKey)) => because(format!(
            "key {} is not in for_each map",
            addr.key
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        )),
        (Action::Delete, Some(Reason::WrongRepetition)) => {
            because("resource uses count or for_each differently now".into())
        }
        (Action::Delete, _) => format!("# {addr} will be destroyed"),
        (Action::Read, Some(Reason::ReadDependencyPending)) => {
            format!(
                "# {addr} will be read during apply\n  # (depends on a resource or a module with changes pending)"
            )
        }
        (Action::Read, _) => format!(
            "# {addr} will be read during apply\n  # (config refers to values not yet known)"
        ),
        (_, Some(Reason::Tainted)) => format!("# {addr} is tainted, so must be replaced"),
        (_, Some(Reason::Requested)) => format!("# {addr} will be replaced, as requested"),
        (_, Some(Reason::DependencyReplaced)) => {
            format!("# {addr} must be replaced, as an object it uses is replaced")
        }
        _ => format!("# {addr} must be replaced"),
    }
}

fn change_text(change: &crate::plan::ResourceChange, painter: Painter, out: &mut String) {
    let symbol = match change.action {
        Action::Create => format!("  {}", painter.green("+")),
        Action::Update => format!("  {}", painter.yellow("~")),
        Action::Delete => format!("  {}", painter.red("-")),
        Action::DeleteThenCreate => format!("{}/{}", painter.red("-"), painter.green("+")),
        Action::CreateThenDelete => format!("{}/{}", painter.green("+"), painter.red("-")),
        Action::Read => format!(
            " {}",
            painter.paint("<=", anstyle::AnsiColor::Cyan.on_default())
        ),
        Action::NoOp => "   ".into(),
    };
    let block = schema_body(&change.addr);
    let before = change
        .before
        .as_ref()
        .map(|b| marked_prior(b, &change.before_sensitive, block));
    let shown = Shown {
        title: &header(change),
        symbol: &symbol,
        before: before.as_ref(),
        after: change.after.as_deref(),
    };
    resource_block(&change.addr, &shown, &change.replace_paths, painter, out);
}

/// The schema of a resource or data source, for laying out its attributes.
fn schema_body(addr: &crate::addr::ResourceAddr) -> Option<&'static model::Block> {
    match addr.mode {
        crate::addr::Mode::Managed => model::schema(&addr.resource_type).map(|s| &s.body),
        crate::addr::Mode::Data => model::data_schema(&addr.resource_type).map(|d| &d.schema.body),
    }
}

/// What one resource entry of a plan shows.
struct Shown<'a> {
    title: &'a str,
    symbol: &'a str,
    before: Option<&'a Value>,
    after: Option<&'a Value>,
}

/// `# title`, then `SYMBOL resource "TYPE" "NAME" {`, the body, and the closing brace.
fn resource_block(
    addr: &crate::addr::ResourceAddr,
    shown: &Shown<'_>,
    replace_paths: &[model::Path],
    painter: Painter,
    out: &mut String,
) {
    out.push_str(&format!("  {}\n", painter.bold(shown.title)));
    let keyword = if addr.mode == crate::addr::Mode::Data {
        "data"
    } else {
        "resource"
    };
    out.push_str(&format!(
        "{} {keyword} \"{}\" \"{}\" {{\n",
        shown.symbol, addr.resource_type, addr.name
    ));
    let block = schema_body(addr);
    BodyWriter {
        painter,
        out,
        replace_paths,
        show_all: false,
    }
    .body(block, shown.before, shown.after, 1, &Vec::new());
    out.push_str("    }\n");
}

/// A refresh-only plan: what changed outside vnetform, to be recorded without acting on it.
fn refresh_only_text(plan: &Plan, painter: Painter, out: &mut String) {
    if plan.drift.is_empty() {
        out.push_str(&format!(
            "\n{}\n\nvnetform has checked that the real remote objects still match the result of your\nmost recent changes, and found no differences.\n",
            painter.bold(&painter.green("No changes. Your infrastructure still matches the configuration."))
        ));
        return;
    }
    drift_text(&plan.drift, painter, out);
    out.push_str("\nThis is a refresh-only plan, so vnetform will not take any actions to undo\nthese. If you were expecting these changes then you can apply this plan to\nrecord the updated values in the vnetform state without changing any remote\nobjects.\n");
}

fn drift_text(drift: &[Drift], painter: Painter, out: &mut String) {
    out.push_str(&format!(
        "\n{}\n\nvnetform detected the following changes made outside of vnetform since the\nlast \"vnetform apply\" which may have affected this plan:\n",
        painter.bold("Note: Objects have changed outside of vnetform")
    ));
    for d in drift {
        let addr = &d.addr;
        let block = model::schema(&addr.resource_type).map(|s| &s.body);
        let before = marked_prior(&d.before, &d.sensitive, block);
        let after = d
            .after
            .as_ref()
            .map(|a| marked_prior(a, &d.sensitive, block));
        let (title, symbol) = match after {
            Some(_) => (
                format!("# {addr} has changed"),
                format!("  {}", painter.yellow("~")),
            ),
            None => (
                format!("# {addr} has been deleted"),
                format!("  {}", painter.red("-")),
            ),
        };
        out.push('\n');
        let shown = Shown {
            title: &title,
            symbol: &symbol,
            before: Some(&before),
            after: after.as_ref(),
        };
        resource_block(addr, &shown, &[], painter, out);
    }
}

/// "Changes to Outputs:", laid out like attributes of an object (list items on their own
/// lines, `=` aligned).
fn outputs_text(plan: &Plan, painter: Painter, out: &mut String) {
    let changed: Vec<_> = plan.outputs.iter().filter(|(_, o)| o.is_change()).collect();
    if changed.is_empty() {
        return;
    }
    out.push_str("\nChanges to Outputs:\n");
    let mut before = crate::eval::value::Fields::new();
    let mut after = crate::eval::value::Fields::new();
    for (name, o) in changed {
        if let Some(b) = &o.before {
            before.insert(
                name.as_str().into(),
                Value::from(b.clone()).mark_if(o.sensitive),
            );
        }
        if let Some(a) = &o.after {
            after.insert(name.as_str().into(), a.clone().mark_if(o.sensitive));
        }
    }
    let (before, after) = (Value::Map(before), Value::Map(after));
    BodyWriter {
        painter,
        out,
        replace_paths: &[],
        show_all: false,
    }
    .body(None, Some(&before), Some(&after), 0, &Vec::new());
}

/// A resource as `state show` and `show` print it: every attribute, no change markers.
pub fn resource_text(
    addr: &crate::addr::ResourceAddr,
    attributes: &Value,
    sensitive: &[String],
    painter: Painter,
) -> String {
    let block = model::schema(&addr.resource_type).map(|s| &s.body);
    let value = marked_prior(attributes, sensitive, block);
    let mut out = format!(
        "# {addr}:\nresource \"{}\" \"{}\" {{\n",
        addr.resource_type, addr.name
    );
    let mut body = String::new();
    BodyWriter {
        painter,
        out: &mut body,
        replace_paths: &[],
        show_all: true,
    }
    .body(block, Some(&value), Some(&value), 1, &Vec::new());
    // State listings indent attributes by four spaces, not by a plan's change column.
    for line in body.lines() {
        out.push_str(line.strip_prefix("    ").unwrap_or(line));
        out.push('\n');
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::reach::Pair;

    #[test]
    fn long_reachability_lists_are_grouped() {
        let vnet = |n: usize| ResourceAddr::managed("azurerm_virtual_network", format!("v{n}"));
        // Two separate chains: v0..v11 and v20..v31, 22 pairs in all.
        let pairs: Vec<Pair> = (0..11)
            .chain(20..31)
            .map(|i| Pair {
                from: vnet(i),
                to: vnet(i + 1),
            })
            .collect();
        let groups = pair_groups(&pairs);
        assert_eq!(groups.len(), 2);
        assert_eq!((groups[0].0.len(), groups[0].1), (12, 11));
        let mut plan_text = String::new();
        let plan = Plan {
            reachability: crate::rules::reach::ReachabilityChange {
                gained: pairs,
                lost: Vec::new(),
            },
            ..serde_json::from_value(serde_json::json!({
                "changes": [], "operations": [], "outputs": {}, "destroy": false,
                "drift": [], "lineage": "", "serial": 0
            }))
            .unwrap()
        };
        reachability_text(&plan, Painter { color: false }, &mut plan_text);
        assert!(plan_text.contains("+ 11 pairs among 12 networks: azurerm_virtual_network.v0,"));
    }
}
