//! Embeds the rule library: lists every `src/core/rules/library/**/*.toml` (rules) and
//! `src/core/rules/library/lexicons/*.txt` (concepts) into
//! `$OUT_DIR/rule_library.rs` so that adding a rule file needs no code change.

use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "toml")
            || (p.extension().is_some_and(|e| e == "txt") && p.parent().and_then(|d| d.file_name()).is_some_and(|n| n == "lexicons"))
        {
            out.push(p);
        }
    }
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let root = std::env::var("FAIRTENDER_RULES_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(&manifest).join("src/core/rules/library"));
    println!("cargo:rerun-if-env-changed=FAIRTENDER_RULES_SRC");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    let mut code = String::from("/// (path relative to the library root, file content)\npub const LIBRARY: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(&root).unwrap_or(f).to_string_lossy().replace('\\', "/");
        code.push_str(&format!("    ({:?}, include_str!({:?})),\n", rel, f.display().to_string()));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("rule_library.rs");
    std::fs::write(out, code).expect("write rule_library.rs");
}
