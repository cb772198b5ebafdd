//! A whitespace-aware HCL tokenizer for the formatter: every token keeps its exact text and
//! the spaces before it, so that joining the tokens back reproduces the input byte for byte.
//!
//! It only classifies tokens as far as formatting needs (brackets, operators, template
//! delimiters, comments); it does not validate syntax, which the caller has already done.

/// What a token is, as far as spacing and indentation rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Newline,
    /// `# ...` and `// ...` (which end with their newline) and `/* ... */`.
    Comment,
    Ident,
    Number,
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    /// The `=` of an attribute or object item.
    Equal,
    Comma,
    Dot,
    Ellipsis,
    Colon,
    Question,
    Minus,
    /// `+ * / %`.
    Arithmetic,
    /// `== != < <= > >=`.
    Comparison,
    /// `&& ||`.
    Logic,
    Bang,
    /// `::` in provider function names.
    DoubleColon,
    FatArrow,
    OQuote,
    CQuote,
    /// Literal text inside a quoted template (its spaces belong to it).
    QuotedLit,
    /// `${` or `${~`.
    TemplateInterp,
    /// `%{` or `%{~`.
    TemplateControl,
    /// The `}` or `~}` closing a template sequence.
    TemplateSeqEnd,
    /// A whole heredoc, from `<<EOF` to its closing marker, left exactly as written.
    Heredoc,
    /// Anything the tokenizer does not recognise, kept verbatim.
    Other,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub kind: Kind,
    pub text: String,
    pub spaces_before: usize,
}

impl Token {
    /// Ends its line: a newline, or a line comment that swallowed it.
    pub fn ends_line(&self) -> bool {
        self.kind == Kind::Newline || (self.kind == Kind::Comment && self.text.ends_with('\n'))
    }

    /// +1 for an opening bracket or template sequence, -1 for a closing one.
    pub fn bracket_change(&self) -> i32 {
        match self.kind {
            Kind::OBrace
            | Kind::OBrack
            | Kind::OParen
            | Kind::TemplateInterp
            | Kind::TemplateControl => 1,
            Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::TemplateSeqEnd => -1,
            _ => 0,
        }
    }
}

/// Where the tokenizer is: in expressions (with the depth of `{` opened inside the current
/// template sequence) or in the literal part of a quoted template.
enum Mode {
    Expr { braces: usize },
    Quoted,
}

/// Splits `src` into tokens.
pub fn tokenize(src: &str) -> Vec<Token> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        tokens: Vec::new(),
        spaces: 0,
        // The outermost level is an expression context that never ends.
        modes: vec![Mode::Expr { braces: 0 }],
    };
    lexer.run();
    lexer.tokens
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    tokens: Vec<Token>,
    spaces: usize,
    modes: Vec<Mode>,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn push(&mut self, kind: Kind, len: usize) {
        let text = self.src[self.pos..self.pos + len].to_owned();
        self.pos += len;
        self.tokens.push(Token {
            kind,
            text,
            spaces_before: std::mem::take(&mut self.spaces),
        });
    }

    fn run(&mut self) {
        while self.pos < self.src.len() {
            match self.modes.last() {
                Some(Mode::Quoted) => self.quoted(),
                _ => self.expr(),
            }
        }
    }

    /// Literal text of a quoted template up to `"`, `${` or `%{`.
    fn quoted(&mut self) {
        let rest = self.rest();
        if rest.starts_with('"') {
            self.modes.pop();
            return self.push(Kind::CQuote, 1);
        }
        if let Some(len) = sequence_start(rest) {
            let kind = if rest.starts_with('$') {
                Kind::TemplateInterp
            } else {
                Kind::TemplateControl
            };
            self.modes.push(Mode::Expr { braces: 0 });
            return self.push(kind, len);
        }
        let mut end = 0;
        let bytes = rest.as_bytes();
        while end < bytes.len() {
            match bytes[end] {
                b'"' | b'\n' => break,
                b'\\' => end = (end + 2).min(bytes.len()),
                b'$' | b'%' if rest[end + 1..].starts_with("{") => {
                    // `$${` and `%%{` are escapes; a lone `${` starts a sequence.
                    if end > 0 && bytes[end - 1] == bytes[end] {
                        end += 2;
                    } else {
                        break;
                    }
                }
                _ => end += 1,
            }
        }
        if end == 0 {
            // An unterminated string at a newline: leave the template.
            self.modes.pop();
            return;
        }
        let len = rest[..end].len();
        self.push(Kind::QuotedLit, len);
    }

    fn expr(&mut self) {
        let rest = self.rest();
        let c = rest.chars().next().unwrap_or(' ');
        if c == ' ' || c == '\t' {
            self.spaces += 1;
            self.pos += 1;
            return;
        }
        if rest.starts_with("\r\n") {
            return self.push(Kind::Newline, 2);
        }
        if c == '\n' {
            return self.push(Kind::Newline, 1);
        }
        if rest.starts_with('#') || rest.starts_with("//") {
            let len = rest.find('\n').map_or(rest.len(), |i| i + 1);
            return self.push(Kind::Comment, len);
        }
        if rest.starts_with("/*") {
            let len = rest.find("*/").map_or(rest.len(), |i| i + 2);
            return self.push(Kind::Comment, len);
        }
        if let Some(len) = heredoc_len(rest) {
            return self.push(Kind::Heredoc, len);
        }
        if c == '"' {
            self.modes.push(Mode::Quoted);
            return self.push(Kind::OQuote, 1);
        }
        if c.is_ascii_digit() {
            return self.push(Kind::Number, number_len(rest));
        }
        if c.is_alphabetic() || c == '_' {
            let len = rest
                .find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '-'))
                .unwrap_or(rest.len());
            return self.push(Kind::Ident, len);
        }
        self.punctuation(rest, c);
    }

    fn punctuation(&mut self, rest: &'a str, c: char) {
        for (op, kind) in [
            ("...", Kind::Ellipsis),
            ("~}", Kind::TemplateSeqEnd),
            ("==", Kind::Comparison),
            ("!=", Kind::Comparison),
            ("<=", Kind::Comparison),
            (">=", Kind::Comparison),
            ("&&", Kind::Logic),
            ("||", Kind::Logic),
            ("=>", Kind::FatArrow),
            ("::", Kind::DoubleColon),
        ] {
            if rest.starts_with(op) {
                if kind == Kind::TemplateSeqEnd {
                    self.modes.pop();
                }
                return self.push(kind, op.len());
            }
        }
        let kind = match c {
            '{' => {
                if let Some(Mode::Expr { braces }) = self.modes.last_mut() {
                    *braces += 1;
                }
                Kind::OBrace
            }
            '}' => match (self.modes.len(), self.modes.last_mut()) {
                (_, Some(Mode::Expr { braces })) if *braces > 0 => {
                    *braces -= 1;
                    Kind::CBrace
                }
                // The outermost context has no template to close.
                (1, _) => Kind::CBrace,
                _ => {
                    self.modes.pop();
                    Kind::TemplateSeqEnd
                }
            },
            '[' => Kind::OBrack,
            ']' => Kind::CBrack,
            '(' => Kind::OParen,
            ')' => Kind::CParen,
            '=' => Kind::Equal,
            ',' => Kind::Comma,
            '.' => Kind::Dot,
            ':' => Kind::Colon,
            '?' => Kind::Question,
            '-' => Kind::Minus,
            '+' | '*' | '/' | '%' => Kind::Arithmetic,
            '<' | '>' => Kind::Comparison,
            '!' => Kind::Bang,
            _ => Kind::Other,
        };
        self.push(kind, c.len_utf8());
    }
}

/// The length of `${`, `${~`, `%{` or `%{~` at the start of `s`.
fn sequence_start(s: &str) -> Option<usize> {
    if s.starts_with("${") || s.starts_with("%{") {
        Some(if s[2..].starts_with('~') { 3 } else { 2 })
    } else {
        None
    }
}

/// The length of a number literal: digits, an optional fraction and exponent.
fn number_len(s: &str) -> usize {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = digits(0);
    if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
        i = digits(i + 1);
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            i = digits(j);
        }
    }
    i
}

/// The length of a heredoc starting at `s` (`<<EOF` or `<<-EOF`, through the line holding
/// the closing marker, without its newline).
fn heredoc_len(s: &str) -> Option<usize> {
    let header = s.strip_prefix("<<")?;
    let header = header.strip_prefix('-').unwrap_or(header);
    let marker_len = header
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(header.len());
    let marker = &header[..marker_len];
    if marker.is_empty() {
        return None;
    }
    let first_newline = s.find('\n')?;
    let mut offset = first_newline + 1;
    for line in s[offset..].split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim() == marker {
            return Some(offset + content.len());
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Kind> {
        tokenize(src).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn joins_back_to_the_input() {
        let src =
            "a  = \"x ${ var.y } $${z}\" # c\nb = <<-EOT\n  ${x}\n  EOT\n/* m */ c=[1.5e3,-2]\n";
        let joined: String = tokenize(src)
            .iter()
            .map(|t| format!("{}{}", " ".repeat(t.spaces_before), t.text))
            .collect();
        assert_eq!(joined, src);
    }

    #[test]
    fn templates_nest_and_close() {
        use Kind::*;
        assert_eq!(
            kinds("\"a${ {b=1}.b }c\""),
            [
                OQuote,
                QuotedLit,
                TemplateInterp,
                OBrace,
                Ident,
                Equal,
                Number,
                CBrace,
                Dot,
                Ident,
                TemplateSeqEnd,
                QuotedLit,
                CQuote
            ]
        );
        assert_eq!(kinds("x.0"), [Ident, Dot, Number]);
    }
}
