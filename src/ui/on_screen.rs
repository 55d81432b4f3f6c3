//! Which of the page's side panels are on screen, as the browser's
//! `IntersectionObserver` reports it. While a run plays, a panel that is
//! entirely off screen is not redrawn (see `kept_panel`): at 64 steps a
//! frame every panel's content changes every redraw, and building and
//! patching panels nobody can see cost most of each frame at scale.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, IntersectionObserver, IntersectionObserverEntry};
use yew::Callback;

/// What the observer said about one element: whether it now intersects
/// the viewport.
pub type Report = Vec<(Element, bool)>;

/// An element watched, the panel it belongs to, and whether it was last
/// reported on screen (`None` until the first report).
struct Watched {
    element: Element,
    panel: &'static str,
    on_screen: Option<bool>,
}

pub struct OnScreen {
    observer: Option<IntersectionObserver>,
    _callback: Option<Closure<dyn FnMut(js_sys::Array)>>,
    watched: Vec<Watched>,
}

impl OnScreen {
    /// Reports go to `on_report`. Without `IntersectionObserver` every
    /// panel counts as on screen.
    pub fn new(on_report: Callback<Report>) -> OnScreen {
        let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            let report = entries
                .iter()
                .filter_map(|entry| entry.dyn_into::<IntersectionObserverEntry>().ok())
                .map(|entry| (entry.target(), entry.is_intersecting()))
                .collect();
            on_report.emit(report);
        });
        let observer = IntersectionObserver::new(callback.as_ref().unchecked_ref()).ok();
        OnScreen {
            observer,
            _callback: Some(callback),
            watched: Vec::new(),
        }
    }

    /// Starts watching, under `root`, the first element each selector of
    /// each panel finds (`(panel, selector)` pairs); forgets elements that
    /// left the page.
    pub fn watch(&mut self, root: &Element, panels: &[(&'static str, &str)]) {
        let Some(observer) = &self.observer else {
            return;
        };
        self.watched.retain(|w| {
            let kept = w.element.is_connected();
            if !kept {
                observer.unobserve(&w.element);
            }
            kept
        });
        for &(panel, selector) in panels {
            let Ok(Some(element)) = root.query_selector(selector) else {
                continue;
            };
            if self.watched.iter().any(|w| w.element == element) {
                continue;
            }
            observer.observe(&element);
            self.watched.push(Watched {
                element,
                panel,
                on_screen: None,
            });
        }
    }

    /// Takes a report in; answers the panels that came on screen.
    pub fn update(&mut self, report: Report) -> Vec<&'static str> {
        let mut appeared = Vec::new();
        for (element, on_screen) in report {
            if let Some(w) = self.watched.iter_mut().find(|w| w.element == element) {
                if on_screen && w.on_screen != Some(true) {
                    appeared.push(w.panel);
                }
                w.on_screen = Some(on_screen);
            }
        }
        appeared
    }

    /// Whether every element of `panel` on the page was reported off
    /// screen (a panel never reported on counts as on screen).
    pub fn off_screen(&self, panel: &str) -> bool {
        let mut elements = self
            .watched
            .iter()
            .filter(|w| w.panel == panel && w.element.is_connected())
            .peekable();
        elements.peek().is_some() && elements.all(|w| w.on_screen == Some(false))
    }
}

/// Which of `panels` (`(panel, selector)` pairs, the first element each
/// selector finds under `root`) are out of sight: wholly under the bottom
/// of `cover` (the sticky toolbar, opaque, which hides what scrolls under
/// it) or below the window. The observer cannot tell this (the toolbar is
/// inside the viewport), so it is read from the layout; at the start of a
/// frame, before the page changes, the layout is clean and reading it
/// costs nothing.
pub fn out_of_sight(
    root: &Element,
    cover: &str,
    panels: &[(&'static str, &str)],
) -> Vec<&'static str> {
    let Some(height) = root
        .owner_document()
        .and_then(|d| d.document_element())
        .map(|e| f64::from(e.client_height()))
    else {
        return Vec::new();
    };
    let top = match root.query_selector(cover) {
        Ok(Some(cover)) => cover.get_bounding_client_rect().bottom().max(0.0),
        _ => 0.0,
    };
    panels
        .iter()
        .filter(|&&(_, selector)| {
            matches!(root.query_selector(selector), Ok(Some(element)) if {
                let rect = element.get_bounding_client_rect();
                rect.bottom() <= top || rect.top() >= height
            })
        })
        .map(|&(panel, _)| panel)
        .collect()
}

impl Drop for OnScreen {
    fn drop(&mut self) {
        if let Some(observer) = &self.observer {
            observer.disconnect();
        }
    }
}
