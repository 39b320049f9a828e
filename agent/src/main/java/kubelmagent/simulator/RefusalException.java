package kubelmagent.simulator;

/**
 * The simulated LoadMaster refused a command: it answers {@code <Response stat="<stat>" code="fail">
 * <Error><text></Error></Response>} (APIv1) or {@code {"code": <stat>, "message": "<text>", "status": "fail"}}
 * (APIv2), with HTTP status {@code stat}.
 */
public final class RefusalException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int stat;

    public RefusalException(int stat, String text) {
        super(text);
        this.stat = stat;
    }

    /** The HTTP status, equal to the envelope's {@code stat}. */
    public int stat() {
        return stat;
    }

    /** The {@code <Error>} text. */
    public String text() {
        return getMessage();
    }
}
