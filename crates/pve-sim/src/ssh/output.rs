//! What a command printed, in order, and how it ended.

use std::time::Duration;

/// One piece of a command's output, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Stdout(String),
    Stderr(String),
    /// Realistic time passing (scaled by the simulator's speed).
    Pause(Duration),
    /// This line on standard output again and again until the client goes away, as
    /// `yes` prints (the connection's flow control paces it).
    Endless(String),
}

/// Everything a command printed, and its exit status.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Output {
    pub events: Vec<Event>,
    pub status: u32,
}

impl Output {
    pub(super) fn out(&mut self, line: impl Into<String>) {
        self.events.push(Event::Stdout(line.into()));
    }
    pub(super) fn err(&mut self, line: impl Into<String>) {
        self.events.push(Event::Stderr(line.into()));
    }
    pub(super) fn pause(&mut self, ms: u64) {
        self.events.push(Event::Pause(Duration::from_millis(ms)));
    }
    pub(super) fn fail(mut self, status: u32, line: impl Into<String>) -> Output {
        self.err(line);
        self.status = status;
        self
    }
    /// The stdout text, each line ending in a newline.
    pub fn stdout(&self) -> String {
        self.text(|event| match event {
            Event::Stdout(line) => Some(line),
            _ => None,
        })
    }
    /// The stderr text, each line ending in a newline.
    pub fn stderr(&self) -> String {
        self.text(|event| match event {
            Event::Stderr(line) => Some(line),
            _ => None,
        })
    }
    /// The lines `pick` takes from the events, each ending in a newline.
    fn text(&self, pick: impl Fn(&Event) -> Option<&String>) -> String {
        self.events
            .iter()
            .filter_map(pick)
            .map(|line| format!("{line}\n"))
            .collect()
    }
}
