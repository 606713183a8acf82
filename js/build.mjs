// Builds the SDK bundle: regenerates the protobuf JSON descriptor from the
// .proto (when present) and bundles src/ into one IIFE that also sets
// module.exports, so a browser <script> and a mini-program require() both work.
//
//   node build.mjs            write the committed files
//   node build.mjs --out DIR  write into DIR instead, bundling the committed
//                             descriptor (the staleness test compares both)
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
// The language level of the bundle. ES2017 keeps async/await (iOS 10.3's
// JavaScriptCore has it) and lowers object spread and other ES2018 syntax.
export const TARGET = 'es2017';
// The oldest mini-program base library the wx adapter supports: wx.request's
// `timeout` and wx.offNetworkStatusChange need 2.10.0. Stated in docs/sdk.md,
// docs/miniprogram/README.md and the example's project.config.json.
export const MIN_BASE_LIBRARY = '2.10.0';

export const paths = {
  proto: path.join(root, 'chat/protocol/csbot.proto'),
  src: path.join(root, 'chat/static/chat/src'),
  descriptor: path.join(root, 'chat/static/chat/src/proto/descriptor.json'),
  bundle: path.join(root, 'chat/static/chat/csbot-sdk.js'),
};

/** The descriptor JSON text for the .proto, or "null" when there is none. */
export function descriptorText() {
  if (!fs.existsSync(paths.proto)) return 'null\n';
  const r = new protobuf.Root();
  // keepCase: field names must stay snake_case to match the JSON frames.
  r.loadSync(paths.proto, { keepCase: true });
  r.resolveAll();
  return JSON.stringify(r.toJSON({ keepComments: false }), null, 1) + '\n';
}

// Umbrella so `require()` returns the namespace and a page gets globals.
const footer = `
if (typeof module === "object" && module && module.exports) { module.exports = CsbotSDK; }
else if (typeof globalThis !== "undefined") { globalThis.CsbotSDK = CsbotSDK; globalThis.CsbotClient = CsbotSDK.CsbotClient; }`;

/** Bundle src/ (with the committed descriptor) into `outFile`. */
export async function bundle(outFile) {
  await build({
    absWorkingDir: here, // keeps the path comments in the output the same everywhere
    entryPoints: [path.join(paths.src, 'index.js')],
    outfile: outFile,
    bundle: true,
    format: 'iife',
    globalName: 'CsbotSDK',
    platform: 'neutral',
    target: [TARGET],
    mainFields: ['browser', 'main'],
    nodePaths: [path.join(here, 'node_modules')],
    // long.js is optional for protobufjs; without it 64-bit ints decode as numbers.
    alias: { long: path.join(here, 'long-stub.cjs') },
    banner: { js: '/* csbot customer chat SDK. Built file: edit chat/static/chat/src/ and run `npm run build --prefix js`. */' },
    footer: { js: footer },
    legalComments: 'none',
    logLevel: 'warning',
    charset: 'utf8',
  });
}

async function main() {
  const i = process.argv.indexOf('--out');
  if (i > 0) {
    const dir = process.argv[i + 1];
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'descriptor.json'), descriptorText());
    await bundle(path.join(dir, 'csbot-sdk.js'));
    return;
  }
  fs.writeFileSync(paths.descriptor, descriptorText());
  await bundle(paths.bundle);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
