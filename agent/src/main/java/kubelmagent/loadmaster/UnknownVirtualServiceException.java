package kubelmagent.loadmaster;

/** The LoadMaster answered {@code Unknown VS}: no Virtual Service has that id. */
public final class UnknownVirtualServiceException extends LoadMasterException {

    private static final long serialVersionUID = 1L;

    public UnknownVirtualServiceException(String message, int status) {
        super(message, status);
    }
}
