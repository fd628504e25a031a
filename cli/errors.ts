/** A failure the user can act on: printed as `tasklane: <message>`, exit code 2. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
