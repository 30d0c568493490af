// Drives the sidecar with the real tus-js-client, as TusJsClientPeerTest asks: for each upload, a first Upload
// object whose connection the test's proxy cuts in the middle of the body (no retries, so it fails), then a new
// Upload object that resumes at the URL the first one was given. Prints one JSON line per upload.
//
// Usage: node drive.mjs plan.json
// plan.json: {"endpoint": "http://127.0.0.1:PORT", "token": "psc_…",
//             "uploads": [{"protocol": "tus-v1" | "ietf-draft-03" | "ietf-draft-05", "key": "…", "file": "/path",
//                          "source": "stream" | "buffer"}]}
import { readFileSync, createReadStream } from 'node:fs'
import { basename } from 'node:path'
import * as tus from 'tus-js-client'

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'))

function source(upload) {
  // A file stream is what an app uploading from disk passes; tus-js-client 4.x then never says Upload-Complete: ?1
  // after a resumption. A Buffer source does.
  return upload.source === 'buffer' ? readFileSync(upload.file) : createReadStream(upload.file)
}

function options(upload, extra) {
  const name = basename(upload.file)
  const ietf = upload.protocol !== 'tus-v1'
  return {
    protocol: upload.protocol,
    endpoint: ietf ? `${plan.endpoint}/v1/uploads/${upload.key}` : `${plan.endpoint}/v1/tus/`,
    headers: ietf
      ? { Authorization: `Bearer ${plan.token}`, 'X-Filename': name, 'X-Resource-Type': 'video' }
      : { Authorization: `Bearer ${plan.token}` },
    metadata: ietf ? {} : { key: upload.key, filename: name, filetype: 'video/quicktime', resourceType: 'video' },
    ...extra,
  }
}

function run(input, opts) {
  return new Promise((resolve) => {
    const u = new tus.Upload(input, {
      ...opts,
      onError: (err) => resolve({ ok: false, error: String(err.message || err).split('\n')[0], url: u.url }),
      onSuccess: ({ lastResponse }) => resolve({
        ok: true,
        url: u.url,
        status: lastResponse.getStatus(),
        jobId: lastResponse.getHeader('X-Job-Id') || null,
        reprDigest: lastResponse.getHeader('Repr-Digest') || null,
      }),
    })
    u.start()
  })
}

for (const upload of plan.uploads) {
  const first = await run(source(upload), options(upload, { retryDelays: null }))
  let second = null
  if (!first.ok && first.url) {
    // A new Upload object, as an app relaunched after the drop would make, resuming at the URL it kept.
    second = await run(source(upload), options(upload, { uploadUrl: first.url, retryDelays: [100, 300, 1000, 2000, 4000] }))
  }
  console.log(JSON.stringify({ protocol: upload.protocol, key: upload.key, source: upload.source, first, second }))
}
