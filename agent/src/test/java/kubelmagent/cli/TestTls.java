package kubelmagent.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ServerSocketFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/** HTTPS for the fake servers, from the throwaway test PKI in {@code src/test/resources/pki}. */
final class TestTls {

    private TestTls() {}

    /** A server certificate for localhost and 127.0.0.1, issued by the test CA. */
    static SSLSocketFactory serverSocketFactory() {
        try (InputStream in = resource("server.p12")) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, "changeit".toCharArray());
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(keys, "changeit".toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(factory.getKeyManagers(), null, null);
            return context.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A server socket factory whose accepted sockets send at once (TCP_NODELAY). MockWebServer writes
     * headers and body separately; with Nagle's algorithm on, each response then waits out the
     * client's delayed ACK (about 40 ms), which real API servers do not make you pay.
     */
    static ServerSocketFactory noDelay() {
        return new ServerSocketFactory() {
            @Override
            public ServerSocket createServerSocket() throws IOException {
                return new ServerSocket() {
                    @Override
                    public Socket accept() throws IOException {
                        Socket socket = super.accept();
                        socket.setTcpNoDelay(true);
                        return socket;
                    }
                };
            }

            @Override
            public ServerSocket createServerSocket(int port) throws IOException {
                throw new UnsupportedOperationException();
            }

            @Override
            public ServerSocket createServerSocket(int port, int backlog) throws IOException {
                throw new UnsupportedOperationException();
            }

            @Override
            public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
                throw new UnsupportedOperationException();
            }
        };
    }

    /** Writes the test CA certificate to {@code dir/ca.crt}. */
    static Path writeCa(Path dir) throws IOException {
        try (InputStream in = resource("ca.crt")) {
            Path file = dir.resolve("ca.crt");
            Files.write(file, in.readAllBytes());
            return file;
        }
    }

    private static InputStream resource(String name) {
        InputStream in = TestTls.class.getResourceAsStream("/pki/" + name);
        if (in == null) {
            throw new UncheckedIOException(new IOException("no test PKI file " + name));
        }
        return in;
    }
}
