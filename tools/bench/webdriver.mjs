//! Just enough of the W3C WebDriver protocol to open a page in headless Firefox ESR and read
//! a value from it: `make bench` uses it because Playwright drives only its own patched
//! Firefox builds, never the system's. Starts the system's `geckodriver` (or $GECKODRIVER)
//! on a free port, opens one session with Firefox ESR (or $FIREFOX) in headless mode, and
//! offers `goto(url)`, `evaluate(body)` (a function body run by Execute Script) and `close()`.
//! Nothing here downloads anything; a missing driver or browser is reported by `findFirefox`.

import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:net";

const which = (cmd) => {
  try {
    return execFileSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
};

/** {geckodriver, firefox} paths, or null when either is missing. */
export function findFirefox() {
  const home = process.env.HOME || "";
  const geckodriver = process.env.GECKODRIVER || which("geckodriver") || which(`${home}/.cargo/bin/geckodriver`);
  const firefox = process.env.FIREFOX || which("firefox-esr") || which("firefox");
  return geckodriver && firefox ? { geckodriver, firefox } : null;
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** A headless Firefox session: {version, goto, evaluate, close}. */
export async function launchFirefox({ geckodriver, firefox }) {
  const port = await freePort();
  const driver = spawn(geckodriver, ["--port", String(port), "--host", "127.0.0.1"], { stdio: "ignore" });
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const res = await fetch(base + path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`webdriver ${path}: ${json.value?.message || res.status}`);
    return json.value;
  };
  let session = null;
  for (let i = 0; i < 50 && !session; i++) {
    try {
      session = await call("POST", "/session", {
        capabilities: { alwaysMatch: { "moz:firefoxOptions": { binary: firefox, args: ["-headless"] } } },
      });
    } catch (err) {
      if (i === 49) {
        driver.kill();
        throw err;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const id = session.sessionId;
  return {
    version: `${session.capabilities.browserName} ${session.capabilities.browserVersion}`,
    goto: (url) => call("POST", `/session/${id}/url`, { url }),
    evaluate: (body) => call("POST", `/session/${id}/execute/sync`, { script: body, args: [] }),
    async close() {
      try {
        await call("DELETE", `/session/${id}`);
      } finally {
        driver.kill();
      }
    },
  };
}
