//! How long the simulated cloud takes, and how often it fails transiently.
//!
//! Each operation takes Azure's typical duration for its resource type times a latency
//! factor (`VNETFORM_SIM_LATENCY`, 0 by default: instant). A fraction of calls
//! (`VNETFORM_SIM_FAULT_RATE`) fails with a retryable fault, chosen deterministically from
//! `VNETFORM_SIM_SEED` when it is set.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::backend::BackendError;

/// How the simulated cloud behaves beyond what it stores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimOptions {
    /// `VNETFORM_SIM_FAIL`: operations to fail for good (see `parse_fail_rules`).
    pub fail: Option<String>,
    /// `VNETFORM_SIM_LATENCY`: the factor applied to Azure's typical durations.
    pub latency: f64,
    /// `VNETFORM_SIM_FAULT_RATE`: the fraction of calls that fail transiently.
    pub fault_rate: f64,
    /// `VNETFORM_SIM_SEED`: makes the faulty calls the same on every run.
    pub seed: Option<u64>,
    /// Where Static public IPs come from; empty: Azure's own 20.40.0.0/12.
    pub public_ranges: Vec<ipnet::Ipv4Net>,
}

/// What a call does to a resource, for its duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    Create,
    Update,
    Delete,
}

/// Azure's typical duration, in seconds, of creating (updating, deleting) a resource of each
/// type (azure-domain §3.11: a VPN gateway 30-45 minutes and more, a connection a minute or
/// two, networks and addresses seconds).
const DURATIONS: &[(&str, [u64; 3])] = &[
    ("azurerm_resource_group", [2, 2, 30]),
    ("azurerm_virtual_network", [10, 10, 10]),
    ("azurerm_subnet", [5, 5, 5]),
    ("azurerm_public_ip", [5, 5, 5]),
    ("azurerm_virtual_network_gateway", [2400, 1800, 900]),
    ("azurerm_local_network_gateway", [10, 10, 10]),
    ("azurerm_virtual_network_gateway_connection", [90, 60, 60]),
    ("azurerm_virtual_network_peering", [15, 15, 15]),
    ("azurerm_network_interface", [5, 5, 5]),
    ("azurerm_linux_virtual_machine", [90, 60, 60]),
    ("azurerm_lb", [15, 15, 15]),
];

/// Anything else takes this long; random values are made locally and take nothing.
const OTHER_SECONDS: u64 = 5;

/// The realistic duration of `work` on a resource of `resource_type`.
pub fn typical(resource_type: &str, work: Work) -> Duration {
    if resource_type.starts_with("random_") {
        return Duration::ZERO;
    }
    let seconds = DURATIONS
        .iter()
        .find(|(t, _)| *t == resource_type)
        .map_or(OTHER_SECONDS, |(_, d)| d[work as usize]);
    Duration::from_secs(seconds)
}

/// The latency and faults of one simulated cloud.
#[derive(Debug)]
pub struct Timing {
    latency: f64,
    fault_rate: f64,
    /// The state of the fault generator (splitmix64).
    draws: AtomicU64,
}

/// What a throttled client is asked to wait, before the latency factor.
const RETRY_AFTER: Duration = Duration::from_secs(10);

impl Timing {
    pub fn new(options: &SimOptions) -> Timing {
        let seed = options.seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
                ^ u64::from(std::process::id())
        });
        Timing {
            latency: options.latency,
            fault_rate: options.fault_rate,
            draws: AtomicU64::new(seed),
        }
    }

    pub fn latency(&self) -> f64 {
        self.latency
    }

    /// How long `work` on `resource_type` takes here.
    pub fn duration(&self, resource_type: &str, work: Work) -> Duration {
        typical(resource_type, work).mul_f64(self.latency)
    }

    /// A transient fault for this call, or `Ok` for most: 429 with `Retry-After` or 503,
    /// alternately.
    pub fn fault(&self) -> Result<(), BackendError> {
        if self.fault_rate <= 0.0 {
            return Ok(());
        }
        let draw = self.next_draw();
        if (draw >> 11) as f64 / (1u64 << 53) as f64 >= self.fault_rate {
            return Ok(());
        }
        Err(if draw & 1 == 0 {
            BackendError::transient(
                "TooManyRequests",
                "The request is being throttled (simulated, VNETFORM_SIM_FAULT_RATE).",
                Some(RETRY_AFTER),
            )
        } else {
            BackendError::transient(
                "ServiceUnavailable",
                "The service is temporarily unavailable (simulated, VNETFORM_SIM_FAULT_RATE).",
                None,
            )
        })
    }

    fn next_draw(&self) -> u64 {
        let mut z = self
            .draws
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_follow_the_rate_and_the_seed() {
        let options = SimOptions {
            fault_rate: 0.3,
            seed: Some(7),
            ..SimOptions::default()
        };
        let run = || {
            let timing = Timing::new(&options);
            (0..1000)
                .map(|_| timing.fault().is_err())
                .collect::<Vec<_>>()
        };
        let faults = run();
        assert_eq!(faults, run(), "the same seed fails the same calls");
        let count = faults.iter().filter(|f| **f).count();
        assert!(
            (250..350).contains(&count),
            "{count} faults in 1000 calls at 30%"
        );
    }

    #[test]
    fn durations_scale_with_the_latency_factor() {
        let timing = Timing::new(&SimOptions {
            latency: 0.001,
            ..SimOptions::default()
        });
        let gateway = timing.duration("azurerm_virtual_network_gateway", Work::Create);
        assert_eq!(gateway, Duration::from_millis(2400));
        assert_eq!(timing.duration("random_pet", Work::Create), Duration::ZERO);
    }
}
