//! One binary, two front ends: the Yew app in the browser (wasm32) and the
//! command-line runner everywhere else.

#[cfg(not(target_arch = "wasm32"))]
mod cli;

fn main() {
    #[cfg(target_arch = "wasm32")]
    loglab::ui::start();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::exit(cli::main());
}
