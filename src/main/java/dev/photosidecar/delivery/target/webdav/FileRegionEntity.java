package dev.photosidecar.delivery.target.webdav;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.http.entity.AbstractHttpEntity;

/**
 * One region of a file as a request body: a whole file, or a chunk of a chunked upload. On plain http it goes from
 * the file straight to the socket ({@link #sendTo}: {@code FileChannel.transferTo}, sendfile, no copy through the
 * JVM; {@link ChannelRequestExecutor}) in slices of {@link #WRITE_SIZE}. Elsewhere (TLS) it is written in writes of
 * that size, larger than the connection's 8 KiB buffer, which the client then passes straight to the socket:
 * HttpClient's own FileEntity wrote 4 KiB at a time through that buffer, 8 KiB per system call, and a large file's
 * delivery ran at a third of curl's speed (docs/performance.md, issue 17). Not larger: the {@link StalledBodyGuard}
 * sees progress once per slice or write, so one is the most a host may take per {@code webdav_timeout} and still
 * count as stalled (64 KiB, 1.1 KB/s at the default 60 s; FileEntity's was 8 KiB); 256 KiB writes used no less CPU
 * than 64 KiB ones, and 1 MiB transferTo slices were no faster than 64 KiB ones (1 GiB to lighttpd on loopback,
 * 1,415 against 1,422 MB/s; measured, issue 17).
 */
final class FileRegionEntity extends AbstractHttpEntity implements ChannelBody {
    static final int WRITE_SIZE = 64 * 1024;

    private final Path file;
    private final long offset;
    private final long length;
    /** The bytes of the last {@link #sendTo} that went by transferTo: what shows that sendfile was used. */
    private volatile long transferred;

    FileRegionEntity(Path file, long offset, long length, String contentType) {
        this.file = file;
        this.offset = offset;
        this.length = length;
        setContentType(contentType);
    }

    @Override
    public boolean isRepeatable() {
        return true;
    }

    @Override
    public long getContentLength() {
        return length;
    }

    @Override
    public InputStream getContent() throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        ch.position(offset);
        InputStream all = Channels.newInputStream(ch);
        return new java.io.FilterInputStream(all) {
            private long left = length;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int b = super.read();
                if (b >= 0) {
                    left--;
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = super.read(buf, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }
        };
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(WRITE_SIZE, Math.max(1, length)));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long pos = offset;
            long end = offset + length;
            while (pos < end) {
                buf.clear();
                if (end - pos < buf.capacity()) {
                    buf.limit((int) (end - pos));
                }
                int n = ch.read(buf, pos);
                if (n < 0) {
                    throw new IOException("the spool file ended before its chunk did");
                }
                out.write(buf.array(), 0, n);
                pos += n;
            }
        }
        out.flush();
    }

    @Override
    public void sendTo(SocketChannel socket, Runnable progress) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer spare = null;
            long sentByTransfer = 0;
            transferred = 0;
            long pos = offset;
            long end = offset + length;
            while (pos < end) {
                long n = ch.transferTo(pos, Math.min(WRITE_SIZE, end - pos), socket);
                if (n == 0) {
                    // Nothing went: the file ends here (it is shorter than its region), or the socket could take
                    // nothing now (a channel the JDK made non-blocking). A read and a blocking write of the next
                    // bytes tell the two apart, and wait for the socket instead of spinning.
                    if (spare == null) {
                        spare = ByteBuffer.allocate((int) Math.min(WRITE_SIZE, end - pos));
                    }
                    spare.clear();
                    spare.limit((int) Math.min(spare.capacity(), end - pos));
                    int read = ch.read(spare, pos);
                    if (read < 0) {
                        throw new IOException("the spool file ended before its chunk did");
                    }
                    spare.flip();
                    while (spare.hasRemaining()) {
                        socket.write(spare);
                    }
                    n = read;
                } else {
                    sentByTransfer += n;
                    transferred = sentByTransfer;
                }
                pos += n;
                progress.run();
            }
        }
    }

    /** How many bytes of the last {@link #sendTo} went by transferTo. */
    long transferred() {
        return transferred;
    }

    @Override
    public boolean isStreaming() {
        return false;
    }
}
