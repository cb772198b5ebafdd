//! Data-driven cases from `testdata/`:
//!
//! - `plan/<case>/`: the case's `*.tf` is planned against a simulated cloud prepared by
//!   applying `other/` with a state of its own (objects the case's data sources find),
//!   applying `before/` (when present; an empty `applied` file instead applies the case's own
//!   configuration first) and by the out-of-band changes listed in `sim.txt`
//!   (`delete ADDR`, `set ADDR ATTR=VALUE`); extra plan flags come from `args`. The plan text
//!   is compared with `plan.snap`; a configuration that plans must also validate, and the
//!   plan is then applied and a second plan must show no changes.
//! - `invalid/<case>.tf`: `validate` must report exactly the problems marked on the lines
//!   that carry `# ERROR: <summary>` (or `# WARNING: <summary>`), and its report is compared
//!   with `<case>.snap`.
//! - `corpus/<config>/`: a complete configuration in one of the styles found in real
//!   repositories; it must validate, plan, apply, re-plan to no changes, and destroy to an
//!   empty state.
//! - `fmt/<case>.tf`: the formatted text is compared with `<case>.snap`, and formatting it
//!   again must change nothing.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::Workspace;

fn plan_case(main: &Path) -> datatest_stable::Result<()> {
    let case = main.parent().expect("case directory");
    let ws = Workspace::new();
    let other = case.join("other");
    if other.is_dir() {
        ws.use_config(&other);
        ws.run(&[
            "apply",
            "-auto-approve",
            "-no-color",
            "-state=other.tfstate",
        ])
        .ok();
    }
    let before = case.join("before");
    let applied_first = case.join("applied").is_file();
    if before.is_dir() || applied_first {
        ws.use_config(if applied_first { case } else { &before });
        ws.run(&["apply", "-auto-approve", "-no-color"]).ok();
    }
    ws.use_config(case);
    if let Ok(script) = std::fs::read_to_string(case.join("sim.txt")) {
        for line in script
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            match line.split_whitespace().collect::<Vec<_>>().as_slice() {
                ["delete", addr] => ws.run(&["sim", "delete", &ws.id_of(addr)]).ok(),
                ["set", addr, assignment] => {
                    ws.run(&["sim", "set", &ws.id_of(addr), assignment]).ok()
                }
                other => panic!("unknown sim.txt line {other:?}"),
            };
        }
    }
    let extra: Vec<String> = std::fs::read_to_string(case.join("args"))
        .map(|a| a.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();

    let plan = ws.run(&[&["plan", "-no-color"], extra.as_slice()].concat());
    let text = format!(
        "exit code: {}\n{}\n{}",
        plan.code,
        plan.plan_text(),
        plan.stderr
    );
    insta::with_settings!({
        snapshot_path => case.canonicalize()?,
        prepend_module_to_snapshot => false,
        omit_expression => true,
        input_file => main,
    }, {
        insta::assert_snapshot!("plan", text);
    });
    if plan.code != 0 {
        return Ok(());
    }
    let validate = ws.run(&["validate", "-no-color"]);
    assert_eq!(
        validate.code, 0,
        "a configuration that plans must validate:\n{}",
        validate.stderr
    );
    ws.run(&[&["apply", "-auto-approve", "-no-color"], extra.as_slice()].concat())
        .ok();
    // `-replace` asks for one replacement, not one on every plan.
    let lasting: Vec<&str> = extra
        .iter()
        .copied()
        .filter(|a| !a.starts_with("-replace"))
        .collect();
    let again = ws.run(
        &[
            &["plan", "-no-color", "-detailed-exitcode"],
            lasting.as_slice(),
        ]
        .concat(),
    );
    assert_eq!(
        again.code, 0,
        "a second plan after apply must show no changes:\n{}",
        again.stdout
    );
    Ok(())
}

/// (line, severity, summary) of every `# ERROR:` / `# WARNING:` marker.
fn markers(text: &str) -> BTreeSet<(usize, String, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let (_, marker) = line.split_once("# ")?;
            let (severity, summary) = marker.split_once(": ")?;
            matches!(severity, "ERROR" | "WARNING")
                .then(|| (i + 1, severity.to_lowercase(), summary.trim().to_owned()))
        })
        .collect()
}

fn invalid_case(file: &Path, text: String) -> datatest_stable::Result<()> {
    let ws = Workspace::new();
    ws.write("main.tf", &text);
    let json = ws.run(&["validate", "-json"]);
    assert_eq!(json.code, 1, "validate must fail:\n{}", json.stdout);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout)?;
    let reported: BTreeSet<(usize, String, String)> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let line = d["range"]["start"]["line"].as_u64().unwrap_or(0) as usize;
            (
                line,
                d["severity"].as_str().unwrap().to_owned(),
                d["summary"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        reported,
        markers(&text),
        "reported problems (left) differ from the # ERROR: markers (right)"
    );

    let human = ws.run(&["validate", "-no-color"]);
    snapshot_beside(file, &human.stderr)
}

/// Compares `text` with `<case>.snap` next to the case file.
fn snapshot_beside(file: &Path, text: &str) -> datatest_stable::Result<()> {
    let name = file.file_stem().unwrap().to_string_lossy().into_owned();
    insta::with_settings!({
        snapshot_path => file.parent().unwrap().canonicalize()?,
        prepend_module_to_snapshot => false,
        omit_expression => true,
        input_file => file,
    }, {
        insta::assert_snapshot!(name, text);
    });
    Ok(())
}

fn corpus_case(main: &Path) -> datatest_stable::Result<()> {
    let ws = Workspace::new();
    ws.use_config(main.parent().expect("config directory"));
    let step = |args: &[&str], want: i32| {
        let run = ws.run(args);
        assert_eq!(
            run.code, want,
            "vnetform {args:?}\n{}\n{}",
            run.stdout, run.stderr
        );
        run
    };
    step(&["validate", "-no-color"], 0);
    step(&["plan", "-no-color", "-detailed-exitcode"], 2);
    step(&["apply", "-auto-approve", "-no-color"], 0);
    step(&["plan", "-no-color", "-detailed-exitcode"], 0);
    step(&["destroy", "-auto-approve", "-no-color"], 0);
    let left = step(&["state", "list"], 0);
    assert_eq!(left.stdout, "", "destroy leaves nothing in state");
    Ok(())
}

fn fmt_case(file: &Path, text: String) -> datatest_stable::Result<()> {
    let formatted = vnetform::format::format_source(&text)?;
    assert_eq!(
        vnetform::format::format_source(&formatted)?,
        formatted,
        "formatting must be idempotent"
    );
    snapshot_beside(file, &formatted)
}

datatest_stable::harness! {
    { test = plan_case, root = "testdata", pattern = r"^plan/[^/]+/main\.tf$" },
    { test = invalid_case, root = "testdata", pattern = r"^invalid/[^/]+\.tf$" },
    { test = corpus_case, root = "testdata", pattern = r"^corpus/[^/]+/main\.tf$" },
    { test = fmt_case, root = "testdata", pattern = r"^fmt/[^/]+\.tf$" },
}
