// Calls to the emulator: the REST API v4, the admin routes and the inspector's own routes.
// The token travels only in the Authorization header, never in a URL; it is kept in this
// tab's sessionStorage until the tab closes or "Forget token" is pressed.

const TOKEN_KEY = "cf-emulator-api-token";
export const ACCOUNT = "emulator"; // the emulator is one account: any non-empty id works
export const KV = `/client/v4/accounts/${ACCOUNT}/storage/kv/namespaces`;
export const D1 = `/client/v4/accounts/${ACCOUNT}/d1/database`;
export const UI = "/__emulator/ui/api";
export const ADMIN = "/__emulator";

/** The server refused the token (or asked for one). */
export class AuthError extends Error {}

/** An error envelope: status, Cloudflare code and the server's exact message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Percent-encode one path segment (a key, a table name): "/" stays inside the segment. */
export function segment(value) {
  return encodeURIComponent(value);
}

/**
 * Send a request and unwrap the envelope: resolves to {result, result_info}. json: a body
 * sent as JSON; body: FormData or text sent as is; query: an object of query parameters.
 */
export async function call(method, path, { json, body, query } = {}) {
  const headers = {};
  const saved = token();
  if (saved) headers.Authorization = `Bearer ${saved}`;
  let payloadBody = body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    payloadBody = JSON.stringify(json);
  }
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
    }
    const text = params.toString();
    if (text) url += `?${text}`;
  }
  const response = await fetch(url, { method, headers, body: payloadBody, cache: "no-store" });
  if (response.status === 401) throw new AuthError("the server asks for an API token");
  let payload;
  try {
    payload = await response.json();
  } catch {
    throw new ApiError(response.status, 0, `${response.status} ${response.statusText}`);
  }
  if (!response.ok || !payload.success) {
    const [first] = payload.errors || [];
    throw new ApiError(response.status, first?.code ?? 0, first?.message ?? response.statusText);
  }
  return payload;
}
