//! One binary, two front ends: the Yew app in the browser (wasm32) and the
//! command-line runner everywhere else.

#[cfg(not(target_arch = "wasm32"))]
mod cli;

/// SAFETY: the page runs the app single-threaded.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };

fn main() {
    #[cfg(target_arch = "wasm32")]
    loglab::ui::start();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::exit(cli::main());
}
