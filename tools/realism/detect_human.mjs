// COCO CenterNet and MoveNet (the models that ship inside the npm package
// @vladmandic/human, trained on real photos), on raw RGB images.
// usage: node detect_human.mjs <items.json> <model base url>
// items: [{name, rgb (path of raw RGB bytes), width, height}]; prints one
// JSON line per item: {name, objects: [{label, score, box: [x, y, w, h]}],
// bodies: [{score, box, keypoints: [{part, score, position}]}]}
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// by path: the package's export map does not list its node-wasm build
const here = new URL('.', import.meta.url).pathname;
const { Human } = require(`${here}node_modules/@vladmandic/human/dist/human.node-wasm.js`);
const wasmDir = `${here}node_modules/@tensorflow/tfjs-backend-wasm/dist/`;

const [itemsPath, modelBase] = process.argv.slice(2);
const human = new Human({
  backend: 'wasm',
  wasmPath: wasmDir,
  modelBasePath: modelBase,
  debug: false,
  warmup: 'none',
  face: { enabled: false },
  hand: { enabled: false },
  gesture: { enabled: false },
  segmentation: { enabled: false },
  filter: { enabled: false },
  body: { enabled: true, modelPath: 'movenet-lightning.json', maxDetected: 1 },
  object: { enabled: true, modelPath: 'centernet.json', minConfidence: 0.2, maxDetected: 100 },
});
await human.load();
for (const item of JSON.parse(fs.readFileSync(itemsPath, 'utf8'))) {
  const pixels = new Uint8Array(fs.readFileSync(item.rgb));
  const image = human.tf.tensor3d(pixels, [item.height, item.width, 3], 'int32');
  const batch = human.tf.expandDims(image, 0);
  const r = await human.detect(batch);
  human.tf.dispose([image, batch]);
  const objects = r.object.map((o) => ({ label: o.label, score: o.score, box: o.box }));
  const bodies = r.body.map((b) => ({
    score: b.score,
    box: b.box,
    keypoints: b.keypoints.map((k) => ({ part: k.part, score: k.score, position: k.position })),
  }));
  console.log(JSON.stringify({ name: item.name, objects, bodies }));
}
