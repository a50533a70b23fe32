// The GraphQL console at GET /graphql: the vendor's documented operations, ready to run
// against this mock. Written for this project; it loads nothing from anywhere else.
"use strict";

(function () {
  const samples = JSON.parse(document.getElementById("samples").textContent);
  const $ = (id) => document.getElementById(id);
  const operation = $("operation");
  const query = $("query");
  const variables = $("variables");
  const headers = $("headers");
  const run = $("run");
  const status = $("status");
  const result = $("result");
  const headersOut = $("headers-out");
  // The id of the last job this console created, for the samples that poll one.
  let lastJobId = null;
  // What the person typed into each sample, kept while they try another.
  const edited = new Map();

  const pretty = (value) => JSON.stringify(value, null, 2);
  const endpoint = location.pathname;
  $("endpoint").textContent = "POST " + endpoint;

  for (const sample of samples.operations) {
    const option = document.createElement("option");
    option.value = sample.name;
    option.textContent = sample.title;
    operation.append(option);
  }

  function sampleNamed(name) {
    return samples.operations.find((sample) => sample.name === name);
  }

  function show(name) {
    const sample = sampleNamed(name);
    const kept = edited.get(name);
    query.value = kept ? kept.query : sample.query;
    let values = kept ? kept.variables : pretty(sample.variables);
    if (!kept && sample.pollsLastJob && lastJobId) {
      values = pretty({ ...sample.variables, id: lastJobId });
    }
    variables.value = values;
  }

  operation.addEventListener("change", () => show(operation.value));
  for (const editor of [query, variables]) {
    editor.addEventListener("input", () =>
      edited.set(operation.value, { query: query.value, variables: variables.value }),
    );
  }

  function parsed(editor, what) {
    const text = editor.value.trim();
    if (!text) return {};
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new Error(what + " are not valid JSON: " + error.message);
    }
  }

  function rememberJob(body) {
    const data = body && body.data;
    if (!data || typeof data !== "object") return;
    for (const value of Object.values(data)) {
      if (value && typeof value.id === "string" && value.status === "processing") {
        lastJobId = value.id;
      }
    }
  }

  function report(text, kind) {
    status.textContent = text;
    status.className = kind;
  }

  async function send() {
    let sent;
    try {
      sent = {
        headers: { "Content-Type": "application/json", ...parsed(headers, "Headers") },
        body: JSON.stringify({ query: query.value, variables: parsed(variables, "Variables") }),
      };
    } catch (error) {
      report(error.message, "error");
      return;
    }
    run.disabled = true;
    report("sending...", "");
    const started = performance.now();
    try {
      const response = await fetch(endpoint, { method: "POST", ...sent });
      const text = await response.text();
      const took = Math.round(performance.now() - started);
      let body = null;
      try {
        body = JSON.parse(text);
      } catch (error) {
        body = null;
      }
      report(response.status + " " + response.statusText + " in " + took + " ms",
        response.ok ? "ok" : "error");
      const shown = [];
      for (const [name, value] of response.headers) {
        if (name.startsWith("x-ratelimit") || name === "retry-after") shown.push(name + ": " + value);
      }
      headersOut.textContent = shown.join("\n");
      result.textContent = body === null ? text : pretty(body);
      rememberJob(body);
    } catch (error) {
      report("no answer: " + error.message, "error");
    } finally {
      run.disabled = false;
    }
  }

  run.addEventListener("click", send);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      send();
    }
  });

  headers.value = pretty(samples.headers);
  show(samples.operations[0].name);
})();
