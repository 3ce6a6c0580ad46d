// emoshift page: pick a photo, type an instruction, submit, poll the job, show the results.
import { showHead } from "/static/viewer.js";

const $ = (id) => document.getElementById(id);
let sample = "astronaut";   // the chosen sample photo, or null when a file is uploaded
let config = { max_upload_mb: 10 };
let jobId = null;           // the job queued or running, while the page follows it

// The server's option ranges ({"ranges": {"fps": [lo, hi], ...}} in /api/config: the CLI's, seconds capped
// at the server's max_seconds); the page's own min/max attributes hold until they arrive.
function applyRanges() {
  for (const [name, [lo, hi]] of Object.entries(config.ranges || {})) {
    const input = $(name);
    if (!input) continue;
    input.min = lo;
    input.max = hi;
  }
  $("seconds").title = `empty: automatic (1 s per change plus holds); ${$("seconds").min}-${$("seconds").max} s`;
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

function setStatus(text) { $("status").textContent = text; }

function setProgress(stage, percent) {
  $("progress").hidden = stage === null;
  if (stage === null) return;
  $("progress-bar").value = percent;
  $("progress-text").textContent = `${stage} · ${Math.round(percent)}%`;
}

function chooseSample(name, url) {
  sample = name;
  $("photo").value = "";
  $("preview").src = url;
  document.querySelectorAll(".samples button").forEach((b) => b.classList.toggle("chosen", b.dataset.name === name));
}

async function init() {
  try {
    config = await (await fetch("/api/config")).json();
  } catch (e) {
    showError("Cannot reach the emoshift server: is `emoshift serve` still running?");
    return;
  }
  $("retention").textContent = config.retention_minutes;
  $("maxmb").textContent = config.max_upload_mb;
  applyRanges();
  for (const s of config.samples) {
    const b = document.createElement("button");
    b.type = "button"; b.dataset.name = s.name; b.title = s.about;
    b.innerHTML = `<img src="${s.url}" alt="${s.name}"><span>${s.name.replace("_", " ")}</span>`;
    b.addEventListener("click", () => chooseSample(s.name, s.url));
    $("samples").appendChild(b);
  }
  chooseSample(config.samples[0].name, config.samples[0].url);
  for (const text of config.examples) {
    const c = document.createElement("button");
    c.type = "button"; c.className = "chip"; c.textContent = text;
    c.addEventListener("click", () => { $("instruction").value = text; });
    $("examples").appendChild(c);
  }
}

$("photo").addEventListener("change", () => {
  const f = $("photo").files[0];
  if (!f) return;
  showError("");
  if (f.size > config.max_upload_mb * 1024 * 1024) {
    showError(`This photo is ${(f.size / 1048576).toFixed(1)} MB; the limit is ${config.max_upload_mb} MB.`);
    $("photo").value = "";
    return;
  }
  sample = null;
  $("preview").src = URL.createObjectURL(f);
  document.querySelectorAll(".samples button").forEach((b) => b.classList.remove("chosen"));
});

$("intensity").addEventListener("input", () => {
  $("intensity-value").textContent = Number($("intensity").value).toFixed(2);
});

async function readError(resp) {
  try { return (await resp.json()).error || resp.statusText; } catch (e) { return `${resp.status} ${resp.statusText}`; }
}

async function poll(id) {
  for (;;) {
    const resp = await fetch(`/api/jobs/${id}`);
    if (!resp.ok) throw new Error(await readError(resp));
    const st = await resp.json();
    if (st.state === "done" || st.state === "cancelled") return st;
    if (st.state === "error") throw new Error(st.error);
    if (st.state === "cancelling") setProgress("Cancelling", st.progress?.percent ?? 0);
    else if (st.state === "queued") setProgress(`Waiting in the queue (position ${(st.position ?? 0) + 1})`, 0);
    else setProgress(st.progress?.stage || "Starting", st.progress?.percent ?? 0);
    await new Promise((r) => setTimeout(r, 700));
  }
}

function showResults(st) {
  const f = st.files;
  const bust = `?t=${Date.now()}`;
  $("results").hidden = false;
  if (f.video) { $("video").src = f.video + bust; $("video").play().catch(() => {}); }
  $("overlay").hidden = !f.overlay;
  if (f.overlay) $("overlay").src = f.overlay + bust;
  for (const k of ["video", "glb", "csv", "json", "overlay"]) {
    const a = $(`dl-${k}`);
    a.hidden = !f[k];
    if (f[k]) a.href = f[k];
  }
  const s = st.summary || {};
  $("plan").textContent = s.anchors
    ? `Plan: ${s.anchors.join(" → ")} · ${s.frames} frames (${s.seconds.toFixed(1)} s) · planner: ${s.generator}` +
      (s.read_as && s.read_as.length ? ` · read ${s.read_as.map(([a, b]) => `'${a}' as '${b}'`).join(", ")}` : "")
    : "";
  if (f.glb) showHead($("viewer"), f.glb + bust, f.video ? $("video") : null);
  $("results").scrollIntoView({ block: "start" });
}

$("form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  showError("");
  const data = new FormData();
  data.append("instruction", $("instruction").value);
  const file = $("photo").files[0];
  if (file) data.append("photo", file); else if (sample) data.append("sample", sample);
  for (const k of ["seconds", "fps", "timing", "intensity", "seed"]) data.append(k, $(k).value);
  data.append("neutral", $("neutral").checked ? "true" : "false");
  data.append("crop", $("crop").checked ? "face" : "none");
  for (const k of ["seconds", "fps", "seed"]) {
    if (!$(k).checkValidity()) { showError(`${$(k).getAttribute("aria-label") || k}: ${$(k).validationMessage}`); return; }
  }
  $("go").disabled = true;
  setStatus("");
  setProgress("Sending", 0);
  try {
    const resp = await fetch("/api/jobs", { method: "POST", body: data });
    if (!resp.ok) throw new Error(await readError(resp));
    jobId = (await resp.json()).id;
    $("cancel").hidden = false;
    $("cancel").disabled = false;
    const st = await poll(jobId);
    if (st.state === "cancelled") {
      setProgress(null);
      setStatus("Cancelled: nothing was kept.");
      return;
    }
    setProgress("Done", 100);
    showResults(st);
  } catch (e) {
    setProgress(null);
    showError(e.message || String(e));
  } finally {
    jobId = null;
    $("cancel").hidden = true;
    $("go").disabled = false;
  }
});

$("cancel").addEventListener("click", async () => {
  if (!jobId) return;
  $("cancel").disabled = true;   // the poll sees "cancelling", then "cancelled"
  const resp = await fetch(`/api/jobs/${jobId}`, { method: "DELETE" });
  if (!resp.ok && resp.status !== 404 && resp.status !== 409) showError(await readError(resp));  // 409: it just ended
});

init();
