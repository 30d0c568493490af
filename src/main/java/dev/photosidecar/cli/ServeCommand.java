package dev.photosidecar.cli;

import dev.photosidecar.server.App;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code photo-sidecar serve}: runs the server until SIGTERM or Ctrl-C, then stops gracefully. */
@Command(name = "serve", description = "Run the sidecar (the default command).", mixinStandardHelpOptions = true)
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;
    @Mixin
    AcceptOptions accept = new AcceptOptions();

    @Override
    public Integer call() throws InterruptedException {
        App app = App.start(config.load(), Clock.systemUTC(), accept.accept());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
        return 0;
    }
}
