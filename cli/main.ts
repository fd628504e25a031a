/** `tasklane`: the command-line client (bin/tasklane.mjs runs this file). */
import { runCli } from './run';

// The SDK's notice about its future Node 22 requirement is for maintainers (README, Troubleshooting), not for every command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.exitCode = await runCli(process.argv.slice(2), {
  out: process.stdout,
  err: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
