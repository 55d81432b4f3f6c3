//! The Yew front end: one component per file, each a pure view of engine
//! state. Only `App` owns the timeline; every click becomes a timeline call
//! so the run stays recorded and can be stepped back.

mod app;
mod checkers_panel;
mod cluster_model;
mod cluster_view;
mod controls;
mod crash;
mod event_list;
mod group_view;
mod in_flight_list;
mod kept_panel;
mod lag_chart;
mod location;
mod log_tapes;
mod narrate;
mod network_bar;
mod node_actions;
mod on_screen;
mod open_file;
mod partition_dialog;
mod player;
mod recent;
mod scenario_picker;
mod scrubber;
mod settings;
mod share;
mod shortcuts;
mod slot;
mod space_time;
mod status;
mod subscribers_panel;
mod table_view;
mod tape_model;
mod view;
mod write_form;

pub use app::{App, Msg};
pub use crash::{install_panic_hook, show_crash_banner, CRASH_BANNER_ID};
pub use open_file::FileText;

/// Renders the app into the document body; a panic shows a banner.
pub fn start() {
    install_panic_hook();
    yew::Renderer::<App>::new().render();
}
