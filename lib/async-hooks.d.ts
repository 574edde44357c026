// The one Node module used (workerd provides it under nodejs_compat); @types/node is not loaded
// because its globals clash with the Workers types.
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, fn: () => R): R;
    getStore(): T | undefined;
  }
}
