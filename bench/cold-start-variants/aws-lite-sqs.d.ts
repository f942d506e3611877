/** @aws-lite/sqs ships no type declarations; the benchmark only hands the plugin to the client. */
declare module '@aws-lite/sqs' {
  const plugin: unknown;
  export default plugin;
}
