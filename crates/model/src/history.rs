//! Resource history as the charts show it: a timeframe, the sample times, and charts of
//! one or more series each (a gap where Proxmox has no value, e.g. while a container was
//! stopped).

use serde::{Deserialize, Serialize};

/// Proxmox's RRD timeframes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Timeframe {
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl Timeframe {
    pub const ALL: [Timeframe; 5] = [
        Timeframe::Hour,
        Timeframe::Day,
        Timeframe::Week,
        Timeframe::Month,
        Timeframe::Year,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Timeframe::Hour => "hour",
            Timeframe::Day => "day",
            Timeframe::Week => "week",
            Timeframe::Month => "month",
            Timeframe::Year => "year",
        }
    }

    /// `hour` … `year`.
    pub fn parse(text: &str) -> Option<Timeframe> {
        Timeframe::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// Each step's average, or its peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Consolidation {
    Average,
    Max,
}

impl Consolidation {
    /// `average` or `max`.
    pub fn parse(text: &str) -> Option<Consolidation> {
        match text {
            "average" => Some(Consolidation::Average),
            "max" => Some(Consolidation::Max),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Consolidation::Average => "average",
            Consolidation::Max => "max",
        }
    }
}

/// How a chart's values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    Percent,
    Bytes,
    BytesPerSecond,
    /// A plain number (load average).
    Number,
}

impl Unit {
    /// A value as the axis and the readout print it.
    pub fn format(self, value: f64) -> String {
        let scaled = |value: f64, suffix: &str| {
            const STEPS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
            let mut value = value;
            let mut step = 0;
            while value >= 1024.0 && step < STEPS.len() - 1 {
                value /= 1024.0;
                step += 1;
            }
            let digits = if value < 10.0 && step > 0 { 1 } else { 0 };
            format!("{value:.digits$} {}{suffix}", STEPS[step])
        };
        match self {
            Unit::Percent => format!("{value:.1} %"),
            Unit::Bytes => scaled(value, ""),
            Unit::BytesPerSecond => scaled(value, "/s"),
            Unit::Number => format!("{value:.2}"),
        }
    }
}

/// One line of a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub label: String,
    /// One per sample time; `None`: no value then.
    pub values: Vec<Option<f64>>,
}

/// One chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub title: String,
    pub unit: Unit,
    pub series: Vec<Series>,
    /// The top of the scale when there is a natural one (100 %, the memory limit).
    pub ceiling: Option<f64>,
}

/// Charts over one timeframe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub timeframe: Timeframe,
    pub consolidation: Consolidation,
    /// Unix seconds of each sample, oldest first.
    pub times: Vec<u64>,
    pub charts: Vec<Chart>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_with_their_units() {
        assert_eq!(Unit::Percent.format(12.345), "12.3 %");
        assert_eq!(Unit::Bytes.format(512.0), "512 B");
        assert_eq!(
            Unit::Bytes.format(3.5 * 1024.0 * 1024.0 * 1024.0),
            "3.5 GiB"
        );
        assert_eq!(Unit::BytesPerSecond.format(2048.0), "2.0 KiB/s");
        assert_eq!(Timeframe::parse("week"), Some(Timeframe::Week));
        assert_eq!(Timeframe::parse("nonsense"), None);
        assert_eq!(Consolidation::parse("max"), Some(Consolidation::Max));
        assert_eq!(Consolidation::parse("MAXIMUM"), None);
    }
}
