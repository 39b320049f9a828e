package kubelmagent.config;

import java.util.List;

/**
 * {@code agent.yaml} is unusable. Holds every problem found, each as {@code path: message (got value)},
 * e.g. {@code loadmaster.url: must be an https URL (got "ftp://x")}. Never holds a secret's value.
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public ConfigException(String file, List<String> problems) {
        super(file + ": " + problems.size() + " problem(s): " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
