//! Diagnostics: miette's graphical report for people, Terraform's JSON shape for machines.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, Severity};
use serde_json::json;

use crate::source::positions;

/// The individual problems inside a diagnostic that collects several (`#[related]`).
pub fn flatten(d: &dyn Diagnostic) -> Vec<&dyn Diagnostic> {
    match d.related() {
        Some(related) => {
            let items: Vec<&dyn Diagnostic> = related.collect();
            if items.is_empty() {
                vec![d]
            } else {
                items.into_iter().flat_map(flatten).collect()
            }
        }
        None => vec![d],
    }
}

pub fn is_error(d: &dyn Diagnostic) -> bool {
    !matches!(d.severity(), Some(Severity::Warning | Severity::Advice))
}

/// Every problem as miette draws it (no colour unless asked, width 80 for stable output).
pub fn human(d: &dyn Diagnostic, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(80)
        .with_links(false);
    let mut out = String::new();
    for item in flatten(d) {
        let _ = handler.render_report(&mut out, &WithoutCode(item));
        out.push('\n');
    }
    out
}

/// Shows a diagnostic without its code: people read the message, machines get the code in
/// the JSON forms.
struct WithoutCode<'a>(&'a dyn Diagnostic);

impl std::fmt::Debug for WithoutCode<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.0, f)
    }
}

impl std::fmt::Display for WithoutCode<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self.0, f)
    }
}

impl std::error::Error for WithoutCode<'_> {}

impl Diagnostic for WithoutCode<'_> {
    fn severity(&self) -> Option<Severity> {
        self.0.severity()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.0.help()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0.source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.0.labels()
    }
}

/// One diagnostic in Terraform's JSON shape (`validate -json`, `plan -json`).
pub fn to_json(d: &dyn Diagnostic) -> serde_json::Value {
    let severity = if is_error(d) { "error" } else { "warning" };
    let mut value = json!({
        "severity": severity,
        "summary": d.to_string(),
        "detail": d.help().map(|h| h.to_string()).unwrap_or_default(),
    });
    if let Some(code) = d.code() {
        value["code"] = json!(code.to_string());
    }
    let label = d.labels().and_then(|mut l| l.next());
    if let (Some(src), Some(label)) = (d.source_code(), label)
        && let Some((start, end)) = positions(src, *label.inner())
    {
        let filename = src
            .read_span(label.inner(), 0, 0)
            .ok()
            .and_then(|c| c.name().map(str::to_owned))
            .unwrap_or_default();
        value["range"] = json!({"filename": filename, "start": start, "end": end});
    }
    value
}
