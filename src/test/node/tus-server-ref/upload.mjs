// The one tus client of the benchmark's resumable-intake scenario (PerformanceBench scenario 6): tus-js-client
// uploads every file of a plan over tus 1.0, PARALLEL at a time, each from a file stream in one PATCH (its
// defaults), and prints the seconds from the first request to the last completion. The same script and the same
// options feed the sidecar (/v1/tus/) and the @tus/server reference (/files); only the endpoint and the headers
// differ (the sidecar wants its bearer token; the reference ignores it).
//
// Usage: node upload.mjs plan.json
// plan.json: {"endpoint": "http://127.0.0.1:PORT/v1/tus/", "headers": {...}, "parallel": 8,
//             "uploads": [{"key": "…", "file": "/path"}]}
import { readFileSync, createReadStream } from 'node:fs'
import { basename } from 'node:path'
import * as tus from 'tus-js-client'

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'))

function upload(u) {
  return new Promise((resolve, reject) => {
    const name = basename(u.file)
    const up = new tus.Upload(createReadStream(u.file), {
      endpoint: plan.endpoint,
      headers: plan.headers,
      metadata: { key: u.key, filename: name, filetype: 'image/jpeg', resourceType: 'photo' },
      retryDelays: null,
      onError: (err) => reject(new Error(`${u.key}: ${String(err.message || err).split('\n')[0]}`)),
      onSuccess: () => resolve(),
    })
    up.start()
  })
}

const queue = [...plan.uploads]
const t0 = process.hrtime.bigint()
async function worker() {
  for (let u = queue.shift(); u; u = queue.shift()) {
    await upload(u)
  }
}
await Promise.all(Array.from({ length: plan.parallel }, worker))
console.log(JSON.stringify({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, uploads: plan.uploads.length }))
