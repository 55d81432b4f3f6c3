//! Golden trace hashes of every bundled scenario, produced natively. The
//! wasm test `wasm_determinism.rs` recomputes them in Chromium.
//! Regenerate after an intended behaviour change with
//! `UPDATE_GOLDEN=1 cargo test --test golden`.
#![cfg(not(target_arch = "wasm32"))]

use loglab::engine::golden::trace_hashes;
use loglab::scenarios::BUNDLED;
use std::collections::BTreeMap;

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/trace_hashes.json"
);

#[test]
fn every_bundled_scenario_matches_its_golden_trace_hash() {
    let actual = trace_hashes(BUNDLED).unwrap_or_else(|(name, e)| panic!("{name}: {e}"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
        std::fs::write(GOLDEN, text).unwrap();
    }
    let text =
        std::fs::read_to_string(GOLDEN).expect("golden file exists; run with UPDATE_GOLDEN=1");
    let golden: BTreeMap<String, String> = serde_json::from_str(&text).unwrap();
    assert_eq!(
        golden.keys().collect::<Vec<_>>(),
        actual.keys().collect::<Vec<_>>(),
        "the golden file must list exactly the scenarios in scenarios/"
    );
    assert_eq!(
        golden, actual,
        "trace hashes changed; if intended, regenerate the golden file"
    );
}

#[test]
fn bundled_scenarios_are_the_files_in_the_scenarios_folder() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .into_string()
                .ok()?
                .strip_suffix(".json")
                .map(String::from)
        })
        .collect();
    files.sort();
    let bundled: Vec<&str> = BUNDLED.iter().map(|(n, _)| *n).collect();
    assert_eq!(files, bundled);
    assert!(bundled.len() >= 5);
}
