//! Configuration: finding `*.tf` files, parsing them with spans, and the syntax-level model.
//!
//! Owns [`Config`] (blocks and unevaluated expressions, each remembering its file so that
//! every later diagnostic can point at it), the syntax of type constraints, and `*.tfvars`
//! parsing. It never evaluates an expression (that is `eval`), and never reads state or
//! talks to a backend.

mod error;
mod json;
mod load;
mod overrides;
mod parse;
mod sources;
mod types;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};

use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;

use crate::addr::ResourceAddr;
use crate::source::{FileId, Sources, Span};
pub use error::{ConfigError, ConfigErrors, ConfigWarning};
pub use load::{git_modules_to_install, load_dir, load_dir_partially, parse_tfvars};
pub use sources::{GitSource, MODULES_DIR, ModuleSource};
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

/// A whole configuration, as written: the root module and every module it calls.
#[derive(Debug)]
pub struct Config {
    pub sources: Arc<Sources>,
    pub terraform: TerraformSettings,
    /// Things that work but should change (reported, never fatal).
    pub warnings: Vec<ConfigWarning>,
    pub root: Module,
}

/// One module: a directory of `*.tf` files.
#[derive(Debug)]
pub struct Module {
    /// The directory relative to the root module's (empty for the root): `path.module`.
    pub dir: PathBuf,
    pub providers: Vec<ProviderBlock>,
    pub variables: BTreeMap<String, VariableBlock>,
    pub locals: BTreeMap<String, Expr>,
    pub outputs: BTreeMap<String, OutputBlock>,
    /// Resource and data blocks, by their address within this module.
    pub resources: BTreeMap<ResourceAddr, ResourceBlock>,
    pub calls: BTreeMap<String, ModuleCall>,
    /// `moved { from = ... to = ... }` blocks, in file order.
    pub moves: Vec<Move>,
    /// `import { to = ... id = ... }` blocks (root module only), in file order.
    pub imports: Vec<Import>,
    /// `check "NAME" { assert { ... } }` blocks: assertions reported as warnings.
    pub checks: Vec<Check>,
}

/// A `check` block.
#[derive(Debug)]
pub struct Check {
    pub name: String,
    pub asserts: Vec<Assertion>,
}

/// An `assert { condition = ...  error_message = ... }` of a check block.
#[derive(Debug)]
pub struct Assertion {
    pub condition: Expr,
    pub error_message: Expr,
}

/// A `moved` block: an object in state gets a new address without being replaced.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Move {
    pub from: MoveTarget,
    pub to: MoveTarget,
    pub span: Span,
}

/// An `import` block: the object with `id` in the cloud is to be managed as `to`.
#[derive(Debug, Clone)]
pub struct Import {
    pub to: ResourceAddr,
    pub id: Expr,
    pub span: Span,
}

/// What a `moved` block names: a resource (all its instances, or one), or a module instance.
pub use crate::addr::Target as MoveTarget;

/// A `module "NAME" {}` block and the module it calls.
#[derive(Debug)]
pub struct ModuleCall {
    pub name: String,
    pub source: String,
    /// The block body: its other arguments are the module's input variables.
    pub body: Body,
    pub file: FileId,
    pub span: Span,
    pub repetition: Option<Repetition>,
    /// `providers = { CHILD = PARENT }`, e.g. (`azurerm`, `azurerm.spoke`).
    pub providers: Vec<(String, String, Span)>,
    /// `depends_on = [...]`: every resource of the module waits for these.
    pub depends_on: Vec<(ResourceAddr, Span)>,
    pub module: Module,
}

/// Arguments of a module block that are not the module's input variables.
pub const MODULE_META_ARGUMENTS: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "depends_on",
    "providers",
];

/// The `terraform {}` settings the tool acts on.
#[derive(Debug, Default)]
pub struct TerraformSettings {
    /// `backend "local" { path = ... }`: where the state file lives.
    pub local_state_path: Option<String>,
    /// `backend "pg" { ... }`: the state lives in PostgreSQL.
    pub pg: Option<PgBackend>,
    /// The azurerm version constraint of `required_providers` (or of the legacy provider-block
    /// `version` argument).
    pub azurerm_constraint: Option<String>,
    /// The exact azurerm version `.terraform.lock.hcl` pins, when there is one.
    pub azurerm_locked: Option<String>,
}

/// `backend "pg" { conn_str = ...  schema_name = ... }`, as Terraform spells it. What the block
/// leaves out comes from `init -backend-config`, then `PG_CONN_STR` and `PG_SCHEMA_NAME`.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PgBackend {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conn_str: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_name: Option<String>,
}

/// The newest azurerm major version the tool follows when nothing constrains it.
pub const NEWEST_AZURERM_MAJOR: u64 = 4;

impl TerraformSettings {
    /// The azurerm major version whose argument names and defaults apply: the locked
    /// version's, else the highest the constraint allows, else the newest.
    pub fn azurerm_major(&self) -> u64 {
        let major_of = |v: &str| {
            v.trim()
                .trim_start_matches('v')
                .split('.')
                .next()
                .and_then(|m| m.parse().ok())
        };
        if let Some(major) = self.azurerm_locked.as_deref().and_then(major_of) {
            return major;
        }
        let Some(constraint) = &self.azurerm_constraint else {
            return NEWEST_AZURERM_MAJOR;
        };
        constraint
            .split(',')
            .filter_map(|clause| {
                let clause = clause.trim();
                let (op, version) = clause.split_at(clause.find(|c: char| c.is_ascii_digit())?);
                let major: u64 = major_of(version)?;
                let minor_zero = version.split('.').skip(1).all(|part| part.trim() == "0");
                match op.trim() {
                    "" | "=" | "~>" | "<=" => Some(major),
                    "<" if minor_zero => Some(major.saturating_sub(1)),
                    "<" => Some(major),
                    _ => None,
                }
            })
            .min()
            .unwrap_or(NEWEST_AZURERM_MAJOR)
            .min(NEWEST_AZURERM_MAJOR)
    }
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
    pub body: ResourceBody,
    pub file: FileId,
    /// The block header (`resource "TYPE" "NAME"`), where resource-level diagnostics point.
    pub span: Span,
    /// The whole block, header and body: where the body is read again once released.
    pub extent: Span,
    pub depends_on: Vec<(ResourceAddr, Span)>,
    pub lifecycle: Lifecycle,
    pub repetition: Option<Repetition>,
    /// `provider = azurerm.ALIAS`: the alias of the provider configuration to use.
    pub provider_alias: Option<(String, Span)>,
}

impl ResourceBlock {
    /// Where the argument at `path` is written (`ip_configuration.subnet_id` looks in the
    /// first nested block), or the nested block itself when the path ends at one. A released
    /// body is parsed again from the block's text.
    pub fn argument_span(&self, sources: &Sources, path: &str) -> Option<Span> {
        if let Some(body) = self.body.read().as_ref() {
            return argument_range(body, path).map(|range| Span::new(self.file, range));
        }
        let text = sources
            .file(self.file)
            .text
            .get(self.extent.start..self.extent.end)?;
        let reparsed = hcl_edit::parser::parse_body(text).ok()?;
        let block = reparsed.into_blocks().next()?;
        argument_range(&block.body, path).map(|range| {
            Span::new(
                self.file,
                self.extent.start + range.start..self.extent.start + range.end,
            )
        })
    }
}

fn argument_range(body: &Body, path: &str) -> Option<std::ops::Range<usize>> {
    use hcl_edit::Span as _;
    let mut body = body;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            if let Some(attr) = body.get_attribute(part) {
                return attr.value.span();
            }
            return body.get_blocks(part).next()?.ident.span();
        }
        body = &body.get_blocks(part).next()?.body;
    }
    None
}

/// A resource block's body as written. A run that evaluates the configuration once (a plan)
/// releases each body as soon as it is evaluated: the syntax tree is most of a large
/// configuration's memory, and nothing after evaluation needs it but a diagnostic pointing
/// at an argument, which parses the block again ([`ResourceBlock::argument_span`]).
#[derive(Debug)]
pub struct ResourceBody(RwLock<Option<Body>>);

impl ResourceBody {
    pub fn new(body: Body) -> ResourceBody {
        ResourceBody(RwLock::new(Some(body)))
    }

    /// The body, `None` once released.
    pub fn read(&self) -> RwLockReadGuard<'_, Option<Body>> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn release(&self) {
        let body = self
            .0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(body);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn major(constraint: Option<&str>, locked: Option<&str>) -> u64 {
        TerraformSettings {
            azurerm_constraint: constraint.map(str::to_owned),
            azurerm_locked: locked.map(str::to_owned),
            ..TerraformSettings::default()
        }
        .azurerm_major()
    }

    #[test]
    fn a_released_body_is_read_again_from_its_blocks_text() {
        // Large enough to be parsed in pieces: the block is in a window of its file.
        let filler: String = (0..4000)
            .map(|i| {
                format!(
                    "resource \"azurerm_resource_group\" \"g{i}\" {{\n  name = \"g{i}\"\n}}\n\n"
                )
            })
            .collect();
        let text = format!(
            "{filler}resource \"azurerm_virtual_network_gateway\" \"gw\" {{\n  name = \"gw\"\n  ip_configuration {{\n    subnet_id = \"s\"\n  }}\n}}\n"
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), text).unwrap();
        let config = load_dir(dir.path()).unwrap();
        let addr = ResourceAddr::managed("azurerm_virtual_network_gateway", "gw");
        let block = &config.root.resources[&addr];
        let paths = [
            "name",
            "ip_configuration.subnet_id",
            "ip_configuration",
            "sku",
        ];
        let held = paths.map(|path| block.argument_span(&config.sources, path));
        block.body.release();
        assert!(block.body.read().is_none());
        let again = paths.map(|path| block.argument_span(&config.sources, path));
        assert_eq!(held, again);
        let written = again.map(|span| {
            span.map(|span| &config.sources.file(span.file).text[span.start..span.end])
        });
        assert_eq!(
            written,
            [
                Some("\"gw\""),
                Some("\"s\""),
                Some("ip_configuration"),
                None
            ]
        );
    }

    #[test]
    fn picks_the_azurerm_major_version_a_configuration_was_written_for() {
        assert_eq!(major(None, None), 4);
        assert_eq!(major(Some("~> 3.0"), None), 3);
        assert_eq!(major(Some(">= 2.0, < 4.0"), None), 3);
        assert_eq!(major(Some("=2.99.0"), None), 2);
        assert_eq!(major(Some(">= 3.0"), None), 4);
        assert_eq!(major(Some("< 3.5"), None), 3);
        assert_eq!(
            major(Some("~> 4.0"), Some("3.117.0")),
            3,
            "the lock file decides"
        );
    }
}
