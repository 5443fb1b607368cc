// How many workers the page runs at once: one per core, at most MAX_WORKERS, and 2 on a
// device reporting 2 GB of memory or less (each worker holds its own wasm instance and copy
// of the digits, ~20 MB). `nav` is injectable for tests.
export const MAX_WORKERS = 8;
export function poolSize(nav = navigator) {
  if (nav.deviceMemory !== undefined && nav.deviceMemory <= 2) return 2;
  return Math.min(nav.hardwareConcurrency || 2, MAX_WORKERS);
}
