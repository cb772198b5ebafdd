//! Parsing configuration files into syntax trees on every core.
//!
//! Owns cutting a large file into pieces at top-level block boundaries (each piece a source
//! file of its own, a window on the file's text, whose spans map back into it) and parsing
//! files and pieces in parallel. The result is what parsing each file whole would give: when a
//! piece does not parse, the whole file is parsed again, so a syntax error is always reported
//! as the parser sees it in the complete file. It interprets nothing it parses.

use std::sync::atomic::{AtomicUsize, Ordering};

use hcl_edit::parser::{Error, parse_body};
use hcl_edit::structure::Body;

use crate::source::{FileId, Sources};

/// Files shorter than this are parsed whole: cutting them saves less than it costs.
const MIN_PIECE: usize = 64 * 1024;

/// The bodies of `files` (in order, each file's pieces in order), or a file's syntax error.
pub fn bodies(sources: &mut Sources, files: &[FileId]) -> Vec<Result<Vec<(FileId, Body)>, Error>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    bodies_on(sources, files, threads)
}

fn bodies_on(
    sources: &mut Sources,
    files: &[FileId],
    threads: usize,
) -> Vec<Result<Vec<(FileId, Body)>, Error>> {
    let units: Vec<Vec<FileId>> = files
        .iter()
        .map(|&file| cut(sources, file, threads))
        .collect();
    let flat: Vec<FileId> = units.iter().flatten().copied().collect();
    let mut parsed = parse_all(sources, &flat, threads).into_iter();
    files
        .iter()
        .zip(&units)
        .map(|(&file, pieces)| {
            // Taken in full before looking for an error, so the next file starts at its own.
            let results: Vec<_> = parsed.by_ref().take(pieces.len()).collect();
            match results.into_iter().collect::<Result<Vec<Body>, Error>>() {
                Ok(bodies) => Ok(pieces.iter().copied().zip(bodies).collect()),
                // Reported as the parser sees it in the whole file.
                Err(_) if pieces.len() > 1 => {
                    parse_body(&sources.file(file).text).map(|body| vec![(file, body)])
                }
                Err(e) => Err(e),
            }
        })
        .collect()
}

/// The pieces `file` is parsed in: itself, or for a large file, about two per core, added to
/// `sources`.
fn cut(sources: &mut Sources, file: FileId, threads: usize) -> Vec<FileId> {
    let text = sources.file(file).text.clone();
    let share = (text.len() / (2 * threads)).max(MIN_PIECE);
    if threads < 2 || text.len() < 2 * MIN_PIECE {
        return vec![file];
    }
    let mut cuts = vec![0];
    for at in block_starts(&text) {
        if at - cuts.last().copied().unwrap_or(0) >= share && text.len() - at >= MIN_PIECE / 2 {
            cuts.push(at);
        }
    }
    if cuts.len() < 2 {
        return vec![file];
    }
    cuts.push(text.len());
    cuts.windows(2)
        .map(|w| sources.add_window(file, w[0]..w[1]))
        .collect()
}

/// Parses each file, on up to `threads` threads, results in the order of `files`.
fn parse_all(sources: &Sources, files: &[FileId], threads: usize) -> Vec<Result<Body, Error>> {
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&file) = files.get(i) else {
                return done;
            };
            done.push((i, parse_body(&sources.file(file).text)));
        }
    };
    let mut results: Vec<(usize, Result<Body, Error>)> = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads.min(files.len()))
            .map(|_| scope.spawn(work))
            .collect();
        let mut all = work();
        for helper in helpers {
            all.extend(helper.join().expect("parsing does not panic"));
        }
        all
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Offsets where a top-level block starts right after the previous top-level item ended
/// with a `}` and a newline: places the file can be cut without changing what it parses
/// into. Empty when the text is not balanced the way HCL is, so that it is parsed whole.
fn block_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    // Bracket depth of each open expression context: the file, then one per `${`/`%{`
    // inside a string. `in_string[i]` says the context below `depths[i+1]` is a string.
    let mut depths: Vec<u32> = vec![0];
    let mut in_string = false;
    let mut last_closed = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                b'\n' => return Vec::new(),
                b'$' | b'%' if bytes.get(i + 1) == Some(&b) && bytes.get(i + 2) == Some(&b'{') => {
                    i += 2
                }
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => {
                    depths.push(0);
                    in_string = false;
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        let top_level = depths.len() == 1;
        let depth = depths
            .last_mut()
            .expect("the file's context is never closed");
        match b {
            b'"' => in_string = true,
            b'#' => i = line_end(bytes, i) - 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = line_end(bytes, i) - 1,
            b'/' if bytes.get(i + 1) == Some(&b'*') => match text[i + 2..].find("*/") {
                Some(end) => i += end + 3,
                None => return Vec::new(),
            },
            b'<' if bytes.get(i + 1) == Some(&b'<') => match heredoc_end(text, i) {
                Some(end) => {
                    i = end;
                    last_closed = false;
                    continue;
                }
                None => return Vec::new(),
            },
            b'{' | b'[' | b'(' => *depth += 1,
            b'}' | b']' | b')' if *depth > 0 => {
                *depth -= 1;
                last_closed = b == b'}' && *depth == 0 && top_level;
                i += 1;
                continue;
            }
            // The `}` closing a template interpolation returns to its string.
            b'}' if !top_level => {
                depths.pop();
                in_string = true;
            }
            b'}' | b']' | b')' => return Vec::new(),
            b'\n' => {
                if last_closed && top_level && *depth == 0 {
                    out.push(i + 1);
                }
                last_closed = false;
                i += 1;
                continue;
            }
            _ => {}
        }
        if !b.is_ascii_whitespace() && !matches!(b, b'#' | b'/') {
            last_closed = false;
        }
        i += 1;
    }
    if in_string || depths != [0] {
        return Vec::new();
    }
    out
}

/// The offset of the newline ending the line `at` is on (or the end of the text).
fn line_end(bytes: &[u8], at: usize) -> usize {
    bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| at + n)
}

/// For a heredoc starting at `at` (`<<EOF` or `<<-EOF`), the offset just after its closing
/// marker's line ends; `None` when it is not one or never closes.
fn heredoc_end(text: &str, at: usize) -> Option<usize> {
    let header_end = line_end(text.as_bytes(), at);
    let marker = text[at + 2..header_end].trim_start_matches('-').trim_end();
    if marker.is_empty()
        || !marker
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return None;
    }
    let mut line_start = header_end + 1;
    while line_start < text.len() {
        let end = line_end(text.as_bytes(), line_start);
        if text[line_start..end].trim() == marker {
            return Some(end);
        }
        line_start = end + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCKS: &str = r#"resource "a" "one" {
  name = "x}${var.y["}"]}%{ if true }{%{ endif }$${"
  tags = { a = [1, (2)] } # }
}
/* } */
resource "a" "two" {
  text = <<-EOT
    }
    EOT
}  // closing
variable "v" {}
x = { a = 1 }
y = 2
"#;

    #[test]
    fn cuts_only_after_a_closed_top_level_item() {
        let starts = block_starts(BLOCKS);
        let lines: Vec<&str> = starts
            .iter()
            .map(|&at| BLOCKS[at..].lines().next().unwrap())
            .collect();
        assert_eq!(
            lines,
            ["/* } */", "variable \"v\" {}", "x = { a = 1 }", "y = 2"]
        );
    }

    #[test]
    fn unbalanced_text_is_not_cut() {
        for text in [
            "a {\n",
            "a = \"x\n\"\n",
            "}\nb {}\n",
            "a = <<EOT\nx\n",
            "/* x",
        ] {
            assert_eq!(block_starts(text), Vec::<usize>::new(), "{text:?}");
        }
    }

    fn large_file(blocks: usize) -> String {
        (0..blocks)
            .map(|i| format!("resource \"t\" \"r{i}\" {{\n  name = \"n-${{var.x}}-{i}\"\n}}\n"))
            .collect()
    }

    #[test]
    fn a_large_file_parses_into_the_same_blocks_in_pieces() {
        let text = large_file(8_000);
        let mut sources = Sources::default();
        let file = sources.add("main.tf".into(), text.clone());
        let parsed = bodies_on(&mut sources, &[file], 2).pop().unwrap().unwrap();
        assert!(parsed.len() > 1, "cut into {} pieces", parsed.len());
        let labels: Vec<String> = parsed
            .iter()
            .flat_map(|(_, body)| body.blocks().map(|b| b.labels[1].as_str().to_owned()))
            .collect();
        let whole: Vec<String> = parse_body(&text)
            .unwrap()
            .blocks()
            .map(|b| b.labels[1].as_str().to_owned())
            .collect();
        assert_eq!(labels, whole);
        // A span in a piece points at the same text in the original file.
        let (piece, body) = &parsed[1];
        let block = body.blocks().next().unwrap();
        let span = hcl_edit::Span::span(&block.ident).unwrap();
        let at = sources.locate(crate::source::Span::new(*piece, span.clone()));
        let start = at.span.offset();
        assert_eq!(&text[start..start + "resource".len()], "resource");
        assert_ne!(start, span.start);
    }

    #[test]
    fn a_syntax_error_in_a_piece_is_the_whole_files_error() {
        let mut text = large_file(8_000);
        let at = text.len() * 3 / 4;
        let line = at + text[at..].find("  name").unwrap();
        text.replace_range(line..line + 6, "  name name");
        let mut sources = Sources::default();
        let file = sources.add("main.tf".into(), text.clone());
        let error = bodies_on(&mut sources, &[file], 2)
            .pop()
            .unwrap()
            .unwrap_err();
        let whole = parse_body(&text).unwrap_err();
        assert_eq!(error.location().offset(), whole.location().offset());
        assert_eq!(error.message(), whole.message());
    }
}
