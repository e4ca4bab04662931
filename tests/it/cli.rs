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

#[test]
fn check_finds_every_planted_violation_and_nothing_in_the_clean_twin() {
    let planted = fixture("check/planted.txt");
    let out = fairtender(&["check", "--format", "json", planted.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rulebook"]["version"].as_str().unwrap().len(), 16);
    assert!(v["rulebook"]["rules"].as_u64().unwrap() >= 60);
    let doc = &v["documents"][0];
    assert_eq!(doc["file"], planted.to_str().unwrap());
    assert!(doc["error"].is_null());
    let findings = doc["findings"].as_array().unwrap();
    let has = |rule: &str, needle: &str| {
        findings.iter().any(|f| f["rule"] == rule && f["clause"].as_str().unwrap().contains(needle))
    };
    assert!(has("S01", "注册资本不低于人民币2000万元"), "{findings:#?}");
    assert!(has("S01", "营业收入在1亿元以上"), "scale in a scoring table");
    assert!(has("R01", "行政区域内注册"));
    assert!(has("S03", "成立时间不少于5年"));
    assert!(has("D01", "捌万元"), "80,000 of 3,000,000 is 2.67% > 2%");
    assert!(has("B01", "康宁牌"));
    for f in findings {
        assert_ne!(f["section_kind"], "forms", "blank form flagged: {f}");
        for key in ["rule", "category", "severity", "stage", "page", "section", "section_kind", "start", "end", "quote", "clause", "message", "basis", "suggestion"] {
            assert!(f.get(key).is_some(), "finding lacks {key}");
        }
    }

    let clean = fixture("check/clean.txt");
    let out = fairtender(&["check", clean.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "clean document flagged:\n{}", String::from_utf8_lossy(&out.stdout));
    assert!(out.stdout.is_empty());

    // Text lines are `file:page:section:rule:message`; --fail-on never exits 0; html is a page.
    let out = fairtender(&["check", "--fail-on", "never", planted.to_str().unwrap(), clean.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().all(|l| l.starts_with(planted.to_str().unwrap()) && l.split(':').count() >= 5), "{text}");
    let out = fairtender(&["check", "--format", "html", planted.to_str().unwrap()]);
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains("<html") && html.contains("康宁牌"));
    // A file that cannot be read is an error (2), reported in the document entry.
    let out = fairtender(&["check", "--format", "json", fixture("encrypted.pdf").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["documents"][0]["error"].as_str().unwrap().contains("encrypted"));
}

#[test]
fn rules_commands_and_a_broken_rule_directory() {
    let out = fairtender(&["rules", "test"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let out = fairtender(&["rules", "list"]);
    let list = String::from_utf8(out.stdout).unwrap();
    assert!(list.lines().filter(|l| l.contains('\t')).count() >= 60);
    let out = fairtender(&["rules", "show", "D01"]);
    assert!(String::from_utf8(out.stdout).unwrap().contains("must hit"));

    // A rule directory with an unknown field fails to load with file, line and reason.
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core/rules/library/region/R01.toml"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("region")).unwrap();
    std::fs::write(dir.path().join("region/R01.toml"), src.replacen("severity", "colour = \"red\"\nseverity", 1)).unwrap();
    let out = fairtender(&["rules", "--rules", dir.path().to_str().unwrap(), "list"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("region/R01.toml:") && err.contains("colour"), "{err}");
}

/// Beside a running service (which holds the index writer), read-only commands work and a
/// writing command says what is in the way instead of a raw lock error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_beside_a_running_service() {
    let app = crate::helpers::spawn_app().await;
    let p = app.project("CLI-1", "青岚市采购中心").await;
    let r = app.upload(p, "tender_small.pdf", &crate::helpers::fixture_bytes("tender_small.pdf")).await;
    assert_eq!(r.status.as_u16(), 201);
    let data = app.config.data_dir.to_str().unwrap().to_string();
    let mut base = vec!["--data-dir".to_string(), data];
    if let Some(url) = &app.config.database_url {
        base.extend(["--database-url".to_string(), url.clone()]);
    }
    let run = |extra: &[&str]| {
        let mut args: Vec<&str> = base.iter().map(String::as_str).collect();
        args.extend(extra);
        fairtender(&args)
    };
    let out = tokio::task::block_in_place(|| run(&["search", "资格"]));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stdout).starts_with("0 hits"), "{}", String::from_utf8_lossy(&out.stdout));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "第一章 总则\n一、本项目接受联合体投标。\n").unwrap();
    let out = tokio::task::block_in_place(|| run(&["import", dir.path().to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by another fairtender process") && !err.contains("LockBusy"), "{err}");
}
