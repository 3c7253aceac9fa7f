// The course pages' only script (served from /static/course.js; the pages allow no other): deadline
// countdowns, the upload (drag and drop, progress, the answer), and a hand-in's status while it is graded.
"use strict";

function span(seconds) {
  if (seconds <= 0) return "now";
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  return m ? `${m} min` : `${Math.floor(seconds)} s`;
}

function countdowns() {
  const started = Date.now();
  const nodes = document.querySelectorAll("[data-countdown]");
  const tick = () => nodes.forEach((node) => {
    const left = Number(node.dataset.countdown) - (Date.now() - started) / 1000;
    node.textContent = left > 0 ? `due in ${span(left)}` : "the due date has passed: reload the page";
  });
  if (nodes.length) { tick(); setInterval(tick, 1000); }
}

function upload() {
  const form = document.getElementById("upload");
  if (!form) return;
  const input = document.getElementById("file"), drop = document.getElementById("drop");
  const status = document.getElementById("status"), bar = document.getElementById("bar");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  ["dragenter", "dragover"].forEach((e) => drop.addEventListener(e, (ev) => { ev.preventDefault(); drop.classList.add("over"); }));
  ["dragleave", "drop"].forEach((e) => drop.addEventListener(e, () => drop.classList.remove("over")));
  drop.addEventListener("drop", (ev) => {
    ev.preventDefault();
    if (ev.dataTransfer.files.length) { input.files = ev.dataTransfer.files; status.textContent = `${input.files[0].name}: ready`; }
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const file = input.files[0];
    if (!file) { status.textContent = "choose a file first"; return; }
    const request = new XMLHttpRequest();
    request.open("POST", form.dataset.url);
    request.setRequestHeader("X-Filename", encodeURIComponent(file.name));
    request.setRequestHeader("X-CSRF-Token", csrf);
    request.setRequestHeader("Accept", "application/json");
    request.upload.onprogress = (e) => { if (e.lengthComputable) bar.style.width = `${100 * e.loaded / e.total}%`; };
    request.onload = () => {
      let answer = {};
      try { answer = JSON.parse(request.responseText); } catch (e) { answer = { message: request.statusText }; }
      if (request.status === 202) { status.textContent = "handed in"; window.location = answer.url; return; }
      status.textContent = `refused: ${answer.message || request.status}`;
      form.querySelector("button").disabled = false;
    };
    request.onerror = () => { status.textContent = "the server could not be reached: try again"; form.querySelector("button").disabled = false; };
    form.querySelector("button").disabled = true;
    status.textContent = `handing in ${file.name}…`;
    request.send(file);
  });
}

function follow() {
  const node = document.getElementById("handin");
  if (!node || !["queued", "grading"].includes(node.dataset.status)) return;
  const state = document.getElementById("state");
  const poll = async () => {
    try {
      const answer = await (await fetch(node.dataset.poll, { headers: { Accept: "application/json" } })).json();
      if (answer.status !== node.dataset.status && !["queued", "grading"].includes(answer.status)) { window.location.reload(); return; }
      node.dataset.status = answer.status;
      const queue = answer.queue;
      state.textContent = answer.status + (queue ? `: ${queue.ahead} ahead of it, about ${span(queue.estimate_seconds)}` : "");
    } catch (e) { /* the next poll tries again */ }
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 1500);
}

document.addEventListener("DOMContentLoaded", () => { countdowns(); upload(); follow(); });
