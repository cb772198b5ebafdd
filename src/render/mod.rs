//! Rendering: everything the user reads.
//!
//! Owns the human plan (Terraform's symbols and phrases), apply progress, outputs, the JSON
//! documents (`plan -json` stream, `show -json`, `validate -json`), DOT, and diagnostics
//! (miette, with the same settings in tests). It only formats: it never decides actions or
//! computes diffs beyond laying out before and after values, and it never prints a
//! sensitive value.

pub mod apply;
pub mod diagnostics;
pub mod generate;
pub mod json;
pub mod plan;
pub mod reach;
pub mod topology;
mod values;

use anstyle::{AnsiColor, Style};

/// Text made safe inside a DOT quoted string.
fn dot_escaped(text: &str) -> String {
    text.replace('"', "\\\"")
}

/// Colours output when enabled (not with `-no-color`, `NO_COLOR`, or a non-terminal).
#[derive(Debug, Clone, Copy)]
pub struct Painter {
    pub color: bool,
}

impl Painter {
    pub fn paint(&self, text: &str, style: Style) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    }

    pub fn green(&self, text: &str) -> String {
        self.paint(text, AnsiColor::Green.on_default())
    }

    pub fn red(&self, text: &str) -> String {
        self.paint(text, AnsiColor::Red.on_default())
    }

    pub fn yellow(&self, text: &str) -> String {
        self.paint(text, AnsiColor::Yellow.on_default())
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(text, Style::new().bold())
    }
}
