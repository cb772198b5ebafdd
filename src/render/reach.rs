//! `vnetform reach`: the networks and the pairs of them that can exchange traffic.

use crate::rules::reach::Reachability;

/// The human report: networks, then reachable pairs with the connections they cross.
pub fn text(r: &Reachability) -> String {
    let mut out = String::from("Networks:\n");
    if r.networks.is_empty() {
        out.push_str("  (none)\n");
    }
    for n in &r.networks {
        out.push_str(&format!(
            "  {}  {}  [{}]  {}\n",
            n.address,
            n.name,
            n.prefixes.join(", "),
            n.region
        ));
    }
    out.push_str("\nReachable pairs:\n");
    let pairs = r.pairs();
    if pairs.is_empty() {
        out.push_str("  (none)\n");
    }
    for pair in &pairs {
        let via: Vec<String> = pair.via.iter().map(ToString::to_string).collect();
        out.push_str(&format!(
            "  {} <-> {}\n      via {}\n",
            pair.from,
            pair.to,
            via.join(", ")
        ));
    }
    out.push_str(
        "\nNSGs and route tables are not modelled: traffic they allow or block is not shown.\n",
    );
    out
}

/// `reach -json`: `{"networks": [...], "reachable": [{"from", "to", "via"}]}`.
pub fn json(r: &Reachability) -> String {
    serde_json::json!({"networks": r.networks, "reachable": r.pairs()}).to_string()
}
