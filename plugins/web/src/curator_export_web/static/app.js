// The export page: loads what can be chosen, starts a batch, follows its events.
// Everything shown comes from the server as text and is set with textContent, never as HTML.
"use strict";

const $ = (selector) => document.querySelector(selector);
const selected = new Set(); // session ids, kept while the list is filtered
let source = null; // the EventSource of the running batch
let batchId = null;

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function option(select, value, label) {
  select.append(element("option", { value }, label));
}

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

function checkbox(list, name, value, label, detail, checked) {
  const id = `${name}-${value}`.replace(/[^A-Za-z0-9_-]/g, "_");
  const item = element("li");
  const input = element("input", { type: "checkbox", id, name, value });
  input.checked = checked;
  // The label is the name alone; the detail is its description (read after it), shown
  // under the name.
  const text = element("div", { class: "choice" });
  text.append(element("label", { for: id }, label));
  if (detail) {
    input.setAttribute("aria-describedby", `${id}-detail`);
    text.append(element("span", { class: "detail", id: `${id}-detail` }, detail));
  }
  item.append(input, text);
  list.append(item);
  return input;
}

async function loadCatalog() {
  const catalog = await getJSON("/api/formats");
  const formats = $("#format-list");
  for (const format of catalog.formats) {
    checkbox(formats, "format", format.name, format.name, format.description, false);
  }
  for (const name of catalog.templates) option($("#template"), name, name);
  for (const strategy of catalog.namingStrategies) {
    const choice = element("option", { value: strategy.name }, strategy.name);
    choice.dataset.pattern = strategy.takesPattern ? "yes" : "";
    if (strategy.description) choice.title = strategy.description;
    $("#naming").append(choice);
  }
  $("#naming").value = "session";
  for (const audience of catalog.audiences) option($("#audience"), audience, audience);
  $("#audience").value = "instructor";
  for (const type of catalog.contentTypes) option($("#content-type"), type, type.replace("_", " "));
  for (const name of catalog.brandFiles) option($("#brand-file"), name, name);
}

async function loadSessions() {
  const query = new URLSearchParams();
  if ($("#search").value.trim()) query.set("q", $("#search").value.trim());
  if ($("#course").value) query.set("course", $("#course").value);
  if ($("#content-type").value) query.set("contentType", $("#content-type").value);
  const data = await getJSON(`/api/sessions?${query}`);
  const courses = $("#course");
  if (courses.options.length === 1) {
    for (const course of data.courses) option(courses, course.id, course.title || course.id);
  }
  const list = $("#session-list");
  list.replaceChildren();
  for (const session of data.sessions) {
    const detail = [session.id, session.courseTitle, session.contentTypes.join(", ")]
      .filter(Boolean)
      .join(" · ");
    const input = checkbox(list, "session", session.id, session.title, detail, selected.has(session.id));
    input.closest("li").append(previewLink(session));
    input.addEventListener("change", () => {
      if (input.checked) selected.add(session.id);
      else selected.delete(session.id);
      showCount(data);
    });
  }
  showCount(data);
}

// A preview opens in a new tab: the session as the HTML export will show it, for the
// audience and template chosen below (kept current when they change).
function previewHref(sessionId) {
  const query = new URLSearchParams({ audience: $("#audience").value || "instructor" });
  if ($("#template").value) query.set("template", $("#template").value);
  return `/api/sessions/${encodeURIComponent(sessionId)}/preview?${query}`;
}

function previewLink(session) {
  const link = element("a", { class: "preview", href: previewHref(session.id), target: "_blank", rel: "noopener" }, "Preview");
  link.dataset.session = session.id;
  // The accessible name starts with the visible word and names the session and the new tab.
  link.append(element("span", { class: "visually-hidden" }, ` ${session.title} (opens in a new tab)`));
  return link;
}

function updatePreviewLinks() {
  for (const link of document.querySelectorAll("a.preview")) link.href = previewHref(link.dataset.session);
}

function showCount(data) {
  $("#session-count").textContent =
    `${data.sessions.length} of ${data.total} sessions shown, ${selected.size} selected.`;
}

function debounce(action, delay) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(action, delay);
  };
}

function showErrors(messages) {
  const box = $("#form-errors");
  box.replaceChildren();
  if (!messages.length) {
    box.hidden = true;
    return;
  }
  box.append(element("p", {}, "The export could not start:"));
  const list = element("ul");
  for (const message of messages) list.append(element("li", {}, message));
  box.append(list);
  box.hidden = false;
  box.focus();
}

async function brandFile() {
  const upload = $("#brand-upload").files[0];
  if (upload) return { name: upload.name, content: await upload.text() };
  return $("#brand-file").value || null;
}

async function buildJob() {
  const job = {
    jobId: "web-export",
    sessionIds: [...selected],
    formats: [...document.querySelectorAll("input[name=format]:checked")].map((i) => i.value),
    audience: $("#audience").value,
    mergeSessions: $("#merge").checked,
  };
  const naming = $("#naming");
  const strategy = naming.value;
  if (naming.selectedOptions[0] && naming.selectedOptions[0].dataset.pattern) {
    job.namingStrategy = { [strategy]: $("#pattern").value };
  } else if (strategy) {
    job.namingStrategy = strategy;
  }
  if ($("#template").value) job.templateName = $("#template").value;
  if ($("#merge").checked) job.title = "Selected sessions";
  const brand = await brandFile();
  if (brand) job.brandFile = brand;
  return job;
}

async function start(event) {
  event.preventDefault();
  const problems = [];
  if (!selected.size) problems.push("Choose at least one session.");
  if (!document.querySelector("input[name=format]:checked")) problems.push("Choose at least one format.");
  if (problems.length) return showErrors(problems);
  showErrors([]);
  $("#start").disabled = true;
  const response = await fetch("/api/batches", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ jobs: [await buildJob()] }),
  });
  const data = await response.json();
  if (response.status !== 202) {
    $("#start").disabled = false;
    const errors = data.errors || [{ message: data.detail }];
    return showErrors(errors.map((e) => (e.location ? `${e.message} (${e.location})` : e.message)));
  }
  follow(data.batchId);
}

function resetBatch(id) {
  batchId = id;
  $("#batch").hidden = false;
  $("#results tbody").replaceChildren();
  $("#zip-link").hidden = true;
  $("#cancel").hidden = false;
  $("#cancel").disabled = false;
  setProgress(0, "Starting…");
}

function setProgress(percent, text) {
  const rounded = Math.floor(percent);
  $("#progress-bar").value = rounded;
  $("#progress-percent").textContent = `${rounded} %`;
  $("#progress-text").textContent = text;
}

function seconds(value) {
  if (value === null || value === undefined) return "";
  if (value < 60) return `about ${Math.ceil(value)} s left`;
  return `about ${Math.ceil(value / 60)} min left`;
}

function onProgress(progress) {
  const done = progress.completedFiles + progress.failedFiles;
  const parts = [`${done} of ${progress.totalFiles} files`];
  if (progress.failedFiles) parts.push(`${progress.failedFiles} failed`);
  if (progress.currentOperation !== "finished" && done < progress.totalFiles) {
    const eta = seconds(progress.estimatedRemainingSeconds);
    if (eta) parts.push(eta);
  }
  setProgress(progress.progressPercent, parts.join(" · "));
}

function onExport(result) {
  const row = element("tr", { class: result.success ? "ok" : "failed" });
  const file = element("td");
  if (result.downloadUrl) {
    file.append(element("a", { href: result.downloadUrl, download: "" }, result.outputPath));
  } else {
    file.textContent = result.outputPath || "—";
  }
  const outcome = element("td", {}, result.status);
  if (result.errorMessage) outcome.append(element("span", { class: "reason" }, `: ${result.errorMessage}`));
  row.append(file, element("td", {}, result.format), element("td", {}, result.sessionIds.join(", ")), outcome);
  $("#results tbody").append(row);
}

function onEnd(batch) {
  source.close();
  source = null;
  $("#start").disabled = false;
  $("#cancel").hidden = true;
  const words = {
    completed: "Finished: every file was made.",
    failed: "Finished, with failures: see the reasons below.",
    interrupted: "Cancelled: files already made are kept.",
    error: `The export stopped: ${batch.error}`,
  };
  const percent = batch.progress ? batch.progress.progressPercent : 100;
  setProgress(percent, words[batch.status] || batch.status);
  if (batch.result && batch.result.jobResults) {
    for (const job of batch.result.jobResults) {
      if (job.errorMessage) onExport({ success: false, status: "job failed", format: "—", sessionIds: [], errorMessage: job.errorMessage });
    }
  }
  if (batch.zipUrl) {
    $("#zip-link").href = batch.zipUrl;
    $("#zip-link").setAttribute("download", "");
    $("#zip-link").hidden = false;
  }
}

function follow(id) {
  resetBatch(id);
  source = new EventSource(`/api/batches/${encodeURIComponent(id)}/events`);
  source.addEventListener("progress", (e) => onProgress(JSON.parse(e.data)));
  source.addEventListener("export", (e) => onExport(JSON.parse(e.data)));
  source.addEventListener("end", (e) => onEnd(JSON.parse(e.data)));
}

async function cancel() {
  $("#cancel").disabled = true;
  $("#progress-text").textContent = "Cancelling…";
  await fetch(`/api/batches/${encodeURIComponent(batchId)}/cancel`, { method: "POST" });
}

document.addEventListener("DOMContentLoaded", async () => {
  $("#export-form").addEventListener("submit", start);
  $("#cancel").addEventListener("click", cancel);
  const reload = debounce(() => loadSessions().catch(showLoadError), 200);
  $("#search").addEventListener("input", reload);
  $("#course").addEventListener("change", reload);
  $("#content-type").addEventListener("change", reload);
  $("#audience").addEventListener("change", updatePreviewLinks);
  $("#template").addEventListener("change", updatePreviewLinks);
  $("#naming").addEventListener("change", () => {
    const choice = $("#naming").selectedOptions[0];
    $("#pattern-field").hidden = !(choice && choice.dataset.pattern);
  });
  try {
    await loadCatalog();
    await loadSessions();
    document.body.dataset.ready = "yes";
  } catch (error) {
    showLoadError(error);
  }
});

function showLoadError(error) {
  showErrors([`The page could not load its data (${error.message}). Reload to try again.`]);
}
