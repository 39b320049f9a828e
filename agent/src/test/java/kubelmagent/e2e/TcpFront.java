package kubelmagent.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain TCP front to a server (the real kube-apiserver): it relays bytes both ways, TLS and all, so a client
 * pointed at {@code https://127.0.0.1:PORT} talks to the server behind it (its certificate names 127.0.0.1). The
 * test can {@link #cut} it: every open connection is closed and each new one is closed as soon as it is accepted,
 * as when a network between one host and the API server fails; {@link #restore} relays again. Unlike the
 * {@code cli.FaultyFront} (an HTTPS front with its own certificate, for the stand-ins), it leaves TLS end to end.
 */
final class TcpFront implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> open = new ArrayList<>();
    private volatile boolean cut;
    /** While true, bytes from clients are kept here, per upstream socket, instead of being relayed. */
    private boolean held;

    private final java.util.Map<Socket, java.io.ByteArrayOutputStream> pending = new java.util.HashMap<>();
    private volatile boolean closed;

    /** A front on a free port of 127.0.0.1 to {@code target} ({@code https://127.0.0.1:6443}). */
    TcpFront(URI target) throws IOException {
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "e2e-tcp-front");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The front's address, for {@code kubernetes.server}. */
    URI url() {
        return URI.create("https://127.0.0.1:" + server.getLocalPort());
    }

    /** Closes every connection through the front, and each new one as soon as it is accepted. */
    void cut() {
        cut = true;
        closeAll();
    }

    /** Relays new connections again. */
    void restore() {
        cut = false;
    }

    /**
     * Keeps the bytes clients send from now on instead of relaying them, as a network that delays packets: a request
     * sent meanwhile reaches the server only on {@link #release}. Answers are relayed as before.
     */
    synchronized void hold() {
        held = true;
    }

    /** How many bytes from clients are being held. */
    synchronized int heldBytes() {
        return pending.values().stream()
                .mapToInt(java.io.ByteArrayOutputStream::size)
                .sum();
    }

    /** Relays the bytes held, in order, and relays again from now on. */
    synchronized void release() {
        held = false;
        pending.forEach((to, bytes) -> {
            try {
                to.getOutputStream().write(bytes.toByteArray());
                to.getOutputStream().flush();
            } catch (IOException e) {
                quietly(to);
            }
        });
        pending.clear();
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            if (cut) {
                quietly(client);
                continue;
            }
            try {
                Socket upstream = new Socket();
                upstream.connect(target, 5000);
                synchronized (this) {
                    open.add(client);
                    open.add(upstream);
                }
                pipe(client, upstream, true);
                pipe(upstream, client, false);
            } catch (IOException e) {
                quietly(client);
            }
        }
    }

    private void pipe(Socket from, Socket to, boolean toServer) {
        Thread thread = new Thread(
                () -> {
                    byte[] buffer = new byte[16 * 1024];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            synchronized (this) {
                                if (toServer && held) {
                                    pending.computeIfAbsent(to, k -> new java.io.ByteArrayOutputStream())
                                            .write(buffer, 0, n);
                                    continue;
                                }
                            }
                            out.write(buffer, 0, n);
                            out.flush();
                        }
                    } catch (IOException e) {
                        // one side closed: close both below
                    } finally {
                        quietly(from);
                        quietly(to);
                        synchronized (this) {
                            open.remove(from);
                            open.remove(to);
                        }
                    }
                },
                "e2e-tcp-front-pipe");
        thread.setDaemon(true);
        thread.start();
    }

    private synchronized void closeAll() {
        open.forEach(TcpFront::quietly);
        open.clear();
    }

    private static void quietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        closeAll();
    }
}
