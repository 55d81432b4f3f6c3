//! Determinism across targets: the trace hashes computed here, in wasm32 in
//! headless Chromium, must equal the golden hashes produced natively.
#![cfg(target_arch = "wasm32")]

use loglab::engine::golden::trace_hashes;
use loglab::scenarios::BUNDLED;
use std::collections::BTreeMap;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn bundled_scenarios_hash_the_same_as_natively() {
    let golden: BTreeMap<String, String> =
        serde_json::from_str(include_str!("golden/trace_hashes.json")).unwrap();
    let actual = trace_hashes(BUNDLED).unwrap_or_else(|(name, e)| panic!("{name}: {e}"));
    assert!(actual.len() >= 5);
    assert_eq!(golden, actual);
}
