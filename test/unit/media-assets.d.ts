// Vite inlines a fixture imported with `?inline` as a base64 data: URL (see media-fixtures.ts).
declare module "*?inline" {
  const dataUrl: string;
  export default dataUrl;
}
