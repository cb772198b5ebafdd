//! `vnetform import ADDRESS ID`: adopts an object that exists in the cloud (built by hand, or
//! by another tool) into state, under a resource block of the configuration, so that the next
//! plan shows only the real differences between the object and its configuration.

use miette::Diagnostic;

use super::{CommonOptions, Ui, Workdir, evaluate, load, open_state, read_all, runtime};
use crate::addr::ResourceAddr;
use crate::error::Result;
use crate::model::{self, IdShape};
use crate::state::ResourceState;

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
        resource_type: addr.resource_type.clone(),
        id: id.to_owned(),
    };
    let found = runtime().block_on(read_all(&backend, vec![(addr.clone(), request)], 1))?;
    let Some(attributes) = found.into_iter().next().and_then(|(_, a)| a) else {
        return Err(ImportError::NotFound(id.to_owned()).into());
    };
    let resource = ResourceState {
        sensitive_attributes: crate::apply::sensitive_attributes(&addr, &attributes, None),
        attributes,
        dependencies: Vec::new(),
        tainted: false,
        create_before_destroy: configured.lifecycle.create_before_destroy,
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
