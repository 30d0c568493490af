// The reference a self-hoster would pick instead of the sidecar for resumable intake: @tus/server with
// @tus/file-store, as its README sets it up, nothing tuned. PerformanceBench (scenario 6) starts it beside the
// sidecar and feeds both the same files with the same client (upload.mjs). Note for the figures: the file store
// never fsyncs (it writes through fs.createWriteStream), so its 2xx promises less than the sidecar's.
//
// Usage: node server.mjs PORT DIRECTORY      prints "listening PORT" once it accepts connections
import { Server } from '@tus/server'
import { FileStore } from '@tus/file-store'

const [port, directory] = process.argv.slice(2)
const server = new Server({ path: '/files', datastore: new FileStore({ directory }) })
const http = server.listen(Number(port), '127.0.0.1', () => console.log(`listening ${port}`))
process.on('SIGTERM', () => http.close(() => process.exit(0)))
