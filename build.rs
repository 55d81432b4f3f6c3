//! Embeds every scenario in `scenarios/` so the browser app can offer them
//! and the wasm determinism test can replay them without a file system.

use std::fs;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=scenarios");
    // Read when the script runs, not baked in when it is compiled: a build
    // script compiled for one checkout may be run for another.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("scenarios");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("scenarios/ exists")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".json").map(str::to_owned)
        })
        .collect();
    names.sort();
    let mut code =
        String::from("/// (name, JSON text) of every scenario in `scenarios/`, sorted by name.\n");
    code.push_str("pub const BUNDLED: &[(&str, &str)] = &[\n");
    for name in &names {
        let path = dir.join(format!("{name}.json"));
        println!("cargo:rerun-if-changed={}", path.display());
        code.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("bundled_scenarios.rs");
    fs::write(out, code).expect("OUT_DIR is writable");
}
