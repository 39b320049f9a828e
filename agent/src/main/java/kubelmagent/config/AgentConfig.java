package kubelmagent.config;

import java.nio.file.Path;
import java.util.List;

import kubelmagent.kube.KubernetesConnection;
import kubelmagent.kube.Selector;
import kubelmagent.loadmaster.LoadMasterConnection;

/**
 * The validated contents of {@code agent.yaml}.
 *
 * @param kubernetes  how to reach the Kubernetes API
 * @param namespaces  namespaces to watch; empty means all
 * @param selector    label and annotation keys
 * @param loadMaster  how to reach the LoadMaster
 * @param schedule    when passes run
 * @param stateDir    where the ownership ledger lives
 */
public record AgentConfig(
        KubernetesConnection kubernetes,
        List<String> namespaces,
        Selector selector,
        LoadMasterConnection loadMaster,
        Schedule schedule,
        Path stateDir) {

    public AgentConfig {
        namespaces = List.copyOf(namespaces);
    }
}
