import { spawn } from 'node:child_process';
import type { Argv, CommandModule } from 'yargs';
import { PlError } from '../../errors.js';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { layoutOf } from '../queue-args.js';
import { startDashboard } from '../../dashboard/server.js';
import { printJson, printLines, warn } from '../output.js';

interface DashboardArgs extends CommonArgs {
  port: number;
  host?: string;
  open: boolean;
}

/** `parallel-loop dashboard [--port N] [--host ADDR] [--open]`: see README, "Dashboard". */
export const dashboardCommand: CommandModule<object, DashboardArgs> = {
  command: 'dashboard',
  describe: 'Serve a live web page of the board, the agents and the timeline, read from the files alone',
  builder: (y) =>
    withCommonOptions(y)
      .option('port', { type: 'number', default: 0, describe: 'Port to listen on; 0 takes a free one' })
      .option('host', { type: 'string', describe: 'Address to bind instead of 127.0.0.1 (reachable from other machines: anyone with the URL can act on the queue)' })
      .option('open', { type: 'boolean', default: false, describe: 'Open the page in the default browser' })
      .check((argv) => {
        const port = argv.port;
        if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) {
          throw new PlError('BAD_OPTION', `Expected the \`--port\` option to be an integer from 0 to 65535, got \`${String(port)}\` (${typeof port})`);
        }
        return true;
      })
      .example([
        ['$0 dashboard', 'serve on 127.0.0.1 and a free port; open the printed URL'],
        ['$0 dashboard --port 8080 --open', 'a fixed port, opened in the browser'],
      ])
      .epilog('The URL carries a token: every request needs it (the page keeps it in a cookie). Ctrl-C stops the server.') as unknown as Argv<DashboardArgs>,
  handler: async (argv) => {
    const layout = layoutOf(argv);
    if (argv.host !== undefined && !['127.0.0.1', 'localhost', '::1'].includes(argv.host)) {
      warn(`serving on ${argv.host}: other machines can reach the dashboard, and anyone with its URL can retry, cancel, kill and add tasks`);
    }
    const dashboard = await startDashboard(layout, { host: argv.host, port: argv.port });
    if (argv.json) printJson({ url: dashboard.url, host: dashboard.host, port: dashboard.port });
    else printLines([`dashboard: ${dashboard.url}`, 'Ctrl-C stops it']);
    if (argv.open) openInBrowser(dashboard.url);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await dashboard.close();
  },
};

function openInBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => warn(`could not start ${command}; open ${url} yourself`));
  child.unref();
}
