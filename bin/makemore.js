#!/usr/bin/env node
// The `makemore` command: the CLI bundled into one file in dist/ (scripts/build-cli.mjs, run by
// `npm install` / `npm run build`).
import { main } from "../dist/cli/makemore.mjs";

process.exitCode = await main(process.argv.slice(2));
