package kubelmagent.secret;

/**
 * A credential (token, API key, password). Its {@link #toString()} never shows the value, so it cannot
 * leak into a log line or an exception message by accident; only {@link #reveal()} does.
 */
public final class Secret {

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /** Wraps a value, stripping the trailing newline that files written with {@code echo} carry. */
    public static Secret of(String value) {
        if (value == null) {
            throw new IllegalArgumentException("secret value is null");
        }
        return new Secret(value.strip());
    }

    public String reveal() {
        return value;
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    @Override
    public String toString() {
        return "(secret)";
    }
}
