//! Source files and spans: the text every diagnostic points into.
//!
//! Owns the loaded file texts (shared, never copied per error) and the conversion of a byte
//! range into what miette and Terraform's JSON diagnostics need. Knows nothing of HCL.

use std::ops::Range;
use std::sync::Arc;

use miette::{NamedSource, SourceCode, SourceSpan};

/// One loaded file.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as shown to users (relative to the working directory).
    pub name: String,
    pub text: Arc<str>,
}

/// Index of a file in [`Sources`].
pub type FileId = usize;

/// A byte range in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span {
            file,
            start: range.start,
            end: range.end,
        }
    }
}

/// All files of a configuration.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, name: String, text: String) -> FileId {
        self.files.push(SourceFile {
            name,
            text: Arc::from(text),
        });
        self.files.len() - 1
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The pair a miette diagnostic needs to point at `span`.
    pub fn locate(&self, span: Span) -> Located {
        let file = self.file(span.file);
        Located {
            src: NamedSource::new(file.name.clone(), Arc::clone(&file.text)),
            span: SourceSpan::from(span.start..span.end.max(span.start)),
        }
    }
}

/// A source file and a span in it, ready for a diagnostic's `#[source_code]` and `#[label]`.
#[derive(Debug, Clone)]
pub struct Located {
    pub src: NamedSource<Arc<str>>,
    pub span: SourceSpan,
}

/// Line and column (1-based) and byte offset of a position, as Terraform's JSON reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub byte: usize,
}

/// Resolves a span in any miette source to start and end positions.
pub fn positions(src: &dyn SourceCode, span: SourceSpan) -> Option<(Position, Position)> {
    let at = |offset: usize| -> Option<Position> {
        let contents = src
            .read_span(&SourceSpan::from(offset..offset), 0, 0)
            .ok()?;
        Some(Position {
            line: contents.line() + 1,
            column: contents.column() + 1,
            byte: offset,
        })
    };
    Some((at(span.offset())?, at(span.offset() + span.len())?))
}
