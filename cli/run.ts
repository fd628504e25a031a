import { parseArgs } from 'node:util';
import type { Tasklane } from '../client/src';
import { cliErrorFrom } from './api-errors';
import { startBulk } from './bulk';
import { CliError } from './errors';
import { importFile } from './import';
import { createKey, listKeys, revokeKey } from './keys';
import {
  createSchedule,
  deleteSchedule,
  formatSchedule,
  formatScheduleList,
  getSchedule,
  listSchedules,
  setScheduleEnabled,
} from './schedules';
import {
  cancelTask,
  createTask,
  formatList,
  formatRedrive,
  formatTask,
  getTask,
  listTasks,
  redriveTaskType,
  rerunTask,
} from './tasks';
import { type ApiTarget, connect, resolveTarget } from './target';
import { EXIT_CODES, watchTask } from './watch';
import { redrive, secret } from './webhooks';

const USAGE = `Usage: tasklane <command> [options]

Tasks (over the HTTP API):
  tasklane create <type> [--payload '<json>'] [--webhook-url <url>] [--delay <duration> | --at <RFC 3339>]
                  [--concurrency-key <key>] [--watch]
                               --delay takes seconds (600) or 90s, 10m, 2h, 1d; --run-at is another name for --at
  tasklane get <id>
  tasklane list [--status <status>] [--type <type>] [--limit <n>] [--cursor <next_cursor>]
  tasklane cancel <id>
  tasklane rerun <id> [--payload '<json>'] [--watch]   a new task repeating a finished one
  tasklane redrive <type>      rerun your tasks in the type's dead-letter queue, emptying it of them
  tasklane watch <id>          progress bar until the task ends; exit 0 completed, 1 failed, 3 canceled, 4 expired
  tasklane import <file.csv> --type <task type> [--columns <header>=<field>,…] [--watch]
                               one task per CSV row: uploads the file and creates an import task
  tasklane bulk cancel|rerun [--status <status>] [--type <type>] [--created-after <RFC 3339>]
                             [--created-before <RFC 3339>] [--ids <id>,<id>,…] [--watch]
                               a bulk task acting on the tasks that match (up to 10,000)

Schedules (over the HTTP API; one task per firing of a 5-field cron expression):
  tasklane schedules create <type> --cron '<5 fields>' [--timezone <IANA zone>] [--payload '<json>']
                                   [--webhook-url <url>] [--paused]
  tasklane schedules list [--limit <n>] [--cursor <next_cursor>]
  tasklane schedules get <id>      with its next run and its last runs
  tasklane schedules pause <id>    a firing already created for a time ahead is canceled
  tasklane schedules resume <id>   goes on from its next time after now
  tasklane schedules delete <id>

Target (task and schedules commands):
  --api-url <url>    the API's base URL, e.g. the stack's ApiUrl output (or TASKLANE_API_URL)
  --stream-url <url> the task stream's base URL, the stack's StreamUrl output (or TASKLANE_STREAM_URL);
                     by default the API's, as locally
  --api-key <key>    an API key (or TASKLANE_API_KEY)
  --local            the running local stack (npm start in this folder): its URL and key

API keys (written straight to the DynamoDB table through the AWS SDK):
  tasklane keys create --tenant <name> [--description <text>]
  tasklane keys list [--tenant <name>]
  tasklane keys revoke <key-id>

Webhooks:
  tasklane webhooks secret [--rotate]   your signing secret (over the API); --rotate replaces it, the old one signs 24 h more
  tasklane webhooks redrive             send the webhook DLQ's deliveries again (operator: --local, or
                                        --table, --queue-url, --dlq-url from the stack outputs, --region)

Target (keys commands):
  --local            the running local stack (npm start)
  --table <name>     a deployed stack's table (TableName output; or TASKLANE_TABLE), with your AWS credentials
  --region <region>  AWS region (or AWS_REGION)

Options:
  --json             machine-readable output (watch: one JSON line per event)
  -h, --help         this text

Exit codes: 0 success, 1 task failed (or an unexpected error), 2 bad usage or a refused request, 3 task canceled,
4 task expired.`;

/** Where the CLI reads and writes; the process's own in bin/, captured in tests. */
export interface CliIo {
  out: { write(text: string): void; isTTY?: boolean };
  err: { write(text: string): void };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Runs one command line and returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // Set once a command resolves its API: the client's errors are explained against that URL.
  const session: Session = {};
  try {
    return await dispatch(argv, io, session);
  } catch (caught) {
    const error = session.target ? cliErrorFrom(caught, session.target.baseUrl) : caught;
    if (
      error instanceof CliError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.err.write(`tasklane: ${(error as Error).message}\n`);
      return 2;
    }
    io.err.write(`tasklane: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** What a command line learned on its way that its error report needs. */
interface Session {
  target?: ApiTarget;
}

async function dispatch(argv: string[], io: CliIo, session: Session): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'api-url': { type: 'string' },
      'stream-url': { type: 'string' },
      'api-key': { type: 'string' },
      payload: { type: 'string' },
      'webhook-url': { type: 'string' },
      'concurrency-key': { type: 'string' },
      delay: { type: 'string' },
      at: { type: 'string' },
      'run-at': { type: 'string' },
      cron: { type: 'string' },
      timezone: { type: 'string' },
      paused: { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      status: { type: 'string' },
      type: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      'created-after': { type: 'string' },
      'created-before': { type: 'string' },
      ids: { type: 'string' },
      tenant: { type: 'string' },
      description: { type: 'string' },
      local: { type: 'boolean', default: false },
      table: { type: 'string' },
      region: { type: 'string' },
      json: { type: 'boolean', default: false },
      rotate: { type: 'boolean', default: false },
      'queue-url': { type: 'string' },
      columns: { type: 'string' },
      'dlq-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, arg, extra] = positionals;
  const json = values.json ?? false;
  const print = (text: string) => io.out.write(`${text}\n`);
  if (values.help || !command) {
    print(USAGE);
    return 0;
  }
  if (command === 'keys') {
    const target = { local: values.local ?? false, table: values.table, region: values.region };
    if (arg === 'create') print(await createKey(target, values.tenant, values.description, json));
    else if (arg === 'list') print(await listKeys(target, values.tenant, json));
    else if (arg === 'revoke') print(await revokeKey(target, extra, json));
    else throw new CliError(`Unknown keys command "${arg ?? ''}". Use create, list or revoke.`);
    return 0;
  }

  if (command === 'webhooks' && arg === 'redrive') {
    print(
      await redrive(
        {
          local: values.local ?? false,
          table: values.table,
          region: values.region,
          queueUrl: values['queue-url'],
          dlqUrl: values['dlq-url'],
        },
        json,
      ),
    );
    return 0;
  }
  const api = () => {
    session.target = resolveTarget(
      {
        apiUrl: values['api-url'],
        streamUrl: values['stream-url'],
        apiKey: values['api-key'],
        local: values.local ?? false,
      },
      io.env,
      io.cwd,
    );
    return connect(session.target);
  };
  const show = (task: Parameters<typeof formatTask>[0]) => print(json ? JSON.stringify(task) : formatTask(task));
  const watch = async (client: Tasklane, id: string | undefined) => {
    const task = await watchTask(client, id, { write: (text) => io.out.write(text), tty: Boolean(io.out.isTTY), json });
    if (!json) show(task);
    return task.status in EXIT_CODES ? EXIT_CODES[task.status as keyof typeof EXIT_CODES] : 1;
  };
  /** A task just created: shown, or watched to its end with --watch. */
  const created = async (client: Tasklane, task: Parameters<typeof formatTask>[0]) => {
    if (!values.watch) {
      show(task);
      return 0;
    }
    if (json) print(JSON.stringify(task));
    return watch(client, task.task_id);
  };
  switch (command) {
    case 'create': {
      const client = api();
      return created(
        client,
        await createTask(client, arg, values.payload, values['webhook-url'], {
          delay: values.delay,
          at: values.at,
          runAt: values['run-at'],
          concurrencyKey: values['concurrency-key'],
        }),
      );
    }
    case 'rerun': {
      const client = api();
      return created(client, await rerunTask(client, arg, values.payload));
    }
    case 'redrive': {
      const report = await redriveTaskType(api(), arg, (sofar) => {
        if (!json && sofar.more) io.err.write(`moved ${sofar.moved} so far…\n`);
      });
      print(json ? JSON.stringify(report) : formatRedrive(report));
      return 0;
    }
    case 'get':
      show(await getTask(api(), arg));
      return 0;
    case 'list': {
      const page = await listTasks(api(), {
        status: values.status,
        type: values.type,
        limit: values.limit,
        cursor: values.cursor,
      });
      print(json ? JSON.stringify(page) : formatList(page));
      return 0;
    }
    case 'cancel': {
      const task = await cancelTask(api(), arg);
      if (json) print(JSON.stringify(task));
      else
        print(
          task.status === 'canceled'
            ? `Canceled ${task.task_id}.`
            : `Cancellation requested: ${task.task_id} is running and stops at its next checkpoint.`,
        );
      return 0;
    }
    case 'watch':
      return watch(api(), arg);
    case 'import': {
      const client = api();
      return created(client, await importFile(client, arg, values.type, values.columns));
    }
    case 'bulk': {
      const client = api();
      return created(
        client,
        await startBulk(client, arg, {
          status: values.status,
          type: values.type,
          createdAfter: values['created-after'],
          createdBefore: values['created-before'],
          ids: values.ids,
        }),
      );
    }
    case 'schedules': {
      const showSchedule = (schedule: Parameters<typeof formatSchedule>[0]) =>
        print(json ? JSON.stringify(schedule) : formatSchedule(schedule));
      if (arg === 'create')
        showSchedule(
          await createSchedule(api(), extra, {
            cron: values.cron,
            timezone: values.timezone,
            payload: values.payload,
            webhookUrl: values['webhook-url'],
            paused: values.paused ?? false,
          }),
        );
      else if (arg === 'list') {
        const page = await listSchedules(api(), { limit: values.limit, cursor: values.cursor });
        print(json ? JSON.stringify(page) : formatScheduleList(page));
      } else if (arg === 'get') showSchedule(await getSchedule(api(), extra));
      else if (arg === 'pause' || arg === 'resume')
        showSchedule(await setScheduleEnabled(api(), extra, arg === 'resume'));
      else if (arg === 'delete') {
        await deleteSchedule(api(), extra);
        // The API answers 204 with no body: --json gets a record of what was done, as keys revoke does.
        print(json ? JSON.stringify({ schedule_id: extra, deleted: true }) : `Deleted schedule ${extra}.`);
      } else
        throw new CliError(`Unknown schedules command "${arg ?? ''}". Use create, list, get, pause, resume or delete.`);
      return 0;
    }
    case 'webhooks':
      if (arg !== 'secret') throw new CliError(`Unknown webhooks command "${arg ?? ''}". Use secret or redrive.`);
      print(await secret(api(), values.rotate ?? false, json));
      return 0;
    default:
      throw new CliError(`Unknown command "${command}".\n\n${USAGE}`);
  }
}
