//! `vnetform fmt`.

use std::path::PathBuf;

use clap::Args;

use crate::error::Result;
use crate::ops::{self, FmtOptions, Ui, Workdir};

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// List files whose formatting differs (-list=false to not).
    #[arg(long, num_args = 0..=1, default_value_t = true, default_missing_value = "true", require_equals = true, action = clap::ArgAction::Set)]
    list: bool,
    /// Write the result to the files (-write=false to not).
    #[arg(long, num_args = 0..=1, default_value_t = true, default_missing_value = "true", require_equals = true, action = clap::ArgAction::Set)]
    write: bool,
    /// Print the changes as a unified diff.
    #[arg(long)]
    diff: bool,
    /// Change nothing; exit with status 3 when some file is not formatted.
    #[arg(long)]
    check: bool,
    /// Also process the files of subdirectories.
    #[arg(long)]
    recursive: bool,
    /// Files or directories (default: the current directory); `-` reads standard input.
    targets: Vec<PathBuf>,
}

impl FmtArgs {
    pub fn run(self, ui: &Ui, wd: &Workdir) -> Result<i32> {
        ops::fmt(
            ui,
            wd,
            &FmtOptions {
                targets: self.targets,
                list: self.list,
                write: self.write,
                diff: self.diff,
                check: self.check,
                recursive: self.recursive,
            },
        )
    }
}
