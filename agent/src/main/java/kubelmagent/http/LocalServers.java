package kubelmagent.http;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import kubelmagent.tls.SelfSignedCertificate;

/**
 * Creates the JDK HTTP(S) servers: the agent's metrics endpoint and the local stand-ins (the LoadMaster
 * simulator, the stand-in Kubernetes API), so that they answer as promptly as real servers do. Every
 * JDK HTTP server in the process must be made here: the first one fixes the setting for all.
 */
public final class LocalServers {

    static {
        // The JDK's HTTP server writes a response's headers and its body in two writes. With Nagle's
        // algorithm on, the body then waits for the client's delayed ACK of the headers (about 40 ms on
        // Linux) on every request, which real servers do not make their clients pay. The JDK reads this
        // property once, when its first HTTP server starts; an explicit setting is left alone.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private LocalServers() {}

    /** An HTTPS server presenting {@code certificate}; not started. */
    public static HttpsServer https(InetSocketAddress address, SelfSignedCertificate certificate) throws IOException {
        HttpsServer server = HttpsServer.create(address, 64);
        server.setHttpsConfigurator(new HttpsConfigurator(certificate.serverContext()));
        return server;
    }

    /** A plain HTTP server; not started. */
    public static HttpServer http(InetSocketAddress address) throws IOException {
        return HttpServer.create(address, 64);
    }
}
