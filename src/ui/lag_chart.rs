//! A subscriber's lag over the run as a small SVG chart: how many records
//! of the source log it had not read yet, step by step. Drawn from the
//! engine's history (no charting library); the axes are HTML so the text
//! stays readable at any width.

use super::view::LagSeries;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LagChartProps {
    pub series: LagSeries,
    /// The last step of the run so far: the right edge.
    pub until: u64,
    /// The top of the scale, shared by every chart so they compare.
    pub top: u64,
}

const WIDTH: f64 = 300.0;
const HEIGHT: f64 = 60.0;

/// The curve as a step function (lag holds until it changes) and the
/// area under it, in SVG `points` syntax.
fn path(points: &[(u64, u64)], until: u64, top: u64) -> (String, String) {
    let x = |step: u64| WIDTH * step as f64 / until.max(1) as f64;
    let y = |lag: u64| HEIGHT - HEIGHT * lag as f64 / top.max(1) as f64;
    let mut coords: Vec<(f64, f64)> = Vec::new();
    for (i, &(step, lag)) in points.iter().enumerate() {
        if i > 0 {
            coords.push((x(step), y(points[i - 1].1)));
        }
        coords.push((x(step), y(lag)));
    }
    if let [(_, lag)] = points {
        coords.push((WIDTH, y(*lag)));
    }
    let line = coords
        .iter()
        .map(|(a, b)| format!("{a:.1},{b:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    let first = coords.first().map_or(0.0, |c| c.0);
    let last = coords.last().map_or(0.0, |c| c.0);
    let area = format!("{first:.1},{HEIGHT} {line} {last:.1},{HEIGHT}");
    (line, area)
}

#[function_component(LagChart)]
pub fn lag_chart(props: &LagChartProps) -> Html {
    let series = &props.series;
    let now = series.points.last().map_or(0, |p| p.1);
    let most = series.points.iter().map(|p| p.1).max().unwrap_or(0);
    let (line, area) = path(&series.points, props.until, props.top);
    let label = format!(
        "Lag of {} over steps 0 to {}: now {now}, at most {most}",
        series.name, props.until
    );
    html! {
        <figure class="lag-chart" data-testid={format!("lag-chart-{}", series.name)}>
            <figcaption>
                {"Lag over time "}<span class="note">{ format!("(top of scale: {})", props.top.max(1)) }</span>
            </figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {HEIGHT}")} preserveAspectRatio="none"
                role="img" aria-label={label}>
                <line class="axis" x1="0" y1={HEIGHT.to_string()} x2={WIDTH.to_string()}
                    y2={HEIGHT.to_string()} vector-effect="non-scaling-stroke" />
                <polygon class="area" points={area} />
                <polyline class="lag" points={line} data-points={series.points.len().to_string()}
                    vector-effect="non-scaling-stroke" />
            </svg>
            <div class="axis-labels" aria-hidden="true">
                <span>{"step 0"}</span><span>{ format!("step {}", props.until) }</span>
            </div>
        </figure>
    }
}
