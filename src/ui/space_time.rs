//! Placeholder: this panel is being built (issue 5/7).

use super::slot::Slot;
use yew::prelude::*;

pub fn panel(_slot: &Slot) -> Html {
    html! {}
}
