package kubelmagent.kube;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** Reads a kubeconfig file into a {@link KubernetesConnection}. */
public final class Kubeconfig {

    private Kubeconfig() {}

    /**
     * @param file    the kubeconfig
     * @param context the context to use, or null for {@code current-context}
     * @param timeout request timeout for the resulting connection
     * @throws IOException with an operator-facing message naming the file and what is wrong
     */
    public static KubernetesConnection read(Path file, String context, Duration timeout) throws IOException {
        throw new IOException("kubeconfig support is not implemented yet");
    }
}
