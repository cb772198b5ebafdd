//! Configuration: finding `*.tf` files, parsing them with spans, and the syntax-level model.
//!
//! Owns [`Config`] (blocks and unevaluated expressions, each remembering its file so that
//! every later diagnostic can point at it), the syntax of type constraints, and `*.tfvars`
//! parsing. It never evaluates an expression (that is `eval`), and never reads state or
//! talks to a backend.

mod error;
mod load;
mod types;

use std::collections::BTreeMap;
use std::sync::Arc;

use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;

use crate::addr::ResourceAddr;
use crate::source::{FileId, Sources, Span};
pub use error::{ConfigError, ConfigErrors};
pub use load::{load_dir, load_dir_partially, parse_tfvars};
pub use types::TypeConstraint;

/// An unevaluated expression and the file it came from.
#[derive(Debug, Clone)]
pub struct Expr {
    pub expr: Expression,
    pub file: FileId,
}

impl Expr {
    pub fn span(&self) -> Span {
        Span::new(self.file, hcl_edit::Span::span(&self.expr).unwrap_or(0..0))
    }
}

/// A whole configuration directory, as written.
#[derive(Debug)]
pub struct Config {
    pub sources: Arc<Sources>,
    pub terraform: TerraformSettings,
    pub providers: Vec<ProviderBlock>,
    pub variables: BTreeMap<String, VariableBlock>,
    pub locals: BTreeMap<String, Expr>,
    pub outputs: BTreeMap<String, OutputBlock>,
    pub resources: BTreeMap<ResourceAddr, ResourceBlock>,
}

/// The `terraform {}` settings the tool acts on.
#[derive(Debug, Default)]
pub struct TerraformSettings {
    /// `backend "local" { path = ... }`: where the state file lives.
    pub local_state_path: Option<String>,
}

/// A `provider "NAME" {}` block.
#[derive(Debug)]
pub struct ProviderBlock {
    pub name: String,
    /// `alias = "..."`: a second configuration of the same provider.
    pub alias: Option<String>,
    pub body: Body,
    pub file: FileId,
    pub span: Span,
}

/// A `variable "NAME" {}` block.
#[derive(Debug)]
pub struct VariableBlock {
    pub name: String,
    pub ty: TypeConstraint,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub validations: Vec<Validation>,
    pub span: Span,
}

/// A `validation { condition, error_message }` block of a variable.
#[derive(Debug)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Expr,
}

/// An `output "NAME" {}` block.
#[derive(Debug)]
pub struct OutputBlock {
    pub name: String,
    pub value: Expr,
    pub sensitive: bool,
    pub description: Option<String>,
    pub depends_on: Vec<(ResourceAddr, Span)>,
    pub span: Span,
}

/// A `resource "TYPE" "NAME" {}` block: meta-arguments separated, the rest kept as written.
#[derive(Debug)]
pub struct ResourceBlock {
    pub addr: ResourceAddr,
    pub body: Body,
    pub file: FileId,
    /// The block header (`resource "TYPE" "NAME"`), where resource-level diagnostics point.
    pub span: Span,
    pub depends_on: Vec<(ResourceAddr, Span)>,
    pub lifecycle: Lifecycle,
    pub repetition: Option<Repetition>,
    /// `provider = azurerm.ALIAS`: the alias of the provider configuration to use.
    pub provider_alias: Option<(String, Span)>,
}

/// How many instances a resource block declares.
#[derive(Debug)]
pub enum Repetition {
    /// `count = N`: instances `[0]` to `[N-1]`.
    Count(Expr),
    /// `for_each = MAP_OR_SET`: one instance per key.
    ForEach(Expr),
}

/// `lifecycle {}` settings.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    pub create_before_destroy: bool,
    pub prevent_destroy: bool,
    pub ignore_changes: Vec<String>,
}

/// Names in a resource body that are meta-arguments, not arguments of the resource type.
pub const META_ARGUMENTS: &[&str] = &["depends_on", "lifecycle", "provider", "count", "for_each"];
