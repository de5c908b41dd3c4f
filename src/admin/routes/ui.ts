// The web console's files (built into dist/ui by `npm run build`: scripts/build-ui.mjs), served
// at /ui on the admin address. They are public like any static page: they hold no data, and
// every call the page makes needs an ACL token, which the operator types in to sign in. Nothing
// is fetched from anywhere else at run time (the CSP says so too).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { access, textResponse, type AdminResponse, type RouteDefinition } from '../route';

const UI_DIR = path.resolve(__dirname, '../../ui');

const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

const HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function uiRoutes(dir = UI_DIR): RouteDefinition[] {
  const cache = new Map<string, Buffer>();
  const serve = (file: string): AdminResponse => {
    let bytes = cache.get(file);
    if (!bytes) {
      try {
        bytes = fs.readFileSync(path.join(dir, file));
      } catch {
        return textResponse(503, 'the console is not built: run `npm run build` (it writes dist/ui)\n', 'text/plain; charset=utf-8');
      }
      cache.set(file, bytes);
    }
    return { status: 200, bytes, contentType: FILES[file]!, headers: HEADERS };
  };
  const why = "the console's static files hold no data; every call the page makes needs an ACL token";
  return [
    // The router treats /ui and /ui/ alike.
    { method: 'GET', path: '/ui', access: access.public(why), handler: () => serve('index.html') },
    ...Object.keys(FILES).map((file): RouteDefinition => ({ method: 'GET', path: `/ui/${file}`, access: access.public(why), handler: () => serve(file) })),
  ];
}
