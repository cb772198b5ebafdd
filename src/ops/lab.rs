//! `vnetform lab status|exec|ping|check`: looking into the lab on this host, and checking the
//! reachability analysis against it. It reads the lab (store, layout, daemons), never changes it.

use std::process::{Command, Stdio};

use super::{Ui, Workdir};
use crate::backend::lab::LabCloud;
use crate::backend::lab::host::TunnelStatus;
use crate::backend::lab::layout::{self, Layout, Role};
use crate::backend::sim::{Row, text};
use crate::error::{Error, Result};

const VM_TYPES: [&str; 2] = [
    "azurerm_linux_virtual_machine",
    "azurerm_windows_virtual_machine",
];

/// A problem naming something in the lab.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LabError {
    #[error("No VM \"{0}\" in the lab")]
    #[diagnostic(
        code(lab::no_vm),
        help(
            "name a VM by its address (azurerm_linux_virtual_machine.vm1) or its Azure name; `vnetform lab status` lists them"
        )
    )]
    NoVm(String),
    #[error("\"{name}\" names {count} VMs in the lab")]
    #[diagnostic(code(lab::ambiguous_vm), help("name the VM by its address instead"))]
    AmbiguousVm { name: String, count: usize },
    #[error("VM {0} has no network in the lab yet")]
    #[diagnostic(
        code(lab::vm_not_built),
        help("its NIC needs a subnet and an address; run vnetform apply")
    )]
    NotBuilt(String),
    #[error("This working directory uses the {0} backend, not the lab")]
    #[diagnostic(
        code(lab::not_a_lab),
        help("run vnetform init -cloud=lab first (or set VNETFORM_CLOUD=lab)")
    )]
    NotALab(String),
    #[error("\"{0}\" is neither a VM of the lab nor an IP address")]
    #[diagnostic(code(lab::bad_target))]
    BadTarget(String),
}

/// The lab, its objects and their layout, read once.
struct Lab {
    cloud: LabCloud,
    rows: Vec<Row>,
    layout: Layout,
}

impl Lab {
    fn open(wd: &Workdir) -> Result<Lab> {
        let backend = wd.cloud()?;
        if backend != "lab" {
            return Err(LabError::NotALab(backend).into());
        }
        let cloud = wd.open_lab()?;
        let rows = cloud.objects()?;
        let layout = layout::layout(&cloud.host().lab, &rows);
        Ok(Lab {
            cloud,
            rows,
            layout,
        })
    }

    fn rows_of<'a>(&'a self, types: &'a [&str]) -> impl Iterator<Item = &'a Row> + 'a {
        self.rows
            .iter()
            .filter(move |r| types.contains(&r.resource_type.as_str()))
    }

    fn namespace_of(&self, id: &str) -> Option<&String> {
        self.layout.namespaces.iter().find_map(|(name, ns)| {
            ns.id
                .as_deref()
                .is_some_and(|i| i.eq_ignore_ascii_case(id))
                .then_some(name)
        })
    }

    fn label_of(&self, id: &str) -> String {
        self.rows
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(id))
            .map_or_else(|| id.to_owned(), |r| r.name.clone())
    }

    /// A VM by Terraform address (through the state) or by its unique Azure name.
    fn vm(&self, wd: &Workdir, wanted: &str) -> Result<&Row> {
        let by_address = super::inspect::read_state(wd, None).ok().and_then(|state| {
            let addr: crate::addr::ResourceAddr = wanted.parse().ok()?;
            let id = crate::model::recorded_id(&state.resources.get(&addr)?.attributes)?;
            self.rows_of(&VM_TYPES)
                .find(|r| r.id.eq_ignore_ascii_case(id))
        });
        if let Some(vm) = by_address {
            return Ok(vm);
        }
        let named: Vec<&Row> = self
            .rows_of(&VM_TYPES)
            .filter(|r| r.name.eq_ignore_ascii_case(wanted))
            .collect();
        match named.as_slice() {
            [one] => Ok(one),
            [] => Err(LabError::NoVm(wanted.to_owned()).into()),
            many => Err(LabError::AmbiguousVm {
                name: wanted.to_owned(),
                count: many.len(),
            }
            .into()),
        }
    }

    fn vm_namespace(&self, vm: &Row) -> Result<&String> {
        self.namespace_of(&vm.id)
            .ok_or_else(|| LabError::NotBuilt(vm.name.clone()).into())
    }

    /// A VM's address in the lab.
    fn vm_address(&self, vm: &Row) -> Result<std::net::IpAddr> {
        let ns = self.vm_namespace(vm)?;
        Ok(self.layout.namespaces[ns].uplinks[0].address.addr())
    }
}

/// One tunnel's report.
#[derive(serde::Serialize)]
struct TunnelReport {
    connection: String,
    id: String,
    from: String,
    to: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// One namespace's report.
#[derive(serde::Serialize)]
struct NamespaceReport {
    name: String,
    id: String,
    namespace: String,
    addresses: Vec<String>,
}

/// `lab status [-json]`.
pub fn lab_status(ui: &Ui, wd: &Workdir, json: bool) -> Result<()> {
    let lab = Lab::open(wd)?;
    let of_role = |role: Role| -> Vec<NamespaceReport> {
        let mut reports: Vec<NamespaceReport> = lab
            .layout
            .namespaces
            .iter()
            .filter(|(_, ns)| ns.role == role)
            .map(|(name, ns)| NamespaceReport {
                name: ns.label.clone(),
                id: ns.id.clone().unwrap_or_default(),
                namespace: name.clone(),
                addresses: match role {
                    Role::Network => {
                        let subnets: std::collections::BTreeSet<ipnet::IpNet> = ns
                            .bridges
                            .iter()
                            .flat_map(|b| &b.addresses)
                            .map(ipnet::IpNet::trunc)
                            .collect();
                        subnets.iter().map(ToString::to_string).collect()
                    }
                    Role::Site => ns.loopback.iter().map(|a| a.trunc().to_string()).collect(),
                    _ => ns
                        .uplinks
                        .iter()
                        .map(|u| u.address.addr().to_string())
                        .collect(),
                },
            })
            .collect();
        reports.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        reports
    };
    let tunnels: Vec<TunnelReport> = lab
        .rows_of(&["azurerm_virtual_network_gateway_connection"])
        .map(|c| tunnel_report(&lab, c))
        .collect();
    let sections = [
        ("networks", of_role(Role::Network)),
        ("vms", of_role(Role::Vm)),
        ("gateways", of_role(Role::Gateway)),
        ("sites", of_role(Role::Site)),
    ];
    if json {
        let mut doc = serde_json::Map::new();
        doc.insert("lab".into(), lab.cloud.host().lab.clone().into());
        for (key, reports) in &sections {
            doc.insert(
                (*key).into(),
                serde_json::to_value(reports).expect("reports serialize"),
            );
        }
        doc.insert(
            "tunnels".into(),
            serde_json::to_value(&tunnels).expect("reports serialize"),
        );
        ui.out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).expect("a document serializes")
        ));
        return Ok(());
    }
    ui.out(&format!(
        "Lab {} (namespaces {}-*)\n",
        lab.cloud.host().lab,
        lab.cloud.host().lab
    ));
    let titles = ["Networks", "VMs", "Gateways", "On-premises sites"];
    for ((_, reports), title) in sections.iter().zip(titles) {
        if reports.is_empty() {
            continue;
        }
        ui.out(&format!("\n{title}:\n"));
        for r in reports {
            // The namespace before the addresses, whose list has no fixed width.
            ui.out(&format!(
                "  {:<24} {:<26} {}\n",
                r.name,
                r.namespace,
                r.addresses.join(", ")
            ));
        }
    }
    if !tunnels.is_empty() {
        ui.out("\nTunnels:\n");
        for t in &tunnels {
            let reason = t
                .reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            ui.out(&format!(
                "  {:<24} {} -> {}: {}{reason}\n",
                t.connection, t.from, t.to, t.status
            ));
        }
    }
    if lab.layout.namespaces.is_empty() {
        ui.out("\nThe lab holds no networks.\n");
    }
    Ok(())
}

fn tunnel_report(lab: &Lab, connection: &Row) -> TunnelReport {
    let gateway = text(&connection.attributes, "virtual_network_gateway_id");
    let far = match text(&connection.attributes, "type") {
        "IPsec" => text(&connection.attributes, "local_network_gateway_id"),
        _ => text(&connection.attributes, "peer_virtual_network_gateway_id"),
    };
    let built = lab
        .layout
        .tunnels
        .values()
        .flatten()
        .any(|t| t.connection_id.eq_ignore_ascii_case(&connection.id));
    let status = if built {
        let (ns, name) = lab.cloud.tunnel_of(&connection.attributes);
        lab.cloud.host().tunnel_status(&ns, &name)
    } else {
        TunnelStatus::NotConnected("a gateway at either end is not built".into())
    };
    TunnelReport {
        connection: connection.name.clone(),
        id: connection.id.clone(),
        from: lab.label_of(gateway),
        to: lab.label_of(far),
        status: status.azure_name(),
        reason: match status {
            TunnelStatus::NotConnected(reason) => Some(reason),
            _ => None,
        },
    }
}

/// One ordered pair of VMs as `lab check` compares it.
#[derive(serde::Serialize)]
struct PairCheck {
    from: String,
    to: String,
    predicted: bool,
    observed: bool,
}

/// `lab check [-json]`: pings between every two VMs, compared with what reachability
/// analysis predicts from the recorded state; exit code 1 when any pair differs.
pub fn lab_check(ui: &Ui, wd: &Workdir, json: bool) -> Result<i32> {
    let lab = Lab::open(wd)?;
    let state = super::inspect::read_state(wd, None)?;
    let reach = crate::rules::reach::of_state(&state);
    let vms = vms_with_networks(&lab, &state);
    let pairs: Vec<(&VmInLab, &VmInLab)> = vms
        .iter()
        .flat_map(|a| vms.iter().map(move |b| (a, b)))
        .filter(|(a, b)| a.address != b.address)
        .collect();
    // Pings that go unanswered take a while: every pair at once.
    let observed: Vec<bool> = std::thread::scope(|scope| {
        let pings: Vec<_> = pairs
            .iter()
            .map(|(a, b)| scope.spawn(|| ping(&a.namespace, b.ip)))
            .collect();
        pings
            .into_iter()
            .map(|p| p.join().expect("a ping does not panic"))
            .collect()
    });
    let checks: Vec<PairCheck> = pairs
        .iter()
        .zip(observed)
        .map(|((a, b), observed)| PairCheck {
            from: a.address.clone(),
            to: b.address.clone(),
            predicted: match (&a.network, &b.network) {
                (Some(x), Some(y)) => x == y || reach.reaches(x, y),
                _ => false,
            },
            observed,
        })
        .collect();
    let mismatches = checks.iter().filter(|c| c.predicted != c.observed).count();
    if json {
        let doc = serde_json::json!({"pairs": checks, "mismatches": mismatches});
        ui.out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).expect("a document serializes")
        ));
    } else {
        let word = |r: bool| if r { "reachable" } else { "unreachable" };
        for c in &checks {
            let mark = if c.predicted == c.observed {
                "ok"
            } else {
                "MISMATCH"
            };
            ui.out(&format!(
                "{mark:<8} {} -> {}: predicted {}, observed {}\n",
                c.from,
                c.to,
                word(c.predicted),
                word(c.observed)
            ));
        }
        ui.out(&format!(
            "\n{} pair(s) checked, {mismatches} mismatch(es).\n",
            checks.len()
        ));
    }
    Ok(i32::from(mismatches > 0))
}

/// A VM of the lab with its address in state, its namespace and IP, and its VNet's address
/// in state.
struct VmInLab {
    address: String,
    namespace: String,
    ip: std::net::IpAddr,
    network: Option<crate::addr::ResourceAddr>,
}

fn vms_with_networks(lab: &Lab, state: &crate::state::State) -> Vec<VmInLab> {
    fn first(list: &crate::eval::value::Value) -> Option<&crate::eval::value::Value> {
        list.as_list()?.first()
    }
    let by_id: std::collections::BTreeMap<
        String,
        (&crate::addr::ResourceAddr, &crate::eval::value::Value),
    > = state
        .resources
        .iter()
        .filter_map(|(addr, r)| {
            Some((
                crate::model::recorded_id(&r.attributes)?.to_lowercase(),
                (addr, &*r.attributes),
            ))
        })
        .collect();
    let lookup = |id: Option<&str>| by_id.get(&id?.to_lowercase()).copied();
    state
        .resources
        .iter()
        .filter(|(addr, _)| VM_TYPES.contains(&addr.resource_type.as_str()))
        .filter_map(|(addr, r)| {
            let row = lab
                .rows_of(&VM_TYPES)
                .find(|row| Some(row.id.as_str()) == crate::model::recorded_id(&r.attributes))?;
            let namespace = lab.vm_namespace(row).ok()?.clone();
            let ip = lab.vm_address(row).ok()?;
            let nic =
                lookup(first(r.attributes.get("network_interface_ids")).and_then(|v| v.as_str()));
            let subnet = nic.and_then(|(_, nic)| {
                first(nic.get("ip_configuration"))?
                    .get("subnet_id")
                    .as_str()
            });
            let network = lookup(subnet.map(layout::vnet_of_subnet)).map(|(addr, _)| addr.clone());
            Some(VmInLab {
                address: addr.to_string(),
                namespace,
                ip,
                network,
            })
        })
        .collect()
}

/// `lab exec VM -- COMMAND...`: runs a command in a VM's namespace; returns its exit code.
pub fn lab_exec(wd: &Workdir, vm: &str, command: &[String]) -> Result<i32> {
    let lab = Lab::open(wd)?;
    let ns = lab.vm_namespace(lab.vm(wd, vm)?)?;
    let status = Command::new("ip")
        .args(["netns", "exec", ns])
        .args(command)
        .status()
        .map_err(|e| Error::Usage(format!("cannot run {}: {e}", command.join(" "))))?;
    Ok(status.code().unwrap_or(1))
}

/// `lab ping FROM TO`: whether a VM reaches another VM (or an address); exit code 0 when it
/// does.
pub fn lab_ping(ui: &Ui, wd: &Workdir, from: &str, to: &str) -> Result<i32> {
    let lab = Lab::open(wd)?;
    let source = lab.vm(wd, from)?;
    let ns = lab.vm_namespace(source)?;
    let target = match to.parse::<std::net::IpAddr>() {
        Ok(address) => address,
        Err(_) => match lab.vm(wd, to) {
            Ok(vm) => lab.vm_address(vm)?,
            Err(_) => return Err(LabError::BadTarget(to.to_owned()).into()),
        },
    };
    let reached = ping(ns, target);
    let verdict = if reached { "reachable" } else { "unreachable" };
    ui.out(&format!("{} -> {to} ({target}): {verdict}\n", source.name));
    Ok(if reached { 0 } else { 1 })
}

/// Whether `target` answers pings from namespace `ns` (two tries, a second each).
pub fn ping(ns: &str, target: std::net::IpAddr) -> bool {
    Command::new("ip")
        .args([
            "netns", "exec", ns, "ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "1",
        ])
        .arg(target.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
