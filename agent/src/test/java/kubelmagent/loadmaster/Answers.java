package kubelmagent.loadmaster;

import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import okio.Buffer;

/** Scripted LoadMaster answers for MockWebServer. */
final class Answers {

    private Answers() {}

    /** A fixture from {@code src/test/resources/loadmaster/} with the given status. */
    static MockResponse xml(int code, String fixture) {
        return response(code, Fixtures.bytes(fixture));
    }

    static MockResponse response(int code, byte[] body) {
        MockResponse.Builder b = new MockResponse.Builder().code(code);
        if (body.length > 0) {
            b.addHeader("Content-Type", "text/xml");
        }
        return b.body(new Buffer().write(body)).build();
    }

    /** 401 as the LoadMaster sends it: no body, a Basic challenge. */
    static MockResponse unauthorized() {
        return new MockResponse.Builder()
                .code(401)
                .addHeader("WWW-Authenticate", "Basic realm=\"LM\"")
                .build();
    }

    /** The connection is closed before any answer. */
    static MockResponse dropped() {
        return new MockResponse.Builder()
                .onResponseStart(new SocketEffect.CloseSocket())
                .build();
    }
}
