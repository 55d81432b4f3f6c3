//! One tape per node, aligned by offset: each cell is a record (its
//! command or result, coloured by epoch with the epoch number), dashed
//! until committed; bars mark where the commit (high watermark) and the
//! applied offset stand; a cell where another node holds a different
//! record is marked ≠; records the last step truncated away stay one step
//! as struck-through ghosts. Only a window of offsets is drawn (the newest
//! by default; "Log window" looks further back).

use super::slot::Slot;
use super::tape_model::{self, Cell, Row, Tapes, WINDOW};
use std::collections::BTreeSet;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement};
use yew::prelude::*;

pub fn panel(slot: &Slot) -> Html {
    let tapes = tape_model::of(slot.timeline);
    let key = tapes.version.0.clone();
    html! {
        <section class="tapes-panel" aria-labelledby="tapes-title" data-testid="tapes">
            <LogTapes {key} {tapes} playing={slot.playing} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct LogTapesProps {
    pub tapes: Tapes,
    /// While playing, only the offsets that fit on screen are drawn.
    pub playing: bool,
}

/// What the tapes' scroller shows without scrolling, from the drawn
/// table: how many offset columns (its width less the node column, over
/// one cell and its spacing, 8 px: `border-spacing` in log_tapes.css), and
/// how wide one column is with its spacing.
fn columns_in_view(scroller: &Element) -> Option<InView> {
    let head = scroller.query_selector("th.corner").ok()??;
    let cell = scroller.query_selector("thead th.offset").ok()??;
    let width = |e: &Element| e.dyn_ref::<HtmlElement>().map(|e| e.offset_width());
    let (view, head, cell) = (scroller.client_width(), width(&head)?, width(&cell)?);
    (cell > 0).then(|| InView {
        columns: ((view - head).max(0) / (cell + 8)) as u64 + 1,
        column_px: cell + 8,
    })
}

#[derive(Clone, Copy, Debug)]
struct InView {
    columns: u64,
    column_px: i32,
}

/// Six fills that stay apart for common colour blindness, then repeat;
/// the number in the cell is what tells epochs apart for sure.
fn epoch_class(epochs: bool, epoch: u64) -> &'static str {
    const FILLS: [&str; 6] = ["ep-1", "ep-2", "ep-3", "ep-4", "ep-5", "ep-6"];
    if epochs {
        FILLS[(epoch.saturating_sub(1) % 6) as usize]
    } else {
        "ep-none"
    }
}

fn marks(cell: &Cell) -> Html {
    html! {
        <>
            if cell.commit_here {
                <span class="mark commit" aria-hidden="true"></span>
            }
            if cell.applied_here {
                <span class="mark applied" aria-hidden="true"></span>
            }
        </>
    }
}

/// A cell. Playing, it has no tooltip: none can be read while the window
/// slides, and writing 100 of them each redraw is most of what patching
/// the cells costs.
fn cell_view(cell: &Cell, epochs: bool, playing: bool) -> Html {
    let offset = cell.offset.to_string();
    let removed = cell.removed.as_ref().map(|old| {
        html! {
            <del class="ghost" title={format!("truncated this step: {old}")}>
                <span class="visually-hidden">{"truncated: "}</span>{ old }
            </del>
        }
    });
    let Some(record) = &cell.record else {
        return html! {
            <td class={classes!("cell", "empty",
                    cell.removed.is_some().then_some("truncated"))}
                data-offset={offset}>
                { marks(cell) }
                { removed.unwrap_or_default() }
            </td>
        };
    };
    let state = match (record.applied, record.committed) {
        (true, _) => "applied",
        (false, true) => "committed",
        (false, false) => "not committed",
    };
    let title = (!playing).then(|| {
        format!(
            "#{} {}{} \u{b7} {state}{}",
            cell.offset,
            record.full,
            if epochs {
                format!(" \u{b7} epoch {}", record.epoch)
            } else {
                String::new()
            },
            if record.differs {
                " \u{b7} another node holds a different record here"
            } else {
                ""
            }
        )
    });
    html! {
        <td class={classes!("cell", "record", epoch_class(epochs, record.epoch),
                if record.committed { "committed" } else { "pending" },
                record.applied.then_some("applied"), record.differs.then_some("differs"),
                cell.removed.is_some().then_some("replaced"))}
            data-offset={offset} {title}>
            if epochs {
                <span class="ep">{ format!("e{}", record.epoch) }</span>
            }
            if record.differs {
                <span class="differs-tag" aria-hidden="true">{"\u{2260}"}</span>
            }
            <span class={classes!("payload", record.starts_epoch.then_some("start"))}>
                { &record.payload }</span>
            <span class="visually-hidden">
                { format!(", {state}{}", if record.differs { ", differs" } else { "" }) }
            </span>
            { marks(cell) }
            { removed.unwrap_or_default() }
        </td>
    }
}

fn row_view(row: &Row, epochs: bool, playing: bool) -> Html {
    let id = row.id;
    let numbers = if row.runs_service {
        format!("commit {} \u{b7} applied {}", row.commit, row.applied)
    } else {
        format!("commit {}", row.commit)
    };
    html! {
        <tr key={id.to_string()} class={classes!("tape", (!row.up).then_some("down"))}
            data-testid={format!("tape-{id}")} data-end={row.end.to_string()}
            data-commit={row.commit.to_string()} data-applied={row.applied.to_string()}>
            <th scope="row">
                <span class="tape-id">{ id.to_string() }</span>
                <span class="tape-role">{ if row.up { row.role.to_string() } else { "down".to_owned() } }</span>
                <span class="tape-numbers">{ numbers }</span>
            </th>
            { for row.cells.iter().map(|cell| cell_view(cell, epochs, playing)) }
        </tr>
    }
}

fn legend(tapes: &Tapes, rows: &[Row]) -> Html {
    let epochs: BTreeSet<u64> = if tapes.epochs {
        crate::engine::sort::set_from(
            rows.iter()
                .flat_map(|r| r.cells.iter())
                .filter_map(|c| c.record.as_ref().map(|r| r.epoch)),
        )
    } else {
        BTreeSet::new()
    };
    let differs = rows.iter().any(|r| {
        r.cells
            .iter()
            .any(|c| c.record.as_ref().is_some_and(|r| r.differs))
    });
    let truncated = rows
        .iter()
        .any(|r| r.cells.iter().any(|c| c.removed.is_some()));
    html! {
        <ul class="tape-legend" aria-label="Legend">
            { for epochs.iter().map(|&e| html! {
                <li key={e}><span class={classes!("swatch-cell", epoch_class(true, e))}>
                    { format!("e{e}") }</span>{ format!("epoch {e}") }</li>
            }) }
            <li><span class="swatch-cell pending"></span>{"not committed"}</li>
            <li><span class="swatch-mark commit"></span>{"commit"}</li>
            <li><span class="swatch-mark applied"></span>{"applied"}</li>
            if differs {
                <li><span class="differs-tag">{"\u{2260}"}</span>{"another log differs"}</li>
            }
            if truncated {
                <li><del class="ghost">{"x"}</del>{"truncated this step"}</li>
            }
        </ul>
    }
}

#[function_component(LogTapes)]
pub fn log_tapes(props: &LogTapesProps) -> Html {
    let tapes = &props.tapes;
    // The last offset shown + 1; `None` follows the newest.
    let chosen = use_state(|| None::<u64>);
    let scroller = use_node_ref();
    // One column past the longest log: where the next record goes, and
    // where the marks of a fully committed log stand.
    let columns = tapes.end() + 1;
    // Columns that fit on screen, measured while paused; playing, the rest
    // would be scrolled out of view to the left, and at scale building and
    // laying out those hidden cells cost more than the visible ones.
    let in_view = use_mut_ref(|| None::<InView>);
    let (window, column_px) = match *in_view.borrow() {
        Some(fit) if props.playing => (fit.columns.clamp(1, WINDOW), fit.column_px),
        _ => (WINDOW, 0),
    };
    let end = chosen.map_or(columns, |e| e.clamp(WINDOW.min(columns), columns));
    let start = end.saturating_sub(window);
    let rows = tapes.rows(start, end);
    let table = use_node_ref();
    {
        // The columns not drawn while playing keep their room, as a margin
        // before the table, so the scrollbar keeps its size and place.
        // Set from code: the page's policy refuses `style` attributes.
        let hidden = columns.min(WINDOW).saturating_sub(window);
        let margin = i64::from(column_px) * hidden as i64;
        let table = table.clone();
        use_effect_with(margin, move |&margin| {
            if let Some(table) = table.cast::<HtmlElement>() {
                let style = table.style();
                let _ = if margin > 0 {
                    style.set_property("margin-left", &format!("{}px", margin - 8))
                } else {
                    style.remove_property("margin-left").map(|_| ())
                };
            }
        });
    }
    {
        // Keep the newest offsets in view when the window is wider than the screen.
        let scroller = scroller.clone();
        let (in_view, playing) = (in_view.clone(), props.playing);
        use_effect_with((start, end), move |_| {
            if let Some(element) = scroller.cast::<Element>() {
                element.set_scroll_left(element.scroll_width());
                if !playing {
                    *in_view.borrow_mut() = columns_in_view(&element);
                }
            }
        });
    }
    let oninput = {
        let chosen = chosen.clone();
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Ok(value) = value.parse::<u64>() {
                chosen.set((value < columns).then_some(value));
            }
        })
    };
    let range = format!("offsets {}\u{2013}{}", start, end.saturating_sub(1));
    html! {
        <>
            <div class="tapes-head">
                <h2 id="tapes-title">{"Logs"}</h2>
                { legend(tapes, &rows) }
                if columns > WINDOW {
                    <div class="log-window">
                        <label for="log-window">{"Log window"}</label>
                        <input type="range" id="log-window" min={WINDOW.to_string()}
                            max={columns.to_string()} step="1" value={end.to_string()}
                            aria-valuetext={range.clone()} {oninput} />
                        <span class="note">{ range }</span>
                    </div>
                }
            </div>
            <div class="tapes-scroll" ref={scroller}>
                <table class="tapes" ref={table}>
                    <caption class="visually-hidden">
                        {"Each node's log, one column per offset"}
                    </caption>
                    <thead>
                        <tr>
                            <th scope="col" class="corner">{"offset"}</th>
                            // Columns are not keyed by offset: while a run
                            // plays the window slides on every redraw, and a
                            // cell patched in place costs far less than one
                            // removed and another built.
                            { for (start..end).map(|o| html! {
                                <th scope="col" class="offset">{ o }</th>
                            }) }
                        </tr>
                    </thead>
                    <tbody>
                        { for rows.iter().map(|row| row_view(row, tapes.epochs, props.playing)) }
                    </tbody>
                </table>
            </div>
        </>
    }
}
