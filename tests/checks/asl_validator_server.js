#!/usr/bin/env node
// Validates many Step Functions definitions with asl-validator in one process.
//
// Protocol: one JSON object per line on stdin, {"id": n, "definition": {...}}; one JSON object
// per line on stdout, {"id": n, "errors": [{"code": ..., "message": ...}]} or
// {"id": n, "exception": "..."}. Used by tests/checks/asl.py, which keeps one process per test
// run: starting node and compiling the validator's schemas costs about a second, validating a
// definition afterwards a few milliseconds.
//
// Usage: node asl_validator_server.js [--fresh] [project-root]
"use strict";

const path = require("path");
const readline = require("readline");

const args = process.argv.slice(2);
const fresh = args.includes("--fresh");
const root = args.find((a) => !a.startsWith("--")) || path.resolve(__dirname, "..", "..");
const validatorPath = require.resolve("asl-validator", { paths: [root] });

if (!fresh) {
  // asl-validator builds a new Ajv instance and recompiles all its JSON schemas for every
  // definition (~0.4 s each). Its options never change here (the same ones as its CLI: ARN and
  // path checks on), so later instances can reuse the first one's compiled schemas. They
  // inherit from it and ignore the re-registration of the formats and keywords it already has.
  // "--fresh" turns this off so a test can check both modes give the same answers.
  const ajvModule = require(require.resolve("ajv", { paths: [path.dirname(validatorPath)] }));
  const RealAjv = ajvModule.default;
  let shared = null;
  const SharedAjv = function SharedAjv(opts) {
    if (shared === null) {
      shared = new RealAjv(opts);
      return shared;
    }
    const view = Object.create(shared);
    view.addFormat = function addFormat() {
      return this;
    };
    view.addKeyword = function addKeyword() {
      return this;
    };
    return view;
  };
  ajvModule.default = SharedAjv;
}

const validator = require(validatorPath);
// The options asl-validator's own CLI passes by default.
const OPTIONS = { checkArn: true, checkPaths: true };

function answer(request) {
  try {
    const result = validator(request.definition, OPTIONS);
    const errors = result.errors.map((e) => ({ code: e["Error code"], message: e.Message }));
    return { id: request.id, errors };
  } catch (err) {
    return { id: request.id, exception: String((err && err.stack) || err) };
  }
}

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  if (!line.trim()) {
    return;
  }
  let request;
  try {
    request = JSON.parse(line);
  } catch (err) {
    process.stdout.write(JSON.stringify({ id: null, exception: `bad request: ${err}` }) + "\n");
    return;
  }
  process.stdout.write(JSON.stringify(answer(request)) + "\n");
});
