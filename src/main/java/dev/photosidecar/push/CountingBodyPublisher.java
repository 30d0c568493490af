package dev.photosidecar.push;

import java.net.http.HttpRequest.BodyPublisher;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.function.LongConsumer;

/**
 * Wraps a body publisher (a file, streamed) and reports every buffer handed to the connection, so the
 * progress bar moves during a large video instead of jumping when it is done.
 */
final class CountingBodyPublisher implements BodyPublisher {
    private final BodyPublisher delegate;
    private final LongConsumer sent;

    CountingBodyPublisher(BodyPublisher delegate, LongConsumer sent) {
        this.delegate = delegate;
        this.sent = sent;
    }

    @Override
    public long contentLength() {
        return delegate.contentLength();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        delegate.subscribe(new Flow.Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscriber.onSubscribe(subscription);
            }

            @Override
            public void onNext(ByteBuffer item) {
                sent.accept(item.remaining());
                subscriber.onNext(item);
            }

            @Override
            public void onError(Throwable throwable) {
                subscriber.onError(throwable);
            }

            @Override
            public void onComplete() {
                subscriber.onComplete();
            }
        });
    }
}
