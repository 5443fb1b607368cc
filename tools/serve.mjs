#!/usr/bin/env node
//! A zero-dependency static file server for the page: `node tools/serve.mjs DIR PORT`.
//!
//! It listens on 127.0.0.1 only, serves files below DIR (index.html for a
//! directory), answers 404 for anything else and refuses to leave DIR
//! (`..`, encoded slashes, symlinks pointing outside). Every response carries
//! `Cache-Control: no-cache`, so a rebuilt `dist/` is picked up on reload.
//!
//! Deliberately not here: compression, ranges, directory listings, HTTPS.
//! One browser constraint shapes the MIME table: the MNIST files are `.gz`
//! and must reach the page as raw gzip bytes (the wasm Trainer gunzips them),
//! so they are served as `application/octet-stream` with NO
//! `Content-Encoding` header; with `Content-Encoding: gzip` the browser would
//! inflate them first. `.wasm` must be `application/wasm` for
//! `WebAssembly.instantiateStreaming`, and module scripts and module workers
//! need a JavaScript MIME type.
//!
//! Cross-origin isolation: every response carries `Cross-Origin-Opener-Policy:
//! same-origin` and `Cross-Origin-Embedder-Policy: require-corp` (and
//! `Cross-Origin-Resource-Policy: same-origin`), so the page is `crossOriginIsolated`
//! and a run with several workers moves its gradients through a SharedArrayBuffer
//! (www/shards.js). Every resource of the page is same-origin, so they all still load.
//! `serve(dir, port, {isolate: false})` leaves the headers out (the transfer fallback).
//!
//! `serve(dir, port)` is exported so the end-to-end test can start the server
//! in-process on a free port (port 0) and read it back from `server.address()`.

import { createServer } from "node:http";
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".gz": "application/octet-stream",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/** Resolves a URL path to a file inside `root` (already real-pathed), or null. */
async function resolveFile(root, urlPath) {
  let rel;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null; // malformed %-escape
  }
  if (rel.includes("\0") || rel.includes("\\")) return null;
  // path.posix.normalize removes `.` and resolves `..` against the root: a path
  // that still starts with `..` afterwards is trying to climb out.
  const norm = path.posix.normalize("/" + rel);
  if (norm.split("/").includes("..")) return null;
  let file = path.join(root, norm);
  try {
    let st = await stat(file);
    if (st.isDirectory()) {
      file = path.join(file, "index.html");
      st = await stat(file);
    }
    if (!st.isFile()) return null;
    // Symlinks may point anywhere: compare the real path with the root.
    const real = await realpath(file);
    if (real !== root && !real.startsWith(root + path.sep)) return null;
    return { file: real, size: st.size };
  } catch {
    return null;
  }
}

/** The cross-origin isolation headers (see the header comment). */
export const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

function notFound(res, code = 404, text = "not found", extra = {}) {
  res.writeHead(code, {
    "Content-Type": "text/plain; charset=utf-8",
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    ...extra,
  });
  res.end(text + "\n");
}

/**
 * Serves `dir` on 127.0.0.1:`port` (0 = any free port); resolves once listening.
 * `isolate` (default true) sends the cross-origin isolation headers.
 */
export async function serve(dir, port = 8080, { isolate = true } = {}) {
  const root = await realpath(path.resolve(dir));
  const extra = isolate ? ISOLATION_HEADERS : {};
  const server = createServer(async (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return notFound(res, 405, "method not allowed", extra);
    }
    let pathname;
    try {
      pathname = new URL(req.url, "http://localhost").pathname;
    } catch {
      return notFound(res, 400, "bad request", extra);
    }
    const found = await resolveFile(root, pathname);
    if (!found) return notFound(res, 404, "not found", extra);
    const type = MIME[path.extname(found.file).toLowerCase()] || "application/octet-stream";
    res.writeHead(200, {
      "Content-Type": type,
      "Content-Length": found.size,
      "Cache-Control": "no-cache",
      "X-Content-Type-Options": "nosniff",
      ...extra,
    });
    if (req.method === "HEAD") return res.end();
    const stream = createReadStream(found.file);
    stream.on("error", () => res.destroy());
    stream.pipe(res);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}

// Command line: node tools/serve.mjs DIR PORT
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir = "dist", port = "8080"] = process.argv.slice(2);
  serve(dir, Number(port))
    .then((server) => {
      const { port: p } = server.address();
      console.log(`serving ${path.resolve(dir)} at http://127.0.0.1:${p}/`);
    })
    .catch((err) => {
      console.error(`serve: ${err.message}`);
      process.exit(1);
    });
}
