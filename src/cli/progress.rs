//! Progress of long commands on stderr: an `indicatif` bar on a terminal, a line per tenth of
//! the work otherwise (so logs of a CI job or a cron run still show that it moves).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A progress display for one long command.
pub struct Progress {
    label: &'static str,
    bar: Option<ProgressBar>,
    last_tenth: usize,
}

impl Progress {
    /// A display labelled `label` ("import", "reindex").
    pub fn new(label: &'static str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            let style = ProgressStyle::with_template("{prefix} [{bar:25}] {pos}/{len} {percent:>3}% {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("#> ");
            bar.set_style(style);
            bar.set_prefix(label);
            bar
        });
        Progress { label, bar, last_tenth: usize::MAX }
    }

    /// `done` of `total` items finished, the last one being `item`.
    pub fn update(&mut self, done: usize, total: usize, item: &str) {
        match &self.bar {
            Some(bar) => {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
                bar.set_message(item.to_string());
            }
            None => {
                let pct = (done * 100).checked_div(total).unwrap_or(100);
                if pct / 10 != self.last_tenth || done == total {
                    self.last_tenth = pct / 10;
                    eprintln!("{}: {done}/{total} ({pct}%)", self.label);
                }
            }
        }
    }

    /// A message above the bar (a refused file, say).
    pub fn note(&self, msg: &str) {
        match &self.bar {
            Some(bar) => bar.println(msg),
            None => eprintln!("{msg}"),
        }
    }

    /// Leaves the finished bar on screen.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}
