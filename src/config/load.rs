//! Reading a directory of `*.tf` files into a [`Config`], collecting every problem.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};

use super::sources::{GitSource, MODULES_DIR, ModuleSource};
use super::{
    Assertion, Check, Config, ConfigError, ConfigErrors, ConfigWarning, Expr, Import, Lifecycle,
    Module, ModuleCall, Move, MoveTarget, OutputBlock, PgBackend, ProviderBlock, Repetition,
    ResourceBlock, ResourceBody, TerraformSettings, TypeConstraint, VariableBlock,
};
use super::{json, overrides, parse};
use crate::addr::{Mode, ResourceAddr};
use crate::source::{FileId, Sources, Span};

/// Loads every `*.tf` file of `dir` (sorted by name, as Terraform reads them).
pub fn load_dir(dir: &Path) -> Result<Config, ConfigErrors> {
    match load_dir_partially(dir)? {
        (config, errors) if errors.is_empty() => Ok(config),
        (_, errors) => Err(ConfigErrors { errors }),
    }
}

/// The git modules the configuration in `dir` calls (directly or through modules already
/// fetched) that are not checked out yet, for `init` to fetch.
pub fn git_modules_to_install(dir: &Path) -> Vec<GitSource> {
    let mut state = LoadState::new(dir);
    let _ = state.module(dir, Path::new(""));
    state.missing.into_iter().collect()
}

/// Loads as [`load_dir`] does, but keeps what could be read when some blocks are invalid, so
/// `validate` can go on to report evaluation problems too. Files that do not parse, and
/// unreadable or empty directories, are still fatal: what follows would only be noise.
pub fn load_dir_partially(dir: &Path) -> Result<(Config, Vec<ConfigError>), ConfigErrors> {
    let mut state = LoadState::new(dir);
    let (mut root, terraform) = state.module(dir, Path::new(""))?;
    root.dir = PathBuf::new();
    let LoadState {
        sources,
        errors,
        warnings,
        ..
    } = state;
    if errors.iter().any(|e| {
        matches!(
            e,
            ConfigError::Syntax { .. } | ConfigError::JsonSyntax { .. } | ConfigError::Io { .. }
        )
    }) {
        return Err(ConfigErrors { errors });
    }
    let mut terraform = terraform;
    terraform.azurerm_locked = locked_azurerm_version(dir);
    Ok((
        Config {
            sources: Arc::new(sources),
            terraform,
            warnings,
            root,
        },
        errors,
    ))
}

/// What loading a tree of modules has gathered so far.
struct LoadState {
    sources: Sources,
    errors: Vec<ConfigError>,
    warnings: Vec<ConfigWarning>,
    /// The directories of the modules being loaded, to refuse a module that calls itself.
    stack: Vec<PathBuf>,
    /// The root module's directory, under which git modules are checked out.
    root: PathBuf,
    /// Git modules called but not checked out yet.
    missing: BTreeSet<GitSource>,
}

impl LoadState {
    fn new(root: &Path) -> LoadState {
        LoadState {
            sources: Sources::default(),
            errors: Vec::new(),
            warnings: Vec::new(),
            stack: Vec::new(),
            root: root.to_owned(),
            missing: BTreeSet::new(),
        }
    }

    /// Loads the module in `dir` (shown to users under `shown`) and, recursively, the modules
    /// it calls. Returns it with the `terraform` settings it declares.
    fn module(
        &mut self,
        dir: &Path,
        shown: &Path,
    ) -> Result<(Module, TerraformSettings), ConfigErrors> {
        let mut files = Vec::new();
        for path in tf_files(dir).map_err(|e| single(ConfigError::io(dir, e)))? {
            let name = shown
                .join(path.file_name().unwrap_or_default())
                .display()
                .to_string();
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) => {
                    self.errors.push(ConfigError::io(&path, e));
                    continue;
                }
            };
            let file = if name.ends_with(".json") {
                match json::to_native(&text) {
                    Ok(native) => self.sources.add(name, native),
                    Err((message, line, column)) => {
                        let file = self.sources.add(name, text);
                        self.errors
                            .push(json_error(&self.sources, file, &message, line, column));
                        continue;
                    }
                }
            } else {
                self.sources.add(name, text)
            };
            files.push(file);
        }
        let mut bodies = Vec::new();
        for (file, parsed) in files.iter().zip(parse::bodies(&mut self.sources, &files)) {
            match parsed {
                Ok(pieces) => bodies.extend(pieces),
                Err(e) => self
                    .errors
                    .push(ConfigError::syntax(&self.sources, *file, &e)),
            }
        }
        let bodies = overrides::merge(&mut self.sources, bodies, &mut self.errors);
        if bodies.is_empty() && self.errors.is_empty() {
            return Err(single(ConfigError::NoFiles {
                dir: dir.display().to_string(),
            }));
        }
        let mut loader = Loader {
            sources: &self.sources,
            warnings: Vec::new(),
            errors: Vec::new(),
            config: ConfigParts::default(),
        };
        for (file, body) in bodies {
            loader.top_level(file, body);
        }
        let Loader {
            errors,
            config,
            warnings,
            ..
        } = loader;
        self.errors.extend(errors);
        self.warnings.extend(warnings);
        let mut calls = BTreeMap::new();
        for (name, call) in config.calls {
            if let Some(call) = self.child(dir, shown, name.clone(), call) {
                calls.insert(name, call);
            }
        }
        let module = Module {
            dir: shown.to_owned(),
            providers: config.providers,
            variables: config.variables,
            locals: config.locals,
            outputs: config.outputs,
            resources: config.resources,
            calls,
            moves: config.moves,
            imports: config.imports,
            checks: config.checks,
        };
        Ok((module, config.terraform))
    }

    /// Loads the module a call names; local paths only.
    fn child(
        &mut self,
        dir: &Path,
        shown: &Path,
        name: String,
        call: PendingCall,
    ) -> Option<ModuleCall> {
        let source = call.source.clone();
        let refuse = |state: &mut LoadState, summary: &str, help: String| {
            let at = state.sources.locate(call.source_span);
            state
                .errors
                .push(ConfigError::invalid(summary, "this source", Some(help), at));
            None
        };
        let (child_dir, child_shown) = match ModuleSource::parse(&source) {
            ModuleSource::Local(path) => (dir.join(&path), normalize_path(&shown.join(&path))),
            ModuleSource::Git(git) => {
                let checkout = self.root.join(MODULES_DIR).join(git.checkout_name());
                if !checkout.is_dir() {
                    let help = format!(
                        "run vnetform init to download {} into {MODULES_DIR}",
                        git.shown_url()
                    );
                    self.missing.insert(git);
                    return refuse(self, "Module not installed", help);
                }
                let child_dir = git.module_dir(&self.root);
                let child_shown = child_dir
                    .strip_prefix(&self.root)
                    .unwrap_or(&child_dir)
                    .to_owned();
                (child_dir, child_shown)
            }
            ModuleSource::Unsupported => {
                let help = if source.contains("://") {
                    "vnetform fetches modules from local paths and git (git::URL, github.com/ORG/REPO); vendor this one into the repository and use source = \"./path\"".to_owned()
                } else {
                    format!(
                        "registry modules are not downloaded; vendor \"{source}\" into the repository (for example modules/{name}) and use source = \"./modules/{name}\", or use its git repository (git::https://...?ref=VERSION)"
                    )
                };
                return refuse(self, "Unsupported module source", help);
            }
        };
        let canonical = child_dir
            .canonicalize()
            .unwrap_or_else(|_| child_dir.clone());
        if !child_dir.is_dir() {
            return refuse(
                self,
                "Module directory not found",
                format!("{} is not a directory", child_shown.display()),
            );
        }
        if self.stack.contains(&canonical) {
            return refuse(
                self,
                "Module calls itself",
                format!("{source} is already being loaded: a module cannot call itself"),
            );
        }
        self.stack.push(canonical);
        let loaded = self.module(&child_dir, &child_shown);
        self.stack.pop();
        if let Ok((module, _)) = &loaded
            && let Some(import) = module.imports.first()
        {
            let at = self.sources.locate(import.span);
            self.errors.push(ConfigError::invalid(
                "Invalid import block",
                "import blocks belong in the root module",
                Some("move it to the root module, addressing module.NAME.TYPE.NAME".into()),
                at,
            ));
        }
        match loaded {
            Ok((module, _)) => Some(ModuleCall {
                name,
                source,
                body: call.body,
                file: call.file,
                span: call.span,
                repetition: call.repetition,
                providers: call.providers,
                depends_on: call.depends_on,
                module,
            }),
            Err(e) => {
                self.errors.extend(e.errors);
                None
            }
        }
    }
}

/// `a/./b/../c` → `a/c`, for showing module file names.
fn normalize_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if out.file_name().is_some_and(|n| n != "..") => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Parses a `*.tfvars` file into variable assignments (name, expression).
pub fn parse_tfvars(
    sources: &mut Sources,
    path: &Path,
) -> Result<Vec<(String, Expr)>, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| single(ConfigError::io(path, e)))?;
    let file = sources.add(path.display().to_string(), text);
    let body = hcl_edit::parser::parse_body(&sources.file(file).text)
        .map_err(|e| single(ConfigError::syntax(sources, file, &e)))?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for structure in body {
        match structure {
            Structure::Attribute(attr) => {
                out.push((
                    attr.key.as_str().to_owned(),
                    Expr {
                        expr: attr.value,
                        file,
                    },
                ));
            }
            Structure::Block(block) => errors.push(ConfigError::invalid(
                "Unexpected block in a variables file",
                "blocks are not allowed here",
                Some("a .tfvars file holds only assignments of the form name = value".into()),
                sources.locate(span_of(file, &block.ident)),
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ConfigErrors { errors })
    }
}

/// The azurerm version `.terraform.lock.hcl` pins, if the file exists and names one.
fn locked_azurerm_version(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".terraform.lock.hcl")).ok()?;
    let body = hcl_edit::parser::parse_body(&text).ok()?;
    body.get_blocks("provider")
        .find(|b| {
            b.labels
                .first()
                .map(label_text)
                .is_some_and(|l| l.ends_with("hashicorp/azurerm"))
        })
        .and_then(|b| b.body.get_attribute("version"))
        .and_then(|a| literal_string(&a.value))
}

fn tf_files(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.to_string_lossy();
            (name.ends_with(".tf") || name.ends_with(".tf.json")) && p.is_file()
        })
        .collect();
    files.sort();
    Ok(files)
}

/// A `.tf.json` file that is not JSON, or not a configuration, at its 1-based position.
fn json_error(
    sources: &Sources,
    file: FileId,
    message: &str,
    line: usize,
    column: usize,
) -> ConfigError {
    let offset = crate::source::offset_of(&sources.file(file).text, line, column);
    let at = sources.locate(Span::new(file, offset..offset));
    ConfigError::JsonSyntax {
        message: message.to_owned(),
        src: at.src,
        span: at.span,
    }
}

fn single(e: ConfigError) -> ConfigErrors {
    ConfigErrors { errors: vec![e] }
}

fn span_of(file: FileId, node: &impl hcl_edit::Span) -> Span {
    Span::new(file, node.span().unwrap_or(0..0))
}

#[derive(Default)]
struct ConfigParts {
    terraform: TerraformSettings,
    providers: Vec<ProviderBlock>,
    variables: BTreeMap<String, VariableBlock>,
    locals: BTreeMap<String, Expr>,
    outputs: BTreeMap<String, OutputBlock>,
    resources: BTreeMap<ResourceAddr, ResourceBlock>,
    calls: BTreeMap<String, PendingCall>,
    moves: Vec<Move>,
    imports: Vec<Import>,
    checks: Vec<Check>,
}

/// A module call whose module is not loaded yet.
struct PendingCall {
    source: String,
    source_span: Span,
    body: Body,
    file: FileId,
    span: Span,
    repetition: Option<Repetition>,
    providers: Vec<(String, String, Span)>,
    depends_on: Vec<(ResourceAddr, Span)>,
}

struct Loader<'a> {
    sources: &'a Sources,
    errors: Vec<ConfigError>,
    warnings: Vec<ConfigWarning>,
    config: ConfigParts,
}

impl Loader<'_> {
    fn error(&mut self, summary: &str, label: &str, detail: Option<String>, span: Span) {
        self.errors.push(ConfigError::invalid(
            summary,
            label,
            detail,
            self.sources.locate(span),
        ));
    }

    fn top_level(&mut self, file: FileId, body: Body) {
        for structure in body {
            match structure {
                Structure::Attribute(attr) => self.error(
                    "Unexpected attribute",
                    "an argument is not expected here",
                    Some(
                        "top-level items are blocks such as resource, variable, locals or output"
                            .into(),
                    ),
                    span_of(file, &attr.key),
                ),
                Structure::Block(block) => self.block(file, block),
            }
        }
    }

    fn block(&mut self, file: FileId, block: Block) {
        let header = span_of(file, &block.ident);
        match block.ident.as_str() {
            "terraform" => self.terraform(file, &block),
            "provider" => {
                if let Some([name]) = self.labels::<1>(file, &block, "provider \"NAME\"") {
                    let span = span_of(file, &block);
                    let alias = block
                        .body
                        .get_attribute("alias")
                        .and_then(|a| literal_string(&a.value));
                    let legacy_version = block
                        .body
                        .get_attribute("version")
                        .and_then(|a| literal_string(&a.value));
                    if name == "azurerm" && self.config.terraform.azurerm_constraint.is_none() {
                        self.config.terraform.azurerm_constraint = legacy_version;
                    }
                    self.config.providers.push(ProviderBlock {
                        name,
                        alias,
                        body: block.body,
                        file,
                        span,
                    });
                }
            }
            "variable" => self.variable(file, block),
            "locals" => self.locals(file, block),
            "output" => self.output(file, block),
            "resource" => self.resource(file, block, Mode::Managed),
            "data" => self.resource(file, block, Mode::Data),
            "module" => self.module_call(file, block),
            "moved" => self.moved(file, &block),
            "import" => self.import(file, &block),
            "check" => self.check(file, &block),
            kind @ "removed" => self.error(
                &format!("{kind} blocks are not supported yet"),
                "not supported yet",
                Some("see docs/language.md for the supported language".into()),
                header,
            ),
            other => self.error(
                &format!("Unsupported block type \"{other}\""),
                "unknown block type",
                Some("expected terraform, provider, variable, locals, output or resource".into()),
                header,
            ),
        }
    }

    /// The block's labels as strings, or an error when there are not exactly `N`.
    fn labels<const N: usize>(
        &mut self,
        file: FileId,
        block: &Block,
        form: &str,
    ) -> Option<[String; N]> {
        let labels: Vec<String> = block.labels.iter().map(label_text).collect();
        match <[String; N]>::try_from(labels) {
            Ok(labels) => Some(labels),
            Err(_) => {
                self.error(
                    &format!("Wrong number of labels on a {} block", block.ident.as_str()),
                    &format!("expected {form}"),
                    None,
                    span_of(file, &block.ident),
                );
                None
            }
        }
    }

    fn terraform(&mut self, file: FileId, block: &Block) {
        for required in block.body.get_blocks("required_providers") {
            let constraint = required
                .body
                .get_attribute("azurerm")
                .and_then(|a| match &a.value {
                    Expression::Object(fields) => fields.iter().find_map(|(k, v)| {
                        let key = match k {
                            ObjectKey::Ident(i) => i.as_str().to_owned(),
                            ObjectKey::Expression(e) => literal_string(e)?,
                        };
                        (key == "version")
                            .then(|| literal_string(v.expr()))
                            .flatten()
                    }),
                    other => literal_string(other),
                });
            if constraint.is_some() {
                self.config.terraform.azurerm_constraint = constraint;
            }
        }
        for backend in block.body.get_blocks("backend") {
            match backend.labels.first().map(label_text).as_deref() {
                Some("local") => {
                    if let Some(attr) = backend.body.get_attribute("path") {
                        match literal_string(&attr.value) {
                            Some(path) => self.config.terraform.local_state_path = Some(path),
                            None => self.error(
                                "Invalid backend path",
                                "must be a literal string",
                                None,
                                span_of(file, &attr.value),
                            ),
                        }
                    }
                }
                Some("pg") => self.config.terraform.pg = Some(self.pg_backend(file, backend)),
                Some(other) => {
                    let at = self.sources.locate(span_of(file, &backend.ident));
                    self.warnings.push(ConfigWarning::UnusedBackend {
                        kind: other.to_owned(),
                        src: at.src,
                        span: at.span,
                    });
                }
                None => self.error(
                    "Missing backend type",
                    "expected backend \"TYPE\"",
                    None,
                    span_of(file, backend),
                ),
            }
        }
    }

    /// `backend "pg" {}`: Terraform's arguments, as literal strings. The `skip_*` flags are
    /// accepted and change nothing: tables are only ever created when missing.
    fn pg_backend(&mut self, file: FileId, block: &Block) -> PgBackend {
        let mut pg = PgBackend::default();
        for structure in block.body.iter() {
            let Structure::Attribute(attr) = structure else {
                self.error(
                    "Unexpected block",
                    "backend \"pg\" takes only arguments",
                    None,
                    span_of(file, structure),
                );
                continue;
            };
            let slot = match attr.key.as_str() {
                "conn_str" => &mut pg.conn_str,
                "schema_name" => &mut pg.schema_name,
                "skip_schema_creation" | "skip_table_creation" | "skip_index_creation" => continue,
                other => {
                    self.error(
                        "Unsupported argument",
                        &format!("backend \"pg\" has no argument \"{other}\""),
                        Some("its arguments are conn_str, schema_name and the skip_* flags".into()),
                        span_of(file, &attr.key),
                    );
                    continue;
                }
            };
            match literal_string(&attr.value) {
                Some(value) => *slot = Some(value),
                None => self.error(
                    "Invalid backend setting",
                    "must be a literal string",
                    Some("backend settings are read before anything is evaluated; use -backend-config or PG_CONN_STR for values kept out of the configuration".into()),
                    span_of(file, &attr.value),
                ),
            }
        }
        pg
    }

    fn variable(&mut self, file: FileId, block: Block) {
        let Some([name]) = self.labels::<1>(file, &block, "variable \"NAME\"") else {
            return;
        };
        let span = span_of(file, &block.ident);
        if let Some(Expression::String(quoted)) = block.body.get_attribute("type").map(|a| &a.value)
            && matches!(quoted.as_str(), "string" | "list" | "map")
        {
            let at = self.sources.locate(span_of(file, quoted));
            self.warnings.push(ConfigWarning::QuotedType {
                keyword: quoted.as_str().to_owned(),
                src: at.src,
                span: at.span,
            });
        }
        let ty = match block.body.get_attribute("type") {
            None => TypeConstraint::Any,
            Some(attr) => TypeConstraint::parse(&attr.value).unwrap_or_else(|why| {
                self.error(
                    "Invalid type constraint",
                    &why,
                    None,
                    span_of(file, &attr.value),
                );
                TypeConstraint::Any
            }),
        };
        self.only(
            file,
            &block.body,
            &["type", "default", "description", "sensitive", "nullable"],
            &["validation"],
        );
        let validations = self.validations(file, &block.body);
        let variable = VariableBlock {
            validations,
            default: block.body.get_attribute("default").map(|a| Expr {
                expr: a.value.clone(),
                file,
            }),
            description: block
                .body
                .get_attribute("description")
                .and_then(|a| literal_string(&a.value)),
            sensitive: self.literal_bool(file, &block.body, "sensitive", false),
            nullable: self.literal_bool(file, &block.body, "nullable", true),
            ty,
            name: name.clone(),
            span,
        };
        if self
            .config
            .variables
            .insert(name.clone(), variable)
            .is_some()
        {
            self.duplicate(&format!("variable \"{name}\""), span);
        }
    }

    /// Reports arguments and blocks a block type does not have.
    fn only(&mut self, file: FileId, body: &Body, attributes: &[&str], blocks: &[&str]) {
        for structure in body.iter() {
            let (name, span, allowed, what) = match structure {
                Structure::Attribute(a) => (
                    a.key.as_str(),
                    span_of(file, &a.key),
                    attributes,
                    "argument",
                ),
                Structure::Block(b) => (
                    b.ident.as_str(),
                    span_of(file, &b.ident),
                    blocks,
                    "block type",
                ),
            };
            if !allowed.contains(&name) {
                self.error(
                    &format!("Unsupported {what}"),
                    &format!("\"{name}\" is not expected here"),
                    Some(format!(
                        "expected one of: {}",
                        [attributes, blocks].concat().join(", ")
                    )),
                    span,
                );
            }
        }
    }

    fn validations(&mut self, file: FileId, body: &Body) -> Vec<super::Validation> {
        let mut out = Vec::new();
        for block in body.get_blocks("validation") {
            self.only(file, &block.body, &["condition", "error_message"], &[]);
            let get = |key: &str| {
                block.body.get_attribute(key).map(|a| Expr {
                    expr: a.value.clone(),
                    file,
                })
            };
            match (get("condition"), get("error_message")) {
                (Some(condition), Some(error_message)) => out.push(super::Validation {
                    condition,
                    error_message,
                }),
                _ => self.error(
                    "Incomplete validation block",
                    "a validation needs condition and error_message",
                    None,
                    span_of(file, &block.ident),
                ),
            }
        }
        out
    }

    fn locals(&mut self, file: FileId, block: Block) {
        for structure in block.body {
            match structure {
                Structure::Attribute(attr) => {
                    let name = attr.key.as_str().to_owned();
                    let span = span_of(file, &attr.key);
                    if self
                        .config
                        .locals
                        .insert(
                            name.clone(),
                            Expr {
                                expr: attr.value,
                                file,
                            },
                        )
                        .is_some()
                    {
                        self.duplicate(&format!("local value \"{name}\""), span);
                    }
                }
                Structure::Block(b) => {
                    self.error(
                        "Unexpected block in locals",
                        "blocks are not allowed here",
                        None,
                        span_of(file, &b.ident),
                    );
                }
            }
        }
    }

    fn output(&mut self, file: FileId, block: Block) {
        let Some([name]) = self.labels::<1>(file, &block, "output \"NAME\"") else {
            return;
        };
        let span = span_of(file, &block.ident);
        let Some(value) = block.body.get_attribute("value") else {
            self.error(
                "Missing required argument",
                "output needs a value argument",
                None,
                span,
            );
            return;
        };
        self.only(
            file,
            &block.body,
            &["value", "description", "sensitive", "depends_on"],
            &[],
        );
        let output = OutputBlock {
            name: name.clone(),
            value: Expr {
                expr: value.value.clone(),
                file,
            },
            sensitive: self.literal_bool(file, &block.body, "sensitive", false),
            description: block
                .body
                .get_attribute("description")
                .and_then(|a| literal_string(&a.value)),
            depends_on: self.depends_on(file, &block.body),
            span,
        };
        if self.config.outputs.insert(name.clone(), output).is_some() {
            self.duplicate(&format!("output \"{name}\""), span);
        }
    }

    /// A `resource` or `data` block.
    fn resource(&mut self, file: FileId, block: Block, mode: Mode) {
        let keyword = if mode == Mode::Data {
            "data"
        } else {
            "resource"
        };
        let Some([resource_type, name]) =
            self.labels::<2>(file, &block, &format!("{keyword} \"TYPE\" \"NAME\""))
        else {
            return;
        };
        let span = span_of(file, &block);
        let header = Span {
            end: block.body.span().map_or(span.end, |b| b.start),
            ..span
        };
        let addr = ResourceAddr {
            mode,
            ..ResourceAddr::managed(resource_type, name)
        };
        let resource = ResourceBlock {
            provider_alias: self.provider_alias(file, &block.body),
            repetition: self.repetition(file, &block.body),
            depends_on: self.depends_on(file, &block.body),
            lifecycle: self.lifecycle(file, &block.body),
            addr: addr.clone(),
            body: ResourceBody::new(block.body),
            file,
            span: header,
            extent: span,
        };
        if self
            .config
            .resources
            .insert(addr.clone(), resource)
            .is_some()
        {
            self.duplicate(
                &format!("{keyword} \"{}\" \"{}\"", addr.resource_type, addr.name),
                header,
            );
        }
    }

    /// `check "NAME" { assert { condition  error_message } }`.
    fn check(&mut self, file: FileId, block: &Block) {
        let Some([name]) = self.labels::<1>(file, block, "check \"NAME\"") else {
            return;
        };
        self.only(file, &block.body, &[], &["assert"]);
        let mut asserts = Vec::new();
        for assert in block.body.get_blocks("assert") {
            self.only(file, &assert.body, &["condition", "error_message"], &[]);
            let get = |key: &str| {
                assert.body.get_attribute(key).map(|a| Expr {
                    expr: a.value.clone(),
                    file,
                })
            };
            match (get("condition"), get("error_message")) {
                (Some(condition), Some(error_message)) => asserts.push(Assertion {
                    condition,
                    error_message,
                }),
                _ => self.error(
                    "Incomplete assert block",
                    "an assert needs condition and error_message",
                    None,
                    span_of(file, &assert.ident),
                ),
            }
        }
        self.config.checks.push(Check { name, asserts });
    }

    /// `moved { from = ADDRESS  to = ADDRESS }`.
    /// `import { to = ADDRESS, id = "..." }`.
    fn import(&mut self, file: FileId, block: &Block) {
        let header = span_of(file, &block.ident);
        self.only(file, &block.body, &["to", "id", "provider"], &[]);
        let to = block.body.get_attribute("to").map(|attr| {
            let span = span_of(file, &attr.value);
            let text = self.sources.file(file).text[span.start..span.end].trim();
            (text.parse::<ResourceAddr>().ok(), span)
        });
        let id = block.body.get_attribute("id").map(|attr| Expr {
            expr: attr.value.clone(),
            file,
        });
        match (to, id) {
            (Some((Some(to), _)), Some(id)) => self.config.imports.push(Import {
                to,
                id,
                span: header,
            }),
            (Some((None, span)), _) => self.error(
                "Invalid import address",
                "expected a resource instance address",
                Some(
                    "e.g. azurerm_virtual_network.hub or module.spoke[\"a\"].azurerm_subnet.app"
                        .into(),
                ),
                span,
            ),
            _ => self.error(
                "Missing required argument",
                "an import block needs to and id",
                None,
                header,
            ),
        }
    }

    fn moved(&mut self, file: FileId, block: &Block) {
        let header = span_of(file, &block.ident);
        self.only(file, &block.body, &["from", "to"], &[]);
        let target = |key: &str| {
            let attr = block.body.get_attribute(key)?;
            let span = span_of(file, &attr.value);
            let text = self.sources.file(file).text[span.start..span.end]
                .trim()
                .to_owned();
            Some((move_target(&text), span))
        };
        match (target("from"), target("to")) {
            (Some((Some(from), _)), Some((Some(to), _))) => {
                let kinds_match = matches!(
                    (&from, &to),
                    (MoveTarget::Resource(_), MoveTarget::Resource(_))
                        | (MoveTarget::Module(_), MoveTarget::Module(_))
                );
                if kinds_match {
                    self.config.moves.push(Move {
                        from,
                        to,
                        span: header,
                    });
                } else {
                    self.error(
                        "Invalid moved block",
                        "a resource can only move to a resource, a module to a module",
                        None,
                        header,
                    );
                }
            }
            (Some((None, span)), _) | (_, Some((None, span))) => self.error(
                "Invalid address",
                "expected a resource or module address",
                Some("e.g. azurerm_subnet.a, azurerm_subnet.b[\"web\"] or module.hub".into()),
                span,
            ),
            _ => self.error(
                "Missing required argument",
                "a moved block needs from and to",
                None,
                header,
            ),
        }
    }

    /// A `module "NAME" { source = ... }` block; its module is loaded afterwards.
    fn module_call(&mut self, file: FileId, block: Block) {
        let Some([name]) = self.labels::<1>(file, &block, "module \"NAME\"") else {
            return;
        };
        let header = span_of(file, &block.ident);
        let Some(source) = block.body.get_attribute("source") else {
            self.error(
                "Missing required argument",
                "a module block needs a source",
                Some("e.g. source = \"./modules/vnet\"".into()),
                header,
            );
            return;
        };
        let source_span = span_of(file, &source.value);
        let Some(source_text) = literal_string(&source.value) else {
            self.error(
                "Invalid module source",
                "must be a literal string",
                None,
                source_span,
            );
            return;
        };
        let call = PendingCall {
            source: source_text,
            source_span,
            repetition: self.repetition(file, &block.body),
            providers: self.providers_map(file, &block.body),
            depends_on: self.depends_on(file, &block.body),
            file,
            span: header,
            body: block.body,
        };
        if self.config.calls.insert(name.clone(), call).is_some() {
            self.duplicate(&format!("module \"{name}\""), header);
        }
    }

    /// `providers = { azurerm = azurerm.spoke }`: (name in the module, name here, span).
    fn providers_map(&mut self, file: FileId, body: &Body) -> Vec<(String, String, Span)> {
        let Some(attr) = body.get_attribute("providers") else {
            return Vec::new();
        };
        let Expression::Object(entries) = &attr.value else {
            self.error(
                "Invalid providers map",
                "expected { azurerm = azurerm.ALIAS }",
                None,
                span_of(file, &attr.value),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in entries.iter() {
            let child = match key {
                ObjectKey::Ident(i) => Some(i.as_str().to_owned()),
                ObjectKey::Expression(e) => reference_text(e),
            };
            match (child, reference_text(value.expr())) {
                (Some(child), Some(parent)) => {
                    out.push((child, parent, span_of(file, value.expr())))
                }
                _ => self.error(
                    "Invalid providers map entry",
                    "expected PROVIDER = PROVIDER.ALIAS",
                    None,
                    span_of(file, value.expr()),
                ),
            }
        }
        out
    }

    /// `provider = azurerm.ALIAS` (or the legacy quoted `"azurerm.ALIAS"`): the alias.
    fn provider_alias(&mut self, file: FileId, body: &Body) -> Option<(String, Span)> {
        let attr = body.get_attribute("provider")?;
        let span = span_of(file, &attr.value);
        let text = match &attr.value {
            Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
                (Expression::Variable(name), [op]) => match op.value() {
                    TraversalOperator::GetAttr(alias) => {
                        Some(format!("{}.{}", name.as_str(), alias.as_str()))
                    }
                    _ => None,
                },
                _ => None,
            },
            Expression::Variable(name) => Some(name.as_str().to_owned()),
            Expression::String(s) => Some(s.as_str().to_owned()),
            _ => None,
        };
        match text.as_deref().map(|t| t.split_once('.')) {
            Some(Some((_, alias))) => Some((alias.to_owned(), span)),
            Some(None) => None,
            None => {
                self.error(
                    "Invalid provider reference",
                    "expected PROVIDER.ALIAS, e.g. azurerm.spoke",
                    None,
                    span,
                );
                None
            }
        }
    }

    /// `count = N` or `for_each = COLLECTION` (not both).
    fn repetition(&mut self, file: FileId, body: &Body) -> Option<Repetition> {
        let expr = |key: &str| {
            body.get_attribute(key).map(|a| Expr {
                expr: a.value.clone(),
                file,
            })
        };
        match (expr("count"), expr("for_each")) {
            (Some(count), None) => Some(Repetition::Count(count)),
            (None, Some(each)) => Some(Repetition::ForEach(each)),
            (None, None) => None,
            (Some(_), Some(each)) => {
                self.error(
                    "Invalid combination of \"count\" and \"for_each\"",
                    "for_each cannot be used together with count",
                    Some(
                        "use one of them: count for numbered instances, for_each for named ones"
                            .into(),
                    ),
                    each.span(),
                );
                None
            }
        }
    }

    fn lifecycle(&mut self, file: FileId, body: &Body) -> Lifecycle {
        let mut lifecycle = Lifecycle::default();
        for block in body.get_blocks("lifecycle") {
            lifecycle.create_before_destroy |=
                self.literal_bool(file, &block.body, "create_before_destroy", false);
            lifecycle.prevent_destroy |=
                self.literal_bool(file, &block.body, "prevent_destroy", false);
            if let Some(attr) = block.body.get_attribute("ignore_changes") {
                match &attr.value {
                    Expression::Array(items) => {
                        lifecycle
                            .ignore_changes
                            .extend(items.iter().filter_map(|e| match e {
                                Expression::Variable(v) => Some(v.as_str().to_owned()),
                                Expression::String(s) => Some(s.as_str().to_owned()),
                                _ => None,
                            }));
                    }
                    Expression::Variable(v) if v.as_str() == "all" => {
                        lifecycle.ignore_changes.push("all".into())
                    }
                    other => self.error(
                        "Invalid ignore_changes",
                        "expected a list of attribute names or all",
                        None,
                        span_of(file, other),
                    ),
                }
            }
        }
        lifecycle
    }

    fn depends_on(&mut self, file: FileId, body: &Body) -> Vec<(ResourceAddr, Span)> {
        let Some(attr) = body.get_attribute("depends_on") else {
            return Vec::new();
        };
        let Expression::Array(items) = &attr.value else {
            self.error(
                "Invalid depends_on",
                "expected a list of resource references",
                None,
                span_of(file, &attr.value),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match static_resource_reference(item) {
                Some(addr) => out.push((addr, span_of(file, item))),
                None => self.error(
                    "Invalid depends_on reference",
                    "expected a reference to a resource such as azurerm_subnet.gw",
                    None,
                    span_of(file, item),
                ),
            }
        }
        out
    }

    fn literal_bool(&mut self, file: FileId, body: &Body, key: &str, default: bool) -> bool {
        match body.get_attribute(key).map(|a| &a.value) {
            None => default,
            Some(Expression::Bool(b)) => *b.value(),
            Some(other) => {
                self.error(
                    &format!("Invalid {key} value"),
                    "must be true or false",
                    None,
                    span_of(file, other),
                );
                default
            }
        }
    }

    fn duplicate(&mut self, what: &str, span: Span) {
        let at = self.sources.locate(span);
        self.errors.push(ConfigError::Duplicate {
            what: what.to_owned(),
            src: at.src,
            span: at.span,
        });
    }
}

/// A `moved` address: `module.a["k"]` or a resource address, possibly inside modules.
fn move_target(text: &str) -> Option<MoveTarget> {
    if let Ok(addr) = text.parse::<ResourceAddr>() {
        return Some(MoveTarget::Resource(addr));
    }
    crate::addr::parse_module_path(text)
        .ok()
        .filter(|p| !p.is_empty())
        .map(MoveTarget::Module)
}

/// `azurerm` or `azurerm.alias`, written as a reference (or as a legacy quoted string).
fn reference_text(expr: &Expression) -> Option<String> {
    match expr {
        Expression::Variable(name) => Some(name.as_str().to_owned()),
        Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
            (Expression::Variable(name), [op]) => match op.value() {
                TraversalOperator::GetAttr(alias) => {
                    Some(format!("{}.{}", name.as_str(), alias.as_str()))
                }
                _ => None,
            },
            _ => None,
        },
        Expression::String(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

fn label_text(label: &BlockLabel) -> String {
    match label {
        BlockLabel::Ident(i) => i.as_str().to_owned(),
        BlockLabel::String(s) => s.as_str().to_owned(),
    }
}

fn literal_string(expr: &Expression) -> Option<String> {
    match expr {
        Expression::String(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

/// `azurerm_subnet.gw` (optionally with attribute access) as a resource address.
pub(crate) fn static_resource_reference(expr: &Expression) -> Option<ResourceAddr> {
    let Expression::Traversal(traversal) = expr else {
        return None;
    };
    let Expression::Variable(root) = &traversal.expr else {
        return None;
    };
    let mut names = traversal.operators.iter().map(|op| match op.value() {
        TraversalOperator::GetAttr(ident) => Some(ident.as_str().to_owned()),
        _ => None,
    });
    match root.as_str() {
        "data" => Some(ResourceAddr {
            mode: Mode::Data,
            ..ResourceAddr::managed(names.next()??, names.next()??)
        }),
        "var" | "local" | "module" | "path" | "terraform" | "count" | "each" | "self" => None,
        resource_type => Some(ResourceAddr::managed(resource_type, names.next()??)),
    }
}
