// Structure rules of the source tree, checked by `npm test` (see docs/ARCHITECTURE.md, "Layers").
// 1. Layers: a file imports only from its own folder's layer and the layers below it.
// 2. No import cycles between modules (type-only imports included), so every folder reads top-down.
// 3. No source file (tests, benches and scripts included) over MAX_LINES lines.
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { dirname, join, normalize, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
/** Top to bottom: each layer may import itself and any layer after it. */
const LAYERS = ["worker", "web", "objects", "core", "schemas", "lib"];
const OTHER_SOURCES = ["test", "bench", "scripts"];
const MAX_LINES = 600;

function sourceFiles(dir, pattern = /\.ts$/) {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path, pattern);
    return pattern.test(path) ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function importsOf(file) {
  const text = readFileSync(join(root, file), "utf8");
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2]).filter((spec) => spec.startsWith("."));
}

function resolveSpec(from, spec) {
  const base = normalize(join(dirname(from), spec));
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts")]) {
    if (existsSync(join(root, candidate)) && statSync(join(root, candidate)).isFile()) return candidate;
  }
  return base;
}

const layerOf = (file) => LAYERS.indexOf(file.split("/")[0]);
const files = LAYERS.flatMap((dir) => sourceFiles(dir));
const graph = new Map(files.map((file) => [file, importsOf(file).map((spec) => resolveSpec(file, spec))]));

const problems = [];
for (const [file, targets] of graph) {
  for (const target of targets) {
    const [from, to] = [layerOf(file), layerOf(target)];
    if (to === -1 && target.endsWith(".ts")) problems.push(`${file}: imports ${target}, which is outside the layered folders`);
    else if (to !== -1 && to < from) problems.push(`${file}: imports ${target} (${LAYERS[from]}/ may not import ${LAYERS[to]}/)`);
  }
}

// Tarjan's strongly connected components: any component of more than one file is a cycle.
let index = 0;
const stack = [], onStack = new Set(), indices = new Map(), low = new Map(), cycles = [];
function visit(node) {
  indices.set(node, index); low.set(node, index); index++;
  stack.push(node); onStack.add(node);
  for (const next of graph.get(node) ?? []) {
    if (!graph.has(next)) continue;
    if (!indices.has(next)) { visit(next); low.set(node, Math.min(low.get(node), low.get(next))); }
    else if (onStack.has(next)) low.set(node, Math.min(low.get(node), indices.get(next)));
  }
  if (low.get(node) === indices.get(node)) {
    const component = [];
    let member;
    do { member = stack.pop(); onStack.delete(member); component.push(member); } while (member !== node);
    if (component.length > 1) cycles.push(component.sort());
  }
}
for (const file of graph.keys()) if (!indices.has(file)) visit(file);
for (const file of [...files, ...OTHER_SOURCES.flatMap((dir) => sourceFiles(dir, /\.(ts|mjs|js)$/))]) {
  const lines = readFileSync(join(root, file), "utf8").split("\n").length;
  if (lines > MAX_LINES) problems.push(`${file}: ${lines} lines (at most ${MAX_LINES}; split it by concern)`);
}
for (const cycle of cycles) problems.push(`import cycle between ${cycle.length} files: ${cycle.join(", ")}`);

if (problems.length) {
  console.error(`Structure rules broken (${problems.length}):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`Structure rules hold: ${files.length} files in ${LAYERS.join(" → ")}, no cycles, none over ${MAX_LINES} lines.`);
