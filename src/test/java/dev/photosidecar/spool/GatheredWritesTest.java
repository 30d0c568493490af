package dev.photosidecar.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.UnitTest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UnitTest
class GatheredWritesTest {
    @TempDir
    Path dir;

    @Test
    void smallPiecesAreGatheredIntoWholeWritesAndLargeOnesGoAsTheyAre() throws Exception {
        Random random = new Random(3);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        Path file = dir.resolve("body");
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            GatheredWrites writes = new GatheredWrites(out);
            // a slow phone: 1,448-byte pieces; the first whole gathering goes out once 64 KiB are together
            int small = 0;
            while (small + 1448 < GatheredWrites.SIZE) {
                writes.write(piece(random, 1448, sent, true));
                small += 1448;
            }
            assertThat(writes.written()).as("nothing written before 64 KiB are gathered").isZero();
            writes.write(piece(random, 1448, sent, false));
            assertThat(writes.written()).isEqualTo(GatheredWrites.SIZE);
            // what is left gathered goes out at a flush (the body paused or ended)
            writes.flush();
            long afterFlush = small + 1448;
            assertThat(writes.written()).isEqualTo(afterFlush);
            // a large piece with nothing gathered is written at once, from its own buffer
            writes.write(piece(random, 60_000, sent, true));
            assertThat(writes.written()).isEqualTo(afterFlush + 60_000);
            writes.write(piece(random, 100, sent, false));
            writes.write(piece(random, 50_000, sent, true)); // behind gathered bytes: gathered too, in order
            writes.flush();
            assertThat(writes.written()).isEqualTo(afterFlush + 110_100);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(sent.toByteArray());
    }

    private static ByteBuffer piece(Random random, int n, ByteArrayOutputStream sent, boolean direct) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        sent.write(b, 0, n);
        ByteBuffer buf = direct ? ByteBuffer.allocateDirect(n + 10) : ByteBuffer.allocate(n + 10);
        buf.position(5);
        buf.put(b);
        buf.flip();
        buf.position(5);
        return buf;
    }
}
