//! Adopting objects that exist in the cloud (built by hand, or by another tool) under resource
//! blocks of the configuration: `vnetform import ADDRESS ID` records one in state at once;
//! `import {}` blocks are read during planning and recorded by the apply. Either way the plan
//! then shows only the real differences between the object and its configuration.

use miette::Diagnostic;

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{CommonOptions, Loaded, Ui, Workdir, evaluate, load, open_state, read_all, runtime};
use crate::addr::ResourceAddr;
use crate::backend::Backend;
use crate::config::Import;
use crate::error::Result;
use crate::model::{self, IdShape};
use crate::state::ResourceState;
use crate::state::State;

/// An import that cannot be done.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ImportError {
    #[error("Invalid address \"{0}\"")]
    #[diagnostic(
        code(import::bad_address),
        help(
            "write a resource instance address, e.g. azurerm_virtual_network.hub or module.spoke[\"a\"].azurerm_subnet.app[0]"
        )
    )]
    BadAddress(String),
    #[error("Resource already managed by vnetform: {0}")]
    #[diagnostic(
        code(import::already_managed),
        help("`vnetform state rm {0}` forgets it first, if it is to be imported again")
    )]
    AlreadyManaged(String),
    #[error("Configuration for import target does not exist: {0}")]
    #[diagnostic(
        code(import::no_configuration),
        help(
            "add a resource block for it (its arguments can be filled in after the import; the plan shows the differences)"
        )
    )]
    NoConfiguration(String),
    #[error("{id} is not the id of a {resource_type}")]
    #[diagnostic(
        code(import::wrong_type),
        help("an id of this type looks like {example}")
    )]
    WrongType {
        id: String,
        resource_type: String,
        example: String,
    },
    #[error("The id of the import block for {0} is not a known string")]
    #[diagnostic(
        code(import::bad_id),
        help("write the id as a string, or an expression known at plan time")
    )]
    BadId(String),
    #[error("Target generated file already exists: {0}")]
    #[diagnostic(
        code(import::generated_exists),
        help("-generate-config-out writes a new file: remove it, or name another")
    )]
    GeneratedFileExists(String),
    #[error("Cannot generate configuration for {0}")]
    #[diagnostic(
        code(import::cannot_generate),
        help(
            "configuration is generated for resources of the root module without count or for_each; write this block by hand"
        )
    )]
    CannotGenerate(String),
    #[error("Cannot import non-existent remote object: {0}")]
    #[diagnostic(
        code(import::not_found),
        help("check the id: `vnetform sim list` shows what the simulated cloud holds")
    )]
    NotFound(String),
}

pub fn import(
    ui: &Ui,
    wd: &Workdir,
    common: &CommonOptions,
    address: &str,
    id: &str,
) -> Result<()> {
    let addr: ResourceAddr = address
        .parse()
        .map_err(|_| ImportError::BadAddress(address.to_owned()))?;
    let loaded = load(ui, wd, common)?;
    let backend = wd.backend()?;
    let (mut store, _guard) = open_state(wd, &loaded.config, common, "Import")?;
    let mut state = store.read()?;
    if state.resources.contains_key(&addr) {
        return Err(ImportError::AlreadyManaged(address.to_owned()).into());
    }
    let desired = evaluate(
        wd,
        &backend,
        &loaded.config,
        &loaded.variables.values,
        &state,
    )?;
    let Some(configured) = desired.resources.get(&addr) else {
        return Err(ImportError::NoConfiguration(address.to_owned()).into());
    };
    check_id_shape(&addr.resource_type, id)?;
    ui.out(&format!(
        "{}: Importing from ID \"{id}\"...\n",
        ui.painter.bold(&addr.to_string())
    ));
    let request = crate::backend::ReadRequest {
        resource_type: addr.resource_type.to_string(),
        id: id.to_owned(),
    };
    let found = runtime().block_on(read_all(&backend, vec![(addr.clone(), request)], 1))?;
    let Some(attributes) = found.into_iter().next().and_then(|(_, a)| a) else {
        return Err(ImportError::NotFound(id.to_owned()).into());
    };
    let resource = ResourceState {
        create_before_destroy: configured.lifecycle.create_before_destroy,
        ..super::adopted(&addr, attributes, Vec::new())
    };
    state.resources.insert(addr.clone(), resource);
    store.write(&mut state)?;
    ui.out(&format!(
        "{}: Import prepared!\n  Prepared {} for import\n\n{}\n\nThe resources that were imported are shown above. These resources are now in\nyour vnetform state and will henceforth be managed by vnetform.\n",
        ui.painter.bold(&addr.to_string()),
        addr.resource_type,
        ui.painter.bold(&ui.painter.green("Import successful!"))
    ));
    Ok(())
}

/// Reads the objects that `import` blocks name and are not in `state` yet, and adds them to
/// it, as the plan is to see them; returns the address and id of each.
pub(super) fn read_import_blocks(
    ui: &Ui,
    wd: &Workdir,
    rt: &tokio::runtime::Runtime,
    backend: &Arc<dyn Backend>,
    loaded: &Loaded,
    state: &mut State,
    parallelism: usize,
) -> Result<BTreeMap<ResourceAddr, String>> {
    let pending: Vec<&Import> = loaded
        .config
        .root
        .imports
        .iter()
        .filter(|i| !state.resources.contains_key(&i.to))
        .collect();
    let mut ids = BTreeMap::new();
    for import in pending {
        let id = import_id(wd, backend, loaded, state, import)?;
        check_id_shape(&import.to.resource_type, &id)?;
        ids.insert(import.to.clone(), id);
    }
    let requests = ids
        .iter()
        .map(|(addr, id)| {
            let read = crate::backend::ReadRequest {
                resource_type: addr.resource_type.to_string(),
                id: id.clone(),
            };
            (addr.clone(), read)
        })
        .collect();
    // In address order, whatever order the reads finish in.
    let read: BTreeMap<ResourceAddr, Option<serde_json::Value>> = rt
        .block_on(read_all(backend, requests, parallelism.max(1)))?
        .into_iter()
        .collect();
    for (addr, attributes) in read {
        let Some(attributes) = attributes else {
            return Err(ImportError::NotFound(ids[&addr].clone()).into());
        };
        ui.out(&format!(
            "{}: Preparing import... [id={}]\n",
            ui.painter.bold(&addr.to_string()),
            ids[&addr]
        ));
        let resource = super::adopted(&addr, attributes, Vec::new());
        state.resources.insert(addr, resource);
    }
    Ok(ids)
}

/// `plan -generate-config-out=FILE`: writes a resource block, from the object in the cloud,
/// for every `import` block whose target the configuration does not declare yet.
pub(super) fn generate_config(
    ui: &Ui,
    wd: &Workdir,
    common: &CommonOptions,
    out: &std::path::Path,
) -> Result<()> {
    let path = wd.dir.join(out);
    if path.exists() {
        return Err(ImportError::GeneratedFileExists(out.display().to_string()).into());
    }
    let loaded = load(ui, wd, common)?;
    let backend = wd.backend()?;
    let mut state = wd
        .store(common.state_path.as_deref(), Some(&loaded.config))?
        .read()?;
    let unwritten: Vec<&Import> = loaded
        .config
        .root
        .imports
        .iter()
        .filter(|i| !loaded.config.root.resources.contains_key(&i.to.config()))
        .collect();
    if unwritten.is_empty() {
        return Ok(());
    }
    let mut text = String::new();
    for import in unwritten {
        let to = &import.to;
        let schema = model::schema(&to.resource_type)
            .filter(|_| to.module.is_empty() && to.key.is_none())
            .ok_or_else(|| ImportError::CannotGenerate(to.to_string()))?;
        let id = import_id(wd, &backend, &loaded, &state, import)?;
        check_id_shape(&to.resource_type, &id)?;
        let read = crate::backend::ReadRequest {
            resource_type: to.resource_type.to_string(),
            id: id.clone(),
        };
        let found = runtime().block_on(read_all(&backend, vec![(to.clone(), read)], 1))?;
        let Some(object) = found.into_iter().next().and_then(|(_, a)| a) else {
            return Err(ImportError::NotFound(id).into());
        };
        text.push_str(&crate::render::generate::resource_block(
            to,
            &schema.body,
            &object,
            &id,
        ));
        text.push('\n');
        // Later ids may refer to this object.
        let resource = super::adopted(to, object, Vec::new());
        state.resources.insert(to.clone(), resource);
    }
    let formatted = crate::format::format_source(&text).unwrap_or(text);
    crate::state::atomic_write(&path, formatted.as_bytes()).map_err(|e| {
        super::WorkdirError::Settings {
            path: out.display().to_string(),
            reason: e.to_string(),
        }
    })?;
    ui.out(&format!(
        "Wrote the configuration of the imported objects to {}: review it before applying.\n",
        out.display()
    ));
    Ok(())
}

/// An import block's id: written as a string, or evaluated like any expression.
fn import_id(
    wd: &Workdir,
    backend: &Arc<dyn Backend>,
    loaded: &Loaded,
    state: &State,
    import: &Import,
) -> Result<String> {
    if let hcl_edit::expr::Expression::String(text) = &import.id.expr {
        return Ok(text.value().clone());
    }
    let value = super::evaluate_expression(wd, backend, loaded, state, &import.id)?;
    match value.as_str() {
        Some(id) if value.is_wholly_known() => Ok(id.to_owned()),
        _ => Err(ImportError::BadId(import.to.to_string()).into()),
    }
}

/// Refuses an id whose ARM shape belongs to another resource type (a VNet's id given for a
/// subnet), before asking the backend.
fn check_id_shape(resource_type: &str, id: &str) -> std::result::Result<(), ImportError> {
    let Some(schema) = model::schema(resource_type) else {
        return Ok(());
    };
    let lower = id.to_lowercase();
    let (fits, example) = match schema.id_shape {
        IdShape::ResourceGroup => (
            lower.starts_with("/subscriptions/")
                && lower.split('/').filter(|s| !s.is_empty()).count() == 4,
            "/subscriptions/SUB/resourceGroups/NAME".to_owned(),
        ),
        IdShape::Provider(kind) => (
            lower.contains(&format!("/providers/{}/", kind.to_lowercase())),
            format!("/subscriptions/SUB/resourceGroups/RG/providers/{kind}/NAME"),
        ),
        IdShape::VnetChild(kind) => (
            lower.contains("/virtualnetworks/")
                && lower.contains(&format!("/{}/", kind.to_lowercase())),
            format!(
                "/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/VNET/{kind}/NAME"
            ),
        ),
        IdShape::Child { kind, .. } => (
            lower.contains(&format!("/{}/", kind.to_lowercase())),
            format!("PARENT_ID/{kind}/NAME"),
        ),
        IdShape::PoolAssociation => (
            lower.contains("/ipconfigurations/") && lower.contains('|'),
            "NIC_ID/ipConfigurations/NAME|POOL_ID".to_owned(),
        ),
        IdShape::Assigned => (true, String::new()),
    };
    if fits {
        Ok(())
    } else {
        Err(ImportError::WrongType {
            id: id.to_owned(),
            resource_type: resource_type.to_owned(),
            example,
        })
    }
}
