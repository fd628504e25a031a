/** `tasklane`: the command-line client. */
import { parseArgs } from 'node:util';
import { CliError, createKey, listKeys, revokeKey } from './keys';

const USAGE = `Usage: tasklane <command> [options]

API keys (written straight to the DynamoDB table through the AWS SDK):
  tasklane keys create --tenant <name> [--description <text>]
  tasklane keys list [--tenant <name>]
  tasklane keys revoke <key-id>

Target (keys commands):
  --local            the running local stack (npm start)
  --table <name>     a deployed stack's table (TableName output; or TASKLANE_TABLE), with your AWS credentials
  --region <region>  AWS region (or AWS_REGION)

Options:
  --json             machine-readable output
  -h, --help         this text`;

async function main(argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      description: { type: 'string' },
      local: { type: 'boolean', default: false },
      table: { type: 'string' },
      region: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [group, command, arg] = positionals;
  if (values.help || !group) return USAGE;
  const target = { local: values.local ?? false, table: values.table, region: values.region };
  if (group === 'keys') {
    if (command === 'create') return createKey(target, values.tenant, values.description, values.json ?? false);
    if (command === 'list') return listKeys(target, values.tenant, values.json ?? false);
    if (command === 'revoke') return revokeKey(target, arg, values.json ?? false);
    throw new CliError(`Unknown keys command "${command ?? ''}". Use create, list or revoke.`);
  }
  throw new CliError(`Unknown command "${group}".\n\n${USAGE}`);
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
main(process.argv.slice(2)).then(
  (output) => console.log(output),
  (error: unknown) => {
    if (error instanceof CliError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`tasklane: ${(error as Error).message}`);
      process.exit(2);
    }
    console.error('tasklane: failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
