// Part of `npm run build`: the dashboard's page (plain HTML, CSS and JS, no build of its own) goes
// next to the compiled server, which serves it from dist/dashboard/page/.
import fs from 'node:fs';

fs.rmSync('dist/dashboard/page', { recursive: true, force: true });
fs.cpSync('src/dashboard/page', 'dist/dashboard/page', { recursive: true });
