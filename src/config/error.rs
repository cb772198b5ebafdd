//! Errors found while reading and parsing configuration files.

use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};

use crate::source::{FileId, Located, Sources, Span};

/// One configuration problem.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ConfigError {
    #[error("Invalid HCL syntax: {message}")]
    #[diagnostic(code(config::syntax))]
    Syntax {
        message: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("Invalid JSON configuration: {message}")]
    #[diagnostic(
        code(config::json),
        help("a .tf.json file holds one JSON object in Terraform's JSON configuration syntax")
    )]
    JsonSyntax {
        message: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("{summary}")]
    #[diagnostic(code(config::invalid))]
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

    #[error("Duplicate {what}")]
    #[diagnostic(code(config::duplicate), help("each {what} must be declared once"))]
    Duplicate {
        what: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("declared again here")]
        span: SourceSpan,
    },

    #[error("Failed to read {path}: {source}")]
    #[diagnostic(code(config::io))]
    Io {
        path: String,
        source: std::io::Error,
    },

    #[error("No configuration files in {dir}")]
    #[diagnostic(
        code(config::empty),
        help(
            "vnetform reads the *.tf files of the working directory; use -chdir=DIR to choose another"
        )
    )]
    NoFiles { dir: String },
}

impl ConfigError {
    /// A file or directory that could not be read or written.
    pub fn io(path: &std::path::Path, source: std::io::Error) -> ConfigError {
        ConfigError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// Text that does not parse as HCL, at the parser's position in `file`.
    pub fn syntax(sources: &Sources, file: FileId, e: &hcl_edit::parser::Error) -> ConfigError {
        let offset = e.location().offset();
        let at = sources.locate(Span::new(file, offset..offset));
        ConfigError::Syntax {
            message: e.message().to_owned(),
            src: at.src,
            span: at.span,
        }
    }

    /// A problem with a summary, a label at the offending span, and an optional hint.
    pub fn invalid(
        summary: impl Into<String>,
        label: impl Into<String>,
        detail: Option<String>,
        at: Located,
    ) -> ConfigError {
        ConfigError::Invalid {
            summary: summary.into(),
            detail,
            src: at.src,
            span: at.span,
            label: label.into(),
        }
    }
}

/// Every problem found in one configuration, reported together.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{} configuration error(s)", errors.len())]
pub struct ConfigErrors {
    #[related]
    pub errors: Vec<ConfigError>,
}

/// Something in the configuration that works but should change.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ConfigWarning {
    #[error("Quoted type constraints are deprecated")]
    #[diagnostic(
        code(config::quoted_type),
        severity(Warning),
        help(
            "Terraform 0.11 wrote types in quotes, and Terraform 1.x refuses them; write {keyword} without the quotes"
        )
    )]
    QuotedType {
        keyword: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("remove the quotes")]
        span: SourceSpan,
    },

    #[error("State backend \"{kind}\" is not used")]
    #[diagnostic(
        code(config::backend),
        severity(Warning),
        help(
            "vnetform keeps state in a local file (vnetform.tfstate, or the file given with -state=PATH or init -backend-config=path=PATH) or in PostgreSQL with backend \"pg\""
        )
    )]
    UnusedBackend {
        kind: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("state is kept locally instead")]
        span: SourceSpan,
    },
}
