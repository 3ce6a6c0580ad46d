// face-api expression reader for emoshift's benches (an instrument: never trained or tuned against).
//
// @vladmandic/face-api (MIT) on @tensorflow/tfjs with the WebAssembly backend (no native build); the
// SSD-MobileNetV1 face detector and the expression net load from the package's own model/ folder and the
// .wasm binaries from @tensorflow/tfjs-backend-wasm's dist/ folder: nothing is fetched.
//
// stdin: JSON {"images": [{"path": "a.rgb", "width": W, "height": H}, ...], "min_confidence": 0.3}
//        each file holds H*W*3 bytes of raw RGB (row-major, uint8).
// stdout: JSON {"face_api": version, "tfjs": version, "backend": "wasm", "results": [
//          {"box": [x, y, w, h] | null, "score": s | null,            (the most confident face)
//           "expressions": {neutral, happy, sad, angry, fearful, disgusted, surprised} | null,
//           "whole": {...}}                                           (the whole image read as the face)
//         | {"error": "message"}, ...]}
// Exit code 1 with one line on stderr when the input itself is unreadable.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

function fail(msg) {
  process.stderr.write(`faceapi: ${msg}\n`);
  process.exit(1);
}

async function main() {
  let req;
  try {
    req = JSON.parse(fs.readFileSync(0, 'utf8'));
  } catch (e) {
    fail(`stdin is not JSON: ${e.message}`);
  }
  if (!req || !Array.isArray(req.images)) fail('stdin JSON needs an "images" list');
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setWasmPaths(wasmDir + path.sep); // the emscripten loader reads local files in Node
  await tf.setBackend('wasm');
  await tf.ready();
  const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceExpressionNet.loadFromDisk(modelDir);
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: req.min_confidence ?? 0.3, maxResults: 5 });

  const results = [];
  for (const im of req.images) {
    const { width: w, height: h } = im;
    let bytes;
    try {
      bytes = fs.readFileSync(im.path);
    } catch (e) {
      results.push({ error: `cannot read ${im.path}: ${e.code || e.message}` });
      continue;
    }
    if (!(w > 0 && h > 0) || bytes.length !== w * h * 3) {
      results.push({ error: `${im.path}: ${bytes.length} bytes is not ${w}x${h}x3 RGB` });
      continue;
    }
    const t = tf.tensor3d(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), [h, w, 3], 'int32');
    const faces = await faceapi.detectAllFaces(t, options).withFaceExpressions();
    const whole = await faceapi.nets.faceExpressionNet.predictExpressions(t);
    tf.dispose(t);
    faces.sort((a, b) => b.detection.score - a.detection.score);
    const best = faces[0];
    const box = best ? best.detection.box : null;
    results.push({
      box: box ? [box.x, box.y, box.width, box.height] : null,
      score: best ? best.detection.score : null,
      expressions: best ? { ...best.expressions } : null,
      whole: { ...whole },
    });
  }
  process.stdout.write(JSON.stringify({ face_api: faceapi.version, tfjs: tf.version_core, backend: tf.getBackend(), results }));
}

main().catch((e) => fail(e && e.message ? e.message : String(e)));
