/**
 * The page's one style sheet, inlined in both the page and the report (a report must be one file).
 * System fonts only: nothing is fetched. Narrow windows get one column.
 */
export const PAGE_CSS = `
:root { --ink: #1d2330; --muted: #5b6475; --line: #dde1e8; --bg: #f5f6f8; --card: #fff; --accent: #1f4e8c;
  --ok: #1b7a3d; --warn: #9a5b00; --bad: #b00020; color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  color: var(--ink); background: var(--bg); }
header { background: var(--card); border-bottom: 1px solid var(--line); padding: 14px 24px 12px; }
h1 { margin: 0; font-size: 1.35rem; letter-spacing: .01em; }
.subtitle { margin: 2px 0 10px; color: var(--muted); font-size: .9rem; }
h2 { font-size: 1.05rem; margin: 0 0 10px; }
h3 { font-size: .9rem; margin: 0; display: flex; justify-content: space-between; gap: 8px; }
main { padding: 18px 24px 8px; max-width: 1320px; margin: 0 auto; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin-bottom: 18px; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #0a66d8; outline-offset: 2px; }
.picker { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.picker select, .picker button, .step { font: inherit; font-size: .9rem; padding: 5px 10px; border: 1px solid #b9c0cc;
  border-radius: 6px; background: #fff; color: var(--ink); text-decoration: none; }
.picker select { max-width: 100%; }
.step:hover, .picker button:hover { background: #eef2f8; }
.step.disabled { color: #9aa2b1; border-style: dashed; }
.overview { display: grid; grid-template-columns: minmax(0, 3fr) minmax(280px, 2fr); gap: 20px; align-items: start; }
.map-panel { position: relative; }
svg.map { width: 100%; height: auto; max-height: 74vh; display: block; }
.region path { stroke: #fff; stroke-width: 1; stroke-linejoin: round; transition: opacity .1s; }
.region .hatch { pointer-events: none; }
.region:hover path, .region:focus path { stroke: var(--ink); stroke-width: 2.2; }
.region:focus { outline: none; }
.region:focus-visible path { stroke: #0a66d8; stroke-width: 3; }
.labels text { font-size: 12px; font-weight: 600; text-anchor: middle; dominant-baseline: middle; fill: #1d2330;
  paint-order: stroke; stroke: rgba(255,255,255,.85); stroke-width: 3px; pointer-events: none; }
.labels text.on-dark { fill: #fff; stroke: rgba(60,0,10,.55); }
.scripted .picker button.show { display: none; }
.picker label { font-weight: 600; font-size: .9rem; }
.legend { margin: 4px 0 0; max-width: 360px; }
.legend svg { width: 100%; height: auto; display: block; }
.legend text { font-size: 11px; text-anchor: middle; fill: var(--ink); }
.legend .ticks line { stroke: #555; }
.legend figcaption { font-size: .82rem; color: var(--muted); }
.swatch.no-data { display: inline-block; width: 14px; height: 10px; vertical-align: -1px; border: 1px solid #8c8c8c;
  background: repeating-linear-gradient(45deg, #d9d9d9 0 2px, #8c8c8c 2px 3px); }
.banner { margin: 0 0 8px; padding: 7px 10px; border-radius: 6px; font-size: .9rem; background: #eef3ea; border: 1px solid #cfe0c6; }
.banner.failed { background: #fdecee; border-color: #f3b7bf; color: #6d0012; }
.banner.incomplete, .banner.running { background: #fff6e0; border-color: #f0d59a; }
.banner.empty, .banner.none { background: #f0f1f4; border-color: var(--line); }
.status { font-weight: 600; white-space: nowrap; }
.status.succeeded { color: var(--ok); } .status.failed { color: var(--bad); }
.status.incomplete, .status.running { color: var(--warn); } .status.none { color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: .88rem; }
caption { text-align: left; color: var(--muted); font-size: .82rem; padding-bottom: 6px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-weight: 600; color: var(--muted); font-size: .8rem; border-bottom: 2px solid var(--line); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.regions-table th[scope=row] a { color: var(--ink); text-decoration: none; }
.regions-table tr.active { background: #eef3fb; }
/* Wide values (a cold night's "−10.25 °C" in two columns) scroll inside the panel, never the page. */
.table-panel { overflow-x: auto; }
.scroll { overflow-x: auto; }
.reasons { margin: 2px 0 0; padding: 0; list-style: none; font-size: .8rem; color: var(--muted); }
.warnings p { margin: 0; font-size: .82rem; max-width: 42ch; overflow-wrap: anywhere; }
code.raw { font-size: .78rem; overflow-wrap: anywhere; }
tr.run.failed td:first-child { box-shadow: inset 3px 0 var(--bad); }
.series-key { font-size: .85rem; color: var(--muted); margin: -4px 0 10px; }
.key { display: inline-block; width: 22px; height: 0; border-top: 2.5px solid #b3001b; vertical-align: middle; }
.key.before { border-top: 2px dashed #6b7a99; margin-left: 12px; }
.series-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(240px, 100%), 1fr)); gap: 12px; }
.series-card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px 4px; }
.series-card:target, .series-card.active { border-color: var(--accent); box-shadow: 0 0 0 2px #c9d8ef; }
.series-card .value { white-space: nowrap; font-weight: 500; color: var(--muted); font-variant-numeric: tabular-nums; }
.series-card svg { width: 100%; height: auto; display: block; }
.series-card .note { margin: 0; font-size: .75rem; color: var(--muted); }
.series-card .grid line { stroke: #eceff3; } .series-card .grid text, .series-card .axis { font-size: 9px; fill: #8a93a3; }
.series-card .grid text { text-anchor: end; } .series-card .axis.end { text-anchor: end; }
.series-card path { fill: none; } .series-card .temp { stroke: #b3001b; stroke-width: 1.8; }
.series-card .before { stroke: #6b7a99; stroke-width: 1.2; stroke-dasharray: 3 2; }
.series-card .dots circle { fill: #b3001b; } .series-card .now-rule { stroke: #c5ccd8; stroke-dasharray: 2 2; }
.tooltip { position: absolute; z-index: 2; pointer-events: none; background: #1d2330; color: #fff; padding: 7px 10px;
  border-radius: 6px; font-size: .85rem; box-shadow: 0 4px 14px rgba(0,0,0,.2); max-width: 260px; }
.tooltip strong { display: block; font-size: .92rem; }
footer { color: var(--muted); font-size: .78rem; padding: 0 24px 24px; max-width: 1320px; margin: 0 auto; }
@media (max-width: 820px) {
  header, main { padding-left: 12px; padding-right: 12px; }
  .overview { grid-template-columns: minmax(0, 1fr); }
  section { padding: 12px; }
  th, td { padding: 5px 4px; }
}
@media print { header .picker { display: none; } section { break-inside: avoid; } }
`;
