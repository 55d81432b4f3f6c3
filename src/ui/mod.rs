//! The Yew front end: one component per file, each a pure view of engine
//! state. Only `App` owns the timeline; every click becomes a timeline call
//! so the run stays recorded and can be stepped back.

mod app;
mod checkers_panel;
mod controls;
mod crash;
mod event_list;
mod in_flight_list;
mod location;
mod network_bar;
mod node_card;
mod scenario_picker;
mod status;
mod view;
mod write_form;

pub use app::App;
pub use crash::{install_panic_hook, show_crash_banner, CRASH_BANNER_ID};

/// Renders the app into the document body; a panic shows a banner.
pub fn start() {
    install_panic_hook();
    yew::Renderer::<App>::new().render();
}
