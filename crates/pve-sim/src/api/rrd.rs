//! RRD history: `GET /nodes/{node}/lxc/{vmid}/rrddata` and `GET /nodes/{node}/rrddata`,
//! one sample per step of the timeframe (PVE 9 resolutions), oldest first. A container's
//! periods while it did not run hold only `time`, `maxcpu`, `maxmem`, `maxdisk` and
//! `disk`; figures move with time (a slow wave per container). `cf=MAX` gives each step's
//! peak, above its average.

use serde_json::{Value, json};

use super::lxc::container;
use super::params::{Field, Kind, opt, req};
use super::{ApiError, Ctx, Reply};
use crate::model::unix_now;

const RRD: &[Field] = &[
    req(
        "timeframe",
        Kind::OneOf(&["hour", "day", "week", "month", "year"]),
    ),
    opt("cf", Kind::OneOf(&["AVERAGE", "MAX"])),
];

/// (step in seconds, samples) of the asked timeframe, and the factor of `cf`.
fn frame(ctx: &Ctx) -> (u64, u64, f64) {
    let (step, count) = match ctx.params.get("timeframe").unwrap_or("hour") {
        "hour" => (60, 60),
        "day" => (60, 1440),
        "week" => (1800, 336),
        "month" => (1800, 1440),
        _ => (21_600, 1440),
    };
    let peak = if ctx.params.get("cf") == Some("MAX") {
        1.25
    } else {
        1.0
    };
    (step, count, peak)
}

/// A container's history.
pub fn container_history(ctx: &Ctx, node: &str, vmid: u32) -> Result<Reply, ApiError> {
    ctx.params.check(RRD)?;
    ctx.require(&format!("/vms/{vmid}"), "VM.Audit")?;
    let cluster = ctx.sim.cluster();
    let ct = container(&cluster, node, vmid)?;
    let (step, count, peak) = frame(ctx);
    let now = unix_now();
    let last = now / step * step;
    let host_cpus = cluster.node(node).map_or(8, |n| n.cpus);
    let (maxcpu, maxmem, maxdisk) = (
        ct.cores(host_cpus) as f64,
        ct.maxmem() as f64,
        ct.maxdisk() as f64,
    );
    let samples: Vec<Value> = (0..count)
        .map(|i| {
            let time = last - (count - 1 - i) * step;
            let mut sample = json!({"time": time, "maxcpu": maxcpu, "maxmem": maxmem, "maxdisk": maxdisk,
                                    "disk": maxdisk * (0.2 + 0.3 * ct.load)});
            if ct.ran_during(time, step, now) {
                let wave = ((time as f64 / 600.0) + ct.load * 10.0).sin().abs();
                sample["cpu"] = json!(((0.02 + 0.3 * ct.load * wave) * peak).min(1.0));
                sample["mem"] = json!((maxmem * (0.15 + 0.25 * ct.load + 0.05 * wave) * peak).min(maxmem));
                sample["netin"] = json!(2_000.0 * (1.0 + ct.load) * (0.5 + wave) * peak);
                sample["netout"] = json!(900.0 * (1.0 + ct.load) * (0.5 + wave) * peak);
                sample["diskread"] = json!(4_000.0 * ct.load * wave * peak);
                sample["diskwrite"] = json!(1_500.0 * ct.load * wave * peak);
            }
            sample
        })
        .collect();
    Ok(Reply::data(Value::Array(samples)))
}

/// A node's history (Sys.Audit): CPU, load, memory, swap, root disk, network.
pub fn node_history(ctx: &Ctx, node: &str) -> Result<Reply, ApiError> {
    ctx.params.check(RRD)?;
    ctx.require(&format!("/nodes/{node}"), "Sys.Audit")?;
    let cluster = ctx.sim.cluster();
    let Some(host) = cluster.node(node) else {
        return Err(ApiError::fail(format!("no such node '{node}'")));
    };
    let (step, count, peak) = frame(ctx);
    let last = unix_now() / step * step;
    let memory = host.memory as f64;
    let cpus = f64::from(host.cpus);
    let running = cluster
        .containers
        .values()
        .filter(|ct| ct.node == node && ct.running)
        .count() as f64;
    let samples: Vec<Value> = (0..count)
        .map(|i| {
            let time = last - (count - 1 - i) * step;
            let wave = ((time as f64 / 900.0) + node.len() as f64).sin().abs();
            let busy = (0.03 + 0.02 * running) * (0.6 + 0.8 * wave);
            json!({
                "time": time, "maxcpu": cpus,
                "cpu": (busy * peak).min(1.0), "iowait": 0.002 * wave * peak,
                "loadavg": busy * cpus * peak,
                "memtotal": memory, "memused": memory * (0.2 + 0.02 * running + 0.05 * wave),
                "swaptotal": 8.0 * 1024.0 * 1024.0 * 1024.0, "swapused": 0.0,
                "roottotal": 100.0 * 1024.0 * 1024.0 * 1024.0, "rootused": 12.0 * 1024.0 * 1024.0 * 1024.0,
                "netin": 20_000.0 * (0.5 + wave) * peak, "netout": 9_000.0 * (0.5 + wave) * peak,
            })
        })
        .collect();
    Ok(Reply::data(Value::Array(samples)))
}
