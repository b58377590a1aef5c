// Runs an ONNX model with onnxruntime-node on a raw float32 input and prints outputs as JSON.
// usage: NODE_PATH=/tmp/ortcheck/node_modules node training/ort_check.js model.onnx input.f32 N S
const ort = require('onnxruntime-node');
const fs = require('fs');
(async () => {
  const [model, input, n, s] = process.argv.slice(2);
  const buf = fs.readFileSync(input);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const sess = await ort.InferenceSession.create(model);
  const res = await sess.run({ image: new ort.Tensor('float32', data, [+n, 1, +s, +s]) });
  const out = { inputNames: sess.inputNames, outputNames: sess.outputNames, outputs: {} };
  for (const k of sess.outputNames) out.outputs[k] = { dims: res[k].dims, data: Array.from(res[k].data) };
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
