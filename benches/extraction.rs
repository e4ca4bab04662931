//! Text extraction accuracy and speed: PDF against the sibling `.txt` references and poppler's
//! `pdftotext`; DOCX and the GBK text fixture against their UTF-8 references.
//!
//! `cargo bench --bench extraction [-- FILE...]` (harness = false). Without arguments the inputs
//! are every PDF in `fixtures/` with a sibling `.txt`, `fixtures/tender_300p.pdf` (speed and page
//! correctness only: too long for the O(n·m) similarity), and `../shared/dev-corpus/docs/*.pdf`
//! beside the repository when present; then the DOCX and GBK text fixtures.
//!
//! For each PDF: character similarity (1 − Levenshtein / max length, after removing all
//! whitespace and the " | " table-cell separators on both sides) against FILE.txt; the share of
//! blocks whose first 4 non-space characters occur in pdftotext's text of the page the block
//! claims; pages/s of `ingest::pdf::extract` (best of 3, in-process, includes parsing) beside
//! `pdftotext FILE /dev/null` (best of 3, the whole process). Without `pdftotext` on PATH the
//! comparison columns are skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use fairtender::core::document::{BlockKind, Extracted};
use fairtender::core::ingest::{self, pdf, Deadline, Limits};

fn normalise(s: &str) -> Vec<char> {
    // Table rows: cells are joined with " | "; a trailing empty cell leaves " |" at line end.
    s.lines()
        .map(|l| l.trim_end().trim_end_matches(" |").replace(" | ", ""))
        .flat_map(|l| l.chars().collect::<Vec<_>>())
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// 1 - levenshtein / max(len): one row of the DP table, O(n·m) time, O(m) memory.
fn similarity(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let mut row: Vec<u32> = (0..=b.len() as u32).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i as u32 + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            let cost = u32::from(ca != cb);
            row[j + 1] = (diag + cost).min(up + 1).min(row[j] + 1);
            diag = up;
        }
    }
    1.0 - f64::from(row[b.len()]) / a.len().max(b.len()) as f64
}

fn best_of_3<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..3 {
        let t = Instant::now();
        let out = f();
        best = best.min(t.elapsed());
        last = Some(out);
    }
    (best, last.expect("ran three times"))
}

fn have_pdftotext() -> bool {
    Command::new("pdftotext").arg("-v").output().is_ok()
}

/// Share of blocks whose first 4 non-space characters occur in pdftotext's text of their page.
fn page_accuracy(path: &Path, ex: &Extracted) -> Option<f64> {
    let out = Command::new("pdftotext").arg(path).arg("-").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let pages: Vec<String> = text.split('\u{c}').map(|p| p.chars().filter(|c| !c.is_whitespace()).collect()).collect();
    let mut ok = 0;
    let mut total = 0;
    for b in &ex.blocks {
        let probe: String = match &b.kind {
            BlockKind::TableRow { cells } => cells.iter().find(|c| !c.trim().is_empty()).map(String::as_str).unwrap_or(""),
            _ => b.text.as_str(),
        }
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(4)
        .collect();
        if probe.is_empty() {
            continue;
        }
        total += 1;
        if pages.get(b.page as usize - 1).is_some_and(|p| p.contains(&probe)) {
            ok += 1;
        } else if std::env::var_os("MEASURE_VERBOSE").is_some() {
            eprintln!("page mismatch: p{} {}", b.page, b.text);
        }
    }
    (total > 0).then(|| f64::from(ok) / f64::from(total))
}

fn name_of(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()
}

/// The similarity column: "-" without a reference or when the pair is too long for O(n·m).
fn sim_column(got: &str, reference: Option<String>) -> String {
    let Some(r) = reference else { return "-".into() };
    let (a, b) = (normalise(got), normalise(&r));
    if (a.len() as u64) * (b.len() as u64) > 4_000_000_000 {
        return "(too long)".into();
    }
    format!("{:.4}", similarity(&a, &b))
}

fn measure_pdf(path: &Path, limits: &Limits, pdftotext: bool, totals: &mut (u64, Duration, Duration)) {
    let name = name_of(path);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            println!("| {name}: {e}");
            return;
        }
    };
    let (ours, result) = best_of_3(|| pdf::extract(&bytes, limits, &Deadline::after(limits.time_limit)));
    let ex = match result {
        Ok(ex) => ex,
        Err(e) => {
            println!("| {name:<32} | refused: {e:?} ({:.2} ms)", ours.as_secs_f64() * 1e3);
            return;
        }
    };
    let got: String = ex.blocks.iter().map(|b| b.text.as_str()).collect::<Vec<_>>().join("\n");
    let sim = sim_column(&got, std::fs::read_to_string(path.with_extension("txt")).ok());
    let rows = ex.blocks.iter().filter(|b| matches!(b.kind, BlockKind::TableRow { .. })).count();
    let pps = |d: Duration| f64::from(ex.pages) / d.as_secs_f64();
    let (page_ok, pt_col, ratio) = if pdftotext {
        let page_ok = page_accuracy(path, &ex).map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "-".into());
        let (pt, _) = best_of_3(|| Command::new("pdftotext").arg(path).arg("/dev/null").status());
        totals.2 += pt;
        (page_ok, format!("{:.0}", pps(pt)), format!("{:.1}x", pt.as_secs_f64() / ours.as_secs_f64()))
    } else {
        ("-".into(), "-".into(), "-".into())
    };
    totals.0 += u64::from(ex.pages);
    totals.1 += ours;
    println!(
        "| {:<32} | {:>5} | {:>6} | {:>4} | {:>6} | {:>10} | {:>7} | {:>8.2} | {:>9.0} | {:>13} | {:>6} |",
        name,
        ex.pages,
        ex.blocks.len(),
        rows,
        normalise(&got).len(),
        sim,
        page_ok,
        ours.as_secs_f64() * 1e3,
        pps(ours),
        pt_col,
        ratio
    );
}

/// DOCX or text through `ingest::extract` against a UTF-8 reference.
fn measure_other(path: &Path, reference: &Path, limits: &Limits) {
    let name = name_of(path);
    let Ok(bytes) = std::fs::read(path) else {
        println!("| {name:<32} | missing");
        return;
    };
    let (t, result) = best_of_3(|| ingest::extract(&bytes, Some(&name), limits));
    match result {
        Ok(ex) => {
            let got: String = ex.blocks.iter().map(|b| b.text.as_str()).collect::<Vec<_>>().join("\n");
            let sim = sim_column(&got, std::fs::read_to_string(reference).ok());
            println!(
                "| {:<32} | {:>6} | {:>6} | {:>6} | {:>10} | {:>8.2} | {:>8.1} |",
                name,
                format!("{:?}", ex.format),
                ex.blocks.len(),
                normalise(&got).len(),
                sim,
                t.as_secs_f64() * 1e3,
                bytes.len() as f64 / 1e6 / t.as_secs_f64()
            );
        }
        Err(e) => println!("| {name:<32} | refused: {e:?}"),
    }
}

fn pdfs_with_txt(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "pdf") && p.with_extension("txt").is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("fixtures");
    let corpus = root.join("../shared/dev-corpus/docs");
    let args: Vec<PathBuf> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).map(PathBuf::from).collect();
    let limits = Limits::default();
    let pdftotext = have_pdftotext();
    if !pdftotext {
        println!("note: pdftotext not found on PATH; page correctness and the pdftotext comparison are skipped");
    }

    let mut pdfs = args.clone();
    if args.is_empty() {
        pdfs = pdfs_with_txt(&fixtures);
        let big = fixtures.join("tender_300p.pdf");
        if big.is_file() {
            pdfs.push(big);
        }
        if corpus.is_dir() {
            pdfs.extend(pdfs_with_txt(&corpus));
        } else {
            println!("note: no dev corpus at {}; its documents are skipped", corpus.display());
        }
    }

    println!("PDF (ingest::pdf::extract, best of 3; pdftotext = whole process, best of 3)");
    println!(
        "| {:<32} | {:>5} | {:>6} | {:>4} | {:>6} | {:>10} | {:>7} | {:>8} | {:>9} | {:>13} | {:>6} |",
        "file", "pages", "blocks", "rows", "chars", "similarity", "page ok", "ours ms", "ours p/s", "pdftotext p/s", "ratio"
    );
    println!("|{}|", ["-"; 11].map(|_| "------").join("|"));
    let mut totals = (0u64, Duration::ZERO, Duration::ZERO);
    for p in &pdfs {
        measure_pdf(p, &limits, pdftotext, &mut totals);
    }
    let (pages, ours, pt) = totals;
    if pages > 0 {
        print!("all PDFs: {pages} pages, ours {:.0} pages/s", pages as f64 / ours.as_secs_f64());
        if pdftotext {
            print!(", pdftotext {:.0} pages/s (ratio {:.1}x)", pages as f64 / pt.as_secs_f64(), pt.as_secs_f64() / ours.as_secs_f64());
        }
        println!();
    }

    if !args.is_empty() {
        return;
    }
    println!();
    println!("DOCX and text (ingest::extract, best of 3)");
    println!("| {:<32} | {:>6} | {:>6} | {:>6} | {:>10} | {:>8} | {:>8} |", "file", "format", "blocks", "chars", "similarity", "ms", "MB/s");
    println!("|{}|", ["-"; 7].map(|_| "------").join("|"));
    let mut others = vec![
        (fixtures.join("tender_numbered.docx"), fixtures.join("tender_numbered.txt")),
        (fixtures.join("gbk_notice.txt"), fixtures.join("gbk_notice.utf8.txt")),
    ];
    if corpus.is_dir() {
        let mut docx: Vec<PathBuf> = std::fs::read_dir(&corpus)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "docx")).collect())
            .unwrap_or_default();
        docx.sort();
        others.extend(docx.into_iter().map(|d| {
            let t = d.with_extension("txt");
            (d, t)
        }));
    }
    for (path, reference) in &others {
        measure_other(path, reference, &limits);
    }
}
