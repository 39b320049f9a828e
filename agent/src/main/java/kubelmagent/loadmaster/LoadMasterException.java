package kubelmagent.loadmaster;

/**
 * A LoadMaster call failed. The message is operator-facing: it names the command (never the URL,
 * which may carry the API key) and what the LoadMaster said, e.g.
 * {@code addrs vs=3 rs=10.0.0.1:80: LoadMaster answered 422 "Real Server already exists"}.
 */
public class LoadMasterException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * @param status the HTTP status (equal to the envelope's {@code stat}), or 0 when no answer came
     *               (connection refused, timeout, TLS failure)
     */
    public LoadMasterException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public LoadMasterException(String message, int status) {
        this(message, status, null);
    }

    /** The HTTP status, or 0 if the LoadMaster did not answer. */
    public int status() {
        return status;
    }

    /**
     * True when the LoadMaster answered with a refusal (4xx), so the call surely did not take
     * effect. False for no answer, timeouts and 5xx, where it may have.
     */
    public boolean isRefusal() {
        return status >= 400 && status < 500;
    }
}
