//! `vnetform sim list|delete|set`: looking at and changing the simulated cloud out of band
//! (in a lab directory, the lab's store: the host follows at the next change or refresh).

use super::{Ui, Workdir};
use crate::backend::lab::LabCloud;
use crate::backend::sim::{SimCloud, SimOptions, redacted};
use crate::error::{Error, Result};

/// The store `sim` commands work on: the simulated cloud's, or the lab's.
fn store(wd: &Workdir) -> Result<SimCloud> {
    if wd.cloud()? == "lab" {
        return Ok(SimCloud::open(
            &LabCloud::store_path(&wd.dir),
            &SimOptions::default(),
        )?);
    }
    wd.open_sim()
}

/// `sim list [-json]`.
pub fn sim_list(ui: &Ui, wd: &Workdir, json: bool) -> Result<()> {
    let rows = store(wd)?.list()?;
    if json {
        let doc: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id,
                    "type": r.resource_type,
                    "name": r.name,
                    "resource_group": r.resource_group,
                    "location": r.location,
                    "provisioning_state": r.provisioning_state,
                    "attributes": redacted(r),
                })
            })
            .collect();
        ui.out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).expect("rows serialise")
        ));
        return Ok(());
    }
    if rows.is_empty() {
        ui.out("The simulated cloud holds no resources.\n");
    }
    for r in rows {
        ui.out(&format!(
            "{}  {}  {}\n",
            r.provisioning_state, r.resource_type, r.id
        ));
    }
    Ok(())
}

/// `sim delete ID`.
pub fn sim_delete(ui: &Ui, wd: &Workdir, id: &str) -> Result<()> {
    store(wd)?.remove(id)?;
    ui.out(&format!("Deleted {id} from the simulated cloud.\n"));
    Ok(())
}

/// `sim set ID ATTR=VALUE`: VALUE is parsed as JSON where it parses, else taken as a string.
pub fn sim_set(ui: &Ui, wd: &Workdir, id: &str, assignment: &str) -> Result<()> {
    let (path, raw) = assignment
        .split_once('=')
        .filter(|(p, _)| !p.is_empty())
        .ok_or_else(|| Error::Usage(format!("expected ATTR=VALUE, got \"{assignment}\"")))?;
    let value =
        serde_json::from_str(raw).unwrap_or_else(|_| serde_json::Value::String(raw.to_owned()));
    store(wd)?.set_attribute(id, path, value)?;
    ui.out(&format!("Set {path} of {id} in the simulated cloud.\n"));
    Ok(())
}
