"""The page's stylesheet and script, served from the package (no CDN, no build step).

Plain CSS and about a hundred lines of vanilla JavaScript: forms post JSON to the server,
and each view polls its state every POLL_MS, replacing only the regions that changed (so
a team's half-filled form is never wiped by a refresh).
"""

POLL_MS = 1000

CSS = """
*, *::before, *::after { box-sizing: border-box; }
html { font-size: 17px; }
body { margin: 0; font-family: system-ui, "DejaVu Sans", sans-serif; color: #1b1b1b;
  background: #f3f4f6; line-height: 1.4; overflow-wrap: break-word; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.3rem 1.2rem;
  padding: 0.7rem 1rem; background: #1f3a5f; color: #fff; }
header h1 { font-size: 1.25rem; margin: 0; }
header .role { font-size: 1.05rem; opacity: 0.95; }
header .code { margin-left: auto; white-space: nowrap; font-size: 1.1rem; letter-spacing: 0.08em; }
main { padding: 1rem; max-width: 100%; }
.grid { display: grid;
  grid-template-columns: repeat(auto-fill, minmax(min(460px, 100%), 1fr));
  gap: 1rem; align-items: start; }
.panel { background: #fff; border: 1px solid #cfd4dc; border-radius: 8px; padding: 0.8rem 0.9rem;
  min-width: 0; }
.panel.wide { grid-column: 1 / -1; }
.panel h2 { font-size: 1.1rem; margin: 0 0 0.5rem 0; }
.panel h3 { font-size: 1rem; margin: 0.7rem 0 0.3rem 0; }
p { margin: 0.35rem 0; }
.muted { color: #555; }
.flash { position: fixed; right: 1rem; bottom: 1rem; z-index: 5; margin: 0; max-width: 32rem;
  padding: 0.6rem 1rem; background: #fff4d6; border: 2px solid #c8671b; border-radius: 8px;
  box-shadow: 0 2px 8px rgba(0, 0, 0, 0.2); }
.flash:empty { display: none; }
.flash.ok { background: #e6f4ea; border-color: #2e7d32; }
button, .button { font: inherit; font-size: 1rem; padding: 0.45rem 0.8rem; border-radius: 6px;
  border: 1px solid #1f3a5f; background: #1f3a5f; color: #fff; cursor: pointer;
  text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: #1f3a5f; }
button:disabled { opacity: 0.45; cursor: not-allowed; }
.buttons { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0.5rem 0; }
.cards { display: grid;
  grid-template-columns: repeat(auto-fill, minmax(min(190px, 100%), 1fr));
  gap: 0.5rem; }
.cards form { display: flex; flex-direction: column; gap: 0.25rem; border: 1px solid #e0e3e8;
  border-radius: 6px; padding: 0.5rem; }
.cards .meaning { font-size: 0.9rem; color: #444; }
select, input[type=text], input[type=number] { font: inherit; padding: 0.35rem; max-width: 100%; }
.lever { border-top: 1px solid #eceef1; padding: 0.45rem 0; }
.lever label { font-weight: 600; display: block; }
.lever .meaning { font-size: 0.9rem; color: #444; }
.lever .row { display: flex; align-items: center; gap: 0.6rem; }
.lever input[type=range] { flex: 1; min-width: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.25rem 0.4rem; border-bottom: 1px solid #eceef1;
  vertical-align: top; }
.chart { display: block; width: 100%; height: auto; }
.choices { display: flex; flex-wrap: wrap; gap: 0.4rem; }
.choices label { border: 1px solid #cfd4dc; border-radius: 6px; padding: 0.35rem 0.55rem;
  cursor: pointer; }
.choices input { margin-right: 0.3rem; }
.big-code { font-size: 2.4rem; font-weight: 700; letter-spacing: 0.15em; }
.statement { font-size: 1.15rem; font-weight: 600; }
.ok { color: #2e7d32; } .warn { color: #b3261e; }
.rolecard h2 { font-size: 1.1rem; } .rolecard h3 { font-size: 1rem; }
.rolecard ul { padding-left: 1.2rem; margin: 0.2rem 0; }
@media (min-width: 1400px) {
  body:not(.projector) #r-timeline { grid-column: span 2; }
}
/* the projector: read from the back of a room */
body.projector { font-size: 1.45rem; background: #fff; }
body.projector .panel { border: none; }
body.projector .panel h2 { font-size: 1.6rem; }
body.projector .statement { font-size: 2.1rem; line-height: 1.25; }
body.projector .blocks { font-size: 1.7rem; }
body.projector li { margin: 0.3rem 0; }
body.projector .grid { grid-template-columns: repeat(auto-fill, minmax(min(470px, 100%), 1fr)); }
@media (min-width: 1400px) {
  body.projector .grid { grid-template-columns: 2fr 1fr; }
  body.projector #r-timeline { grid-column: 1; }
}
"""

JS = """
"use strict";
const flash = document.getElementById("flash");
const stateUrl = document.body.dataset.state;
let version = "";

let hide = null;
function say(text, good) {
  flash.textContent = text || "";
  flash.className = good ? "flash ok" : "flash";
  clearTimeout(hide);
  hide = setTimeout(() => { flash.textContent = ""; }, good ? 5000 : 9000);
}

const shown = {};
function apply(regions) {
  // Compare with the markup last applied, not innerHTML: a browser re-serialises SVG,
  // so innerHTML never equals the server's markup and every poll would redraw.
  for (const [id, markup] of Object.entries(regions || {})) {
    const el = document.getElementById(id);
    if (el && shown[id] !== markup) { el.innerHTML = markup; shown[id] = markup; }
  }
}

async function refresh() {
  if (!stateUrl) return;
  try {
    const r = await fetch(stateUrl + (stateUrl.includes("?") ? "&" : "?") + "v=" +
      encodeURIComponent(version), {cache: "no-store", credentials: "same-origin"});
    if (r.status === 204) return;
    if (r.status === 401 || r.status === 403) { location.reload(); return; }
    if (!r.ok) return;
    const data = await r.json();
    version = data.version;
    apply(data.regions);
  } catch (e) { /* the server is restarting: try again at the next tick */ }
}

async function post(url, body) {
  const r = await fetch(url, {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  let data = {};
  try { data = await r.json(); } catch (e) { data = {message: "the server did not answer"}; }
  if (!r.ok) { say(data.message || ("error " + r.status), false); return; }
  if (data.redirect) { location.assign(data.redirect); return; }
  say(data.message || "", true);
  if (data.regions) apply(data.regions);
  version = "";
  await refresh();
}

function submit(form, submitter) {
  const body = {};
  for (const [k, v] of new FormData(form, submitter)) body[k] = v;
  post(form.dataset.post, body);
}

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-post]");
  if (!form) return;
  event.preventDefault();
  submit(form, event.submitter);
});

document.addEventListener("input", (event) => {
  const input = event.target;
  if (input.type === "range") {
    const out = input.form && input.form.querySelector("output");
    if (out) out.textContent = Number(input.value).toFixed(2);
  }
});

document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form) submit(form, null);
});

refresh();
setInterval(refresh, POLL_MS);
"""


def script() -> str:
    """The script with the poll interval filled in."""
    return JS.replace("POLL_MS", str(POLL_MS))
