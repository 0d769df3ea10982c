//! The layers of DESIGN.md §9 show in the folders, and each imports only from those below it:
//! `core` is pure and imports nothing of the others; `node` builds on `core`; `registry` on
//! both; `fleet` on all three; the front ends (`cli`, `tui`) sit on top, side by side, and
//! nothing imports them (`main.rs` hands the console to the command line).

use std::path::{Path, PathBuf};

/// Each layer and the layers it may import from.
const LAYERS: &[(&str, &[&str])] = &[
    ("core", &[]),
    ("node", &["core"]),
    ("registry", &["core", "node"]),
    ("fleet", &["core", "node", "registry"]),
    ("cli", &["core", "node", "registry", "fleet"]),
    ("tui", &["core", "node", "registry", "fleet"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layers a source file names through `crate::LAYER`, with the line of each.
fn imports(text: &str) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push((name, number + 1));
            rest = after;
        }
    }
    found
}

#[test]
fn each_layer_imports_only_from_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (layer, allowed) in LAYERS {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        for file in files {
            checked += 1;
            let text = std::fs::read_to_string(&file).unwrap();
            for (name, line) in imports(&text) {
                let is_layer = LAYERS.iter().any(|(l, _)| *l == name);
                if is_layer && name != *layer && !allowed.contains(&name.as_str()) {
                    wrong.push(format!(
                        "{}:{line}: `{layer}` imports `{name}`",
                        file.strip_prefix(&src).unwrap().display()
                    ));
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} files found under src/");
    assert!(
        wrong.is_empty(),
        "imports across layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_crate_root_holds_only_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let loose: Vec<_> = std::fs::read_dir(&src)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".rs") && name != "lib.rs" && name != "main.rs")
        .collect();
    assert!(
        loose.is_empty(),
        "files loose at the root of src/: {loose:?}"
    );
}

#[test]
fn the_check_sees_an_import_across_layers() {
    let text =
        "use crate::core::plan::plan;\nuse crate::node::store::Store; // crate::tui in a comment\n";
    assert_eq!(
        imports(text),
        [("core".to_string(), 1), ("node".to_string(), 2)]
    );
}
