#!/usr/bin/env node
// Validate a .glb/.gltf with the Khronos glTF validator and print its JSON report on stdout.
// Usage: node tools/validate_gltf.js FILE   (exit 0: no errors, 1: errors, 2: could not run)
'use strict';
const fs = require('fs');
const path = require('path');
const validator = require('gltf-validator');

async function main() {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node validate_gltf.js FILE.glb');
    return 2;
  }
  const data = new Uint8Array(fs.readFileSync(file));
  const report = await validator.validateBytes(data, {
    uri: path.basename(file),
    maxIssues: 0, // report every issue
    externalResourceFunction: (uri) =>
      new Promise((resolve, reject) => {
        fs.readFile(path.join(path.dirname(file), decodeURIComponent(uri)), (err, buf) =>
          err ? reject(err.toString()) : resolve(new Uint8Array(buf)));
      }),
  });
  process.stdout.write(JSON.stringify(report, null, 1) + '\n');
  return report.issues.numErrors > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (err) => {
  console.error(String(err));
  process.exit(2);
});
