//! Errors and warnings of evaluation.

use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};

use crate::source::Located;

/// One evaluation problem, pointing at the expression responsible.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum EvalError {
    #[error("{summary}")]
    #[diagnostic(code(eval::invalid))]
    Invalid {
        summary: String,
        #[help]
        detail: Option<String>,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
    },

    #[error("Invalid value for variable \"{name}\" from {origin}: {reason}")]
    #[diagnostic(code(eval::variable_value))]
    VariableInput {
        name: String,
        origin: String,
        reason: String,
    },

    #[error("Value for undeclared variable \"{name}\"")]
    #[diagnostic(
        code(eval::undeclared_variable),
        help("a -var option can only set variables declared in a variable block")
    )]
    UndeclaredVariable { name: String },

    #[error("Invalid -var option \"{raw}\"")]
    #[diagnostic(
        code(eval::var_syntax),
        help("the option must be NAME=VALUE, e.g. -var 'location=westeurope'")
    )]
    VarSyntax { raw: String },
}

impl EvalError {
    pub fn invalid(
        summary: impl Into<String>,
        label: impl Into<String>,
        detail: Option<String>,
        at: Located,
    ) -> Self {
        EvalError::Invalid {
            summary: summary.into(),
            detail,
            src: at.src,
            span: at.span,
            label: label.into(),
        }
    }
}

/// A warning found during evaluation (the run goes on).
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum EvalWarning {
    #[error("Value for undeclared variable \"{name}\" in {origin}")]
    #[diagnostic(
        code(eval::undeclared_variable),
        severity(Warning),
        help("the value is ignored; declare the variable or remove the assignment")
    )]
    UndeclaredVariable { name: String, origin: String },
}

/// Every evaluation problem of a run, reported together.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{} error(s) evaluating the configuration", errors.len())]
pub struct EvalErrors {
    #[related]
    pub errors: Vec<EvalError>,
}
