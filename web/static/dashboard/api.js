// Sign-in, tokens and API calls. The tokens live in this tab only (sessionStorage), never in
// a URL; every call carries the access token in the Authorization header.
const SESSION_KEY = "crm.dashboard.session";
// Refresh this long before the access token expires, so no call goes out with a dead one.
const REFRESH_MARGIN_MS = 60_000;

let session = null;
let refreshing = null;
const endedListeners = [];

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export function restoreSession() {
  try {
    session = JSON.parse(sessionStorage.getItem(SESSION_KEY));
  } catch {
    session = null;
  }
  return session;
}

export function currentUser() {
  return session?.user ?? null;
}

export function may(permission) {
  const granted = session?.user?.permissions ?? [];
  return granted.includes("*") || granted.includes(permission);
}

export function onSessionEnded(listener) {
  endedListeners.push(listener);
}

function keep(grant) {
  session = {
    accessToken: grant.accessToken,
    refreshToken: grant.refreshToken,
    expiresAt: Date.now() + grant.expiresIn * 1000,
    user: grant.user,
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

function forget() {
  session = null;
  sessionStorage.removeItem(SESSION_KEY);
}

async function readBody(response) {
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("json")) return {};
  try {
    return await response.json();
  } catch {
    return {};
  }
}

async function postJson(path, body, headers = {}) {
  return fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
    cache: "no-store",
  });
}

export async function login(username, password) {
  const response = await postJson("/api/auth/login", { username, password });
  const body = await readBody(response);
  if (!response.ok) throw new ApiError(response.status, body);
  keep(body);
  return body.user;
}

function endSession() {
  forget();
  for (const listener of endedListeners) listener();
}

// One refresh at a time: parallel calls that all saw a 401 share it (a refresh token is
// spent on use, so a second concurrent refresh would fail and end the session).
export function refreshTokens() {
  if (!session?.refreshToken) {
    endSession();
    return Promise.reject(new ApiError(401, { code: "NO_SESSION" }));
  }
  if (!refreshing) {
    refreshing = (async () => {
      const response = await postJson("/api/auth/token/refresh", {
        refreshToken: session.refreshToken,
      });
      const body = await readBody(response);
      if (!response.ok) {
        // Only a refusal ends the session; an unreachable server may come back.
        if (response.status === 401) endSession();
        throw new ApiError(response.status, body);
      }
      keep(body);
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

export async function accessToken() {
  if (!session) throw new ApiError(401, { code: "NO_SESSION" });
  if (Date.now() > session.expiresAt - REFRESH_MARGIN_MS) await refreshTokens();
  return session.accessToken;
}

async function send(method, path, body) {
  const headers = { Authorization: `Bearer ${await accessToken()}` };
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return fetch(path, init);
}

// {status, body} whatever the status; a 401 is retried once with refreshed tokens.
export async function call(method, path, body) {
  let response = await send(method, path, body);
  if (response.status === 401 && session) {
    await refreshTokens();
    response = await send(method, path, body);
  }
  return { status: response.status, body: await readBody(response) };
}

// The body of a 2xx answer, else an ApiError carrying the problem document.
export async function get(path) {
  const { status, body } = await call("GET", path);
  if (status < 200 || status >= 300) throw new ApiError(status, body);
  return body;
}

export async function logout() {
  if (session) {
    try {
      await send("POST", "/api/auth/logout");
    } catch {
      // Signing out locally matters more than telling a server that cannot be reached.
    }
  }
  forget();
}
