package kubelmagent.kube;

import java.io.IOException;

/**
 * A read or write of one object failed; the message is a complete operator-facing sentence (what, why, what
 * to do) and never holds the token.
 */
public final class ObjectStoreException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int status;

    ObjectStoreException(KubernetesApiException e) {
        super(e.getMessage(), e);
        this.status = e.status();
    }

    public ObjectStoreException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The API answered 409: the object exists already (create), or changed since it was read (update). */
    public boolean conflict() {
        return status == 409;
    }

    /** The HTTP status the API answered with; 0 if no answer came. */
    public int status() {
        return status;
    }
}
