//! Command output, bounded whatever a command prints: lines longer than
//! [`MAX_LINE_BYTES`] are cut with a marker (a command printing one endless line costs
//! at most that much), and only the last [`TAIL_BYTES`] of each stream are kept for the
//! result (a failure message quotes its end; nothing needs all of it).

/// The longest output line passed on; the rest of a longer line is dropped.
pub const MAX_LINE_BYTES: usize = 4096;

/// How much of each stream a command's result keeps (its end).
pub const TAIL_BYTES: usize = 64 * 1024;

/// `line` cut to [`MAX_LINE_BYTES`] (at a character boundary) with a marker saying so.
pub fn cut_line(line: &str) -> String {
    if line.len() <= MAX_LINE_BYTES {
        return line.to_owned();
    }
    let mut end = MAX_LINE_BYTES;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} … [line cut at {MAX_LINE_BYTES} bytes]", &line[..end])
}

/// The end of a stream: at most [`TAIL_BYTES`] once finished (twice that while
/// collecting, so trimming is not paid on every chunk).
#[derive(Debug, Clone, Default)]
pub struct Tail {
    text: String,
    dropped: u64,
}

impl Tail {
    /// Appends `text`, forgetting the oldest bytes past the limit.
    pub fn push(&mut self, text: &str) {
        self.text.push_str(text);
        if self.text.len() > 2 * TAIL_BYTES {
            self.trim();
        }
    }

    fn trim(&mut self) {
        if self.text.len() <= TAIL_BYTES {
            return;
        }
        let mut cut = self.text.len() - TAIL_BYTES;
        while !self.text.is_char_boundary(cut) {
            cut += 1;
        }
        self.dropped += u64::try_from(cut).unwrap_or(u64::MAX);
        self.text.drain(..cut);
    }

    /// The kept text and how many bytes before it were dropped.
    pub fn finish(mut self) -> (String, u64) {
        self.trim();
        (self.text, self.dropped)
    }
}

/// Splits a stream into lines as chunks arrive, cutting over-long ones: a line without
/// an end is passed on (cut) as soon as it passes the limit, and the rest of it skipped.
#[derive(Debug, Default)]
pub struct LineSplitter {
    buffer: String,
    /// Inside an over-long line already passed on: skip to its end.
    skipping: bool,
}

impl LineSplitter {
    /// Feeds a chunk; complete lines (without their `\n` / `\r\n`) go to `emit`.
    pub fn push(&mut self, chunk: &str, mut emit: impl FnMut(String)) {
        self.buffer.push_str(chunk);
        while let Some(end) = self.buffer.find('\n') {
            if self.skipping {
                self.skipping = false;
            } else {
                emit(cut_line(self.buffer[..end].trim_end_matches('\r')));
            }
            self.buffer.drain(..=end);
        }
        if self.skipping {
            self.buffer.clear();
        } else if self.buffer.len() > MAX_LINE_BYTES {
            emit(cut_line(&self.buffer));
            self.buffer.clear();
            self.skipping = true;
        }
    }

    /// The last line, if the stream did not end with a newline.
    pub fn finish(self, mut emit: impl FnMut(String)) {
        if !self.skipping && !self.buffer.is_empty() {
            emit(cut_line(&self.buffer));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&str]) -> Vec<String> {
        let mut lines = Vec::new();
        let mut splitter = LineSplitter::default();
        for chunk in chunks {
            splitter.push(chunk, |line| lines.push(line));
        }
        splitter.finish(|line| lines.push(line));
        lines
    }

    #[test]
    fn lines_are_split_across_chunks() {
        assert_eq!(split(&["one\ntw", "o\r\nthree"]), ["one", "two", "three"]);
        assert_eq!(split(&["\n\n"]), ["", ""]);
    }

    #[test]
    fn an_endless_line_is_cut_once_and_the_rest_skipped() {
        let endless = "y".repeat(1000);
        let mut chunks: Vec<&str> = vec![endless.as_str(); 100];
        chunks.push("\nnext\n");
        let lines = split(&chunks);
        assert_eq!(
            lines.len(),
            2,
            "{:?}",
            lines.iter().map(String::len).collect::<Vec<_>>()
        );
        assert!(lines[0].ends_with(&format!("[line cut at {MAX_LINE_BYTES} bytes]")));
        assert!(lines[0].len() < MAX_LINE_BYTES + 64);
        assert_eq!(lines[1], "next");
    }

    #[test]
    fn cutting_respects_characters() {
        let wide = "é".repeat(MAX_LINE_BYTES);
        let cut = cut_line(&wide);
        assert!(cut.starts_with('é') && cut.contains("[line cut"));
    }

    #[test]
    fn a_tail_keeps_the_end_and_counts_the_rest() {
        let mut tail = Tail::default();
        for i in 0..100_000 {
            tail.push(&format!("line {i}\n"));
        }
        let (text, dropped) = tail.finish();
        assert!(text.len() <= TAIL_BYTES);
        assert!(text.ends_with("line 99999\n"));
        assert!(dropped > 0);
    }
}
