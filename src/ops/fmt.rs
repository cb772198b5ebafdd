//! `vnetform fmt`: finds the files to format, formats each with [`crate::format`], and lists,
//! writes, diffs or checks them as Terraform's fmt does.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Ui, Workdir};
use crate::config::{ConfigError, ConfigErrors};
use crate::error::{Error, Result};
use crate::format::format_source;
use crate::source::Sources;

/// What `fmt` does with each file whose formatting differs.
#[derive(Debug, Clone)]
pub struct FmtOptions {
    /// Files or directories; `-` reads standard input and prints the result.
    pub targets: Vec<PathBuf>,
    pub list: bool,
    pub write: bool,
    pub diff: bool,
    /// Change nothing; exit 3 when some file would change.
    pub check: bool,
    pub recursive: bool,
}

/// The file kinds fmt rewrites (JSON files are left alone, as in Terraform).
const FORMATTED: [&str; 2] = [".tf", ".tfvars"];

/// Returns the exit code: 0, 2 when a file could not be read or parsed, and 3 with
/// `-check` when a file is not formatted.
pub fn fmt(ui: &Ui, wd: &Workdir, opts: &FmtOptions) -> Result<i32> {
    if opts.targets.len() == 1 && opts.targets[0] == Path::new("-") {
        return format_stdin(ui);
    }
    let targets = if opts.targets.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.targets.clone()
    };
    let mut files = Vec::new();
    for target in &targets {
        let path = wd.dir.join(target);
        if path.is_dir() {
            collect_dir(&path, target, opts.recursive, &mut files);
        } else if !path.exists() {
            return Err(Error::Usage(format!(
                "No file or directory at {}",
                target.display()
            )));
        } else if is_formatted_kind(target) {
            files.push((path, target.clone()));
        } else {
            return Err(Error::Usage(
                "Only .tf and .tfvars files can be processed with vnetform fmt".into(),
            ));
        }
    }
    let mut errors = Vec::new();
    let mut changed = false;
    for (path, shown) in files {
        match format_file(ui, &path, &shown, opts) {
            Ok(differs) => changed |= differs,
            Err(e) => errors.push(*e),
        }
    }
    if !errors.is_empty() {
        ui.diagnostic(&ConfigErrors { errors });
        return Ok(2);
    }
    Ok(if opts.check && changed { 3 } else { 0 })
}

fn is_formatted_kind(path: &Path) -> bool {
    let name = path.to_string_lossy();
    FORMATTED.iter().any(|ext| name.ends_with(ext))
}

/// The formattable files of `dir` in name order, then those of its subdirectories when
/// `recursive`; hidden entries (`.terraform`, `.vnetform`, `.git`) are skipped.
fn collect_dir(dir: &Path, shown: &Path, recursive: bool, files: &mut Vec<(PathBuf, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(std::result::Result::ok).collect())
        .unwrap_or_default();
    entries.sort_by_key(|e| e.file_name());
    let mut subdirs = Vec::new();
    for entry in entries {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let shown = if shown == Path::new(".") {
            PathBuf::from(&name)
        } else {
            shown.join(&name)
        };
        if path.is_dir() {
            subdirs.push((path, shown));
        } else if is_formatted_kind(&shown) {
            files.push((path, shown));
        }
    }
    if recursive {
        for (path, shown) in subdirs {
            collect_dir(&path, &shown, recursive, files);
        }
    }
}

/// Formats one file; returns whether its formatting differs.
fn format_file(
    ui: &Ui,
    path: &Path,
    shown: &Path,
    opts: &FmtOptions,
) -> std::result::Result<bool, Box<ConfigError>> {
    let io_error = |source| Box::new(ConfigError::io(shown, source));
    let src = std::fs::read_to_string(path).map_err(io_error)?;
    let formatted = format_source(&src).map_err(|e| Box::new(syntax_error(shown, &src, &e)))?;
    // With every other output turned off, fmt prints the formatted text, as Terraform does.
    if !(opts.list || opts.write || opts.diff || opts.check) {
        ui.out(&formatted);
    }
    if formatted == src {
        return Ok(false);
    }
    if opts.list {
        ui.out(&format!("{}\n", shown.display()));
    }
    if opts.write && !opts.check {
        replace_contents(path, &formatted).map_err(io_error)?;
    }
    if opts.diff {
        ui.out(&unified_diff(shown, &src, &formatted));
    }
    Ok(true)
}

fn format_stdin(ui: &Ui) -> Result<i32> {
    let src = ui.read_all();
    match format_source(&src) {
        Ok(formatted) => {
            ui.out(&formatted);
            Ok(0)
        }
        Err(e) => {
            let error = syntax_error(Path::new("<stdin>"), &src, &e);
            ui.diagnostic(&ConfigErrors {
                errors: vec![error],
            });
            Ok(2)
        }
    }
}

/// A syntax error in text that is not part of a loaded configuration.
fn syntax_error(shown: &Path, src: &str, e: &hcl_edit::parser::Error) -> ConfigError {
    let mut sources = Sources::default();
    let file = sources.add(shown.display().to_string(), src.to_owned());
    ConfigError::syntax(&sources, file, e)
}

/// Replaces a file's contents through a temporary file and a rename, keeping its
/// permissions, so an interrupted run never leaves it half-written.
fn replace_contents(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let permissions = std::fs::metadata(path)?.permissions();
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().set_permissions(permissions)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn unified_diff(shown: &Path, old: &str, new: &str) -> String {
    let name = shown.display();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .header(&format!("old/{name}"), &format!("new/{name}"))
        .to_string()
}
