//! `graph -type=topology`: the network as DOT, or as SVG drawn here (places on a circle,
//! links as straight lines), so that no external tool is needed.

use std::fmt::Write as _;

use crate::addr::ResourceAddr;
use crate::rules::picture::{LinkKind, Picture, Place};

/// The lines of a place's label: name, prefixes, region, gateways.
fn label_lines(place: &Place) -> Vec<String> {
    let mut lines = vec![place.name.clone()];
    if !place.prefixes.is_empty() {
        lines.push(place.prefixes.join(", "));
    }
    let kind = if place.on_premises {
        "on-premises site".to_owned()
    } else {
        place.region.clone()
    };
    lines.push(kind);
    for (_, name, sku) in &place.gateways {
        lines.push(format!("gateway {name} ({sku})"));
    }
    lines
}

/// How a link is described and drawn: (label, solid, warning).
fn link_style(kind: LinkKind) -> (&'static str, bool, bool) {
    match kind {
        LinkKind::Tunnel {
            bgp: true,
            both_ways: true,
        } => ("VPN tunnel, BGP", true, false),
        LinkKind::Tunnel {
            both_ways: true, ..
        } => ("VPN tunnel", true, false),
        LinkKind::Tunnel { .. } => ("one direction only: no tunnel", true, true),
        LinkKind::Peering { both_ways: true } => ("peering", false, false),
        LinkKind::Peering { .. } => ("one-way peering: no traffic", false, true),
    }
}

/// DOT: one node per place, one undirected edge per link.
pub fn dot(picture: &Picture) -> String {
    let mut out = String::from(
        "graph topology {\n  graph [fontname = \"sans-serif\"];\n  node [shape = box, style = rounded, fontname = \"sans-serif\"];\n  edge [fontname = \"sans-serif\"];\n",
    );
    for place in &picture.places {
        let label = super::dot_escaped(&label_lines(place).join("\\n"));
        let shape = if place.on_premises {
            ", shape = house"
        } else {
            ""
        };
        writeln!(
            out,
            "  \"{}\" [label = \"{label}\"{shape}];",
            super::dot_escaped(&place.address.to_string())
        )
        .unwrap();
    }
    for link in &picture.links {
        let (label, solid, warning) = link_style(link.kind);
        let style = match (solid, warning) {
            (true, false) => "",
            (false, false) => ", style = dotted",
            (_, true) => ", style = dashed, color = red",
        };
        writeln!(
            out,
            "  \"{}\" -- \"{}\" [label = \"{label}\"{style}];",
            super::dot_escaped(&link.a.to_string()),
            super::dot_escaped(&link.b.to_string())
        )
        .unwrap();
    }
    out.push_str("}\n");
    out
}

const BOX_WIDTH: f64 = 240.0;
const LINE_HEIGHT: f64 = 16.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// SVG: places evenly on a circle (in address order, so the same input draws the same
/// picture), links between their centres, labels at the middle of each link.
pub fn svg(picture: &Picture) -> String {
    let n = picture.places.len().max(1) as f64;
    let radius = if picture.places.len() <= 1 {
        0.0
    } else {
        (n * (BOX_WIDTH + 40.0) / std::f64::consts::TAU).max(160.0)
    };
    let margin = BOX_WIDTH;
    let size = 2.0 * (radius + margin);
    let centre = |i: usize| {
        let angle = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
        (
            size / 2.0 + radius * angle.cos(),
            size / 2.0 + radius * angle.sin(),
        )
    };
    let position: std::collections::BTreeMap<&ResourceAddr, (f64, f64)> = picture
        .places
        .iter()
        .enumerate()
        .map(|(i, p)| (&p.address, centre(i)))
        .collect();
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size:.0}\" height=\"{size:.0}\" viewBox=\"0 0 {size:.0} {size:.0}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    for link in &picture.links {
        let (Some(&(x1, y1)), Some(&(x2, y2))) = (position.get(&link.a), position.get(&link.b))
        else {
            continue;
        };
        let (label, solid, warning) = link_style(link.kind);
        let colour = if warning { "#c53030" } else { "#2b6cb0" };
        let dash = match (solid, warning) {
            (true, false) => "",
            (false, false) => " stroke-dasharray=\"2,4\"",
            (_, true) => " stroke-dasharray=\"8,4\"",
        };
        writeln!(
            out,
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{colour}\">{}</text>",
            (x1 + x2) / 2.0,
            (y1 + y2) / 2.0 - 4.0,
            escape(label)
        )
        .unwrap();
    }
    for place in &picture.places {
        let (x, y) = position[&place.address];
        let lines = label_lines(place);
        let height = LINE_HEIGHT * lines.len() as f64 + 12.0;
        let fill = if place.on_premises {
            "#fefcbf"
        } else {
            "#ebf8ff"
        };
        writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{BOX_WIDTH}\" height=\"{height:.1}\" rx=\"8\" fill=\"{fill}\" stroke=\"#4a5568\"/>",
            x - BOX_WIDTH / 2.0,
            y - height / 2.0
        )
        .unwrap();
        for (i, line) in lines.iter().enumerate() {
            let weight = if i == 0 { " font-weight=\"bold\"" } else { "" };
            writeln!(
                out,
                "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\"{weight}>{}</text>",
                y - height / 2.0 + 18.0 + LINE_HEIGHT * i as f64,
                escape(line)
            )
            .unwrap();
        }
    }
    out.push_str("</svg>\n");
    out
}
