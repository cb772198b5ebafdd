//! Override files (`override.tf`, `*_override.tf`), merged as Terraform merges them: each of
//! their blocks changes the block of the same kind and labels in the module's other files.
//! An argument replaces the argument of the same name (or is added); nested blocks of one type
//! replace all nested blocks of that type, except `lifecycle` and `required_providers`, which
//! merge argument by argument; a `locals` entry replaces the local value of the same name.
//!
//! The merge is textual: the overridden file is assembled anew from pieces of itself and of
//! the override file, then parsed again, and [`Sources`] maps every piece back to the file it
//! was written in, so diagnostics point at the override where the override wrote the code.
//! Override files are applied in name order, each block on the result of the ones before.

use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::structure::{Attribute, Block, Body};

use super::ConfigError;
use crate::source::{FileId, Piece, Sources, Span};

/// Whether a file (by name) is an override file.
pub fn is_override(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    let stem = file
        .strip_suffix(".tf.json")
        .or_else(|| file.strip_suffix(".tf"))
        .unwrap_or(file);
    stem == "override" || stem.ends_with("_override")
}

/// Merges the override files among `files` into the others and returns the others.
pub fn merge(
    sources: &mut Sources,
    files: Vec<(FileId, Body)>,
    errors: &mut Vec<ConfigError>,
) -> Vec<(FileId, Body)> {
    let (overrides, mut primaries): (Vec<_>, Vec<_>) = files
        .into_iter()
        .partition(|(file, _)| is_override(&sources.file(*file).name));
    for (file, body) in overrides {
        for block in body.blocks() {
            merge_block(sources, &mut primaries, file, block, errors);
        }
    }
    primaries
}

/// A change to the overridden file: `range` of it becomes `chunks`.
struct Edit {
    range: Range<usize>,
    chunks: Vec<Chunk>,
}

enum Chunk {
    /// Text copied from a file.
    Copy(FileId, Range<usize>),
    Newline,
}

fn merge_block(
    sources: &mut Sources,
    primaries: &mut [(FileId, Body)],
    file: FileId,
    block: &Block,
    errors: &mut Vec<ConfigError>,
) {
    let header = Span::new(file, block.ident.span().unwrap_or(0..0));
    let kind = block.ident.as_str();
    if kind == "locals" {
        for attr in block.body.attributes() {
            let target = primaries.iter().position(|(_, body)| {
                body.get_blocks("locals")
                    .any(|l| l.body.get_attribute(attr.key.as_str()).is_some())
            });
            let Some(index) = target else {
                let at = sources.locate(Span::new(file, attr.key.span().unwrap_or(0..0)));
                errors.push(missing_base(&format!("local value \"{}\"", attr.key), at));
                continue;
            };
            let original = primaries[index]
                .1
                .get_blocks("locals")
                .find_map(|l| l.body.get_attribute(attr.key.as_str()))
                .and_then(Attribute::span)
                .unwrap_or(0..0);
            let edit = Edit {
                range: original,
                chunks: vec![copy(file, attr)],
            };
            reassemble(sources, &mut primaries[index], vec![edit], errors);
        }
        return;
    }
    if !matches!(
        kind,
        "resource" | "data" | "module" | "variable" | "output" | "provider" | "terraform"
    ) {
        let at = sources.locate(header);
        return errors.push(ConfigError::invalid(
            format!("{kind} blocks cannot be overridden"),
            "in an override file",
            Some("override files may change resource, data, module, variable, output, provider, locals and terraform blocks".into()),
            at,
        ));
    }
    let key = block_key(block);
    let target = primaries
        .iter()
        .position(|(_, body)| body.blocks().any(|b| block_key(b) == key));
    let Some(index) = target else {
        let what = std::iter::once(kind.to_owned())
            .chain(block.labels.iter().map(|l| format!("\"{}\"", l.as_str())))
            .collect::<Vec<_>>()
            .join(" ");
        return errors.push(missing_base(&what, sources.locate(header)));
    };
    let edits = {
        let base = primaries[index]
            .1
            .blocks()
            .find(|b| block_key(b) == key)
            .expect("found above");
        block_edits(base, block, file)
    };
    reassemble(sources, &mut primaries[index], edits, errors);
}

fn missing_base(what: &str, at: crate::source::Located) -> ConfigError {
    ConfigError::invalid(
        format!("Missing base {what} to override"),
        "nothing to override",
        Some("an override file can only change what the module's other files declare".into()),
        at,
    )
}

/// What a top-level block is matched by: its kind, its labels and, for a provider, its alias.
fn block_key(block: &Block) -> Vec<String> {
    let mut key: Vec<String> = std::iter::once(block.ident.as_str().to_owned())
        .chain(block.labels.iter().map(|l| l.as_str().to_owned()))
        .collect();
    if block.ident.as_str() == "provider" {
        let alias = block
            .body
            .get_attribute("alias")
            .and_then(|a| a.value.as_str().map(str::to_owned));
        key.extend(alias);
    }
    key
}

fn copy(file: FileId, node: &impl hcl_edit::Span) -> Chunk {
    Chunk::Copy(file, node.span().unwrap_or(0..0))
}

/// The edits that merge `over` (in `file`) into `base`.
fn block_edits(base: &Block, over: &Block, file: FileId) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut appended = Vec::new();
    for attr in over.body.attributes() {
        let chunk = copy(file, attr);
        match base
            .body
            .get_attribute(attr.key.as_str())
            .and_then(Attribute::span)
        {
            Some(range) => edits.push(Edit {
                range,
                chunks: vec![chunk],
            }),
            None => appended.extend([chunk, Chunk::Newline]),
        }
    }
    let kinds: std::collections::BTreeSet<&str> =
        over.body.blocks().map(|b| b.ident.as_str()).collect();
    for kind in kinds {
        let overriding: Vec<&Block> = over.body.get_blocks(kind).collect();
        let overridden: Vec<&Block> = base.body.get_blocks(kind).collect();
        match (overridden.as_slice(), overriding.as_slice()) {
            ([one_base], [one_over]) if matches!(kind, "lifecycle" | "required_providers") => {
                edits.extend(block_edits(one_base, one_over, file));
            }
            ([], _) => {
                for b in &overriding {
                    appended.extend([copy(file, *b), Chunk::Newline]);
                }
            }
            ([first, rest @ ..], _) => {
                let chunks = overriding
                    .iter()
                    .flat_map(|b| [copy(file, *b), Chunk::Newline])
                    .collect();
                edits.push(Edit {
                    range: first.span().unwrap_or(0..0),
                    chunks,
                });
                for b in rest {
                    edits.push(Edit {
                        range: b.span().unwrap_or(0..0),
                        chunks: Vec::new(),
                    });
                }
            }
        }
    }
    if !appended.is_empty() {
        // Before the closing brace, on lines of their own.
        let close = base.span().map_or(0, |s| s.end.saturating_sub(1));
        let mut chunks = vec![Chunk::Newline];
        chunks.extend(appended);
        edits.push(Edit {
            range: close..close,
            chunks,
        });
    }
    edits
}

/// Rebuilds `target`'s file with `edits` applied, as an assembled file, and parses it again.
fn reassemble(
    sources: &mut Sources,
    target: &mut (FileId, Body),
    mut edits: Vec<Edit>,
    errors: &mut Vec<ConfigError>,
) {
    let base = target.0;
    let base_text = sources.file(base).text.clone();
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let mut text = String::new();
    let mut pieces = Vec::new();
    let mut push = |text: &mut String, file: FileId, source: &str, from: usize| {
        pieces.push(Piece {
            range: text.len()..text.len() + source.len(),
            file,
            offset: from,
        });
        text.push_str(source);
    };
    let mut at = 0;
    for edit in &edits {
        push(&mut text, base, &base_text[at..edit.range.start], at);
        for chunk in &edit.chunks {
            match chunk {
                Chunk::Copy(file, range) => {
                    let source = sources.file(*file).text.clone();
                    push(&mut text, *file, &source[range.clone()], range.start);
                }
                Chunk::Newline => push(&mut text, base, "\n", edit.range.start),
            }
        }
        at = edit.range.end;
    }
    push(&mut text, base, &base_text[at..], at);
    let name = sources.file(base).name.clone();
    let assembled = sources.add_assembled(name, text, pieces);
    match hcl_edit::parser::parse_body(&sources.file(assembled).text) {
        Ok(body) => *target = (assembled, body),
        Err(e) => {
            let offset = e.location().offset();
            let at = sources.locate(Span::new(assembled, offset..offset));
            errors.push(ConfigError::Syntax {
                message: format!("the merged override does not parse: {}", e.message()),
                src: at.src,
                span: at.span,
            });
        }
    }
}
