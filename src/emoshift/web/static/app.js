// emoshift page: pick a photo, type an instruction, submit, poll the job, show the results.
import { showHead } from "/static/viewer.js";

const $ = (id) => document.getElementById(id);
let sample = "astronaut";   // the chosen sample photo, or null when a file is uploaded
let config = { max_upload_mb: 10 };
// The CLI's option ranges (emoshift animate --fps/--seconds/--intensity/--seed), used unless the server
// sends its own in /api/config as {"ranges": {"fps": [lo, hi], ...}}; the server may cap seconds lower
// (config.max_seconds).
const CLI_RANGES = { fps: [1, 120], seconds: [0.5, 120], intensity: [0, 2], seed: [0, 2 ** 31 - 1] };

function applyRanges() {
  const ranges = { ...CLI_RANGES, ...(config.ranges || {}) };
  for (const [name, [lo, hi]] of Object.entries(ranges)) {
    const input = $(name);
    if (!input) continue;
    input.min = lo;
    input.max = name === "seconds" && config.max_seconds ? Math.min(hi, config.max_seconds) : hi;
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
    if (st.state === "done") return st;
    if (st.state === "error") throw new Error(st.error);
    if (st.state === "queued") setProgress(`Waiting in the queue (position ${(st.position ?? 0) + 1})`, 0);
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
  for (const k of ["video", "glb", "csv", "json"]) {
    const a = $(`dl-${k}`);
    a.hidden = !f[k];
    if (f[k]) a.href = f[k];
  }
  const s = st.summary || {};
  $("plan").textContent = s.anchors
    ? `Plan: ${s.anchors.join(" → ")} · ${s.frames} frames (${s.seconds.toFixed(1)} s) · planner: ${s.generator}`
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
  for (const k of ["seconds", "fps", "seed"]) {
    if (!$(k).checkValidity()) { showError(`${$(k).getAttribute("aria-label") || k}: ${$(k).validationMessage}`); return; }
  }
  $("go").disabled = true;
  setStatus("");
  setProgress("Sending", 0);
  try {
    const resp = await fetch("/api/jobs", { method: "POST", body: data });
    if (!resp.ok) throw new Error(await readError(resp));
    const job = await resp.json();
    const st = await poll(job.id);
    setProgress("Done", 100);
    showResults(st);
  } catch (e) {
    setProgress(null);
    showError(e.message || String(e));
  } finally {
    $("go").disabled = false;
  }
});

init();
