//! Resource history from Proxmox's RRD data, shaped as charts: a container's CPU, memory,
//! network and disk I/O, a node's CPU, load, memory and network, for a timeframe and with
//! averages or peaks. One request per chart page; nothing is stored.

use std::time::Duration;

use model::history::{Chart, Consolidation, History, Series, Timeframe, Unit};
use model::ids::{NodeId, Vmid};
use pve::PveError;

use crate::Backend;
use crate::accounts::User;
use crate::error::{ServiceError, ServiceResult};
use crate::nodes;

fn to_pve(timeframe: Timeframe, cf: Consolidation) -> (pve::Timeframe, pve::Consolidation) {
    let timeframe = match timeframe {
        Timeframe::Hour => pve::Timeframe::Hour,
        Timeframe::Day => pve::Timeframe::Day,
        Timeframe::Week => pve::Timeframe::Week,
        Timeframe::Month => pve::Timeframe::Month,
        Timeframe::Year => pve::Timeframe::Year,
    };
    let cf = match cf {
        Consolidation::Average => pve::Consolidation::Average,
        Consolidation::Max => pve::Consolidation::Max,
    };
    (timeframe, cf)
}

fn series(label: &str, values: Vec<Option<f64>>) -> Series {
    Series {
        label: label.to_owned(),
        values,
    }
}

/// CPU use from fractions (0..1) to percent.
fn cpu_chart(fractions: Vec<Option<f64>>) -> Chart {
    Chart {
        title: "CPU".into(),
        unit: Unit::Percent,
        series: vec![series(
            "CPU",
            fractions
                .into_iter()
                .map(|c| c.map(|c| c * 100.0))
                .collect(),
        )],
        ceiling: Some(100.0),
    }
}

fn memory_chart(used: Vec<Option<f64>>, ceiling: Option<f64>) -> Chart {
    Chart {
        title: "Memory".into(),
        unit: Unit::Bytes,
        series: vec![series("used", used)],
        ceiling,
    }
}

/// Two rates (bytes per second) in one chart.
fn rates_chart(title: &str, labels: [&str; 2], values: [Vec<Option<f64>>; 2]) -> Chart {
    let [first, second] = values;
    Chart {
        title: title.into(),
        unit: Unit::BytesPerSecond,
        series: vec![series(labels[0], first), series(labels[1], second)],
        ceiling: None,
    }
}

/// The user's container's history.
pub async fn container(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    timeframe: Timeframe,
    consolidation: Consolidation,
) -> ServiceResult<History> {
    let (view, access) = nodes::access(backend, user, node_id).await?;
    let client = access.client(Duration::from_secs(15))?;
    let (tf, cf) = to_pve(timeframe, consolidation);
    let samples = client
        .lxc_rrddata(&view.pve_node, vmid.get(), tf, cf)
        .await
        .map_err(|e| match e {
            PveError::NotFound { .. } => ServiceError::NotFound,
            other => access.upstream(&other),
        })?;
    let pick = |f: fn(&pve::RrdSample) -> Option<f64>| samples.iter().map(f).collect::<Vec<_>>();
    let ceiling = samples.iter().rev().find_map(|s| s.maxmem);
    Ok(History {
        timeframe,
        consolidation,
        times: samples.iter().map(|s| s.time).collect(),
        charts: vec![
            cpu_chart(pick(|s| s.cpu)),
            memory_chart(pick(|s| s.mem), ceiling),
            rates_chart(
                "Network",
                ["in", "out"],
                [pick(|s| s.netin), pick(|s| s.netout)],
            ),
            rates_chart(
                "Disk I/O",
                ["read", "write"],
                [pick(|s| s.diskread), pick(|s| s.diskwrite)],
            ),
        ],
    })
}

/// The user's node's history.
pub async fn node(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    timeframe: Timeframe,
    consolidation: Consolidation,
) -> ServiceResult<History> {
    let (view, access) = nodes::access(backend, user, node_id).await?;
    let client = access.client(Duration::from_secs(15))?;
    let (tf, cf) = to_pve(timeframe, consolidation);
    let samples = client
        .node_rrddata(&view.pve_node, tf, cf)
        .await
        .map_err(|e| access.upstream(&e))?;
    let pick =
        |f: fn(&pve::NodeRrdSample) -> Option<f64>| samples.iter().map(f).collect::<Vec<_>>();
    let ceiling = samples.iter().rev().find_map(|s| s.memtotal);
    Ok(History {
        timeframe,
        consolidation,
        times: samples.iter().map(|s| s.time).collect(),
        charts: vec![
            cpu_chart(pick(|s| s.cpu)),
            Chart {
                title: "Load average".into(),
                unit: Unit::Number,
                series: vec![series("load", pick(|s| s.loadavg))],
                ceiling: None,
            },
            memory_chart(pick(|s| s.memused), ceiling),
            rates_chart(
                "Network",
                ["in", "out"],
                [pick(|s| s.netin), pick(|s| s.netout)],
            ),
        ],
    })
}
