/** HTML files imported as text: esbuild's `text` loader in the Lambda bundle (infra/constructs/tasklane-function.ts). */
declare module '*.html' {
  const content: string;
  export default content;
}
