//! Apply progress, the closing summary, and output listings.

use std::collections::BTreeMap;
use std::time::Duration;

use super::Painter;
use super::values::hcl;
use crate::apply::{ApplyOutcome, Event, Verb};
use crate::eval::value::Value;

/// One progress line, as Terraform prints it.
pub fn event_line(event: &Event, painter: Painter) -> String {
    match event {
        Event::Started { addr, verb, id } => {
            let what = match verb {
                Verb::Create => "Creating...",
                Verb::Modify => "Modifying...",
                Verb::Destroy => "Destroying...",
            };
            let id = id
                .as_ref()
                .map(|i| format!(" [id={i}]"))
                .unwrap_or_default();
            format!("{}: {what}{id}", painter.bold(&addr.to_string()))
        }
        Event::Completed {
            addr,
            verb,
            elapsed,
            id,
        } => {
            let what = match verb {
                Verb::Create => "Creation complete",
                Verb::Modify => "Modifications complete",
                Verb::Destroy => "Destruction complete",
            };
            let id = match verb {
                Verb::Destroy => String::new(),
                _ => id
                    .as_ref()
                    .map(|i| format!(" [id={i}]"))
                    .unwrap_or_default(),
            };
            format!(
                "{}: {what} after {}{id}",
                painter.bold(&addr.to_string()),
                elapsed_text(*elapsed)
            )
        }
        Event::Still {
            addr,
            verb,
            elapsed,
        } => {
            let what = match verb {
                Verb::Create => "creating",
                Verb::Modify => "modifying",
                Verb::Destroy => "destroying",
            };
            format!(
                "{}: Still {what}... [{} elapsed]",
                painter.bold(&addr.to_string()),
                elapsed_text(*elapsed)
            )
        }
        Event::Failed { addr, verb, error } => {
            let what = match verb {
                Verb::Create => "creating",
                Verb::Modify => "updating",
                Verb::Destroy => "destroying",
            };
            format!(
                "{}: {} {what}: {error}",
                painter.bold(&addr.to_string()),
                painter.red("Error")
            )
        }
    }
}

/// The live overall progress of an apply, for the bottom line of a terminal.
pub fn progress_line(done: usize, total: usize, running: usize, failed: usize) -> String {
    let failed = if failed > 0 {
        format!(", {failed} failed")
    } else {
        String::new()
    };
    format!("[{done}/{total} done, {running} running{failed}]")
}

/// Terraform's elapsed format: `6s`, `1m20s`.
pub fn elapsed_text(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// The closing lines of an apply or destroy.
pub fn summary(outcome: &ApplyOutcome, imported: usize, destroy: bool, painter: Painter) -> String {
    let mut out = String::new();
    let imported = match imported {
        0 => String::new(),
        n => format!("{n} imported, "),
    };
    if outcome.failures.is_empty() && outcome.not_started.is_empty() {
        let text = if destroy {
            format!(
                "Destroy complete! Resources: {} destroyed.",
                outcome.destroyed
            )
        } else {
            format!(
                "Apply complete! Resources: {imported}{} added, {} changed, {} destroyed.",
                outcome.added, outcome.changed, outcome.destroyed
            )
        };
        out.push_str(&format!("\n{}\n", painter.bold(&painter.green(&text))));
        return out;
    }
    let headline = if outcome.not_started.is_empty() {
        "Apply failed."
    } else {
        "Apply interrupted."
    };
    out.push_str(&format!(
        "\n{} {} added, {} changed, {} destroyed; {} failed, {} skipped because something they depend on failed, {} not started.\n",
        painter.bold(&painter.red(headline)),
        outcome.added,
        outcome.changed,
        outcome.destroyed,
        outcome.failures.len(),
        outcome.skipped.len(),
        outcome.not_started.len()
    ));
    for addr in &outcome.skipped {
        out.push_str(&format!("  skipped: {addr}\n"));
    }
    for addr in &outcome.not_started {
        out.push_str(&format!("  not started: {addr}\n"));
    }
    out
}

/// `name = value` lines, with `<sensitive>` for sensitive outputs.
pub fn outputs_listing(outputs: &BTreeMap<String, (Value, bool)>) -> String {
    let mut out = String::new();
    for (name, (value, sensitive)) in outputs {
        let text = if *sensitive {
            "<sensitive>".to_owned()
        } else {
            hcl(value, 0)
        };
        out.push_str(&format!("{name} = {text}\n"));
    }
    out
}

/// The value of one output as `output NAME` prints it (`-raw` prints strings unquoted).
pub fn output_value(value: &Value, raw: bool) -> Option<String> {
    match (raw, value.unmark().0) {
        (true, Value::String(s)) => Some(s.clone()),
        (true, Value::Number(_) | Value::Bool(_)) => Some(hcl(value, 0)),
        (true, _) => None,
        (false, _) => Some(hcl(&value.unmark_deep(), 0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_operations_report_in_terraforms_words() {
        let event = Event::Still {
            addr: "azurerm_virtual_network_gateway.gw1".parse().unwrap(),
            verb: Verb::Create,
            elapsed: Duration::from_secs(130),
        };
        assert_eq!(
            event_line(&event, Painter { color: false }),
            "azurerm_virtual_network_gateway.gw1: Still creating... [2m10s elapsed]"
        );
        assert_eq!(
            progress_line(12, 30, 4, 1),
            "[12/30 done, 4 running, 1 failed]"
        );
    }
}
