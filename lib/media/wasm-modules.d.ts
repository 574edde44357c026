// `*.wasm` imports arrive as compiled modules (wrangler's CompiledWasm rule, also used by the
// vitest pool).
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}

// Same, for packages that ship a .d.ts beside their .wasm (wasm-bindgen output): the `?module`
// suffix keeps TypeScript from reading that file's exports instead.
declare module "*.wasm?module" {
  const module: WebAssembly.Module;
  export default module;
}
