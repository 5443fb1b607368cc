//! The one way the project's Node tools start a browser: Debian's Chromium
//! (installed by `scripts/setup.sh browsers`) driven by playwright-core, never
//! a browser that Playwright would download. The flags keep a headless run
//! from reaching for the network (updates, sync, component downloads) and let
//! it run as root in a container. `CHROMIUM` overrides the executable.

import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Launches headless Chromium with the project's flags. */
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
