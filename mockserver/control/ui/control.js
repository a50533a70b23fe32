// The dashboard's one way to the control plane: every call goes through `call`, which sends
// the admin token when the person gave one, and reads the mock's error envelope.

const TOKEN_KEY = "mock-doitong.adminToken";
const HEADER = "X-Mock-Admin-Token";
// The control plane's root, /__mock/, from where this file is served (/__mock/ui/control.js),
// so the page keeps working under a root path.
const ROOT = new URL("../", import.meta.url);

export class Unauthorized extends Error {}

export class ControlError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export class Control {
  constructor(storage = sessionStorage) {
    this.storage = storage;
  }

  get token() {
    return this.storage.getItem(TOKEN_KEY);
  }

  set token(value) {
    if (value) this.storage.setItem(TOKEN_KEY, value);
    else this.storage.removeItem(TOKEN_KEY);
  }

  async call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (this.token) headers[HEADER] = this.token;
    const init = { method, headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(new URL(path, ROOT), init);
    const text = await response.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch (error) {
      parsed = null;
    }
    if (response.status === 401) throw new Unauthorized(errorMessage(parsed, text));
    if (!response.ok) {
      throw new ControlError(response.status, response.status + ": " + errorMessage(parsed, text), parsed);
    }
    return parsed;
  }

  get(path) {
    return this.call("GET", path);
  }

  post(path, body = {}) {
    return this.call("POST", path, body);
  }

  put(path, body) {
    return this.call("PUT", path, body);
  }

  delete(path) {
    return this.call("DELETE", path);
  }
}

function errorMessage(parsed, text) {
  const first = parsed && Array.isArray(parsed.errors) ? parsed.errors[0] : null;
  if (first && first.message) return first.message;
  return text || "no answer";
}
