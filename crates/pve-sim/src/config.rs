//! How a simulated cluster is shaped and how fast it behaves.

use std::time::Duration;

/// How error bodies look: PVE before pve-http-server 5.2 put the message only in the
/// reason phrase; newer servers also send it as `message` in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorStyle {
    /// `{"data":null}` (PVE ≤ 8.3 before the January 2025 updates).
    Old,
    /// `{"data":null,"message":"…\n"}` (PVE 8.3/8.4 updated and 9.x).
    New,
}

/// How long tasks take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// Tasks finish as soon as the scheduler gets to them (tests).
    Instant,
    /// Durations as measured on real hardware (demo): create ~12 s, start ~2 s, ….
    Realistic,
    /// Realistic durations multiplied by this factor.
    Scaled(f64),
}

impl Speed {
    /// Scales a realistic duration.
    pub fn scale(self, realistic: Duration) -> Duration {
        match self {
            Speed::Instant => Duration::ZERO,
            Speed::Realistic => realistic,
            Speed::Scaled(factor) => realistic.mul_f64(factor.max(0.0)),
        }
    }
}

/// The shape of a simulated cluster.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Number of nodes: `pve`, `pve2`, `pve3`, ….
    pub nodes: usize,
    /// Containers created at start, spread over the nodes.
    pub containers: usize,
    /// Seed for names, addresses and load figures.
    pub seed: u64,
    pub speed: Speed,
    pub error_style: ErrorStyle,
    /// Latency added to every API request at start (per node, changeable later).
    pub latency: Duration,
    /// PVE delays every 401 by about 3 s; tests want 0.
    pub auth_failure_delay: Duration,
    /// Host to bind and to advertise (always a loopback address in tests).
    pub host: String,
    /// First node's API port; 0 picks free ports. Further nodes use free ports.
    pub api_port: u16,
    /// First node's SSH port; 0 picks free ports. Further nodes use free ports.
    pub ssh_port: u16,
    /// How often running services that log on a schedule (cron, Grafana) write a line;
    /// `None`: never (tests that read logs want them still).
    pub journal_activity: Option<Duration>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            nodes: 1,
            containers: 6,
            seed: 1,
            speed: Speed::Instant,
            error_style: ErrorStyle::New,
            latency: Duration::ZERO,
            auth_failure_delay: Duration::ZERO,
            host: "127.0.0.1".into(),
            api_port: 0,
            ssh_port: 0,
            journal_activity: None,
        }
    }
}
