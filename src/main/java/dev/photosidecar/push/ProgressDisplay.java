package dev.photosidecar.push;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Shows how a long phase is going, on stderr so that stdout stays clean for the summary or JSON. On a
 * terminal it is a bar redrawn in place with '\r' ten times a second; in a log (no terminal) it is a
 * plain line every few seconds, since '\r' redraws would pile up there. The last state is always
 * printed when the phase ends.
 */
public final class ProgressDisplay implements AutoCloseable {
    private static final int BAR_WIDTH = 24;
    private static final Duration BAR_EVERY = Duration.ofMillis(100);

    /** How to show progress: {@code auto} picks {@code bar} on a terminal and {@code lines} elsewhere. */
    public enum Mode {
        AUTO, BAR, LINES, NONE;

        Mode resolved() {
            return this == AUTO ? (System.console() != null ? BAR : LINES) : this;
        }
    }

    /** What to show: how much is done (0..1, or negative when unknown) and a text. */
    public record Line(double fraction, String text) {
    }

    private final Mode mode;
    private final PrintWriter err;
    private final Supplier<Line> line;
    private final String label;
    private final ScheduledExecutorService ticker;
    private int lastWidth;

    private ProgressDisplay(Mode mode, PrintWriter err, String label, Supplier<Line> line, Duration linesEvery) {
        this.mode = mode.resolved();
        this.err = err;
        this.label = label;
        this.line = line;
        if (this.mode == Mode.NONE) {
            ticker = null;
            return;
        }
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "push-progress");
            t.setDaemon(true);
            return t;
        });
        long every = (this.mode == Mode.BAR ? BAR_EVERY : linesEvery).toMillis();
        ticker.scheduleAtFixedRate(this::draw, this.mode == Mode.BAR ? 0 : every, every, TimeUnit.MILLISECONDS);
    }

    static ProgressDisplay start(Mode mode, PrintWriter err, String label, Supplier<Line> line, Duration linesEvery) {
        return new ProgressDisplay(mode, err, label, line, linesEvery);
    }

    private synchronized void draw() {
        Line l = line.get();
        if (mode == Mode.BAR) {
            String text = label + " " + bar(l.fraction()) + " " + l.text();
            // Spaces wipe what is left of a longer previous line.
            err.print("\r" + text + " ".repeat(Math.max(0, lastWidth - text.length())));
            lastWidth = text.length();
        } else {
            err.println(label + ": " + (l.fraction() >= 0 ? String.format(Locale.ROOT, "%3.0f%%  ", l.fraction() * 100) : "")
                    + l.text());
        }
        err.flush();
    }

    static String bar(double fraction) {
        if (fraction < 0) {
            return "[" + " ".repeat(BAR_WIDTH) + "]";
        }
        int full = (int) Math.round(Math.min(1, fraction) * BAR_WIDTH);
        String body = full >= BAR_WIDTH ? "=".repeat(BAR_WIDTH) : "=".repeat(full) + ">" + " ".repeat(BAR_WIDTH - full - 1);
        return "[" + body + "]";
    }

    /** Stops the redraws and prints the final state (then a line break, for the bar). */
    @Override
    public void close() {
        if (ticker == null) {
            return;
        }
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        draw();
        if (mode == Mode.BAR) {
            synchronized (this) {
                err.println();
                err.flush();
            }
        }
    }
}
