//! Errors and warnings of evaluation.

use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};

use crate::source::Located;

/// One evaluation problem, pointing at the expression responsible (boxed: errors travel
/// through every level of expression evaluation, and the common path should stay small).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct EvalError(Box<EvalErrorKind>);

impl Diagnostic for EvalError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.0.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.help()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0.source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.0.labels()
    }
}

impl From<EvalErrorKind> for EvalError {
    fn from(kind: EvalErrorKind) -> Self {
        EvalError(Box::new(kind))
    }
}

/// The kinds of evaluation problem.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum EvalErrorKind {
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
    pub fn variable_input(
        name: impl Into<String>,
        origin: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        EvalErrorKind::VariableInput {
            name: name.into(),
            origin: origin.into(),
            reason: reason.into(),
        }
        .into()
    }

    pub fn undeclared_variable(name: impl Into<String>) -> Self {
        EvalErrorKind::UndeclaredVariable { name: name.into() }.into()
    }

    pub fn var_syntax(raw: impl Into<String>) -> Self {
        EvalErrorKind::VarSyntax { raw: raw.into() }.into()
    }

    pub fn invalid(
        summary: impl Into<String>,
        label: impl Into<String>,
        detail: Option<String>,
        at: Located,
    ) -> Self {
        EvalErrorKind::Invalid {
            summary: summary.into(),
            detail,
            src: at.src,
            span: at.span,
            label: label.into(),
        }
        .into()
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

    #[error("Argument \"{old}\" is deprecated")]
    #[diagnostic(
        code(eval::renamed),
        severity(Warning),
        help(
            "the argument was renamed to \"{new}\" in a later azurerm version; the old name is still accepted"
        )
    )]
    Renamed {
        old: String,
        new: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("use {new} instead")]
        span: SourceSpan,
    },

    #[error("The {name}() function is deprecated")]
    #[diagnostic(
        code(eval::removed_function),
        severity(Warning),
        help("Terraform 0.15 removed {name}(); write {replacement} instead")
    )]
    RemovedFunction {
        name: String,
        replacement: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("use {replacement}")]
        span: SourceSpan,
    },

    #[error("Check block assertion failed")]
    #[diagnostic(code(eval::check), severity(Warning), help("{message}"))]
    CheckFailed {
        check: String,
        message: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("check \"{check}\" does not hold")]
        span: SourceSpan,
    },

    #[error("Resource types without domain checks: {types}")]
    #[diagnostic(
        code(eval::opaque),
        severity(Warning),
        help(
            "vnetform has no schema for these types: their arguments are stored and applied as written, and no Azure rule is checked for them"
        )
    )]
    Opaque { types: String },
}

/// Every evaluation problem of a run, reported together.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{} error(s) evaluating the configuration", errors.len())]
pub struct EvalErrors {
    #[related]
    pub errors: Vec<EvalError>,
}

impl EvalWarning {
    /// Where the warning points (file name, byte offset), for listing warnings in source
    /// order; warnings without a place come first.
    pub fn position(&self) -> (String, usize) {
        match self {
            EvalWarning::Renamed { src, span, .. }
            | EvalWarning::RemovedFunction { src, span, .. }
            | EvalWarning::CheckFailed { src, span, .. } => (src.name().to_owned(), span.offset()),
            EvalWarning::UndeclaredVariable { .. } | EvalWarning::Opaque { .. } => {
                (String::new(), 0)
            }
        }
    }
}
