//! Canonical formatting of HCL source, as `terraform fmt` does it: two-space indentation by
//! bracket nesting, single spaces between tokens by Terraform's rules, `=` and trailing
//! comments aligned across consecutive lines, interpolation-only strings (`"${var.x}"`)
//! unwrapped and pre-0.12 quoted variable types (`type = "list"`) rewritten.
//!
//! Only whitespace changes, apart from those two rewrites; comments and blank lines are kept.
//! This module works on text alone: it reads no files and knows nothing of the schema.

mod tokens;

use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};
use hcl_edit::template::Element;

use tokens::{Kind, Token, tokenize};

/// Formats one file's source. Returns the parser's message when the source is not valid HCL,
/// since formatting broken syntax could make changes that are hard to undo.
pub fn format_source(src: &str) -> Result<String, hcl_edit::parser::Error> {
    let body = hcl_edit::parser::parse_body(src)?;
    let mut edits = Vec::new();
    collect_rewrites(src, &body, &[], &mut edits);
    let rewritten = apply_edits(src, edits);
    let mut tokens = tokenize(&rewritten);
    layout(&mut tokens);
    Ok(tokens
        .iter()
        .map(|t| format!("{}{}", " ".repeat(t.spaces_before), t.text))
        .collect())
}

/// The expression rewrites Terraform's fmt makes, as (source range, replacement) pairs.
fn collect_rewrites(
    src: &str,
    body: &Body,
    blocks: &[&str],
    edits: &mut Vec<(Range<usize>, String)>,
) {
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let Some(range) = attr.value.span() else {
                    continue;
                };
                let replacement = if blocks == ["variable"] && attr.key.as_str() == "type" {
                    type_rewrite(&attr.value)
                } else {
                    unwrapped_interpolation(src, &attr.value)
                };
                if let Some(text) = replacement {
                    edits.push((range, text));
                }
            }
            Structure::Block(block) => {
                let nested: Vec<&str> = blocks
                    .iter()
                    .copied()
                    .chain([block.ident.as_str()])
                    .collect();
                collect_rewrites(src, &block.body, &nested, edits);
            }
        }
    }
}

/// `"string"` → `string`, `"list"` → `list(string)`, `"map"` → `map(string)` (0.11 types,
/// whose elements were strings) and a bare `list`, `map` or `set` → `list(any)` and so on.
fn type_rewrite(value: &Expression) -> Option<String> {
    match value {
        Expression::String(s) => match s.as_str() {
            "string" => Some("string".into()),
            "list" | "map" => Some(format!("{}(string)", s.as_str())),
            _ => None,
        },
        Expression::Variable(v) if matches!(v.as_str(), "list" | "map" | "set") => {
            Some(format!("{}(any)", v.as_str()))
        }
        _ => None,
    }
}

/// `"${EXPR}"` → `EXPR` (in parentheses when it spans lines).
fn unwrapped_interpolation(src: &str, value: &Expression) -> Option<String> {
    let Expression::StringTemplate(template) = value else {
        return None;
    };
    let Some(Element::Interpolation(interpolation)) = template.as_single_element() else {
        return None;
    };
    let inner = src
        .get(interpolation.expr.span()?)?
        .trim_matches(['\n', '\r']);
    let parenthesized = matches!(interpolation.expr, Expression::Parenthesis(_));
    Some(if inner.contains('\n') && !parenthesized {
        format!("({inner})")
    } else {
        inner.to_owned()
    })
}

fn apply_edits(src: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    let mut out = src.to_owned();
    for (range, text) in edits {
        out.replace_range(range, &text);
    }
    out
}

/// One line of tokens split into Terraform's three alignment cells: everything before the
/// `=`, the `=` and its value, and a trailing comment.
struct Line {
    lead: Range<usize>,
    assign: Option<Range<usize>>,
    comment: Option<Range<usize>>,
}

/// Sets every token's `spaces_before`: indentation, spacing, then alignment.
fn layout(tokens: &mut [Token]) {
    let lines = split_lines(tokens);
    indent(tokens, &lines);
    space(tokens, &lines);
    align(tokens, &lines, |l| l.assign.clone(), |l| l.lead.clone());
    align(
        tokens,
        &lines,
        |l| l.comment.clone(),
        |l| l.lead.start..l.assign.clone().map_or(l.lead.end, |a| a.end),
    );
}

fn split_lines(tokens: &[Token]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, token) in tokens.iter().enumerate() {
        if token.ends_line() || i + 1 == tokens.len() {
            lines.push(cells(tokens, start..i + 1));
            start = i + 1;
        }
    }
    lines
}

fn cells(tokens: &[Token], line: Range<usize>) -> Line {
    let mut lead = line.clone();
    let mut comment = None;
    let last = line.end - 1;
    if line.len() > 1 && tokens[last].kind == Kind::Comment && tokens[last].ends_line() {
        comment = Some(last..line.end);
        lead.end = last;
    }
    let mut assign = None;
    if let Some(eq) = (lead.start + 1..lead.end).find(|&i| tokens[i].kind == Kind::Equal) {
        // Only a complete value is aligned: `tags = {` opens a multi-line one.
        let net: i32 = tokens[eq..lead.end].iter().map(Token::bracket_change).sum();
        if net == 0 {
            assign = Some(eq..lead.end);
            lead.end = eq;
        }
    }
    Line {
        lead,
        assign,
        comment,
    }
}

/// Two spaces per open bracket level, counting a line's net change of brackets.
fn indent(tokens: &mut [Token], lines: &[Line]) {
    let mut levels: Vec<i32> = Vec::new();
    for line in lines {
        let first = line.lead.start;
        if line.lead.is_empty() {
            continue;
        }
        if tokens[first].kind == Kind::Newline {
            tokens[first].spaces_before = 0;
            continue;
        }
        let end = line.assign.as_ref().map_or(line.lead.end, |a| a.end);
        let net: i32 = tokens[first..end].iter().map(Token::bracket_change).sum();
        if net < 0 {
            let mut closed = -net;
            while closed > 0
                && let Some(top) = levels.last_mut()
            {
                if closed >= *top {
                    closed -= *top;
                    levels.pop();
                } else {
                    *top -= closed;
                    closed = 0;
                }
            }
        }
        tokens[first].spaces_before = 2 * levels.len();
        if net > 0 {
            levels.push(net);
        }
    }
}

/// One space or none between neighbouring tokens of a cell.
fn space(tokens: &mut [Token], lines: &[Line]) {
    for line in lines {
        for cell in [Some(line.lead.clone()), line.assign.clone()]
            .into_iter()
            .flatten()
        {
            if let Some(a) = &line.assign
                && a.start == cell.start
            {
                tokens[cell.start].spaces_before = 1;
            }
            for i in cell.clone() {
                let Some(after) = (i + 1 < cell.end).then_some(i + 1) else {
                    continue;
                };
                let before = (i > cell.start).then(|| &tokens[i - 1]);
                let spaced = space_after(&tokens[i], before, &tokens[after]);
                tokens[after].spaces_before = usize::from(spaced);
            }
        }
    }
}

/// Terraform's rule for whether `subject` is followed by a space.
fn space_after(subject: &Token, before: Option<&Token>, after: &Token) -> bool {
    use Kind::*;
    let (s, a) = (subject.kind, after.kind);
    match () {
        _ if a == Newline => false,
        _ if s == Ident && a == OParen => false,
        _ if (s == Ident && a == DoubleColon) || (s == DoubleColon && a == Ident) => false,
        _ if s == Dot || a == Dot => false,
        _ if a == Comma || a == Ellipsis => false,
        _ if s == Comma => true,
        _ if matches!(s, QuotedLit | OQuote | Heredoc) || matches!(a, QuotedLit | CQuote) => false,
        _ if s == Ident && subject.text == "in" && before.is_some_and(|b| b.kind == Ident) => true,
        _ if a == OBrack && (matches!(s, Ident | Number) || subject.bracket_change() < 0) => false,
        _ if s == Bang => false,
        _ if s == Minus => !before.is_none_or(|b| {
            matches!(
                b.kind,
                OParen
                    | OBrace
                    | OBrack
                    | Equal
                    | Colon
                    | Comma
                    | Question
                    | Arithmetic
                    | Minus
                    | Comparison
                    | Logic
                    | Bang
            )
        }),
        _ if s == OBrace || a == CBrace => !(s == OBrace && a == CBrace),
        _ if matches!(s, TemplateInterp | TemplateControl) && a == OBrace => true,
        _ if s == CBrace && a == TemplateSeqEnd => true,
        _ if s == TemplateSeqEnd && matches!(a, TemplateInterp | TemplateControl) => false,
        _ if subject.bracket_change() > 0 => false,
        _ if after.bracket_change() < 0 => false,
        _ => true,
    }
}

/// Aligns the first token of a cell (chosen by `cell`) across runs of consecutive lines that
/// all have that cell, one space after the widest `prefix`.
fn align(
    tokens: &mut [Token],
    lines: &[Line],
    cell: impl Fn(&Line) -> Option<Range<usize>>,
    prefix: impl Fn(&Line) -> Range<usize>,
) {
    let width = |tokens: &[Token], range: Range<usize>| -> usize {
        tokens[range]
            .iter()
            .map(|t| t.spaces_before + t.text.chars().count())
            .sum()
    };
    for run in lines.chunk_by(|a, b| cell(a).is_some() == cell(b).is_some()) {
        if cell(&run[0]).is_none() {
            continue;
        }
        let widest = run
            .iter()
            .map(|l| width(tokens, prefix(l)))
            .max()
            .unwrap_or(0);
        for line in run {
            let start = cell(line).map_or(0, |c| c.start);
            tokens[start].spaces_before = widest - width(tokens, prefix(line)) + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::format_source;

    #[test]
    fn leaves_heredocs_and_templates_alone() {
        let src =
            "locals {\n  x = <<-EOT\n      keep   ${ a }\n    EOT\n  y = \"a  ${var.b}  c\"\n}\n";
        assert_eq!(format_source(src).unwrap(), src);
    }

    #[test]
    fn refuses_invalid_syntax() {
        assert!(format_source("resource \"a\" {\n").is_err());
    }
}
