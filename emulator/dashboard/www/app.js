// Replays /replay.json: satellites on the map (ground tracks) and on the plane x slot grid,
// coloured by load; ISLs coloured by latency, hidden while down; the steals of each frame
// drawn from thief to victim. The slider picks the frame; ?frame=K starts there. During a
// live run (`emulate --dashboard`) /events announces each newer view and the page redraws.
"use strict";
const NS = "http://www.w3.org/2000/svg";
const el = (name, attrs, parent) => {
  const e = document.createElementNS(NS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
};
// 0..1 -> dark blue .. yellow (load); 0..1 -> green .. red (latency).
const mix = (stops, x) => {
  x = Math.max(0, Math.min(1, x)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x)), f = x - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
};
const LOAD = [[29, 43, 100], [47, 126, 188], [127, 211, 78], [249, 231, 33]];
const LATENCY = [[60, 186, 84], [244, 194, 13], [219, 50, 54]];

// Draws replay `r` from scratch (a live run's view grows); returns show(frame).
function render(r) {
  const n = r.satellites, frames = r.times.length;
  document.getElementById("count").textContent = n;
  document.getElementById("what").textContent = `${r.topology} (${r.links_model})`;
  document.body.dataset.satellites = n;
  const map = document.getElementById("map"), grid = document.getElementById("grid");
  map.replaceChildren();
  grid.replaceChildren();
  // The Earth under the ground tracks (north up, longitude -180 at the left edge).
  if (r.moves) {
    const earth = el("image", {class: "earth", href: "/earth.jpg", x: -180, y: -90, width: 360, height: 180,
                               preserveAspectRatio: "none"}, map);
    earth.addEventListener("error", () => earth.remove());  // a build without the map
  }
  for (let lon = -180; lon <= 180; lon += 30) el("line", {class: "graticule", x1: lon, y1: -90, x2: lon, y2: 90}, map);
  for (let lat = -90; lat <= 90; lat += 30) el("line", {class: "graticule", x1: -180, y1: lat, x2: 180, y2: lat}, map);
  const cols = r.per_plane, rows = r.planes, step = 20;
  grid.setAttribute("viewBox", `0 0 ${cols * step + step} ${rows * step + step}`);
  const gx = s => step + (s % cols) * step, gy = s => step + Math.floor(s / cols) * step;
  const mapIsl = [], gridIsl = [], mapSat = [], gridSat = [];
  for (const [a, b] of r.links) {
    mapIsl.push(r.moves ? el("line", {class: "isl"}, map) : null);
    gridIsl.push(el("line", {class: "isl", x1: gx(a), y1: gy(a), x2: gx(b), y2: gy(b)}, grid));
  }
  // A loop, not Math.max(...all): Starlink's 60 frames x 3,168 ISLs overflow the call stack.
  let maxLatency = 1e-9;
  for (const frame of r.link_latency_ms) for (const ms of frame) maxLatency = Math.max(maxLatency, ms);
  const mapSteals = el("g", {}, map), gridSteals = el("g", {}, grid);
  for (let s = 0; s < n; ++s) {
    if (r.moves) mapSat.push(el("circle", {class: "sat", r: 1.2, "data-id": s}, map));
    const c = el("circle", {class: "sat-grid", r: step * 0.35, cx: gx(s), cy: gy(s), "data-id": s}, grid);
    el("title", {}, c).textContent = `sat ${s}: plane ${Math.floor(s / cols)}, slot ${s % cols}`;
    gridSat.push(c);
  }
  if (!r.moves) el("text", {x: 0, y: 0, "text-anchor": "middle", fill: "#9aa6c8", "font-size": 8}, map).textContent =
      "abstract topology: no orbits";
  document.getElementById("time").max = frames - 1;

  function show(f) {
    const lat = r.lat[f], lon = r.lon[f], up = r.link_up[f], ms = r.link_latency_ms[f], load = r.load[f];
    r.links.forEach(([a, b], l) => {
      const colour = mix(LATENCY, ms[l] / maxLatency), vis = up[l] ? "visible" : "hidden";
      gridIsl[l].setAttribute("stroke", colour);
      gridIsl[l].setAttribute("visibility", vis);
      const m = mapIsl[l];
      if (!m) return;
      // A link across the map's edge is drawn only where it does not wrap.
      const wraps = Math.abs(lon[a] - lon[b]) > 180;
      m.setAttribute("x1", lon[a]); m.setAttribute("y1", -lat[a]);
      m.setAttribute("x2", lon[b]); m.setAttribute("y2", -lat[b]);
      m.setAttribute("stroke", colour);
      m.setAttribute("visibility", up[l] && !wraps ? "visible" : "hidden");
    });
    for (let s = 0; s < n; ++s) {
      const colour = mix(LOAD, load[s]);
      gridSat[s].setAttribute("fill", colour);
      if (mapSat[s]) {
        mapSat[s].setAttribute("cx", lon[s]);
        mapSat[s].setAttribute("cy", -lat[s]);
        mapSat[s].setAttribute("fill", colour);
      }
    }
    mapSteals.replaceChildren();
    gridSteals.replaceChildren();
    const t0 = f * r.frame_s, t1 = t0 + r.frame_s;
    let count = 0;
    for (const [t, thief, victim] of r.steals) {
      if (t < t0 || t >= t1) continue;
      ++count;
      el("line", {class: "steal", x1: gx(thief), y1: gy(thief), x2: gx(victim), y2: gy(victim)}, gridSteals);
      if (r.moves && Math.abs(lon[thief] - lon[victim]) <= 180)
        el("line", {class: "steal", x1: lon[thief], y1: -lat[thief], x2: lon[victim], y2: -lat[victim]}, mapSteals);
    }
    document.getElementById("steals").textContent = count;
    document.getElementById("clock").textContent = `t = ${r.times[f].toFixed(3)} s of ${r.end_s.toFixed(3)} s`;
    document.body.dataset.frame = f;
  }
  return show;
}

async function main() {
  const slider = document.getElementById("time");
  const first = await (await fetch("/replay.json")).json();
  let show = render(first), moved = false;
  slider.addEventListener("input", e => {
    moved = moved || e.isTrusted;  // by the user, not by Play or ?frame
    show(Number(slider.value));
  });
  let timer = null;
  document.getElementById("play").addEventListener("click", () => {
    if (timer) { clearInterval(timer); timer = null; return; }
    timer = setInterval(() => {
      slider.value = (Number(slider.value) + 1) % (Number(slider.max) + 1);
      slider.dispatchEvent(new Event("input"));
    }, 150);
  });
  show(0);
  // ?frame=K moves the slider there, as a user would.
  const start = Number(new URLSearchParams(location.search).get("frame"));
  if (start > 0 && start <= Number(slider.max)) {
    slider.value = start;
    slider.dispatchEvent(new Event("input"));
  }
  document.body.dataset.ready = "1";
  // A live run (emulate --dashboard): each event says a newer view is there. The slider
  // follows the run's present unless it was moved back.
  if (!first.live) return;
  document.body.dataset.live = "running";
  document.body.dataset.updates = "0";
  const events = new EventSource("/events");
  events.onmessage = async () => {
    const following = !moved || Number(slider.value) === Number(slider.max);
    const r = await (await fetch("/replay.json")).json();
    show = render(r);
    const f = following ? r.times.length - 1 : Math.min(Number(slider.value), r.times.length - 1);
    slider.value = f;
    show(f);
    document.body.dataset.updates = String(Number(document.body.dataset.updates) + 1);
  };
  const over = () => { events.close(); document.body.dataset.live = "over"; };
  events.addEventListener("end", over);
  events.onerror = over;  // the run's launcher is gone: its last view stays
}
main().catch(e => { document.body.dataset.ready = "error"; document.body.append(String(e)); });
