//! Source files and spans: the text every diagnostic points into.
//!
//! Owns the loaded file texts (shared, never copied per error) and the conversion of a byte
//! range into what miette and Terraform's JSON diagnostics need, and the edit distance behind
//! every "did you mean" in a diagnostic. Knows nothing of HCL.

use std::ops::Range;
use std::sync::Arc;

use miette::{NamedSource, SourceCode, SourceSpan};

/// One loaded file (its text shared, so copies are cheap).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as shown to users (relative to the working directory).
    pub name: String,
    pub text: SourceText,
    /// For a file assembled from pieces of others (an override merged into the block it
    /// overrides, a part of a large file parsed on its own): where each piece of `text` was
    /// copied from, so diagnostics point there.
    pieces: Vec<Piece>,
}

impl SourceFile {
    /// Whether the file was assembled from others rather than read.
    pub fn is_assembled(&self) -> bool {
        !self.pieces.is_empty()
    }
}

/// A file's text: all of a shared string, or (for a part of a large file parsed on its own)
/// a window of another file's, without a copy.
#[derive(Debug, Clone)]
pub struct SourceText {
    all: Arc<str>,
    window: Range<usize>,
}

impl SourceText {
    fn whole(text: String) -> SourceText {
        let all: Arc<str> = Arc::from(text);
        let window = 0..all.len();
        SourceText { all, window }
    }
}

impl std::ops::Deref for SourceText {
    type Target = str;

    fn deref(&self) -> &str {
        &self.all[self.window.clone()]
    }
}

/// `range` of an assembled file's text comes from `file`, starting at `offset`.
#[derive(Debug, Clone)]
pub struct Piece {
    pub range: Range<usize>,
    pub file: FileId,
    pub offset: usize,
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
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, name: String, text: String) -> FileId {
        self.add_assembled(name, text, Vec::new())
    }

    /// Adds a file assembled from `pieces` of files already added.
    pub fn add_assembled(&mut self, name: String, text: String, pieces: Vec<Piece>) -> FileId {
        self.files.push(SourceFile {
            name,
            text: SourceText::whole(text),
            pieces,
        });
        self.files.len() - 1
    }

    /// Adds `range` of `file` as a file of its own, sharing its text: its spans start at 0,
    /// and diagnostics point into `file`.
    pub fn add_window(&mut self, file: FileId, range: Range<usize>) -> FileId {
        let of = &self.files[file];
        let piece = Piece {
            range: 0..range.len(),
            file,
            offset: range.start,
        };
        let window = of.text.window.start + range.start..of.text.window.start + range.end;
        self.files.push(SourceFile {
            name: of.name.clone(),
            text: SourceText {
                all: Arc::clone(&of.text.all),
                window,
            },
            pieces: vec![piece],
        });
        self.files.len() - 1
    }

    /// Follows an assembled file's pieces back to the file the spanned text was written in.
    fn original(&self, span: Span) -> Span {
        let pieces = &self.files[span.file].pieces;
        let piece = pieces
            .iter()
            .find(|p| p.range.contains(&span.start))
            .or_else(|| pieces.iter().find(|p| p.range.end == span.start));
        let Some(piece) = piece else {
            return span;
        };
        let start = piece.offset + (span.start - piece.range.start);
        let end = piece.offset + (span.end.clamp(span.start, piece.range.end) - piece.range.start);
        self.original(Span {
            file: piece.file,
            start,
            end,
        })
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The pair a miette diagnostic needs to point at `span`.
    pub fn locate(&self, span: Span) -> Located {
        let span = self.original(span);
        let file = self.file(span.file);
        Located {
            // A file whose pieces were followed back is whole, never a window.
            src: NamedSource::new(file.name.clone(), Arc::clone(&file.text.all)),
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

/// The byte offset of a 1-based line and column (as JSON parsers report positions), clamped
/// to the text.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
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

/// Levenshtein distance, for suggesting the name a typo meant.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}
