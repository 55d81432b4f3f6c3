//! The scenario list. Reports the chosen file name; the app loads it.

use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// A bundled scenario as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// File name without `.json`: what the URL carries.
    pub name: &'static str,
    pub title: String,
}

#[derive(Properties, PartialEq)]
pub struct ScenarioPickerProps {
    pub choices: Rc<Vec<Choice>>,
    pub selected: AttrValue,
    /// The name of a file the user opened, when its run is shown: the
    /// list then shows it first, chosen.
    #[prop_or_default]
    pub opened: Option<AttrValue>,
    pub on_pick: Callback<String>,
}

#[function_component(ScenarioPicker)]
pub fn scenario_picker(props: &ScenarioPickerProps) -> Html {
    let select = use_node_ref();
    // An option's `selected` attribute stops counting once the user has
    // picked one, so keep the live value in step with the app.
    let selected = if props.opened.is_some() {
        AttrValue::Static("")
    } else {
        props.selected.clone()
    };
    {
        let select = select.clone();
        use_effect_with(selected.clone(), move |selected| {
            if let Some(element) = select.cast::<HtmlSelectElement>() {
                element.set_value(selected);
            }
        });
    }
    let onchange = {
        let on_pick = props.on_pick.clone();
        Callback::from(move |e: Event| {
            on_pick.emit(e.target_unchecked_into::<HtmlSelectElement>().value());
        })
    };
    html! {
        <div class="picker">
            <label for="scenario">{"Scenario"}</label>
            <select id="scenario" ref={select} {onchange}>
                if let Some(file) = &props.opened {
                    <option key="" value="" selected=true>
                        { format!("Your file: {file}") }
                    </option>
                }
                { for props.choices.iter().map(|c| html! {
                    <option key={c.name} value={c.name} selected={*c.name == *selected}>
                        { &c.title }
                    </option>
                }) }
            </select>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct StoryProps {
    pub text: AttrValue,
}

/// The scenario's description under the picker. On a short screen (a
/// projector at 1280×720) it shows one line and a More button, so the
/// cluster stays in view; the whole text is always there for screen
/// readers and tests.
#[function_component(Story)]
pub fn story(props: &StoryProps) -> Html {
    let open = use_state(|| false);
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    html! {
        <div class={classes!("story", open.then_some("open"))}>
            <p class="lede" id="story" data-testid="description">{ &props.text }</p>
            <button type="button" class="quiet story-toggle" aria-controls="story"
                aria-expanded={open.to_string()} onclick={toggle}>
                { if *open { "Less" } else { "More" } }
            </button>
        </div>
    }
}
