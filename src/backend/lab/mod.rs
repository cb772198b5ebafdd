//! `lab`: real VNets and real IKEv2/IPsec tunnels on this Linux host.
//!
//! The lab keeps Azure's objects in a simulator store of its own (`.vnetform/lab/lab.db`),
//! so it assigns, checks and refuses exactly as the simulated cloud does, with gateways'
//! public IPs from the documentation ranges. After every change it makes the host match the
//! store: [`layout`] works out the namespaces, links and tunnels that stand for the objects,
//! [`host`] builds them with `ip` and one strongSwan charon per gateway and site. Reading a
//! connection reports its tunnel's real state in `connection_status`. Objects that are not
//! networks (resource groups, random values, opaque resources) live in the store alone.
//!
//! It needs root, iproute2, and strongSwan's charon with the kernel-libipsec plugin.

pub mod host;
pub mod layout;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::sim::{Row, SimCloud, SimOptions, text};
use super::{
    Backend, BackendError, CreateRequest, CreateResponse, DeleteRequest, FindRequest, ReadRequest,
    ReadResponse, UpdateRequest, UpdateResponse,
};
use host::{Failure, Host, TunnelStatus};
use layout::Role;

/// The lab's directory, under the working directory.
pub const DIR: &str = ".vnetform/lab";

const CONNECTION: &str = "azurerm_virtual_network_gateway_connection";

/// The lab of one working directory.
pub struct LabCloud {
    store: Arc<SimCloud>,
    host: Host,
    /// Serializes changes to the host; holds whether this process has brought it in line
    /// with the store yet.
    converged: Arc<Mutex<bool>>,
}

/// The lab's short name, from its working directory: namespace names begin with it, so two
/// labs on one host never meet.
pub fn lab_name(workdir: &Path) -> String {
    let path = workdir
        .canonicalize()
        .unwrap_or_else(|_| workdir.to_path_buf());
    format!("vf{}", layout::tag(&path.to_string_lossy()))
}

/// What the lab needs of the host, or what is missing.
pub fn check_requirements() -> Result<(), BackendError> {
    let refuse = |what: &str| {
        BackendError::new(
            "LabUnavailable",
            format!("the lab backend needs {what}; see docs/backends.md"),
        )
    };
    if !is_root() {
        return Err(refuse("root (it creates network namespaces)"));
    }
    if !Path::new(host::CHARON).exists() {
        return Err(refuse(&format!(
            "strongSwan's charon at {} (Debian: strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins)",
            host::CHARON
        )));
    }
    if !Path::new("/dev/net/tun").exists() {
        return Err(refuse(
            "/dev/net/tun (IPsec runs in user space through a TUN device)",
        ));
    }
    for tool in ["ip", "swanctl"] {
        let found = std::process::Command::new(tool)
            .arg("--version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok();
        if !found {
            return Err(refuse(&format!("`{tool}` on PATH")));
        }
    }
    Ok(())
}

/// Whether this process runs as root, from /proc (no libc call needed).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("Uid:"))?;
            line.split_whitespace().nth(2).map(|euid| euid == "0")
        })
        .unwrap_or(false)
}

/// The first of `failures` that concerns an object (by id, with a connection also
/// concerned by its gateway's), as the error of the operation on it.
fn failure_of(failures: &[Failure], attributes: &serde_json::Value) -> Option<BackendError> {
    let concerned =
        ["id", "virtual_network_gateway_id"].map(|key| text(attributes, key).to_lowercase());
    failures
        .iter()
        .find(|f| {
            f.object
                .as_ref()
                .is_none_or(|object| concerned.contains(object))
        })
        .map(|f| BackendError::new("LabHostError", f.error.to_string()))
}

impl LabCloud {
    /// Opens the lab of working directory `workdir`.
    pub fn open(workdir: &Path, options: &SimOptions) -> Result<LabCloud, BackendError> {
        check_requirements()?;
        let options = SimOptions {
            public_ranges: layout::PUBLIC_RANGES.to_vec(),
            ..options.clone()
        };
        Ok(LabCloud {
            store: Arc::new(SimCloud::open(&LabCloud::store_path(workdir), &options)?),
            host: Host {
                lab: lab_name(workdir),
                dir: workdir.join(DIR),
            },
            converged: Arc::new(Mutex::new(false)),
        })
    }

    /// Where the lab's store lives in `workdir`.
    pub fn store_path(workdir: &Path) -> PathBuf {
        workdir.join(DIR).join("lab.db")
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    /// Every object in the lab's store.
    pub fn objects(&self) -> Result<Vec<Row>, BackendError> {
        self.store.list()
    }

    /// Makes the host match the store (off the async threads: it runs commands) — unless
    /// `once` and this process already has — and returns what it could not do. The store is
    /// read under the lock, so the last change made is the one the host ends up with.
    async fn converge(&self, once: bool) -> Result<Vec<Failure>, BackendError> {
        // Not waiting here, on an async thread, while another change is under way.
        let already = match self.converged.try_lock() {
            Ok(done) => *done,
            Err(std::sync::TryLockError::Poisoned(done)) => *done.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => false,
        };
        if once && already {
            return Ok(Vec::new());
        }
        let store = Arc::clone(&self.store);
        let host = self.host.clone();
        let converged = Arc::clone(&self.converged);
        tokio::task::spawn_blocking(move || {
            let mut done = converged.lock().unwrap_or_else(|e| e.into_inner());
            if once && *done {
                return Ok(Vec::new());
            }
            let layout = layout::layout(&host.lab, &store.list()?);
            let failures = host.converge(&layout).err().unwrap_or_default();
            *done = true;
            Ok(failures)
        })
        .await
        .map_err(|e| BackendError::new("LabHostError", format!("the host was not changed: {e}")))?
    }

    /// Brings the host in line once per process before reading it: a killed run, or a
    /// reboot, may have left it behind the store. What cannot be built is reported by the
    /// operations on those objects, not by reads.
    async fn ensure_converged(&self) -> Result<(), BackendError> {
        self.converge(true).await.map(drop)
    }

    /// A connection's tunnel: its gateway's namespace and the daemon's name for it.
    pub fn tunnel_of(&self, attributes: &serde_json::Value) -> (String, String) {
        let gateway = text(attributes, "virtual_network_gateway_id");
        (
            layout::namespace_name(&self.host.lab, Role::Gateway, gateway),
            layout::tunnel_name(text(attributes, "id")),
        )
    }

    /// The connection's status as its tunnel shows it.
    async fn connection_status(&self, attributes: &serde_json::Value) -> TunnelStatus {
        let (ns, name) = self.tunnel_of(attributes);
        let host = self.host.clone();
        tokio::task::spawn_blocking(move || host.tunnel_status(&ns, &name))
            .await
            .unwrap_or(TunnelStatus::Connecting)
    }

    /// A written object once the host holds it: a connection with its tunnel's status.
    async fn realized(
        &self,
        resource_type: &str,
        attributes: serde_json::Value,
    ) -> Result<serde_json::Value, BackendError> {
        if let Some(failure) = failure_of(&self.converge(false).await?, &attributes) {
            return Err(failure);
        }
        Ok(if resource_type == CONNECTION {
            self.with_status(attributes).await
        } else {
            attributes
        })
    }

    /// Sets a connection's `connection_status` from its tunnel.
    async fn with_status(&self, mut attributes: serde_json::Value) -> serde_json::Value {
        let status = self.connection_status(&attributes).await;
        attributes["connection_status"] = status.azure_name().into();
        attributes
    }
}

#[async_trait]
impl Backend for LabCloud {
    fn name(&self) -> &'static str {
        "lab"
    }

    fn models(&self, resource_type: &str) -> bool {
        self.store.models(resource_type)
    }

    async fn read(&self, req: ReadRequest) -> Result<ReadResponse, BackendError> {
        self.ensure_converged().await?;
        let is_connection = req.resource_type == CONNECTION;
        let mut response = self.store.read(req).await?;
        if is_connection && let Some(attributes) = response.attributes.take() {
            response.attributes = Some(self.with_status(attributes).await);
        }
        Ok(response)
    }

    async fn find(&self, req: FindRequest) -> Result<ReadResponse, BackendError> {
        self.store.find(req).await
    }

    async fn create(&self, req: CreateRequest) -> Result<CreateResponse, BackendError> {
        let resource_type = req.resource_type.clone();
        let written = self.store.create(req).await?;
        match self
            .realized(&resource_type, written.attributes.clone())
            .await
        {
            Ok(attributes) => Ok(CreateResponse { attributes }),
            // The object exists, as a failed Azure deployment leaves it: the next plan
            // replaces it.
            Err(failure) => Err(BackendError {
                left_behind: Some(written.attributes),
                ..failure
            }),
        }
    }

    async fn update(&self, req: UpdateRequest) -> Result<UpdateResponse, BackendError> {
        let resource_type = req.resource_type.clone();
        let written = self.store.update(req).await?;
        Ok(UpdateResponse {
            attributes: self.realized(&resource_type, written.attributes).await?,
        })
    }

    async fn delete(&self, req: DeleteRequest) -> Result<(), BackendError> {
        let id = serde_json::json!({ "id": req.id });
        self.store.delete(req).await?;
        match failure_of(&self.converge(false).await?, &id) {
            Some(failure) => Err(failure),
            None => Ok(()),
        }
    }

    fn time_scale(&self) -> f64 {
        self.store.time_scale()
    }
}
