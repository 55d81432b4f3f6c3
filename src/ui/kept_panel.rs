//! A panel the page may keep as it was last drawn. Its props compare by a
//! version number alone, never by the (large) markup inside: the page
//! hands over the same version and the same markup for a panel it chose
//! not to redraw (off screen while playing), and Yew then skips the whole
//! panel without building or comparing any of it.

use yew::prelude::*;

#[derive(Properties)]
pub struct KeptPanelProps {
    /// A new number each time the page rebuilt `children`.
    pub version: u64,
    pub children: Html,
}

impl PartialEq for KeptPanelProps {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
    }
}

#[function_component(KeptPanel)]
pub fn kept_panel(props: &KeptPanelProps) -> Html {
    props.children.clone()
}
