// `*.wasm` imports arrive as compiled modules (wrangler's CompiledWasm rule, also used by the
// vitest pool).
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}

