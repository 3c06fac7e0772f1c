//! RRD history: a container's and a node's samples for a timeframe (averages or peaks).

use serde::Deserialize;

use crate::api;
use crate::client::Client;
use crate::error::PveError;
use crate::lenient;
use crate::params::Params;

/// RRD time frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeframe {
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl Timeframe {
    fn as_str(self) -> &'static str {
        match self {
            Timeframe::Hour => "hour",
            Timeframe::Day => "day",
            Timeframe::Week => "week",
            Timeframe::Month => "month",
            Timeframe::Year => "year",
        }
    }
}

impl Consolidation {
    fn as_str(self) -> &'static str {
        match self {
            Consolidation::Average => "AVERAGE",
            Consolidation::Max => "MAX",
        }
    }
}

/// RRD consolidation function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consolidation {
    Average,
    Max,
}

/// One RRD sample; a field is `None` when PVE has no value for that period.
/// `netin`/`netout`/`diskread`/`diskwrite` are rates (bytes per second) here.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RrdSample {
    #[serde(deserialize_with = "lenient::u64")]
    pub time: u64,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub cpu: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub maxcpu: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub mem: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub maxmem: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub disk: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub maxdisk: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub netin: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub netout: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub diskread: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub diskwrite: Option<f64>,
}

/// One sample of a node's `GET /nodes/{node}/rrddata`; rates in bytes per second.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NodeRrdSample {
    #[serde(deserialize_with = "lenient::u64")]
    pub time: u64,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub cpu: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub maxcpu: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub loadavg: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub memused: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub memtotal: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub netin: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub netout: Option<f64>,
}

impl Client {
    /// `GET /nodes/{node}/lxc/{vmid}/rrddata`, oldest sample first.
    pub async fn lxc_rrddata(
        &self,
        node: &str,
        vmid: u32,
        timeframe: Timeframe,
        cf: Consolidation,
    ) -> Result<Vec<RrdSample>, PveError> {
        let node = api::node(node)?;
        let params = Params::new()
            .text("timeframe", timeframe.as_str())
            .text("cf", cf.as_str());
        let path = format!("/nodes/{node}/lxc/{vmid}/rrddata");
        Ok(self.get(&path, &params).await?.data)
    }

    /// `GET /nodes/{node}/rrddata`, oldest sample first.
    pub async fn node_rrddata(
        &self,
        node: &str,
        timeframe: Timeframe,
        cf: Consolidation,
    ) -> Result<Vec<NodeRrdSample>, PveError> {
        let node = api::node(node)?;
        let params = Params::new()
            .text("timeframe", timeframe.as_str())
            .text("cf", cf.as_str());
        Ok(self
            .get(&format!("/nodes/{node}/rrddata"), &params)
            .await?
            .data)
    }
}
