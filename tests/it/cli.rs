//! The binary: extract output formats and exit codes.

use crate::helpers::fixture;
use std::process::Command;

fn fairtender(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fairtender")).args(args).output().expect("run fairtender")
}

#[test]
fn extract_prints_clauses_as_text_and_json() {
    let path = fixture("tender_small.pdf");
    let out = fairtender(&["extract", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().any(|l| l.starts_with("第一章 招标公告")));

    let out = fairtender(&["extract", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["pages"], 2);
    let c = &v["clauses"][0];
    for key in ["ordinal", "page", "section", "section_kind", "start", "end", "text"] {
        assert!(c.get(key).is_some(), "missing {key}");
    }
    assert!(v["sections"].as_array().unwrap().len() > 3);
}

#[test]
fn errors_exit_2_with_a_message_on_stderr() {
    let out = fairtender(&["extract", fixture("encrypted.pdf").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("encrypted"));
    let out = fairtender(&["extract", "/nonexistent/file.pdf"]);
    assert_eq!(out.status.code(), Some(2));
    let help = fairtender(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let help = String::from_utf8_lossy(&help.stdout);
    for cmd in ["serve", "extract", "import", "reindex", "search"] {
        assert!(help.contains(cmd), "--help lacks {cmd}");
    }
}
